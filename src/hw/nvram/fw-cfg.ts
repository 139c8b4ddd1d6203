/**
 * The firmware configuration device (QEMU 7.2's hw/nvram/fw_cfg.c): `fw_cfg` (abstract, system
 * bus) and `fw_cfg_io`, found at `/machine/fw_cfg`, with a selector/data window at 0x510 and the
 * DMA register at 0x514. Boards and devices publish numbered items and named files for the
 * firmware (SeaBIOS reads `etc/e820`, `bootorder`, the ACPI tables, …).
 */
import { addChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { objectNew } from "../../qom/object.js";
import { resolvePath, resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, type PropertyKind, propKinds } from "../core/qdev-properties.js";
import { sysbusGetDefault, SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { fwCfgDmaTransfer } from "./fw-cfg-dma.js";
import { qemuAddMachineInitDoneNotifier } from "../core/machine-done.js";
import { getSystemIo, memoryRegionAddSubregion, memoryRegionInitIo, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";

export const TYPE_FW_CFG = "fw_cfg";
export const TYPE_FW_CFG_IO = "fw_cfg_io";
export const TYPE_FW_CFG_MEM = "fw_cfg_mem";

// Item keys.
export const FW_CFG_SIGNATURE = 0x00;
export const FW_CFG_ID = 0x01;
export const FW_CFG_UUID = 0x02;
export const FW_CFG_RAM_SIZE = 0x03;
export const FW_CFG_NOGRAPHIC = 0x04;
export const FW_CFG_NB_CPUS = 0x05;
export const FW_CFG_MACHINE_ID = 0x06;
export const FW_CFG_KERNEL_ADDR = 0x07;
export const FW_CFG_KERNEL_SIZE = 0x08;
export const FW_CFG_KERNEL_CMDLINE = 0x09;
export const FW_CFG_INITRD_ADDR = 0x0a;
export const FW_CFG_INITRD_SIZE = 0x0b;
export const FW_CFG_BOOT_DEVICE = 0x0c;
export const FW_CFG_NUMA = 0x0d;
export const FW_CFG_BOOT_MENU = 0x0e;
export const FW_CFG_MAX_CPUS = 0x0f;
export const FW_CFG_FILE_DIR = 0x19;
export const FW_CFG_FILE_FIRST = 0x20;
export const FW_CFG_FILE_SLOTS_MIN = 0x10;
export const FW_CFG_WRITE_CHANNEL = 0x4000;
export const FW_CFG_ARCH_LOCAL = 0x8000;
export const FW_CFG_ENTRY_MASK = ~(FW_CFG_WRITE_CHANNEL | FW_CFG_ARCH_LOCAL) & 0xffff;
export const FW_CFG_INVALID = 0xffff;
export const FW_CFG_MAX_FILE_PATH = 56;
export const FW_CFG_VERSION = 0x01;
export const FW_CFG_VERSION_DMA = 0x02;
export const FW_CFG_IO_BASE = 0x510;
/** The DMA register's default port: 0x514, big-endian 64-bit address. */
export const FW_CFG_DMA_IO_BASE = 0x514;
/** The value read from the DMA register's high half ("QEMU CFG" in ASCII). */
export const FW_CFG_DMA_SIGNATURE = 0x51454d5520434647n;

export interface FwCfgEntry {
  data: Uint8Array;
  readOnly: boolean;
  /** Called when the firmware selects the item (QEMU's select_cb). */
  selectCb?: () => void;
  /** Called after the firmware wrote to a writable item. */
  writeCb?: (offset: number, len: number) => void;
}

/** One entry of the file directory (QEMU's FWCfgFile). */
export interface FwCfgFile {
  name: string;
  size: number;
  select: number;
}

export class FwCfgState extends SysBusDevice {
  fileSlots = 0x20;
  dmaEnabled = true;
  acpiMrRestore = true;
  /** Whether this machine type orders files the pre-2.5 way; boards set it before realize. */
  legacyOrder = false;
  /** Items of the two channels: [0] read, [1] arch-local (QEMU's entries[arch]). */
  readonly entries: [Map<number, FwCfgEntry>, Map<number, FwCfgEntry>] = [new Map(), new Map()];
  /** The file directory, sorted by name (QEMU's s->files). */
  files: FwCfgFile[] | undefined;
  curEntry = FW_CFG_INVALID;
  curOffset = 0;
  dmaAddr = 0n;
  readonly regions: MemoryRegion[] = [];
}

export class FwCfgIoState extends FwCfgState {
  /** Where the selector/data window and the DMA register sit, once mapped. */
  iobase: number | undefined;
  dmaIobase: number | undefined;
}

// ---- items and files -------------------------------------------------------------------------------

function arch(key: number): 0 | 1 {
  return key & FW_CFG_ARCH_LOCAL ? 1 : 0;
}

function maxEntry(s: FwCfgState): number {
  return FW_CFG_FILE_FIRST + s.fileSlots;
}

/** QEMU's fw_cfg_add_bytes_callback. */
export function fwCfgAddBytesCallback(s: FwCfgState, key: number, data: Uint8Array, entry: Partial<FwCfgEntry> = {}): void {
  const idx = key & FW_CFG_ENTRY_MASK;
  if (idx >= maxEntry(s)) throw new QomError(`fw_cfg key 0x${key.toString(16)} out of range`);
  s.entries[arch(key)].set(idx, { readOnly: true, ...entry, data });
}

/** QEMU's fw_cfg_add_bytes. */
export function fwCfgAddBytes(s: FwCfgState, key: number, data: Uint8Array): void {
  fwCfgAddBytesCallback(s, key, data);
}

export function fwCfgAddString(s: FwCfgState, key: number, value: string): void {
  fwCfgAddBytes(s, key, cString(value));
}

export function fwCfgAddI16(s: FwCfgState, key: number, value: number): void {
  const b = new Uint8Array(2);
  new DataView(b.buffer).setUint16(0, value, true);
  fwCfgAddBytes(s, key, b);
}

export function fwCfgAddI32(s: FwCfgState, key: number, value: number): void {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, value >>> 0, true);
  fwCfgAddBytes(s, key, b);
}

export function fwCfgAddI64(s: FwCfgState, key: number, value: bigint): void {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
  fwCfgAddBytes(s, key, b);
}

/** QEMU's fw_cfg_modify_bytes_read: replaces an item's data, returning the old data. */
export function fwCfgModifyBytes(s: FwCfgState, key: number, data: Uint8Array): Uint8Array | undefined {
  const idx = key & FW_CFG_ENTRY_MASK;
  const entry = s.entries[arch(key)].get(idx);
  const old = entry?.data;
  s.entries[arch(key)].set(idx, { readOnly: true, ...entry, data });
  return old;
}

function cString(value: string): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** The directory item's bytes: a big-endian count, then 64-byte entries. */
function fileDirBytes(s: FwCfgState): Uint8Array {
  const files = s.files ?? [];
  const out = new Uint8Array(4 + 64 * s.fileSlots);
  const view = new DataView(out.buffer);
  view.setUint32(0, files.length);
  files.forEach((f, i) => {
    const off = 4 + 64 * i;
    view.setUint32(off, f.size);
    view.setUint16(off + 4, f.select);
    out.set(new TextEncoder().encode(f.name).subarray(0, FW_CFG_MAX_FILE_PATH - 1), off + 8);
  });
  return out;
}

/**
 * QEMU's fw_cfg_add_file_callback: a named file in the directory (sorted by name), taking the
 * next file slot. A duplicate name is fatal in QEMU; here it is an error the caller reports.
 */
export function fwCfgAddFileCallback(s: FwCfgState, filename: string, data: Uint8Array, entry: Partial<FwCfgEntry> = {}): number {
  if (!s.files) {
    s.files = [];
    fwCfgAddBytes(s, FW_CFG_FILE_DIR, fileDirBytes(s));
  }
  const files = s.files;
  if (files.length >= s.fileSlots) throw new QomError(`fw_cfg: no free file slot for ${filename}`);
  // Names are stored truncated to the directory's field, as pstrcpy does.
  const name = new TextDecoder().decode(new TextEncoder().encode(filename).subarray(0, FW_CFG_MAX_FILE_PATH - 1));
  if (files.some((f) => f.name === name)) throw new QomError(`duplicate fw_cfg file name: ${name}`);
  let index = files.length;
  while (index > 0 && compareC(name, files[index - 1]!.name) < 0) index--;
  // Files after the insertion point move up one slot, and their items with them.
  const items = s.entries[0];
  for (let i = files.length; i > index; i--) {
    const moved = items.get(FW_CFG_FILE_FIRST + i - 1);
    if (moved) items.set(FW_CFG_FILE_FIRST + i, moved);
    files[i - 1]!.select = FW_CFG_FILE_FIRST + i;
  }
  files.splice(index, 0, { name, size: data.length, select: FW_CFG_FILE_FIRST + index });
  fwCfgAddBytesCallback(s, FW_CFG_FILE_FIRST + index, data, entry);
  fwCfgModifyBytes(s, FW_CFG_FILE_DIR, fileDirBytes(s));
  return FW_CFG_FILE_FIRST + index;
}

/** strcmp order on the UTF-8 bytes. */
function compareC(a: string, b: string): number {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** QEMU's fw_cfg_add_file. */
export function fwCfgAddFile(s: FwCfgState, filename: string, data: Uint8Array): number {
  return fwCfgAddFileCallback(s, filename, data);
}

/** QEMU's fw_cfg_modify_file: replaces a file's data, or adds the file when it is new. */
export function fwCfgModifyFile(s: FwCfgState, filename: string, data: Uint8Array): void {
  const file = s.files?.find((f) => f.name === filename);
  if (!file) {
    fwCfgAddFile(s, filename, data);
    return;
  }
  fwCfgModifyBytes(s, file.select, data);
  file.size = data.length;
  fwCfgModifyBytes(s, FW_CFG_FILE_DIR, fileDirBytes(s));
}

/** The file directory, in selector order. */
export function fwCfgFiles(s: FwCfgState): readonly FwCfgFile[] {
  return s.files ?? [];
}

/** The data of a numbered item or a named file, as the firmware would read it. */
export function fwCfgGetItem(s: FwCfgState, keyOrName: number | string): Uint8Array | undefined {
  if (typeof keyOrName === "string") {
    const f = s.files?.find((x) => x.name === keyOrName);
    return f ? s.entries[0].get(f.select)?.data : undefined;
  }
  return s.entries[arch(keyOrName)].get(keyOrName & FW_CFG_ENTRY_MASK)?.data;
}

// ---- the guest's view ------------------------------------------------------------------------------

/** QEMU's fw_cfg_select. */
export function fwCfgSelect(s: FwCfgState, key: number): boolean {
  s.curOffset = 0;
  if ((key & FW_CFG_ENTRY_MASK) >= maxEntry(s)) {
    s.curEntry = FW_CFG_INVALID;
    return false;
  }
  s.curEntry = key;
  s.entries[arch(key)].get(key & FW_CFG_ENTRY_MASK)?.selectCb?.();
  return true;
}

/** One byte from the selected item (0 past its end or with nothing selected). */
export function fwCfgReadByte(s: FwCfgState): number {
  if (s.curEntry === FW_CFG_INVALID) return 0;
  const e = s.entries[arch(s.curEntry)].get(s.curEntry & FW_CFG_ENTRY_MASK);
  if (!e || s.curOffset >= e.data.length) return 0;
  return e.data[s.curOffset++]!;
}

/** QEMU's fw_cfg_data_read: `size` bytes of the selected item, most significant first. */
function fwCfgDataRead(s: FwCfgState, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = (value * 256 + fwCfgReadByte(s)) >>> 0;
  return value;
}

/** The selector/data window: byte reads of data, 16-bit selector writes (QEMU's comb ops). */
const fwCfgCombOps: MemoryRegionOps<FwCfgState> = {
  read: (s, _addr, size) => fwCfgDataRead(s, size),
  write: (s, _addr, value, size) => {
    // A byte written to the data port is ignored since QEMU 2.4; a word selects.
    if (size === 2) fwCfgSelect(s, value & 0xffff);
  },
  endianness: "little",
  valid: { accepts: (_s, _addr, size, isWrite) => size === 1 || (isWrite && size === 2) },
};

/**
 * The DMA register: reads give the "QEMU CFG" signature (big-endian); writes of the address
 * start a transfer, which comes with guest memory access.
 */
const fwCfgDmaOps: MemoryRegionOps<FwCfgState> = {
  read: (_s, addr, size) => {
    const shift = BigInt((8 - addr - size) * 8);
    return Number((FW_CFG_DMA_SIGNATURE >> shift) & ((1n << BigInt(size * 8)) - 1n));
  },
  write: (s, addr, value, size) => {
    const shift = BigInt((8 - addr - size) * 8);
    const mask = ((1n << BigInt(size * 8)) - 1n) << shift;
    s.dmaAddr = (s.dmaAddr & ~mask) | ((BigInt(value >>> 0) << shift) & mask);
    // Writing the low half (or all 8 bytes) starts the transfer.
    if (addr + size === 8) fwCfgDmaTransfer(s);
  },
  endianness: "big",
  valid: { minAccessSize: 1, maxAccessSize: 8, unaligned: false },
};

// ---- realize -----------------------------------------------------------------------------------------

/** What QEMU's fw_cfg_common_realize takes from the machine and the command line. */
export interface FwCfgMachineInfo {
  uuid?: Uint8Array;
  graphics?: boolean;
  bootMenu?: boolean;
  /** -boot splash-time (ms); present only when given. */
  splashTime?: number;
  /** -boot reboot-timeout (ms); -1 (the default) means no reboot. */
  rebootTimeout?: number;
}

const machineInfos = new WeakMap<FwCfgState, FwCfgMachineInfo>();

function fwCfgFileSlotsAllocate(s: FwCfgState): void {
  if (s.fileSlots < FW_CFG_FILE_SLOTS_MIN) {
    throw new QomError(`"file_slots" must be at least 0x${FW_CFG_FILE_SLOTS_MIN.toString(16)}`);
  }
  const max = FW_CFG_ENTRY_MASK - FW_CFG_FILE_FIRST + 1;
  if (s.fileSlots > max) throw new QomError(`"file_slots" must not exceed 0x${max.toString(16)}`);
}

function fwCfgCommonRealize(s: FwCfgState): void {
  // Only one fw_cfg may exist: a partial-path search finds it unless there are two.
  if (!resolvePathType(objectGetRoot(s.registry), "", TYPE_FW_CFG).obj) {
    throw new QomError(`at most one ${TYPE_FW_CFG} device is permitted`);
  }
  const info = machineInfos.get(s) ?? {};
  fwCfgAddBytes(s, FW_CFG_SIGNATURE, new TextEncoder().encode("QEMU"));
  fwCfgAddBytes(s, FW_CFG_UUID, info.uuid ?? new Uint8Array(16));
  const machine = resolvePath(objectGetRoot(s.registry), "/machine").obj;
  let graphics = info.graphics;
  if (graphics === undefined && machine?.findProperty("graphics")) graphics = machine.getProperty("graphics") === true;
  fwCfgAddI16(s, FW_CFG_NOGRAPHIC, graphics === false ? 1 : 0);
  fwCfgAddI16(s, FW_CFG_BOOT_MENU, info.bootMenu ? 1 : 0);
  if (info.splashTime !== undefined) {
    if (info.splashTime < 0 || info.splashTime > 0xffff) {
      throw new QomError("splash-time is invalid,it should be a value between 0 and 65535");
    }
    const b = new Uint8Array(2);
    new DataView(b.buffer).setUint16(0, info.splashTime, true);
    fwCfgAddFile(s, "etc/boot-menu-wait", b);
  }
  const reboot = info.rebootTimeout ?? -1;
  if (reboot > 0xffff || reboot < -1) {
    throw new QomError("reboot timeout is invalid,it should be a value between -1 and 65535");
  }
  const rb = new Uint8Array(4);
  new DataView(rb.buffer).setUint32(0, reboot >>> 0, true);
  fwCfgAddFile(s, "etc/boot-fail-wait", rb);
  fwCfgAddI32(s, FW_CFG_ID, FW_CFG_VERSION | (s.dmaEnabled ? FW_CFG_VERSION_DMA : 0));
  qemuAddMachineInitDoneNotifier(s.registry, () => fwCfgMachineReady(s));
}

/**
 * QEMU's fw_cfg_machine_ready/fw_cfg_machine_reset: the boot device list `bootorder` and, on
 * machine types with the sorted file order, the LCHS list `bios-geometry`. qomd lists no device
 * paths yet (no device asks for a boot index in the machines it builds by default), so both are
 * empty, as QEMU's are then.
 */
function fwCfgMachineReady(s: FwCfgState): void {
  fwCfgModifyFile(s, "bootorder", new Uint8Array(0));
  if (!s.legacyOrder) fwCfgModifyFile(s, "bios-geometry", new Uint8Array(0));
}

function fwCfgIoRealize(s: FwCfgIoState): void {
  fwCfgFileSlotsAllocate(s);
  // The 8-bit data port overlaps the 16-bit selector, so the window is two ports.
  s.regions.push(
    memoryRegionInitIo(s, fwCfgCombOps, s, "fwcfg", 2),
  );
  if (s.dmaEnabled) s.regions.push(memoryRegionInitIo(s, fwCfgDmaOps, s, "fwcfg.dma", 8));
  fwCfgCommonRealize(s);
}

function fwCfgReset(s: FwCfgState): void {
  // QEMU selects the signature on reset (fw_cfg_reset).
  fwCfgSelect(s, FW_CFG_SIGNATURE);
}

/**
 * QEMU's fw_cfg_init_io_dma: `fw_cfg_io` as `/machine/fw_cfg`, realized on the system bus, its
 * window at `iobase` and, when DMA is asked for (`dmaIobase` non-zero), the DMA register.
 */
export function fwCfgInitIoDma(registry: TypeRegistry, iobase: number, dmaIobase: number, info: FwCfgMachineInfo = {}): FwCfgIoState {
  const dev = objectNew<FwCfgIoState>(registry, TYPE_FW_CFG_IO);
  if (!dmaIobase) dev.setPropertyJson("dma_enabled", false);
  machineInfos.set(dev, info);
  const machine = resolvePath(objectGetRoot(registry), "/machine").obj;
  if (!machine) throw new QomError("fw_cfg needs /machine");
  addChild(machine, TYPE_FW_CFG, dev);
  qdevRealizeAndUnref(dev, sysbusGetDefault(registry));
  // QEMU's sysbus_add_io: straight into the machine's I/O space.
  const io = getSystemIo(registry);
  dev.iobase = iobase;
  memoryRegionAddSubregion(io, iobase, dev.regions[0]!);
  if (dev.dmaEnabled) {
    dev.dmaIobase = dmaIobase;
    memoryRegionAddSubregion(io, dmaIobase, dev.regions[1]!);
  }
  return dev;
}

/** QEMU's fw_cfg_init_io: no DMA. */
export function fwCfgInitIo(registry: TypeRegistry, iobase: number, info: FwCfgMachineInfo = {}): FwCfgIoState {
  return fwCfgInitIoDma(registry, iobase, 0, info);
}

/** QEMU's fw_cfg_find: the machine's fw_cfg, if exactly one exists. */
export function fwCfgFind(registry: TypeRegistry): FwCfgState | undefined {
  return resolvePathType(objectGetRoot(registry), "", TYPE_FW_CFG).obj as FwCfgState | undefined;
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

export const fwCfgTypeInfo: TypeInfo<FwCfgState, DeviceClass> = {
  name: TYPE_FW_CFG,
  parent: TYPE_SYS_BUS_DEVICE,
  abstract: true,
  instance: FwCfgState,
  classInit: (k) => {
    k.userCreatable = false;
    k.reset = (d) => fwCfgReset(d as FwCfgState);
    deviceClassSetProps(k, [defineProp("acpi-mr-restore", "acpiMrRestore", plainBool, true)]);
  },
};

export const fwCfgIoTypeInfo: TypeInfo<FwCfgIoState, DeviceClass> = {
  name: TYPE_FW_CFG_IO,
  parent: TYPE_FW_CFG,
  instance: FwCfgIoState,
  classInit: (k) => {
    k.realize = (d) => fwCfgIoRealize(d as FwCfgIoState);
    deviceClassSetProps(k, [
      defineProp("dma_enabled", "dmaEnabled", plainBool, true),
      defineProp("x-file-slots", "fileSlots", propKinds.uint16, 0x20),
    ]);
  },
};
