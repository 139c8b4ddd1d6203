/**
 * The x86 machines' fw_cfg (QEMU 7.2's hw/i386/fw_cfg.c fw_cfg_arch_create, with the e820 table
 * of hw/i386/e820_memory_layout.c): the device on ports 0x510/0x514 plus the items the firmware
 * reads before anything else — CPU counts, RAM size, the IRQ0 override, `etc/e820`, the HPET
 * description and the NUMA channel.
 */
import { readFileSync } from "node:fs";
import type { X86MachineState } from "./x86.js";
import { findFirmwareFile } from "./pc-firmware.js";
import { TYPE_KVMVAPIC } from "../intc/apic.js";
import { TYPE_HPET, type HpetState } from "../timer/hpet.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import {
  FW_CFG_ARCH_LOCAL,
  FW_CFG_MAX_CPUS,
  FW_CFG_NB_CPUS,
  FW_CFG_NUMA,
  FW_CFG_RAM_SIZE,
  fwCfgAddBytes,
  fwCfgAddBytesCallback,
  fwCfgAddFile,
  fwCfgAddI16,
  fwCfgAddI32,
  fwCfgAddI64,
  fwCfgInitIoDma,
  type FwCfgIoState,
  type FwCfgMachineInfo,
} from "../nvram/fw-cfg.js";

export const FW_CFG_IO_BASE = 0x510;
export const FW_CFG_ACPI_TABLES = FW_CFG_ARCH_LOCAL + 0;
export const FW_CFG_SMBIOS_ENTRIES = FW_CFG_ARCH_LOCAL + 1;
export const FW_CFG_IRQ0_OVERRIDE = FW_CFG_ARCH_LOCAL + 2;
export const FW_CFG_HPET = FW_CFG_ARCH_LOCAL + 4;

export const E820_RAM = 1;
export const E820_RESERVED = 2;

export interface E820Entry {
  address: number;
  length: number;
  type: number;
}

/** The e820 table as the firmware reads it: packed {u64 address, u64 length, u32 type}, little endian. */
export function e820TableBytes(entries: readonly E820Entry[]): Uint8Array {
  const out = new Uint8Array(20 * entries.length);
  const v = new DataView(out.buffer);
  entries.forEach((e, i) => {
    v.setBigUint64(i * 20, BigInt(e.address), true);
    v.setBigUint64(i * 20 + 8, BigInt(e.length), true);
    v.setUint32(i * 20 + 16, e.type, true);
  });
  return out;
}

/** The HyperTransport hole below 1 TiB that AMD hosts reserve (QEMU's AMD_HT_START … AMD_ABOVE_1TB_START). */
export const AMD_HT_START = 0xfd00000000;
export const AMD_ABOVE_1TB_START = 0x10000000000;

/**
 * pc_memory_init's e820 entries: the AMD HyperTransport hole when asked for (an AMD first CPU
 * with 40 or more physical address bits on machine types from 7.1 on), RAM below 4 GiB from 0,
 * and RAM above 4 GiB if any.
 */
export function pcE820Entries(below4g: number, above4g: number, amdHtHole = false): E820Entry[] {
  const entries: E820Entry[] = [];
  if (amdHtHole) entries.push({ address: AMD_HT_START, length: AMD_ABOVE_1TB_START - AMD_HT_START, type: E820_RESERVED });
  entries.push({ address: 0, length: below4g, type: E820_RAM });
  if (above4g > 0) entries.push({ address: 0x100000000, length: above4g, type: E820_RAM });
  return entries;
}

/** "cAMD", the last word of the AMD vendor string "AuthenticAMD" (QEMU's IS_AMD_CPU). */
const VENDOR_AMD_WORD = 0x444d4163;

/**
 * Whether pc_memory_init advertises the AMD HyperTransport hole: the first CPU is AMD, has at
 * least 40 physical address bits, and the machine type enforces the hole (7.1 and newer).
 */
export function pcAdvertisesAmdHtHole(machineType: string, vendorWords: readonly number[], physBits: number): boolean {
  const m = /-(\d+)\.(\d+)$/.exec(machineType);
  const enforce = !m || Number(m[1]) > 7 || (Number(m[1]) === 7 && Number(m[2]) >= 1);
  return enforce && vendorWords.includes(VENDOR_AMD_WORD) && physBits >= 40;
}

/** The HPET blocks the firmware may describe in ACPI (QEMU's hpet_fw_config), as of now. */
function hpetConfigBytes(ms: X86MachineState, out: Uint8Array): void {
  const v = new DataView(out.buffer, out.byteOffset, out.length);
  out.fill(0);
  const hpet = resolvePathType(objectGetRoot(ms.registry), "", TYPE_HPET).obj as HpetState | undefined;
  // No HPET realized: QEMU's count keeps its initial UINT8_MAX.
  if (!hpet?.realized) {
    out[0] = 0xff;
    return;
  }
  out[0] = 1;
  v.setUint32(1, Number(hpet.capability >> 32n) >>> 0, true);
  v.setBigUint64(5, 0xfed00000n, true);
}

export interface FwCfgArchOptions {
  bootCpus: number;
  apicIdLimit: number;
  ramSize: number;
  e820: readonly E820Entry[];
  info?: FwCfgMachineInfo;
}

/** QEMU's fw_cfg_arch_create. */
export function fwCfgArchCreate(ms: X86MachineState, opts: FwCfgArchOptions): FwCfgIoState {
  const fwCfg = fwCfgInitIoDma(ms.registry, FW_CFG_IO_BASE, FW_CFG_IO_BASE + 4, opts.info ?? {});
  fwCfgAddI16(fwCfg, FW_CFG_NB_CPUS, opts.bootCpus);
  // "Max CPUs" is really the APIC id limit on x86, for old firmware's sake.
  fwCfgAddI16(fwCfg, FW_CFG_MAX_CPUS, opts.apicIdLimit);
  fwCfgAddI64(fwCfg, FW_CFG_RAM_SIZE, BigInt(opts.ramSize));
  // No -acpitable: an empty blob.
  fwCfgAddBytes(fwCfg, FW_CFG_ACPI_TABLES, new Uint8Array(0));
  fwCfgAddI32(fwCfg, FW_CFG_IRQ0_OVERRIDE, 1);
  fwCfgAddFile(fwCfg, "etc/e820", e820TableBytes(opts.e820));
  // QEMU hands the firmware its live hpet_cfg; the HPET is realized after fw_cfg, so fill on selection.
  const hpet = new Uint8Array(1 + 8 * 15);
  hpetConfigBytes(ms, hpet);
  fwCfgAddBytesCallback(fwCfg, FW_CFG_HPET, hpet, { selectCb: () => hpetConfigBytes(ms, hpet) });
  // NUMA: the node count, each possible APIC id's node, each node's memory (no -numa: all zero).
  fwCfgAddBytes(fwCfg, FW_CFG_NUMA, new Uint8Array(8 * (1 + opts.apicIdLimit)));
  return fwCfg;
}

/**
 * QEMU's rom_add_option for the option ROMs devices asked for (the kvmvapic helper's
 * `kvmvapic.bin`): each becomes fw_cfg file `genroms/NAME`, which SeaBIOS runs. A ROM the
 * firmware directories do not have is left out.
 */
export function fwCfgAddOptionRoms(fwCfg: FwCfgIoState, ms: X86MachineState): void {
  const names: string[] = [];
  if (resolvePathType(objectGetRoot(ms.registry), "", TYPE_KVMVAPIC).obj) names.push("kvmvapic.bin");
  for (const name of names) {
    const path = findFirmwareFile(name, ms.dataDirs);
    if (path === undefined) continue;
    fwCfgAddFile(fwCfg, `genroms/${name}`, new Uint8Array(readFileSync(path)));
  }
}
