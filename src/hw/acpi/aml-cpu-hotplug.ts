/**
 * The CPU hotplug AML of QEMU 7.2 (hw/acpi/cpu.c, build_cpus_aml) as the PC machine uses it:
 * the register block device `PRES` under PCI0 with its fields, the processor container `CPUS`
 * with the CTFY/CSTA/CEJ0/CSCN/COST methods and one `Processor` per possible CPU, and the GPE.2
 * handler that rescans.
 */
import {
  Aml, amlAcquire, amlArg, amlBreak, amlBuffer, amlCall, amlDebug, amlDerefOf, amlDevice, amlEisaid, amlElse, amlEqual, amlField,
  amlIf, amlIncrement, amlIndex, amlInt, amlLand, amlLless, amlLocal, amlMethod, amlMutex, amlName, amlNameDecl, amlNamedField,
  amlNotify, amlOperationRegion, amlPackage, amlProcessor, amlRelease, amlReservedField, amlReturn, amlScope, amlStore, amlString,
  amlWhile,
} from "./aml-build.js";
import { amlIo, amlResourceTemplate } from "./aml-resources.js";

/** One possible CPU: its ACPI processor UID, APIC id, and whether it is plugged in. */
export interface AcpiCpu {
  uid: number;
  apicId: number;
  present: boolean;
  /** Only the boot CPU cannot be ejected. */
  ejectable: boolean;
}

/** QEMU's ACPI_CPU_HOTPLUG_REG_LEN. */
const REG_LEN = 12;
const RES = "\\_SB.PCI0.PRES";
const r = (field: string) => amlName(`${RES}.${field}`);
const lock = () => amlAcquire(r("CPLK"), 0xffff);
const unlock = () => amlRelease(r("CPLK"));

/** The MADT local APIC entry a processor's _MAT returns. */
export function madtCpuEntry(cpu: AcpiCpu): number[] {
  return [0x00, 0x08, cpu.uid, cpu.apicId, cpu.present ? 1 : 0, 0, 0, 0];
}

function cpuName(uid: number): string {
  return `C${uid.toString(16).toUpperCase().padStart(3, "0")}`;
}

function registers(ioBase: number): Aml {
  const dev = amlDevice(RES);
  dev.append(amlNameDecl("_HID", amlEisaid("PNP0A06")));
  dev.append(amlNameDecl("_UID", amlString("CPU Hotplug resources")));
  dev.append(amlMutex("CPLK", 0));
  dev.append(amlNameDecl("_CRS", amlResourceTemplate().append(amlIo(true, ioBase, ioBase, 1, REG_LEN))));
  dev.append(amlOperationRegion("PRST", "system-io", amlInt(ioBase), REG_LEN));
  const flags = amlField("PRST", "byte", "nolock", "write-as-zeros");
  flags.append(amlReservedField(32));
  for (const f of ["CPEN", "CINS", "CRMV", "CEJ0", "CEJF"]) flags.append(amlNamedField(f, 1));
  flags.append(amlReservedField(3));
  flags.append(amlNamedField("CCMD", 8));
  dev.append(flags);
  const words = amlField("PRST", "dword", "nolock", "preserve");
  words.append(amlNamedField("CSEL", 32));
  words.append(amlReservedField(32));
  words.append(amlNamedField("CDAT", 32));
  dev.append(words);
  dev.append(amlMethod("_INI", 0, "serialized").append(amlStore(amlInt(0), amlName("CSEL"))));
  return dev;
}

function scanMethod(cpus: number): Aml {
  const m = amlMethod("CSCN", 0, "serialized");
  const [hasEvent, uid, newCount, next, retry] = [amlLocal(0), amlLocal(3), amlLocal(1), amlLocal(2), amlLocal(4)];
  m.append(lock());
  m.append(amlNameDecl("CNEW", amlPackage(0xff)));
  m.append(amlStore(amlInt(0), uid));
  m.append(amlStore(amlInt(1), retry));
  const outer = amlWhile(amlEqual(retry, amlInt(1)));
  outer.append(amlStore(amlInt(0), retry));
  outer.append(amlStore(amlInt(1), hasEvent));
  outer.append(amlStore(amlInt(0), newCount));
  const scan = amlWhile(amlLand(amlEqual(hasEvent, amlInt(1)), amlLless(uid, amlInt(cpus))));
  scan.append(amlStore(amlInt(0), hasEvent));
  scan.append(amlStore(uid, r("CSEL")));
  scan.append(amlStore(amlInt(0), r("CCMD")));
  scan.append(amlIf(amlLless(r("CDAT"), uid)).append(amlBreak()));
  scan.append(amlIf(amlEqual(newCount, amlInt(0xff))).append(amlStore(amlInt(1), retry)).append(amlBreak()));
  scan.append(amlStore(r("CDAT"), uid));
  const ins = amlIf(amlEqual(r("CINS"), amlInt(1)));
  ins.append(amlStore(uid, amlIndex(amlName("CNEW"), newCount)));
  ins.append(amlIncrement(newCount));
  ins.append(amlStore(amlInt(1), hasEvent));
  scan.append(ins);
  const rm = amlIf(amlEqual(r("CRMV"), amlInt(1)));
  rm.append(amlCall("CTFY", uid, amlInt(3)));
  rm.append(amlStore(amlInt(1), r("CRMV")));
  rm.append(amlStore(amlInt(1), hasEvent));
  scan.append(amlElse().append(rm));
  scan.append(amlIncrement(uid));
  outer.append(scan);
  outer.append(amlStore(amlInt(0), next));
  const notify = amlWhile(amlLless(next, newCount));
  notify.append(amlStore(amlDerefOf(amlIndex(amlName("CNEW"), next)), uid));
  notify.append(amlCall("CTFY", uid, amlInt(1)));
  notify.append(amlStore(uid, amlDebug()));
  notify.append(amlStore(uid, r("CSEL")));
  notify.append(amlStore(amlInt(1), r("CINS")));
  notify.append(amlIncrement(next));
  outer.append(notify);
  m.append(outer);
  m.append(unlock());
  return m;
}

function container(cpus: readonly AcpiCpu[]): Aml {
  const dev = amlDevice("\\_SB.CPUS");
  dev.append(amlNameDecl("_HID", amlString("ACPI0010")));
  dev.append(amlNameDecl("_CID", amlEisaid("PNP0A05")));
  const ctfy = amlMethod("CTFY", 2, "notserialized");
  for (const cpu of cpus) ctfy.append(amlIf(amlEqual(amlArg(0), amlInt(cpu.uid))).append(amlNotify(amlName(cpuName(cpu.uid)), amlArg(1))));
  dev.append(ctfy);

  const csta = amlMethod("CSTA", 1, "serialized");
  csta.append(lock());
  csta.append(amlStore(amlArg(0), r("CSEL")));
  csta.append(amlStore(amlInt(0), amlLocal(0)));
  csta.append(amlIf(amlEqual(r("CPEN"), amlInt(1))).append(amlStore(amlInt(0xf), amlLocal(0))));
  csta.append(unlock());
  csta.append(amlReturn(amlLocal(0)));
  dev.append(csta);

  const cej0 = amlMethod("CEJ0", 1, "serialized");
  cej0.append(lock());
  cej0.append(amlStore(amlArg(0), r("CSEL")));
  cej0.append(amlStore(amlInt(1), r("CEJ0")));
  cej0.append(unlock());
  dev.append(cej0);

  dev.append(scanMethod(cpus.length));

  const cost = amlMethod("COST", 4, "serialized");
  cost.append(lock());
  cost.append(amlStore(amlArg(0), r("CSEL")));
  cost.append(amlStore(amlInt(1), r("CCMD")));
  cost.append(amlStore(amlArg(1), r("CDAT")));
  cost.append(amlStore(amlInt(2), r("CCMD")));
  cost.append(amlStore(amlArg(2), r("CDAT")));
  cost.append(unlock());
  dev.append(cost);

  for (const cpu of cpus) {
    const p = amlProcessor(cpu.uid, 0, 0, cpuName(cpu.uid));
    p.append(amlMethod("_STA", 0, "serialized").append(amlReturn(amlCall("CSTA", amlInt(cpu.uid)))));
    p.append(amlNameDecl("_MAT", amlBuffer(madtCpuEntry(cpu))));
    if (cpu.ejectable) p.append(amlMethod("_EJ0", 1, "notserialized").append(amlCall("CEJ0", amlInt(cpu.uid))));
    p.append(amlMethod("_OST", 3, "serialized").append(amlCall("COST", amlInt(cpu.uid), amlArg(0), amlArg(1), amlArg(2))));
    dev.append(p);
  }
  return dev;
}

/** Scope(_SB) with PRES and CPUS, then the GPE.2 handler. */
export function amlCpuHotplug(cpus: readonly AcpiCpu[], ioBase: number): Aml[] {
  const sb = amlScope("_SB");
  sb.append(registers(ioBase));
  sb.append(container(cpus));
  const e02 = amlMethod("\\_GPE._E02", 0, "notserialized").append(amlCall("\\_SB.CPUS.CSCN"));
  return [sb, e02];
}
