/**
 * QEMU 7.2's acpi_setup/acpi_build for the i440FX machine (hw/i386/acpi-build.c): the tables
 * blob (FACS, DSDT, FACP, APIC, HPET, WAET, RSDT), the RSDP and the loader script, as fw_cfg
 * files `etc/acpi/tables`, `etc/acpi/rsdp` and `etc/table-loader`. Like QEMU, the tables are built
 * when the machine is complete and built again when the firmware first selects one of the files
 * after a reset (acpi_build_update), so they describe what the firmware set up — the PM base
 * SeaBIOS programs goes into the FADT.
 */
import type { PCMachineState } from "../i386/pc.js";
import { fwCfgAddFile, fwCfgAddFileCallback, type FwCfgState } from "../nvram/fw-cfg.js";
import { x86PossibleCpuArchIds } from "../i386/x86-cpu.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import type { QomObject } from "../../qom/object.js";
import { TYPE_HPET } from "../timer/hpet.js";
import { TYPE_PIIX4_PM, type PIIX4PMState } from "./piix4.js";
import { ACPI_PCIHP_ADDR_PIIX4, ACPI_PCIHP_SIZE } from "./pcihp.js";
import { PCIDevice } from "../pci/pci.js";
import { TYPE_PIIX3_DEVICE } from "../isa/piix3.js";
import { isaBusOf } from "../isa/isa-bus.js";
import { I8042State } from "../input/pckbd.js";
import { IsaFdcState } from "../block/fdc.js";
import { RtcState } from "../rtc/mc146818rtc.js";
import { IsaSerialState } from "../char/serial-isa.js";
import { IsaParallelState } from "../char/parallel.js";
import type { DeviceState } from "../core/qdev.js";
import { BiosLinker } from "./bios-linker-loader.js";
import {
  ACPI_BUILD_RSDP_FILE, ACPI_BUILD_TABLE_FILE, Blob, buildFacs, buildFadtRev1, buildHpet, buildMadt, buildRsdp, buildRsdt, buildWaet,
  tableBegin, tableEnd, type TableIds,
} from "./acpi-tables.js";
import { buildPcDsdtBody, type PcDsdtInfo } from "./dsdt-pc.js";
import { amlField, amlInt, amlNamedField, amlOperationRegion, amlScope, type Aml } from "./aml-build.js";
import { amlIsaDevice, type IsaAmlDevice } from "./aml-isa.js";
import type { AcpiCpu } from "./aml-cpu-hotplug.js";
import type { PCIBus } from "../pci/pci-bus.js";
import { qemuRegisterReset } from "../core/reset.js";
import { memoryRegionInitRamPtr, memoryRegionSetReadonly } from "../../exec/memory.js";

const ACPI_BUILD_LOADER_FILE = "etc/table-loader";
const ACPI_BUILD_TPMLOG_FILE = "etc/tpm/log";
/** The tables blob is padded to this so its size stays put across rebuilds and migration. */
export const ACPI_BUILD_TABLE_SIZE = 0x20000;
export const ACPI_BUILD_ALIGN_SIZE = 0x1000;
const PIIX4_CPU_HOTPLUG_IO_BASE = 0xaf00;
const GPE_BASE = 0xafe0;
const GPE_LEN = 4;
const RTC_CENTURY = 0x32;
const ACPI_PORT_SMI_CMD = 0xb2;

export interface AcpiBuildResult {
  tables: Uint8Array;
  rsdp: Uint8Array;
  loader: Uint8Array;
}

export function find(ms: PCMachineState, type: string): QomObject | undefined {
  return resolvePathType(objectGetRoot(ms.registry), "", type).obj;
}

/** The ISA devices with AML, in QEMU's bus order (newest first). */
export function isaDevices(ms: PCMachineState): IsaAmlDevice[] {
  const out: IsaAmlDevice[] = [];
  for (const { dev } of isaBusOf(ms.registry)?.kids ?? []) {
    if (dev instanceof I8042State) out.push({ kind: "i8042", kbdIrq: dev.kbdIrq, mouseIrq: dev.mouseIrq });
    else if (dev instanceof IsaFdcState) out.push({ kind: "fdc", driveTypes: dev.state.drives.map((x) => x.drive) });
    else if (dev instanceof RtcState) out.push({ kind: "rtc", iobase: dev.ioBase, irq: dev.isairq });
    else if (dev instanceof IsaSerialState) out.push({ kind: "serial", index: dev.index, iobase: dev.iobase, irq: dev.isairq });
    else if (dev instanceof IsaParallelState) out.push({ kind: "parallel", index: dev.index, iobase: dev.iobase, irq: dev.isairq });
  }
  return out;
}

/** The PIIX3's AML: its PIRQ routing registers and the ISA devices behind it. */
function piix3Aml(ms: PCMachineState): Aml[] {
  const region = amlOperationRegion("P40C", "pci-config", amlInt(0x60), 0x04);
  const field = amlField("PCI0.S08.P40C", "byte", "nolock", "preserve");
  for (let i = 0; i < 4; i++) field.append(amlNamedField(`PRQ${i}`, 8));
  return [region, amlScope("\\_SB").append(field), ...isaDevices(ms).flatMap(amlIsaDevice)];
}

function rootBusSlots(ms: PCMachineState, bus: PCIBus | undefined): PcDsdtInfo["slots"] {
  const slots: PcDsdtInfo["slots"][number][] = [];
  for (let devfn = 0; devfn < 256; devfn++) {
    const dev = bus?.slots[devfn];
    if (!(dev instanceof PCIDevice)) continue;
    const isPiix3 = dev.typeName === TYPE_PIIX3_DEVICE;
    slots[devfn] = {
      present: true,
      vga: dev.classIdValue() === 0x0300,
      qxl: dev.typeName === "qxl-vga",
      hotpluggable: dev.deviceClass.hotpluggable,
      ...(isPiix3 ? { aml: () => piix3Aml(ms) } : {}),
    };
  }
  return slots;
}

export function possibleCpus(ms: PCMachineState): AcpiCpu[] {
  return x86PossibleCpuArchIds(ms).map((slot, i) => ({ uid: i, apicId: slot.archId, present: slot.cpu?.realized === true, ejectable: i !== 0 }));
}

/** QEMU's acpi_build for the i440FX machine, from the machine as it is now. */
export function acpiBuildPc(ms: PCMachineState): AcpiBuildResult {
  const ids: TableIds = { oemId: "BOCHS ", oemTableId: "BXPC" };
  const pm = find(ms, TYPE_PIIX4_PM) as PIIX4PMState | undefined;
  const host = find(ms, "i440FX-pcihost");
  const hpet = find(ms, TYPE_HPET);
  const bus = (pm as PCIDevice | undefined)?.pciBus;
  const cpus = possibleCpus(ms);
  const holeStart = Number(host?.getProperty("pci-hole-start") ?? 0);
  const holeEnd = Number(host?.getProperty("pci-hole-end") ?? 0xfec00000);
  const hole64Start = BigInt(host?.getProperty("pci-hole64-start") as number | bigint ?? 0);
  const hole64End = BigInt(host?.getProperty("pci-hole64-end") as number | bigint ?? 0);
  const linker = new BiosLinker();
  const blob = new Blob();
  linker.alloc(ACPI_BUILD_TABLE_FILE, 64, "high");
  const facs = blob.length;
  buildFacs(blob);
  const dsdt = tableBegin(blob, "DSDT", 1, ids);
  blob.bytes(
    buildPcDsdtBody({
      hpet: (hpet as DeviceState | undefined)?.realized === true,
      cpus,
      cpuHotplugIoBase: PIIX4_CPU_HOTPLUG_IO_BASE,
      pciHotplugIoBase: ACPI_PCIHP_ADDR_PIIX4,
      pciHotplugIoLen: ACPI_PCIHP_SIZE,
      gpe0Base: GPE_BASE,
      gpe0Len: GPE_LEN,
      pciHole: [holeStart, holeEnd - 1],
      pciHole64: hole64End > hole64Start ? [hole64Start, hole64End - 1n] : undefined,
      s3: Number(pm?.getProperty("disable_s3") ?? 0) === 0,
      s4: Number(pm?.getProperty("disable_s4") ?? 0) === 0,
      s4Val: Number(pm?.getProperty("s4_val") ?? 2),
      fwCfgDma: ms.fwCfg?.dmaEnabled ?? true,
      slots: rootBusSlots(ms, bus),
    }),
  );
  tableEnd(blob, dsdt, linker);
  const tables: number[] = [];
  tables.push(
    buildFadtRev1(
      blob,
      linker,
      {
        facsOffset: facs,
        dsdtOffset: dsdt,
        sciInt: 9,
        smiCmd: ACPI_PORT_SMI_CMD,
        acpiEnable: 0xf1,
        acpiDisable: 0xf0,
        pmIoBase: pm?.ioBase ?? 0,
        gpe0Base: GPE_BASE,
        gpe0Len: GPE_LEN,
        rtcCentury: RTC_CENTURY,
        forceApicCluster: ms.smp.maxCpus > 8,
      },
      ids,
    ),
  );
  tables.push(buildMadt(blob, linker, cpus, true, ids));
  if (hpet) tables.push(buildHpet(blob, linker, ids));
  tables.push(buildWaet(blob, linker, ids));
  const rsdt = buildRsdt(blob, linker, tables, ids);
  const rsdp = buildRsdp(linker, rsdt, ids);
  const padded = new Uint8Array(Math.ceil(blob.length / ACPI_BUILD_TABLE_SIZE) * ACPI_BUILD_TABLE_SIZE);
  padded.set(blob.b);
  return { tables: padded, rsdp, loader: linker.bytes(ACPI_BUILD_ALIGN_SIZE) };
}

/**
 * QEMU's acpi_setup: the three files, rebuilt in place on the firmware's first selection after
 * each reset (their sizes stay those of the first build, as QEMU's ROM blobs do).
 */
export function acpiSetupPc(ms: PCMachineState, fwCfg: FwCfgState, build: (ms: PCMachineState) => AcpiBuildResult = acpiBuildPc): void {
  const first = build(ms);
  let patched = false;
  const update = () => {
    if (patched) return;
    patched = true;
    const now = build(ms);
    for (const [into, from] of [[first.tables, now.tables], [first.rsdp, now.rsdp], [first.loader, now.loader]] as const) {
      into.fill(0);
      into.set(from.subarray(0, into.length));
    }
  };
  // QEMU keeps each blob in a read-only RAM region of the fw_cfg device (acpi_add_rom_blob), which
  // the QOM tree shows as `/machine/fw_cfg/\x2from@<file>[0]`; the fw_cfg file reads that RAM.
  for (const [file, data] of [[ACPI_BUILD_TABLE_FILE, first.tables], [ACPI_BUILD_LOADER_FILE, first.loader], [ACPI_BUILD_RSDP_FILE, first.rsdp]] as const) {
    memoryRegionSetReadonly(memoryRegionInitRamPtr(fwCfg, `/rom@${file}`, data.length, data), true);
    fwCfgAddFileCallback(fwCfg, file, data, { selectCb: update });
  }
  // The TPM event log, empty without a TPM (QEMU adds it all the same).
  fwCfgAddFile(fwCfg, ACPI_BUILD_TPMLOG_FILE, new Uint8Array(0));
  qemuRegisterReset(ms.registry, () => (patched = false));
}
