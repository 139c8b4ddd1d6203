/**
 * The DSDT of QEMU 7.2's i440FX machine (hw/i386/acpi-build.c, build_dsdt for PIIX4), term for
 * term in QEMU's order: the debug port method, PCI0, PCI hotplug registers, interrupt routing
 * (_PRT and the LNKx link devices), the HPET, CPU hotplug, PCI0's resources, sleep states,
 * fw_cfg, the root bus slots (with the ISA devices under the PIIX3) and the hotplug GPE.
 */
import {
  Aml, amlAnd, amlArg, amlCall, amlCreateDwordField, amlDerefOf, amlDevice, amlEisaid, amlElse, amlEqual, amlField, amlIf,
  amlIncrement, amlIndex, amlInt, amlLgreater, amlLless, amlLocal, amlLor, amlMethod, amlName, amlNameDecl, amlNamedField,
  amlOperationRegion, amlOr, amlPackage, amlReturn, amlScope, amlShiftleft, amlShiftright, amlSizeof, amlStore, amlString,
  amlSubtract, amlToHexstring, amlTobuffer, amlWhile, amlAdd,
} from "./aml-build.js";
import {
  amlDwordMemory, amlInterrupt, amlIo, amlMemory32Fixed, amlQwordMemory, amlResourceTemplate, amlWordBusNumber, amlWordIo,
} from "./aml-resources.js";
import { amlCpuHotplug, type AcpiCpu } from "./aml-cpu-hotplug.js";
import { amlPciBusDevices, amlPciHotplugGpe, amlPciHotplugRegisters, type PciSlotInfo } from "./aml-pci-hotplug.js";

export interface PcDsdtInfo {
  hpet: boolean;
  cpus: readonly AcpiCpu[];
  cpuHotplugIoBase: number;
  pciHotplugIoBase: number;
  pciHotplugIoLen: number;
  gpe0Base: number;
  gpe0Len: number;
  /** The 32-bit PCI window [start, end] and the 64-bit one, if any. */
  pciHole: [number, number];
  /** Ranges inside the 32-bit window that PCI0 does not offer (Q35's MMCONFIG window). */
  pciHoleUsed?: ReadonlyArray<[number, number]>;
  pciHole64: [bigint, bigint] | undefined;
  /** S3/S4 offered, and the S4 sleep type value. */
  s3: boolean;
  s4: boolean;
  s4Val: number;
  fwCfgDma: boolean;
  /** The root bus by devfn. */
  slots: ReadonlyArray<PciSlotInfo | undefined>;
}

/** build_dbg_aml: DBUG writes a value's hex text to the debug console port. */
export function debugAml(): Aml {
  const scope = amlScope("\\");
  scope.append(amlOperationRegion("DBG", "system-io", amlInt(0x0402), 0x01));
  scope.append(amlField("DBG", "byte", "nolock", "preserve").append(amlNamedField("DBGB", 8)));
  const m = amlMethod("DBUG", 1, "notserialized");
  const [buf, len, idx] = [amlLocal(0), amlLocal(1), amlLocal(2)];
  m.append(amlToHexstring(amlArg(0), buf));
  m.append(amlTobuffer(buf, buf));
  m.append(amlSubtract(amlSizeof(buf), amlInt(1), len));
  m.append(amlStore(amlInt(0), idx));
  const loop = amlWhile(amlLless(idx, len));
  loop.append(amlStore(amlDerefOf(amlIndex(buf, idx)), amlName("DBGB")));
  loop.append(amlIncrement(idx));
  m.append(loop);
  m.append(amlStore(amlInt(0x0a), amlName("DBGB")));
  scope.append(m);
  return scope;
}

function pci0Device(): Aml {
  const sb = amlScope("_SB");
  const dev = amlDevice("PCI0");
  dev.append(amlNameDecl("_HID", amlEisaid("PNP0A03")));
  dev.append(amlNameDecl("_ADR", amlInt(0)));
  dev.append(amlNameDecl("_UID", amlInt(0)));
  return sb.append(dev);
}

function prtEntry(link: string): Aml {
  return amlPackage(4).append(amlInt(0)).append(amlInt(0)).append(amlName(link)).append(amlInt(0));
}

/** _PRT computed in a loop: slot N pin P goes to link (N + P) mod 4, the PM's SCI to LNKS. */
function prt(): Aml {
  const m = amlMethod("_PRT", 0, "notserialized");
  const [res, pin, slot, lnk, entry] = [amlLocal(0), amlLocal(1), amlLocal(2), amlLocal(3), amlLocal(4)];
  m.append(amlStore(amlPackage(128), res));
  m.append(amlStore(amlInt(0), pin));
  const loop = amlWhile(amlLless(pin, amlInt(128)));
  loop.append(amlStore(amlShiftright(pin, amlInt(2)), slot));
  loop.append(amlStore(amlAnd(amlAdd(pin, slot), amlInt(3)), lnk));
  loop.append(amlIf(amlEqual(lnk, amlInt(0))).append(amlStore(prtEntry("LNKD"), entry)));
  const one = amlIf(amlEqual(lnk, amlInt(1)));
  one.append(amlIf(amlEqual(pin, amlInt(4))).append(amlStore(prtEntry("LNKS"), entry)));
  one.append(amlElse().append(amlStore(prtEntry("LNKA"), entry)));
  loop.append(one);
  loop.append(amlIf(amlEqual(lnk, amlInt(2))).append(amlStore(prtEntry("LNKB"), entry)));
  loop.append(amlIf(amlEqual(lnk, amlInt(3))).append(amlStore(prtEntry("LNKC"), entry)));
  loop.append(amlStore(amlOr(amlShiftleft(slot, amlInt(16)), amlInt(0xffff)), amlIndex(entry, amlInt(0))));
  loop.append(amlStore(amlAnd(pin, amlInt(3)), amlIndex(entry, amlInt(1))));
  loop.append(amlStore(entry, amlIndex(res, pin)));
  loop.append(amlIncrement(pin));
  m.append(loop);
  m.append(amlReturn(res));
  return m;
}

export function linkDevice(name: string, uid: number, reg: string): Aml {
  const dev = amlDevice(name);
  dev.append(amlNameDecl("_HID", amlEisaid("PNP0C0F")));
  dev.append(amlNameDecl("_UID", amlInt(uid)));
  dev.append(amlNameDecl("_PRS", amlResourceTemplate().append(amlInterrupt(true, [5, 10, 11]))));
  dev.append(amlMethod("_STA", 0, "notserialized").append(amlReturn(amlCall("IQST", amlName(reg)))));
  dev.append(amlMethod("_DIS", 0, "notserialized").append(amlOr(amlName(reg), amlInt(0x80), amlName(reg))));
  dev.append(amlMethod("_CRS", 0, "notserialized").append(amlReturn(amlCall("IQCR", amlName(reg)))));
  const srs = amlMethod("_SRS", 1, "notserialized");
  srs.append(amlCreateDwordField(amlArg(0), amlInt(5), "PRRI"));
  srs.append(amlStore(amlName("PRRI"), amlName(reg)));
  dev.append(srs);
  return dev;
}

/** build_piix4_pci0_int: _PRT, the IQST/IQCR helpers, LNKA…LNKD and the SCI's LNKS. */
function interruptRouting(): Aml {
  const sb = amlScope("_SB");
  sb.append(amlScope("PCI0").append(prt()));
  const iqst = amlMethod("IQST", 1, "notserialized");
  iqst.append(amlIf(amlAnd(amlInt(0x80), amlArg(0))).append(amlReturn(amlInt(0x09))));
  iqst.append(amlReturn(amlInt(0x0b)));
  sb.append(iqst);
  const iqcr = amlMethod("IQCR", 1, "serialized");
  iqcr.append(amlNameDecl("PRR0", amlResourceTemplate().append(amlInterrupt(true, [0]))));
  iqcr.append(amlCreateDwordField(amlName("PRR0"), amlInt(5), "PRRI"));
  iqcr.append(amlIf(amlLless(amlArg(0), amlInt(0x80))).append(amlStore(amlArg(0), amlName("PRRI"))));
  iqcr.append(amlReturn(amlName("PRR0")));
  sb.append(iqcr);
  ["LNKA", "LNKB", "LNKC", "LNKD"].forEach((n, i) => sb.append(linkDevice(n, i, `PRQ${i}`)));
  const lnks = amlDevice("LNKS");
  lnks.append(amlNameDecl("_HID", amlEisaid("PNP0C0F")));
  lnks.append(amlNameDecl("_UID", amlInt(4)));
  lnks.append(amlNameDecl("_PRS", amlResourceTemplate().append(amlInterrupt(true, [9]))));
  lnks.append(amlMethod("_STA", 0, "notserialized").append(amlReturn(amlInt(0x0b))));
  lnks.append(amlMethod("_DIS", 0, "notserialized"));
  lnks.append(amlMethod("_CRS", 0, "notserialized").append(amlReturn(amlName("_PRS"))));
  lnks.append(amlMethod("_SRS", 1, "notserialized"));
  sb.append(lnks);
  return sb;
}

/** build_hpet_aml: the HPET device, present only when its registers answer sensibly. */
export function hpetAml(): Aml {
  const sb = amlScope("_SB");
  const dev = amlDevice("HPET");
  dev.append(amlNameDecl("_HID", amlEisaid("PNP0103")));
  dev.append(amlNameDecl("_UID", amlInt(0)));
  dev.append(amlOperationRegion("HPTM", "system-memory", amlInt(0xfed00000), 0x400));
  dev.append(amlField("HPTM", "dword", "lock", "preserve").append(amlNamedField("VEND", 32)).append(amlNamedField("PRD", 32)));
  const sta = amlMethod("_STA", 0, "notserialized");
  const [vend, prd] = [amlLocal(0), amlLocal(1)];
  sta.append(amlStore(amlName("VEND"), vend));
  sta.append(amlStore(amlName("PRD"), prd));
  sta.append(amlShiftright(vend, amlInt(16), vend));
  sta.append(amlIf(amlLor(amlEqual(vend, amlInt(0)), amlEqual(vend, amlInt(0xffff)))).append(amlReturn(amlInt(0))));
  sta.append(amlIf(amlLor(amlEqual(prd, amlInt(0)), amlLgreater(prd, amlInt(100000000)))).append(amlReturn(amlInt(0))));
  sta.append(amlReturn(amlInt(0x0f)));
  dev.append(sta);
  dev.append(amlNameDecl("_CRS", amlResourceTemplate().append(amlMemory32Fixed(0xfed00000, 0x400, false))));
  return sb.append(dev);
}

function resourceDevice(name: string, uid: string, io: number, len: number): Aml {
  const dev = amlDevice(name);
  dev.append(amlNameDecl("_HID", amlString("PNP0A06")));
  dev.append(amlNameDecl("_UID", amlString(uid)));
  dev.append(amlNameDecl("_STA", amlInt(0xb)));
  dev.append(amlNameDecl("_CRS", amlResourceTemplate().append(amlIo(true, io, io, 1, len))));
  return dev;
}

/** PCI0's _CRS (bus numbers, config ports, the I/O and memory windows) and its resource devices. */
export function pci0Resources(info: PcDsdtInfo): Aml {
  const scope = amlScope("\\_SB.PCI0");
  const crs = amlResourceTemplate();
  crs.append(amlWordBusNumber(0x0000, 0x00ff, 0x0100));
  crs.append(amlIo(true, 0x0cf8, 0x0cf8, 0x01, 0x08));
  crs.append(amlWordIo(0x0000, 0x0cf7, 0x0cf8));
  crs.append(amlWordIo(0x0d00, 0xffff, 0xf300));
  crs.append(amlDwordMemory(true, 0x000a0000, 0x000bffff, 0x00020000));
  // The 32-bit window minus what is taken already (Q35's MMCONFIG): QEMU's crs_replace_with_free_ranges.
  let [lo] = info.pciHole;
  const hi = info.pciHole[1];
  for (const [ulo, uhi] of [...(info.pciHoleUsed ?? [])].sort((a, b) => a[0] - b[0])) {
    if (uhi < lo || ulo > hi) continue;
    if (ulo > lo) crs.append(amlDwordMemory(false, lo, ulo - 1, ulo - lo));
    lo = uhi + 1;
  }
  if (lo <= hi) crs.append(amlDwordMemory(false, lo, hi, hi - lo + 1));
  if (info.pciHole64) {
    const [lo64, hi64] = info.pciHole64;
    crs.append(amlQwordMemory(true, lo64, hi64, hi64 - lo64 + 1n));
  }
  scope.append(amlNameDecl("_CRS", crs));
  scope.append(resourceDevice("GPE0", "GPE0 resources", info.gpe0Base, info.gpe0Len));
  scope.append(resourceDevice("PHPR", "PCI Hotplug resources", info.pciHotplugIoBase, info.pciHotplugIoLen));
  return scope;
}

export function sleepStates(info: PcDsdtInfo): Aml {
  const scope = amlScope("\\");
  const pkg = (a: number) => amlPackage(4).append(amlInt(a)).append(amlInt(a)).append(amlInt(0)).append(amlInt(0));
  if (info.s3) scope.append(amlNameDecl("_S3", pkg(1)));
  if (info.s4) scope.append(amlNameDecl("_S4", pkg(info.s4Val)));
  scope.append(amlNameDecl("_S5", pkg(0)));
  return scope;
}

export function fwCfgAml(dma: boolean): Aml {
  const dev = amlDevice("FWCF");
  dev.append(amlNameDecl("_HID", amlString("QEMU0002")));
  dev.append(amlNameDecl("_STA", amlInt(0xb)));
  // The selector and data ports, plus the DMA address register when it exists.
  dev.append(amlNameDecl("_CRS", amlResourceTemplate().append(amlIo(true, 0x510, 0x510, 0x01, dma ? 0x0c : 0x02))));
  return amlScope("\\_SB.PCI0").append(dev);
}

/** The DSDT's definition block body (the table header is added by the caller). */
export function buildPcDsdtBody(info: PcDsdtInfo): number[] {
  const terms: Aml[] = [debugAml(), pci0Device(), amlPciHotplugRegisters(info.pciHotplugIoBase), interruptRouting()];
  if (info.hpet) terms.push(hpetAml());
  terms.push(amlScope("_GPE").append(amlNameDecl("_HID", amlString("ACPI0006"))));
  terms.push(...amlCpuHotplug(info.cpus, info.cpuHotplugIoBase));
  terms.push(pci0Resources(info), sleepStates(info), fwCfgAml(info.fwCfgDma), amlPciBusDevices(info.slots), amlPciHotplugGpe());
  return terms.flatMap((t) => t.encode());
}
