/**
 * The SMBIOS structures and entry point QEMU 7.2 hands the firmware (hw/smbios/smbios.c,
 * smbios_get_tables): user structures from `-smbios file=` first, then types 0 (only when asked
 * for), 1, 2 (only when asked for), 3, 4 per socket, 8, 11, 16, 17 per 16 GiB "DIMM", 19 per RAM
 * area, 32, 41 and the 127 end marker. Checksums and the table address stay zero: SeaBIOS fills
 * them in when it places the tables.
 */
import { QemuError } from "../../util/error.js";
import type { SmbiosConfig } from "./smbios-config.js";

/** First handle of each type (QEMU's TN_BASE). */
const T0_BASE = 0x000, T1_BASE = 0x100, T2_BASE = 0x200, T3_BASE = 0x300, T4_BASE = 0x400;
const T11_BASE = 0xe00, T16_BASE = 0x1000, T17_BASE = 0x1100, T19_BASE = 0x1300, T32_BASE = 0x2000;
const T41_BASE = 0x2900, T127_BASE = 0x7f00;
const GiB = 1024 ** 3;
const MAX_DIMM_SZ = 16 * GiB;
const MAX_T16_STD_SZ = 0x80000000; // KiB
const MAX_T17_STD_SZ = 0x7fff; // MiB

/** The machine facts the tables describe. */
export interface SmbiosMachineInfo {
  /** "QEMU", the machine's description and name (QEMU's smbios_set_defaults). */
  manufacturer: string;
  product: string;
  version: string;
  /** 32: SMBIOS 2.8 entry point; 64: SMBIOS 3.0. */
  entryPointType: 32 | 64;
  /** Whether the UUID is stored with its first three fields little endian (7.2 machines: yes). */
  uuidEncoded: boolean;
  sockets: number;
  coresPerSocket: number;
  threadsPerSocket: number;
  /** CPUID[1].EAX and the CPUID[1].EDX features of the first CPU. */
  cpuidVersion: number;
  cpuidFeatures: number;
  ramSize: number;
  /** The RAM areas of the e820 table. */
  memAreas: ReadonlyArray<{ address: number; length: number }>;
  /** PCI bus number and devfn of a device id, for type 41; undefined when there is none. */
  findPciDevice(id: string): { bus: number; devfn: number; onRoot: boolean } | undefined;
}

export interface SmbiosTables {
  tables: Uint8Array;
  anchor: Uint8Array;
}

/** Appends structures: a formatted area, then its strings and the double NUL. */
class StructWriter {
  private parts: number[] = [];
  count = 0;
  maxSize = 0;
  private cur: { start: number; strings: number } | undefined;

  constructor(private readonly c: SmbiosConfig) {}

  /** QEMU's SMBIOS_BUILD_TABLE_PRE: whether to build `type`, and its header when so. */
  begin(type: number, handle: number, length: number, required: boolean): boolean {
    if ((required && this.c.haveBinfile.has(type)) || (!required && !this.c.haveFields.has(type))) return false;
    const start = this.parts.length;
    for (let i = 0; i < length; i++) this.parts.push(0);
    this.cur = { start, strings: 0 };
    this.parts[start] = type;
    this.parts[start + 1] = length;
    this.u16(2, handle);
    return true;
  }

  u8(off: number, v: number): void {
    this.parts[this.cur!.start + off] = v & 0xff;
  }
  u16(off: number, v: number): void {
    this.parts[this.cur!.start + off] = v & 0xff;
    this.parts[this.cur!.start + off + 1] = (v >>> 8) & 0xff;
  }
  u32(off: number, v: number): void {
    for (let i = 0; i < 4; i++) this.parts[this.cur!.start + off + i] = Math.floor(v / 256 ** i) & 0xff;
  }
  u64(off: number, v: bigint): void {
    for (let i = 0; i < 8; i++) this.parts[this.cur!.start + off + i] = Number((v >> BigInt(8 * i)) & 0xffn);
  }
  bytes(off: number, b: Uint8Array): void {
    b.forEach((x, i) => (this.parts[this.cur!.start + off + i] = x));
  }

  /** QEMU's SMBIOS_TABLE_SET_STR: a non-empty string gets the next index, else index 0. */
  str(off: number, value: string | undefined): void {
    const index = this.strList(value);
    this.u8(off, index);
  }

  /** A string of a list (type 11): no field, only the next index. */
  strList(value: string | undefined): number {
    if (value === undefined || value === "") return 0;
    for (const b of Buffer.from(value, "latin1")) this.parts.push(b);
    this.parts.push(0);
    return ++this.cur!.strings;
  }

  /** QEMU's SMBIOS_BUILD_TABLE_POST: the terminating NUL (two when there are no strings). */
  end(): void {
    const cur = this.cur!;
    this.parts.push(0);
    if (cur.strings === 0) this.parts.push(0);
    this.maxSize = Math.max(this.maxSize, this.parts.length - cur.start);
    this.count++;
    this.cur = undefined;
  }

  blob(data: Uint8Array): void {
    for (const b of data) this.parts.push(b);
    this.maxSize = Math.max(this.maxSize, data.length);
    this.count++;
  }

  get length(): number {
    return this.parts.length;
  }

  result(): Uint8Array {
    return Uint8Array.from(this.parts);
  }
}

function type0(w: StructWriter, c: SmbiosConfig): void {
  if (!w.begin(0, T0_BASE, 0x18, false)) return;
  const t = c.type0;
  w.str(4, t.vendor);
  w.str(5, t.version);
  w.u16(6, 0xe800); // the BIOS segment SeaBIOS reports
  w.str(8, t.date);
  w.u8(9, 0); // ROM size: SeaBIOS hardcodes it
  w.u64(10, 0x08n); // characteristics not supported
  w.u8(18, 0);
  w.u8(19, 0x14 | (t.uefi ? 0x08 : 0)); // TCD/SVVP and VM, plus UEFI
  w.u8(20, t.release?.[0] ?? 0);
  w.u8(21, t.release?.[1] ?? 0);
  w.u8(22, 0xff); // no embedded controller
  w.u8(23, 0xff);
  w.end();
}

/** smbios_encode_uuid: the first three fields little endian on "encoded" machine types. */
function encodeUuid(uuid: Uint8Array, encoded: boolean): Uint8Array {
  if (!encoded) return uuid;
  const u = Uint8Array.from(uuid);
  u.set([uuid[3]!, uuid[2]!, uuid[1]!, uuid[0]!, uuid[5]!, uuid[4]!, uuid[7]!, uuid[6]!], 0);
  return u;
}

function type1(w: StructWriter, c: SmbiosConfig, m: SmbiosMachineInfo): void {
  if (!w.begin(1, T1_BASE, 0x1b, true)) return;
  const t = c.type1;
  w.str(4, t.manufacturer);
  w.str(5, t.product);
  w.str(6, t.version);
  w.str(7, t.serial);
  if (c.uuid) w.bytes(8, encodeUuid(c.uuid, m.uuidEncoded));
  w.u8(24, 0x06); // woken by the power switch
  w.str(25, t.sku);
  w.str(26, t.family);
  w.end();
}

function type2(w: StructWriter, c: SmbiosConfig): void {
  if (!w.begin(2, T2_BASE, 0x0f, false)) return;
  const t = c.type2;
  w.str(4, t.manufacturer);
  w.str(5, t.product);
  w.str(6, t.version);
  w.str(7, t.serial);
  w.str(8, t.asset);
  w.u8(9, 0x01); // a hosting board
  w.str(10, t.location);
  w.u16(11, T3_BASE); // the chassis below
  w.u8(13, 0x0a); // motherboard
  w.u8(14, 0);
  w.end();
}

function type3(w: StructWriter, c: SmbiosConfig): void {
  if (!w.begin(3, T3_BASE, 0x16, true)) return;
  const t = c.type3;
  w.str(4, t.manufacturer);
  w.u8(5, 0x01); // other
  w.str(6, t.version);
  w.str(7, t.serial);
  w.str(8, t.asset);
  w.u8(9, 0x03); // boot-up, power supply and thermal state: safe
  w.u8(10, 0x03);
  w.u8(11, 0x03);
  w.u8(12, 0x02); // security status unknown
  w.str(21, t.sku);
  w.end();
}

function type4(w: StructWriter, c: SmbiosConfig, m: SmbiosMachineInfo, instance: number): void {
  // SMBIOS 3.0 adds the 16-bit core and thread counts.
  const v30 = m.entryPointType === 64;
  if (!w.begin(4, T4_BASE + instance, v30 ? 0x30 : 0x2a, true)) return;
  const t = c.type4;
  w.str(4, `${t.sockPfx ?? ""}${instance.toString(16).padStart(2, " ")}`);
  w.u8(5, 0x03); // central processor
  w.u8(6, 0x01); // family: other
  w.str(7, t.manufacturer);
  if (t.processorId === 0n) {
    w.u32(8, m.cpuidVersion >>> 0);
    w.u32(12, m.cpuidFeatures >>> 0);
  } else {
    w.u64(8, t.processorId);
  }
  w.str(16, t.version);
  w.u16(20, t.maxSpeed);
  w.u16(22, t.currentSpeed);
  w.u8(24, 0x41); // socket populated, CPU enabled
  w.u8(25, 0x01); // upgrade: other
  w.u16(26, 0xffff); // no cache structures
  w.u16(28, 0xffff);
  w.u16(30, 0xffff);
  w.str(32, t.serial);
  w.str(33, t.asset);
  w.str(34, t.part);
  const cores = Math.min(m.coresPerSocket, 0xff);
  w.u8(35, cores);
  w.u8(36, cores);
  w.u8(37, Math.min(m.threadsPerSocket, 0xff));
  w.u16(38, 0x02); // characteristics unknown
  w.u16(40, 0x01); // family 2: other
  if (v30) {
    w.u16(42, m.coresPerSocket);
    w.u16(44, m.coresPerSocket);
    w.u16(46, m.threadsPerSocket);
  }
  w.end();
}

function type8(w: StructWriter, c: SmbiosConfig): void {
  c.type8.forEach((t, instance) => {
    // QEMU numbers these from type 0's base.
    if (!w.begin(8, T0_BASE + instance, 0x09, true)) return;
    w.str(4, t.internalReference);
    w.u8(5, 0); // internal connector: none
    w.str(6, t.externalReference);
    w.u8(7, t.connectorType);
    w.u8(8, t.portType);
    w.end();
  });
}

function type11(w: StructWriter, c: SmbiosConfig): void {
  if (c.type11.length === 0) return;
  if (!w.begin(11, T11_BASE, 0x05, true)) return;
  w.u8(4, c.type11.length);
  for (const v of c.type11) w.strList(v);
  w.end();
}

function type16(w: StructWriter, m: SmbiosMachineInfo, dimms: number): void {
  if (!w.begin(16, T16_BASE, 0x17, true)) return;
  w.u8(4, 0x01); // location: other
  w.u8(5, 0x03); // system memory
  w.u8(6, 0x06); // multi-bit ECC, as SeaBIOS says for Windows' sake
  const kib = Math.ceil(m.ramSize / 1024);
  if (kib < MAX_T16_STD_SZ) w.u32(7, kib);
  else {
    w.u32(7, MAX_T16_STD_SZ);
    w.u64(15, BigInt(m.ramSize));
  }
  w.u16(11, 0xfffe); // no error information
  w.u16(13, dimms);
  w.end();
}

function type17(w: StructWriter, c: SmbiosConfig, instance: number, size: number): void {
  if (!w.begin(17, T17_BASE + instance, 0x28, true)) return;
  const t = c.type17;
  w.u16(4, T16_BASE);
  w.u16(6, 0xfffe);
  w.u16(8, 0xffff); // widths unknown
  w.u16(10, 0xffff);
  const mib = Math.ceil(size / (1024 * 1024));
  if (mib < MAX_T17_STD_SZ) w.u16(12, mib);
  else {
    w.u16(12, MAX_T17_STD_SZ);
    w.u32(28, mib);
  }
  w.u8(14, 0x09); // DIMM
  w.u8(15, 0);
  w.str(16, `${t.locPfx ?? ""} ${instance}`);
  w.str(17, t.bank);
  w.u8(18, 0x07); // RAM
  w.u16(19, 0x02); // detail: other
  w.u16(21, t.speed);
  w.str(23, t.manufacturer);
  w.str(24, t.serial);
  w.str(25, t.asset);
  w.str(26, t.part);
  w.u16(32, t.speed); // configured speed: the same
  w.end();
}

function type19(w: StructWriter, instance: number, start: number, size: number): void {
  if (!w.begin(19, T19_BASE + instance, 0x1f, true)) return;
  const end = start + size - 1;
  const startKb = Math.floor(start / 1024);
  const endKb = Math.floor(end / 1024);
  if (startKb < 0xffffffff && endKb < 0xffffffff) {
    w.u32(4, startKb);
    w.u32(8, endKb);
  } else {
    w.u32(4, 0xffffffff);
    w.u32(8, 0xffffffff);
    w.u64(15, BigInt(start));
    w.u64(23, BigInt(end));
  }
  w.u16(12, T16_BASE);
  w.u8(14, 1); // one device per row
  w.end();
}

function type41(w: StructWriter, c: SmbiosConfig, m: SmbiosMachineInfo): void {
  c.type41.forEach((t, instance) => {
    if (!w.begin(41, T41_BASE + instance, 0x0b, true)) return;
    w.str(4, t.designation);
    w.u8(5, t.kind);
    w.u8(6, t.instance);
    if (t.pcidev !== undefined) {
      const dev = m.findPciDevice(t.pcidev);
      if (!dev) throw new QemuError(`No PCI device ${t.pcidev} for SMBIOS type 41 entry ${t.designation ?? "(null)"}`);
      if (!dev.onRoot) throw new QemuError(`Cannot create type 41 entry for PCI device ${t.pcidev}: not attached to the root bus`);
      w.u8(9, dev.bus);
      w.u8(10, dev.devfn);
    }
    w.end();
  });
}

function entryPoint(m: SmbiosMachineInfo, w: StructWriter, tablesLength: number): Uint8Array {
  if (m.entryPointType === 64) {
    const ep = new Uint8Array(0x18);
    const v = new DataView(ep.buffer);
    ep.set(Buffer.from("_SM3_", "latin1"), 0);
    ep[6] = 0x18;
    ep[7] = 3;
    ep[8] = 0;
    ep[9] = 0; // docrev
    ep[10] = 1; // entry point revision
    v.setUint32(12, tablesLength, true);
    return ep;
  }
  if (tablesLength > 0xffff) throw new QemuError(`SMBIOS 2.1 table length ${tablesLength} exceeds 65535`);
  const ep = new Uint8Array(0x1f);
  const v = new DataView(ep.buffer);
  ep.set(Buffer.from("_SM_", "latin1"), 0);
  ep[5] = 0x1f;
  ep[6] = 2;
  ep[7] = 8;
  v.setUint16(8, w.maxSize, true);
  ep.set(Buffer.from("_DMI_", "latin1"), 0x10);
  v.setUint16(0x16, tablesLength, true);
  v.setUint16(0x1c, w.count, true);
  ep[0x1e] = 0x28;
  return ep;
}

/** QEMU's smbios_get_tables with the defaults smbios_set_defaults gives the unset strings. */
export function smbiosBuildTables(config: SmbiosConfig, m: SmbiosMachineInfo): SmbiosTables {
  const c = withDefaults(config, m);
  const w = new StructWriter(c);
  for (const b of c.blobs) w.blob(b);
  type0(w, c);
  type1(w, c, m);
  type2(w, c);
  type3(w, c);
  for (let i = 0; i < m.sockets; i++) type4(w, c, m, i);
  type8(w, c);
  type11(w, c);
  const dimms = Math.ceil(m.ramSize / MAX_DIMM_SZ);
  // Type 19 handles move up when there are more DIMMs than handles between the two bases.
  const offset = dimms > T19_BASE - T17_BASE ? dimms - (T19_BASE - T17_BASE) : 0;
  type16(w, m, dimms);
  for (let i = 0; i < dimms; i++) type17(w, c, i, i < dimms - 1 ? MAX_DIMM_SZ : ((m.ramSize - 1) % MAX_DIMM_SZ) + 1);
  m.memAreas.forEach((a, i) => type19(w, i + offset, a.address, a.length));
  if (w.begin(32, T32_BASE, 0x0b, true)) w.end(); // boot status: no errors
  type41(w, c, m);
  if (w.begin(127, T127_BASE, 0x04, true)) w.end();
  const expected = m.sockets;
  const t4 = c.blobType4Count + (c.haveBinfile.has(4) ? 0 : m.sockets);
  if (t4 !== 0 && t4 !== expected) throw new QemuError(`Expected ${expected} SMBIOS Type 4 tables, got ${t4} instead`);
  const tables = w.result();
  return { tables, anchor: entryPoint(m, w, tables.length) };
}

/** smbios_set_defaults: the machine's strings where the command line left a field unset. */
function withDefaults(c: SmbiosConfig, m: SmbiosMachineInfo): SmbiosConfig {
  const d = Object.assign(Object.create(Object.getPrototypeOf(c) as object) as SmbiosConfig, c);
  d.type1 = { manufacturer: m.manufacturer, product: m.product, version: m.version, ...c.type1 };
  d.type2 = { manufacturer: m.manufacturer, product: m.product, version: m.version, ...c.type2 };
  d.type3 = { manufacturer: m.manufacturer, version: m.version, ...c.type3 };
  d.type4 = { ...c.type4, sockPfx: c.type4.sockPfx ?? "CPU", manufacturer: c.type4.manufacturer ?? m.manufacturer, version: c.type4.version ?? m.version };
  d.type17 = { ...c.type17, locPfx: c.type17.locPfx ?? "DIMM", manufacturer: c.type17.manufacturer ?? m.manufacturer };
  return d;
}
