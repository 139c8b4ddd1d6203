/**
 * QEMU 7.2's acpi_build for the Q35 machine: FACS, the Q35 DSDT, a revision 3 FACP, APIC, HPET,
 * MCFG (once the firmware has enabled PCIEXBAR), WAET and RSDT, the RSDP and the loader script.
 * The fw_cfg files and their rebuild on the firmware's first read are acpi-build-pc.ts's.
 */
import type { PCMachineState } from "../i386/pc.js";
import { TYPE_HPET } from "../timer/hpet.js";
import { PCIDevice } from "../pci/pci.js";
import { TYPE_ICH9_LPC_DEVICE } from "../isa/lpc_ich9.js";
import { TYPE_ICH9_SMB_DEVICE } from "../i2c/smbus_ich9.js";
import { PCIE_BASE_ADDR_UNMAPPED } from "../pci-host/q35.js";
import { BiosLinker } from "./bios-linker-loader.js";
import {
  ACPI_BUILD_TABLE_FILE, Blob, buildFacs, buildFadtRev3, buildHpet, buildMadt, buildMcfg, buildRsdp, buildRsdt, buildWaet, tableBegin,
  tableEnd, type TableIds,
} from "./acpi-tables.js";
import { buildQ35DsdtBody, type Q35RootDevice } from "./dsdt-q35.js";
import { amlField, amlInt, amlMethod, amlNamedField, amlOperationRegion, amlReservedField, amlReturn, amlScope, type Aml } from "./aml-build.js";
import { amlIsaDevice } from "./aml-isa.js";
import { ACPI_BUILD_ALIGN_SIZE, ACPI_BUILD_TABLE_SIZE, find, isaDevices, possibleCpus, type AcpiBuildResult } from "./acpi-build-pc.js";
import type { PCIBus } from "../pci/pci-bus.js";
import type { DeviceState } from "../core/qdev.js";

const ICH9_CPU_HOTPLUG_IO_BASE = 0x0cd8;
const ICH9_PCIHP_IO_BASE = 0x0cc0;
const ICH9_PCIHP_IO_LEN = 0x18;
/** GPE0 sits at PMBASE + 0x20 and is 16 bytes long. */
const ICH9_PMIO_GPE0_STS = 0x20;
const ICH9_PMIO_GPE0_LEN = 0x10;

/** The LPC bridge's AML: its eight PIRQ routing registers, then the ISA devices. */
function lpcAml(ms: PCMachineState): Aml[] {
  const region = amlOperationRegion("PIRQ", "pci-config", amlInt(0x60), 0x0c);
  const field = amlField("PCI0.SF8.PIRQ", "byte", "nolock", "preserve");
  for (const n of "ABCD") field.append(amlNamedField(`PRQ${n}`, 8));
  field.append(amlReservedField(32));
  for (const n of "EFGH") field.append(amlNamedField(`PRQ${n}`, 8));
  return [region, amlScope("\\_SB").append(field), ...isaDevices(ms).flatMap(amlIsaDevice)];
}

/**
 * The root bus devices the DSDT lists: every function 0, and other functions whose device has
 * AML of its own (the SMBus controller); VGA-class devices get their _SxD methods.
 */
function rootDevices(ms: PCMachineState, bus: PCIBus | undefined): Q35RootDevice[] {
  const out: Q35RootDevice[] = [];
  for (let devfn = 0; devfn < 256; devfn++) {
    const dev = bus?.slots[devfn];
    if (!(dev instanceof PCIDevice)) continue;
    const hasAml = dev.typeName === TYPE_ICH9_LPC_DEVICE || dev.typeName === TYPE_ICH9_SMB_DEVICE;
    if ((devfn & 7) !== 0 && !hasAml) continue;
    const aml: Aml[] = [];
    if (dev.classIdValue() === 0x0300) {
      const s3d = dev.typeName === "qxl-vga" ? 3 : 0;
      for (const [n, v] of [["_S1D", 0], ["_S2D", 0], ["_S3D", s3d]] as const) aml.push(amlMethod(n, 0, "notserialized").append(amlReturn(amlInt(v))));
    }
    if (dev.typeName === TYPE_ICH9_LPC_DEVICE) aml.push(...lpcAml(ms));
    out.push({ devfn, aml });
  }
  return out;
}

export function acpiBuildQ35(ms: PCMachineState): AcpiBuildResult {
  const ids: TableIds = { oemId: "BOCHS ", oemTableId: "BXPC" };
  const lpc = find(ms, TYPE_ICH9_LPC_DEVICE) as PCIDevice | undefined;
  const host = find(ms, "q35-pcihost");
  const hpet = find(ms, TYPE_HPET);
  const cpus = possibleCpus(ms);
  const pmBase = Number(lpc?.getProperty("pm_io_base") ?? 0);
  const num = (name: string, dflt: number | bigint) => BigInt((host?.getProperty(name) as number | bigint | undefined) ?? dflt);
  const holeStart = Number(num("pci-hole-start", 0));
  const holeEnd = Number(num("pci-hole-end", 0xfec00000));
  const hole64Start = num("pci-hole64-start", 0);
  const hole64End = num("pci-hole64-end", 0);
  const mcfgBase = num("MCFG", PCIE_BASE_ADDR_UNMAPPED);
  const mcfgSize = Number(num("mcfg_size", 0));
  const gpe0Base = pmBase + ICH9_PMIO_GPE0_STS;
  const linker = new BiosLinker();
  const blob = new Blob();
  linker.alloc(ACPI_BUILD_TABLE_FILE, 64, "high");
  const facs = blob.length;
  buildFacs(blob);
  const dsdt = tableBegin(blob, "DSDT", 1, ids);
  blob.bytes(
    buildQ35DsdtBody({
      hpet: (hpet as DeviceState | undefined)?.realized === true,
      cpus,
      cpuHotplugIoBase: ICH9_CPU_HOTPLUG_IO_BASE,
      pciHotplugIoBase: ICH9_PCIHP_IO_BASE,
      pciHotplugIoLen: ICH9_PCIHP_IO_LEN,
      gpe0Base,
      gpe0Len: ICH9_PMIO_GPE0_LEN,
      pciHole: [holeStart, holeEnd - 1],
      pciHole64: hole64End > hole64Start ? [hole64Start, hole64End - 1n] : undefined,
      s3: Number(lpc?.getProperty("disable_s3") ?? 0) === 0,
      s4: Number(lpc?.getProperty("disable_s4") ?? 0) === 0,
      s4Val: Number(lpc?.getProperty("s4_val") ?? 2),
      fwCfgDma: ms.fwCfg?.dmaEnabled ?? true,
      rootDevices: rootDevices(ms, lpc?.pciBus),
      mcfg: mcfgBase !== PCIE_BASE_ADDR_UNMAPPED ? { base: Number(mcfgBase), size: mcfgSize } : undefined,
    }),
  );
  tableEnd(blob, dsdt, linker);
  const tables: number[] = [];
  tables.push(
    buildFadtRev3(
      blob,
      linker,
      {
        facsOffset: facs,
        dsdtOffset: dsdt,
        sciInt: 9,
        smiCmd: 0xb2,
        acpiEnable: Number(lpc?.getProperty("acpi_enable_cmd") ?? 2),
        acpiDisable: Number(lpc?.getProperty("acpi_disable_cmd") ?? 3),
        pmIoBase: pmBase,
        gpe0Base,
        gpe0Len: ICH9_PMIO_GPE0_LEN,
        rtcCentury: 0x32,
        forceApicCluster: ms.smp.maxCpus > 8,
        bootArch: ms.i8042Enabled ? 0x0002 : 0,
      },
      ids,
    ),
  );
  tables.push(buildMadt(blob, linker, cpus, true, ids));
  if (hpet) tables.push(buildHpet(blob, linker, ids));
  if (mcfgBase !== PCIE_BASE_ADDR_UNMAPPED) tables.push(buildMcfg(blob, linker, Number(mcfgBase), mcfgSize, ids));
  tables.push(buildWaet(blob, linker, ids));
  const rsdt = buildRsdt(blob, linker, tables, ids);
  const rsdp = buildRsdp(linker, rsdt, ids);
  const padded = new Uint8Array(Math.ceil(blob.length / ACPI_BUILD_TABLE_SIZE) * ACPI_BUILD_TABLE_SIZE);
  padded.set(blob.b);
  return { tables: padded, rsdp, loader: linker.bytes(ACPI_BUILD_ALIGN_SIZE) };
}
