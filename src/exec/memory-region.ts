/**
 * Memory regions (QEMU's MemoryRegion, softmmu/memory.c): the nodes of the memory map. A
 * region is a container, RAM, ROM, a ROM device, an MMIO/PIO region with callbacks, or an
 * alias into another region. Regions are QOM objects of type `memory-region`; a named region
 * becomes the child `<escaped name>[N]` of its owner (or of `/machine/unattached`).
 *
 * Numbers, not bigints: addresses, offsets and sizes are JS numbers. Everything a PC uses is
 * far below 2^53, where doubles are exact; the one size beyond that, 2^64 (QEMU's UINT64_MAX
 * size, which it also stores as 2^64), is a power of two and therefore exact too, as are sums
 * such as `2^64 - 4096`. Callers may give a size as a bigint (`0xffffffffffffffffn` means 2^64)
 * and the QOM properties report uint64 values exactly, but an address that needs more than 53
 * significant bits cannot be represented. Keeping numbers keeps the guest-access path free of
 * bigint arithmetic.
 */
import { addChild } from "../qom/child.js";
import { containerGet } from "../qom/container.js";
import { QomBug, QomError } from "../qom/error.js";
import { objectNew, QomObject } from "../qom/object.js";
import { linkProperty } from "../qom/link.js";
import { objectGetRoot } from "../qom/root.js";
import { TYPE_OBJECT, TypeRegistry, type TypeInfo } from "../qom/type.js";
import { allocateRamBlock, type RamBlock } from "./ram-block.js";
import { memorySystemOf } from "./memory-system.js";

export const TYPE_MEMORY_REGION = "memory-region";

/** QEMU's UINT64_MAX region size, which stands for the whole 64-bit space (2^64 bytes). */
export const SIZE_2_64 = 2 ** 64;

/** A region size: a number, or a bigint where 2^64 - 1 means 2^64 as in QEMU. */
export type MrSize = number | bigint;

/** Access-size constraints (QEMU's MemoryRegionOps.valid / .impl). Zero or absent = QEMU's default. */
export interface AccessConstraints {
  minAccessSize?: number;
  maxAccessSize?: number;
  unaligned?: boolean;
}

export interface ValidConstraints<T> extends AccessConstraints {
  /** Decides whether the device accepts this access at all; a refused access is unassigned. */
  accepts?(opaque: T, addr: number, size: number, isWrite: boolean): boolean;
}

/**
 * Callbacks of an MMIO or PIO region. Values of accesses up to 4 bytes are unsigned numbers.
 * An implementation access of 8 bytes (impl.maxAccessSize 8) calls `read64`/`write64` when the
 * device has them, and `read`/`write` with a number otherwise (exact only below 2^53).
 */
export interface MemoryRegionOps<T = unknown> {
  read?(opaque: T, addr: number, size: number): number;
  write?(opaque: T, addr: number, value: number, size: number): void;
  read64?(opaque: T, addr: number): bigint;
  write64?(opaque: T, addr: number, value: bigint): void;
  /** Byte order of the device's registers; x86 hosts and targets are little endian ("native"). */
  endianness?: "little" | "big" | "native";
  valid?: ValidConstraints<T>;
  impl?: AccessConstraints;
}

/** QEMU's unassigned_mem_ops: refuses every access, so reads give 0 and writes are dropped. */
export const unassignedMemOps: MemoryRegionOps = {
  valid: { accepts: () => false },
};

/** QEMU's unassigned_io_ops (softmmu/ioport.c): reads of unclaimed ports give all ones. */
export const unassignedIoOps: MemoryRegionOps = {
  read: () => 0xffffffff,
  write: () => {},
};

export class MemoryRegion extends QomObject {
  ops: MemoryRegionOps = unassignedMemOps;
  opaque: unknown = undefined;
  /** The owner given at init (QEMU's mr->owner); the QOM parent may differ. */
  owner: QomObject | undefined;
  /** The name given at init; unnamed regions report their QOM path component. */
  givenName: string | undefined;
  container: MemoryRegion | undefined;
  /** Offset within the container. */
  addr = 0;
  size = 0;
  priority = 0;
  enabled = true;
  terminates = false;
  ram = false;
  readonly = false;
  nonvolatile = false;
  romDevice = false;
  romdMode = true;
  ramDevice = false;
  alias: MemoryRegion | undefined;
  aliasOffset = 0;
  ramBlock: RamBlock | undefined;
  /** Subregions, highest priority first; among equals the most recently added first. */
  readonly subregions: MemoryRegion[] = [];

  /** QEMU's memory_region_name. */
  get name(): string {
    return this.givenName ?? this.parentPropertyName ?? "";
  }

  /** QEMU's memory_region_is_mapped. */
  get isMapped(): boolean {
    return this.container !== undefined;
  }
}

// ---- sizes --------------------------------------------------------------------------------------

export function toSize(size: MrSize): number {
  if (typeof size === "bigint") {
    if (size === 0xffffffffffffffffn) return SIZE_2_64;
    if (size < 0n || size > 0xffffffffffffffffn) throw new QomBug(`memory region size ${size} out of range`);
    return Number(size);
  }
  if (!Number.isInteger(size) || size < 0) throw new QomBug(`memory region size ${size} is not a size`);
  // 2^64 - 1 rounds to 2^64 as a double; both mean the whole space, as in QEMU.
  return size >= SIZE_2_64 ? SIZE_2_64 : size;
}

/** A uint64 value for QOM: exact numbers stay numbers; 2^64 is UINT64_MAX. */
export function uint64Json(v: number): number | bigint {
  if (v >= SIZE_2_64) return 0xffffffffffffffffn;
  return Number.isSafeInteger(v) ? v : BigInt(v);
}

// ---- names and ownership ------------------------------------------------------------------------

function needsEscape(c: string): boolean {
  return c === "/" || c === "[" || c === "\\" || c === "]";
}

/** QEMU's memory_region_escape_name: `/`, `[`, `\` and `]` become `\xNN`. */
export function escapeRegionName(name: string): string {
  let out = "";
  for (const c of name) {
    out += needsEscape(c) ? "\\x" + c.charCodeAt(0).toString(16).padStart(2, "0") : c;
  }
  return out;
}

/** The owner of a region, or the registry for a region with no owner. */
export type MrOwner = QomObject | TypeRegistry;

function registryOf(owner: MrOwner): TypeRegistry {
  return owner instanceof TypeRegistry ? owner : owner.registry;
}

/**
 * QEMU's memory_region_init: a new region, a pure container until another init function
 * gives it a role. A named region is attached as `<escaped name>[*]` under its owner, or
 * under `/machine/unattached` when it has none; the composition tree then holds it.
 */
export function memoryRegionInit(owner: MrOwner, name: string | undefined, size: MrSize): MemoryRegion {
  const registry = registryOf(owner);
  const mr = objectNew<MemoryRegion>(registry, TYPE_MEMORY_REGION);
  mr.size = toSize(size);
  mr.givenName = name;
  mr.owner = owner instanceof TypeRegistry ? undefined : owner;
  if (name !== undefined) {
    const parent = mr.owner ?? containerGet(objectGetRoot(registry), "/machine/unattached");
    addChild(parent, `${escapeRegionName(name)}[*]`, mr);
    mr.unref();
  }
  return mr;
}

/** QEMU's memory_region_init_io: a region whose accesses call `ops` with `opaque`. */
export function memoryRegionInitIo<T>(
  owner: MrOwner,
  ops: MemoryRegionOps<T> | undefined,
  opaque: T,
  name: string | undefined,
  size: MrSize,
): MemoryRegion {
  const mr = memoryRegionInit(owner, name, size);
  mr.ops = (ops as MemoryRegionOps | undefined) ?? unassignedMemOps;
  mr.opaque = opaque;
  mr.terminates = true;
  return mr;
}

function allocRam(mr: MemoryRegion, name: string | undefined): void {
  try {
    mr.ramBlock = allocateRamBlock(mr, mr.size);
  } catch (err) {
    mr.size = 0;
    mr.unparent();
    throw new QomError(`cannot set up guest memory '${name ?? ""}': ${(err as Error).message}`);
  }
}

/** QEMU's memory_region_init_ram: RAM backed by a SharedArrayBuffer (zero-filled). */
export function memoryRegionInitRam(owner: MrOwner, name: string | undefined, size: MrSize): MemoryRegion {
  const mr = memoryRegionInit(owner, name, size);
  mr.ram = true;
  mr.terminates = true;
  allocRam(mr, name);
  return mr;
}

/** RAM over caller-provided bytes (QEMU's memory_region_init_ram_ptr), e.g. a backend's buffer. */
export function memoryRegionInitRamPtr(
  owner: MrOwner,
  name: string | undefined,
  size: MrSize,
  bytes: Uint8Array,
): MemoryRegion {
  const mr = memoryRegionInit(owner, name, size);
  mr.ram = true;
  mr.terminates = true;
  if (bytes.length < mr.size) throw new QomBug(`RAM buffer for '${name ?? ""}' is smaller than the region`);
  mr.ramBlock = { mr, bytes, size: mr.size };
  return mr;
}

/** QEMU's memory_region_init_rom: RAM the guest can only read. */
export function memoryRegionInitRom(owner: MrOwner, name: string | undefined, size: MrSize): MemoryRegion {
  const mr = memoryRegionInitRam(owner, name, size);
  mr.readonly = true;
  return mr;
}

/**
 * QEMU's memory_region_init_rom_device: reads come straight from its RAM while in ROMD mode
 * (the default); writes, and reads outside ROMD mode, call `ops`.
 */
export function memoryRegionInitRomDevice<T>(
  owner: MrOwner,
  ops: MemoryRegionOps<T>,
  opaque: T,
  name: string | undefined,
  size: MrSize,
): MemoryRegion {
  const mr = memoryRegionInit(owner, name, size);
  mr.ops = ops as MemoryRegionOps;
  mr.opaque = opaque;
  mr.terminates = true;
  mr.romDevice = true;
  allocRam(mr, name);
  return mr;
}

/** QEMU's memory_region_init_alias: `size` bytes of `orig` starting at `offset`. */
export function memoryRegionInitAlias(
  owner: MrOwner,
  name: string | undefined,
  orig: MemoryRegion,
  offset: number,
  size: MrSize,
): MemoryRegion {
  const mr = memoryRegionInit(owner, name, size);
  mr.alias = orig;
  mr.aliasOffset = offset;
  return mr;
}

// ---- changes to the map -------------------------------------------------------------------------

/** Runs `fn` as one memory transaction of the region's machine (QEMU's begin/commit pair). */
function inTransaction(mr: MemoryRegion, fn: (markPending: (pending: boolean) => void) => void): void {
  const ms = memorySystemOf(mr.registry);
  ms.transactionBegin();
  try {
    fn((pending) => ms.markPending(pending));
  } finally {
    ms.transactionCommit();
  }
}

function insertByPriority(container: MemoryRegion, sub: MemoryRegion): void {
  const list = container.subregions;
  let i = list.findIndex((other) => sub.priority >= other.priority);
  if (i < 0) i = list.length;
  list.splice(i, 0, sub);
}

function addSubregionCommon(container: MemoryRegion, offset: number, sub: MemoryRegion): void {
  if (sub.container) {
    throw new QomBug(`memory region '${sub.name}' is already in '${sub.container.name}'`);
  }
  sub.container = container;
  sub.addr = offset;
  inTransaction(container, (mark) => {
    insertByPriority(container, sub);
    mark(container.enabled && sub.enabled);
  });
}

/** QEMU's memory_region_add_subregion: maps `sub` at `offset` with priority 0. */
export function memoryRegionAddSubregion(container: MemoryRegion, offset: number, sub: MemoryRegion): void {
  sub.priority = 0;
  addSubregionCommon(container, offset, sub);
}

/** QEMU's memory_region_add_subregion_overlap: higher priorities hide lower ones. */
export function memoryRegionAddSubregionOverlap(
  container: MemoryRegion,
  offset: number,
  sub: MemoryRegion,
  priority: number,
): void {
  sub.priority = priority | 0;
  addSubregionCommon(container, offset, sub);
}

export function memoryRegionDelSubregion(container: MemoryRegion, sub: MemoryRegion): void {
  if (sub.container !== container) {
    throw new QomBug(`memory region '${sub.name}' is not a subregion of '${container.name}'`);
  }
  inTransaction(container, (mark) => {
    sub.container = undefined;
    const i = container.subregions.indexOf(sub);
    if (i >= 0) container.subregions.splice(i, 1);
    mark(container.enabled && sub.enabled);
  });
}

export function memoryRegionSetEnabled(mr: MemoryRegion, enabled: boolean): void {
  if (mr.enabled === enabled) return;
  inTransaction(mr, (mark) => {
    mr.enabled = enabled;
    mark(true);
  });
}

export function memoryRegionSetSize(mr: MemoryRegion, size: MrSize): void {
  const s = toSize(size);
  if (s === mr.size) return;
  inTransaction(mr, (mark) => {
    mr.size = s;
    mark(true);
  });
}

/** QEMU's memory_region_set_address: moves a region within its container (re-sorted). */
export function memoryRegionSetAddress(mr: MemoryRegion, addr: number): void {
  if (addr === mr.addr) return;
  mr.addr = addr;
  const container = mr.container;
  if (!container) return;
  inTransaction(mr, () => {
    memoryRegionDelSubregion(container, mr);
    mr.container = container;
    insertByPriority(container, mr);
    memorySystemOf(mr.registry).markPending(container.enabled && mr.enabled);
  });
}

export function memoryRegionSetAliasOffset(mr: MemoryRegion, offset: number): void {
  if (!mr.alias) throw new QomBug(`memory region '${mr.name}' is not an alias`);
  if (offset === mr.aliasOffset) return;
  inTransaction(mr, (mark) => {
    mr.aliasOffset = offset;
    mark(mr.enabled);
  });
}

export function memoryRegionSetReadonly(mr: MemoryRegion, readonly: boolean): void {
  if (mr.readonly === readonly) return;
  inTransaction(mr, (mark) => {
    mr.readonly = readonly;
    mark(mr.enabled);
  });
}

export function memoryRegionSetNonvolatile(mr: MemoryRegion, nonvolatile: boolean): void {
  if (mr.nonvolatile === nonvolatile) return;
  inTransaction(mr, (mark) => {
    mr.nonvolatile = nonvolatile;
    mark(mr.enabled);
  });
}

/** QEMU's memory_region_rom_device_set_romd: ROMD mode reads the RAM directly. */
export function memoryRegionRomDeviceSetRomd(mr: MemoryRegion, romdMode: boolean): void {
  if (mr.romdMode === romdMode) return;
  inTransaction(mr, (mark) => {
    mr.romdMode = romdMode;
    mark(mr.enabled);
  });
}

// ---- queries --------------------------------------------------------------------------------------

export function memoryRegionIsRam(mr: MemoryRegion): boolean {
  return mr.ram;
}

export function memoryRegionIsRom(mr: MemoryRegion): boolean {
  return mr.ram && mr.readonly;
}

export function memoryRegionIsRomd(mr: MemoryRegion): boolean {
  return mr.romDevice && mr.romdMode;
}

/** QEMU's memory_region_get_ram_ptr: the bytes behind a RAM region (through aliases). */
export function memoryRegionGetRamPtr(mr: MemoryRegion): { bytes: Uint8Array; offset: number } {
  let offset = 0;
  let m = mr;
  while (m.alias) {
    offset += m.aliasOffset;
    m = m.alias;
  }
  if (!m.ramBlock) throw new QomBug(`memory region '${mr.name}' has no RAM`);
  return { bytes: m.ramBlock.bytes, offset };
}

/** The address of `offset` within `mr` in its root region (QEMU's memory_region_to_absolute_addr). */
export function memoryRegionAbsoluteAddr(mr: MemoryRegion, offset: number): number {
  let addr = offset + mr.addr;
  for (let m = mr.container; m; m = m.container) addr += m.addr;
  return addr;
}

// ---- the QOM type ------------------------------------------------------------------------------

function regionInstanceInit(obj: QomObject): void {
  const mr = obj as MemoryRegion;
  // Added in the reverse of the order qom-list shows (type, container, addr, size, priority),
  // since QOM lists are built by prepending.
  mr.addProperty({
    name: "priority",
    type: "uint32",
    get: (o) => (o as MemoryRegion).priority,
  });
  mr.addProperty({
    name: "size",
    type: "uint64",
    get: (o) => uint64Json((o as MemoryRegion).size),
  });
  mr.addProperty({
    name: "addr",
    type: "uint64",
    get: (o) => uint64Json((o as MemoryRegion).addr),
  });
  mr.addProperty(
    linkProperty("container", TYPE_MEMORY_REGION, {
      get: (o) => (o as MemoryRegion).container,
      set: () => {},
    }),
  );
}

function regionInstanceFinalize(obj: QomObject): void {
  const mr = obj as MemoryRegion;
  // QEMU asserts that a dying region is unmapped; qomd unmaps it so that tearing down a whole
  // machine tree in any order is safe.
  if (mr.container) memoryRegionDelSubregion(mr.container, mr);
  mr.enabled = false;
  while (mr.subregions.length > 0) memoryRegionDelSubregion(mr, mr.subregions[0]!);
  mr.ramBlock = undefined;
}

export const memoryRegionTypeInfo: TypeInfo<MemoryRegion> = {
  name: TYPE_MEMORY_REGION,
  parent: TYPE_OBJECT,
  instance: MemoryRegion,
  instanceInit: regionInstanceInit,
  instanceFinalize: regionInstanceFinalize,
};
