/**
 * The fixed-layout ACPI tables QEMU 7.2 builds for a PC (hw/acpi/aml-build.c and
 * hw/i386/acpi-build.c): the common header with QEMU's "BOCHS "/"BXPC" ids, FACS, FADT rev 1,
 * MADT, HPET, WAET, RSDT and RSDP. Checksums and the pointers between tables are left to the
 * firmware: each table adds its commands to the loader script.
 */
import type { BiosLinker } from "./bios-linker-loader.js";

export const ACPI_BUILD_TABLE_FILE = "etc/acpi/tables";
export const ACPI_BUILD_RSDP_FILE = "etc/acpi/rsdp";

/** A growing little-endian byte array. */
export class Blob {
  readonly b: number[] = [];
  get length(): number {
    return this.b.length;
  }
  int(v: number | bigint, size: number): this {
    const x = BigInt(v);
    for (let i = 0; i < size; i++) this.b.push(Number((x >> BigInt(8 * i)) & 0xffn));
    return this;
  }
  str(s: string): this {
    for (const c of Buffer.from(s, "latin1")) this.b.push(c);
    return this;
  }
  bytes(x: readonly number[]): this {
    this.b.push(...x);
    return this;
  }
  set32(at: number, v: number): void {
    for (let i = 0; i < 4; i++) this.b[at + i] = (v >>> (8 * i)) & 0xff;
  }
}

export interface TableIds {
  oemId: string;
  oemTableId: string;
}

/** QEMU's acpi_table_begin: the 36-byte header; the length is patched by tableEnd. */
export function tableBegin(blob: Blob, sig: string, rev: number, ids: TableIds): number {
  const start = blob.length;
  blob.str(sig).int(0, 4).int(rev, 1).int(0, 1);
  blob.str(ids.oemId.padEnd(6, " ").slice(0, 6)).str(ids.oemTableId.padEnd(8, " ").slice(0, 8));
  blob.int(1, 4).str("BXPC").int(1, 4);
  return start;
}

/** QEMU's acpi_table_end: the length, and the checksum command for the whole table. */
export function tableEnd(blob: Blob, start: number, linker: BiosLinker): void {
  blob.set32(start + 4, blob.length - start);
  linker.addChecksum(ACPI_BUILD_TABLE_FILE, start, blob.length - start, start + 9);
}

/** A Generic Address Structure. */
function gas(blob: Blob, space: number, bitWidth: number, bitOffset: number, accessWidth: number, address: number | bigint): void {
  blob.int(space, 1).int(bitWidth, 1).int(bitOffset, 1).int(accessWidth, 1).int(address, 8);
}

export function buildFacs(blob: Blob): void {
  blob.str("FACS").int(64, 4).bytes(new Array<number>(56).fill(0));
}

export interface FadtInfo {
  facsOffset: number;
  dsdtOffset: number;
  sciInt: number;
  smiCmd: number;
  acpiEnable: number;
  acpiDisable: number;
  pmIoBase: number;
  gpe0Base: number;
  gpe0Len: number;
  rtcCentury: number;
  /** More than 8 possible CPUs: force the APIC cluster model. */
  forceApicCluster: boolean;
}

/** build_fadt, revision 1 (the i440FX machine's). */
export function buildFadtRev1(blob: Blob, linker: BiosLinker, f: FadtInfo, ids: TableIds): number {
  const start = tableBegin(blob, "FACP", 1, ids);
  const fwCtrl = blob.length;
  blob.int(f.facsOffset, 4);
  linker.addPointer(ACPI_BUILD_TABLE_FILE, fwCtrl, 4, ACPI_BUILD_TABLE_FILE);
  const dsdt = blob.length;
  blob.int(f.dsdtOffset, 4);
  linker.addPointer(ACPI_BUILD_TABLE_FILE, dsdt, 4, ACPI_BUILD_TABLE_FILE);
  blob.int(1, 1); // INT_MODEL, as ACPI 1.0 had it
  blob.int(0, 1); // preferred PM profile: unspecified
  blob.int(f.sciInt, 2).int(f.smiCmd, 4).int(f.acpiEnable, 1).int(f.acpiDisable, 1);
  blob.int(0, 1).int(0, 1); // S4BIOS_REQ, PSTATE_CNT
  blob.int(f.pmIoBase, 4).int(0, 4); // PM1a/b event
  blob.int(f.pmIoBase + 0x04, 4).int(0, 4); // PM1a/b control
  blob.int(0, 4); // PM2 control
  blob.int(f.pmIoBase + 0x08, 4); // PM timer
  blob.int(f.gpe0Base, 4).int(0, 4); // GPE0, GPE1
  blob.int(4, 1).int(2, 1).int(0, 1).int(4, 1); // PM1 event, PM1 control, PM2 control, timer lengths
  blob.int(f.gpe0Len, 1).int(0, 1).int(0, 1).int(0, 1); // GPE0 length, GPE1 length and base, CST_CNT
  blob.int(0xfff, 2).int(0xfff, 2); // C2/C3 latency: not supported
  blob.int(0, 2).int(0, 2); // flush size and stride
  blob.int(0, 1).int(0, 1); // duty cycle offset and width
  blob.int(0, 1).int(0, 1).int(f.rtcCentury, 1); // day/month alarm, century
  blob.int(0, 2).int(0, 1); // IAPC_BOOT_ARCH (revision 1: reserved), reserved
  // WBINVD, PROC_C1, SLP_BUTTON, RTC_S4, USE_PLATFORM_CLOCK, and the cluster model past 8 CPUs.
  blob.int(0x1 | 0x4 | 0x20 | 0x80 | 0x8000 | (f.forceApicCluster ? 1 << 18 : 0), 4);
  tableEnd(blob, start, linker);
  return start;
}

export interface MadtCpu {
  uid: number;
  apicId: number;
  present: boolean;
}

/** build_madt: local APICs, the IOAPIC, IRQ0→GSI2 and the level-triggered PCI IRQs, LINT1 NMI. */
export function buildMadt(blob: Blob, linker: BiosLinker, cpus: readonly MadtCpu[], irq0Override: boolean, ids: TableIds): number {
  const start = tableBegin(blob, "APIC", 1, ids);
  blob.int(0xfee00000, 4).int(1, 4); // local APIC address; PCAT_COMPAT
  for (const c of cpus) {
    if (c.apicId < 255) blob.int(0, 1).int(8, 1).int(c.uid, 1).int(c.apicId, 1).int(c.present ? 1 : 0, 4);
    else blob.int(9, 1).int(16, 1).int(0, 2).int(c.apicId, 4).int(c.present ? 1 : 0, 4).int(c.uid, 4);
  }
  blob.int(1, 1).int(12, 1).int(0, 1).int(0, 1).int(0xfec00000, 4).int(0, 4); // IOAPIC 0 at GSI 0
  if (irq0Override) blob.int(2, 1).int(10, 1).int(0, 1).int(0, 1).int(2, 4).int(0, 2);
  for (const irq of [5, 9, 10, 11]) blob.int(2, 1).int(10, 1).int(0, 1).int(irq, 1).int(irq, 4).int(0xd, 2); // active high, level
  const x2apic = cpus.some((c) => c.apicId >= 255);
  if (x2apic) blob.int(0x0a, 1).int(12, 1).int(0, 2).int(0xffffffff, 4).int(0, 1).int(0, 3);
  else blob.int(4, 1).int(6, 1).int(0xff, 1).int(0, 2).int(1, 1); // all processors, LINT1
  tableEnd(blob, start, linker);
  return start;
}

/** build_hpet: the block at 0xfed00000 with the id the emulated HPET reports. */
export function buildHpet(blob: Blob, linker: BiosLinker, ids: TableIds): number {
  const start = tableBegin(blob, "HPET", 1, ids);
  blob.int(0x8086a201, 4);
  gas(blob, 0, 0, 0, 0, 0xfed00000);
  blob.int(0, 1).int(0, 2).int(0, 1);
  tableEnd(blob, start, linker);
  return start;
}

/** build_waet: "the ACPI PM timer is reliable" for Windows. */
export function buildWaet(blob: Blob, linker: BiosLinker, ids: TableIds): number {
  const start = tableBegin(blob, "WAET", 1, ids);
  blob.int(1 << 1, 4);
  tableEnd(blob, start, linker);
  return start;
}

/** build_rsdt: a pointer to each table, patched by the firmware. */
export function buildRsdt(blob: Blob, linker: BiosLinker, offsets: readonly number[], ids: TableIds): number {
  const start = tableBegin(blob, "RSDT", 1, ids);
  for (const off of offsets) {
    const at = blob.length;
    blob.int(off, 4);
    linker.addPointer(ACPI_BUILD_TABLE_FILE, at, 4, ACPI_BUILD_TABLE_FILE);
  }
  tableEnd(blob, start, linker);
  return start;
}

/** build_rsdp, revision 0 (ACPI 1.0), in the F segment. */
export function buildRsdp(linker: BiosLinker, rsdtOffset: number, ids: TableIds): Uint8Array {
  const blob = new Blob();
  linker.alloc(ACPI_BUILD_RSDP_FILE, 16, "fseg");
  blob.str("RSD PTR ").int(0, 1).str(ids.oemId.padEnd(6, " ").slice(0, 6)).int(0, 1);
  blob.int(rsdtOffset, 4);
  linker.addPointer(ACPI_BUILD_RSDP_FILE, 16, 4, ACPI_BUILD_TABLE_FILE);
  linker.addChecksum(ACPI_BUILD_RSDP_FILE, 0, 20, 8);
  return Uint8Array.from(blob.b);
}

/** The FADT fields revision 3 adds for Q35: the reset register and the 64-bit block addresses. */
export interface FadtRev3Info extends FadtInfo {
  /** IAPC_BOOT_ARCH: an 8042 (bit 1), legacy devices (bit 0). */
  bootArch: number;
}

/** A GAS for an I/O port block of `bits` bits at `port` (zero when the block is absent). */
function ioGas(blob: Blob, bits: number, port: number): void {
  if (port === 0 && bits === 0) gas(blob, 0, 0, 0, 0, 0);
  else gas(blob, 1, bits, 0, 0, port);
}

/** build_fadt, revision 3 (the Q35 machine's), with the reset register at 0xcf9. */
export function buildFadtRev3(blob: Blob, linker: BiosLinker, f: FadtRev3Info, ids: TableIds): number {
  const start = tableBegin(blob, "FACP", 3, ids);
  const fwCtrl = blob.length;
  blob.int(f.facsOffset, 4);
  linker.addPointer(ACPI_BUILD_TABLE_FILE, fwCtrl, 4, ACPI_BUILD_TABLE_FILE);
  const dsdt = blob.length;
  blob.int(f.dsdtOffset, 4);
  linker.addPointer(ACPI_BUILD_TABLE_FILE, dsdt, 4, ACPI_BUILD_TABLE_FILE);
  blob.int(1, 1).int(0, 1);
  blob.int(f.sciInt, 2).int(f.smiCmd, 4).int(f.acpiEnable, 1).int(f.acpiDisable, 1);
  blob.int(0, 1).int(0, 1);
  blob.int(f.pmIoBase, 4).int(0, 4);
  blob.int(f.pmIoBase + 0x04, 4).int(0, 4);
  blob.int(0, 4);
  blob.int(f.pmIoBase + 0x08, 4);
  blob.int(f.gpe0Base, 4).int(0, 4);
  blob.int(4, 1).int(2, 1).int(0, 1).int(4, 1);
  blob.int(f.gpe0Len, 1).int(0, 1).int(0, 1).int(0, 1);
  blob.int(0xfff, 2).int(0xfff, 2);
  blob.int(0, 2).int(0, 2);
  blob.int(0, 1).int(0, 1);
  blob.int(0, 1).int(0, 1).int(f.rtcCentury, 1);
  blob.int(f.bootArch, 2).int(0, 1);
  // As revision 1, plus RESET_REG_SUP.
  blob.int(0x1 | 0x4 | 0x20 | 0x80 | 0x400 | 0x8000 | (f.forceApicCluster ? 1 << 18 : 0), 4);
  gas(blob, 1, 8, 0, 0, 0xcf9); // reset register
  blob.int(0x0f, 1).int(0, 3); // reset value, reserved
  blob.int(0, 8); // X_FIRMWARE_CTRL: the 32-bit field is used
  const xdsdt = blob.length;
  blob.int(f.dsdtOffset, 8);
  linker.addPointer(ACPI_BUILD_TABLE_FILE, xdsdt, 8, ACPI_BUILD_TABLE_FILE);
  ioGas(blob, 32, f.pmIoBase); // X_PM1a_EVT_BLK
  ioGas(blob, 0, 0); // X_PM1b_EVT_BLK
  ioGas(blob, 16, f.pmIoBase + 0x04); // X_PM1a_CNT_BLK
  ioGas(blob, 0, 0); // X_PM1b_CNT_BLK
  ioGas(blob, 0, 0); // X_PM2_CNT_BLK
  ioGas(blob, 32, f.pmIoBase + 0x08); // X_PM_TMR_BLK
  ioGas(blob, f.gpe0Len * 8, f.gpe0Base); // X_GPE0_BLK
  ioGas(blob, 0, 0); // X_GPE1_BLK
  tableEnd(blob, start, linker);
  return start;
}

/** build_mcfg: one ECAM window for segment 0, buses 0 to its size's last. */
export function buildMcfg(blob: Blob, linker: BiosLinker, base: number, size: number, ids: TableIds): number {
  const start = tableBegin(blob, "MCFG", 1, ids);
  blob.int(0, 8);
  blob.int(base, 8).int(0, 2).int(0, 1).int(size / (1 << 20) - 1, 1).int(0, 4);
  tableEnd(blob, start, linker);
  return start;
}
