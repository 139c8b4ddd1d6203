/**
 * Address spaces (QEMU's AddressSpace and the flatview_read/write paths of physmem.c): a root
 * region seen through its flat view, with guest accesses dispatched to RAM or to callbacks.
 *
 * Fast paths: an access that lies inside one RAM range reads or writes the bytes directly; an
 * access that is exactly one device callback calls it directly. Everything else takes QEMU's
 * general path, which cuts the access into pieces at range boundaries and at the sizes each
 * region accepts, assembling the value in little-endian order.
 */
import {
  dispatchRead,
  dispatchWrite,
  isSingleCallAccess,
  MEMTX_DECODE_ERROR,
  MEMTX_OK,
  memoryAccessSize,
} from "./dispatch.js";
import type { FlatRange, FlatView } from "./flatview.js";
import type { MemoryRegion } from "./memory-region.js";
import type { MemorySystem } from "./memory-system.js";

/** A direct view of guest RAM at some address (for a CPU's fast path or DMA). */
export interface RamPointer {
  readonly bytes: Uint8Array;
  /** Index in `bytes` of the requested address. */
  readonly offset: number;
  /** How many bytes from there belong to the same RAM range. */
  readonly length: number;
  /** False for ROM and read-only windows: writes must go through `write`. */
  readonly writable: boolean;
}

export type MapChangeListener = (as: AddressSpace) => void;
export type RamWriteObserver = (addr: number, length: number) => void;

export class AddressSpace {
  /** The current flat view; undefined while a change waits to be rendered. */
  private current: FlatView | undefined;
  private lastRange: FlatRange | undefined;
  private readonly listeners = new Set<MapChangeListener>();
  private readonly scratch = new Uint8Array(8);
  /** Bumped whenever the map may have changed; cheap to compare for cached translations. */
  generation = 0;
  /** QEMU's MemTxResult of the last access that left the fast path. */
  lastResult = MEMTX_OK;
  /** Told about writes that `write`/`writeBytes` make to RAM (for code caches). */
  ramWriteObserver: RamWriteObserver | undefined;

  constructor(
    readonly system: MemorySystem,
    readonly root: MemoryRegion,
    readonly name: string,
  ) {}

  /** The flat view, rendered on demand after a change. */
  get view(): FlatView {
    return this.current ?? this.render();
  }

  private render(): FlatView {
    const view = this.system.flatViewFor(this.root);
    this.current = view;
    this.lastRange = undefined;
    return view;
  }

  /** Called by the memory system when a transaction changed the map. */
  invalidate(): void {
    this.current = undefined;
    this.lastRange = undefined;
    this.generation++;
    for (const fn of this.listeners) fn(this);
  }

  /** Registers a callback for map changes; returns a function that removes it. */
  onChange(fn: MapChangeListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** The flat range at `addr`, or undefined where nothing is mapped. */
  lookup(addr: number): FlatRange | undefined {
    const r = this.lastRange;
    if (r !== undefined && this.current !== undefined && addr >= r.start && addr < r.end) return r;
    const found = this.view.lookup(addr);
    if (found) this.lastRange = found;
    return found;
  }

  /** The range at `addr` when reads there may take RAM bytes directly (see FlatRange.ram). */
  ramRange(addr: number): FlatRange | undefined {
    const r = this.lookup(addr);
    return r?.ram ? r : undefined;
  }

  /** QEMU's address_space_translate + qemu_map_ram_ptr, for RAM only. */
  ramPointer(addr: number): RamPointer | undefined {
    const r = this.ramRange(addr);
    if (!r?.ram) return undefined;
    return { bytes: r.ram, offset: r.ramIndex + (addr - r.start), length: r.end - addr, writable: r.writable };
  }

  // ---- guest accesses ---------------------------------------------------------------------------

  /** Reads 1, 2 or 4 bytes, little endian, as an unsigned number. */
  read(addr: number, size: number): number {
    const r = this.lookup(addr);
    if (r !== undefined && addr + size <= r.end) {
      const ram = r.ram;
      if (ram !== undefined) {
        const i = r.ramIndex + (addr - r.start);
        if (size === 1) return ram[i]!;
        if (size === 2) return ram[i]! | (ram[i + 1]! << 8);
        return (ram[i]! | (ram[i + 1]! << 8) | (ram[i + 2]! << 16) | (ram[i + 3]! << 24)) >>> 0;
      }
      const mr = r.mr;
      const a = addr - r.start + r.offsetInRegion;
      if (isSingleCallAccess(mr, a, size, false)) {
        this.lastResult = MEMTX_OK;
        const v = mr.ops.read!(mr.opaque, a, size);
        return size === 4 ? v >>> 0 : v & ((1 << (8 * size)) - 1);
      }
    }
    const buf = this.scratch;
    if (r !== undefined && r.ram === undefined && addr + size > r.end) {
      // QEMU's address_space_ld*: an access that starts in an I/O region goes to that region
      // whole, even where the flat view shows another region over part of it (outl 0xcf8 with
      // the PIIX3 reset register at 0xcf9).
      this.lastResult = dispatchRead(r.mr, addr - r.start + r.offsetInRegion, size, buf, 0);
    } else {
      this.readBytes(addr, buf.subarray(0, size));
    }
    if (size === 1) return buf[0]!;
    if (size === 2) return buf[0]! | (buf[1]! << 8);
    return (buf[0]! | (buf[1]! << 8) | (buf[2]! << 16) | (buf[3]! << 24)) >>> 0;
  }

  /** Writes 1, 2 or 4 bytes, little endian. */
  write(addr: number, value: number, size: number): void {
    const r = this.lookup(addr);
    if (r !== undefined && addr + size <= r.end) {
      const ram = r.ram;
      if (ram !== undefined && r.writable) {
        const i = r.ramIndex + (addr - r.start);
        ram[i] = value;
        if (size > 1) {
          ram[i + 1] = value >>> 8;
          if (size > 2) {
            ram[i + 2] = value >>> 16;
            ram[i + 3] = value >>> 24;
          }
        }
        this.ramWriteObserver?.(addr, size);
        return;
      }
      const mr = r.mr;
      const a = addr - r.start + r.offsetInRegion;
      if (ram === undefined && isSingleCallAccess(mr, a, size, true)) {
        this.lastResult = MEMTX_OK;
        mr.ops.write!(mr.opaque, a, size === 4 ? value >>> 0 : value & ((1 << (8 * size)) - 1), size);
        return;
      }
    }
    const buf = this.scratch;
    for (let i = 0; i < size; i++) buf[i] = value >>> (8 * i);
    if (r !== undefined && r.ram === undefined && addr + size > r.end) {
      // As in read(): QEMU's address_space_st* sends the whole access to the starting region.
      this.lastResult = dispatchWrite(r.mr, addr - r.start + r.offsetInRegion, size, buf, 0);
      return;
    }
    this.writeBytes(addr, buf.subarray(0, size));
  }

  /** Reads 8 bytes, little endian. */
  readQ(addr: number): bigint {
    const buf = new Uint8Array(8);
    this.readBytes(addr, buf);
    return new DataView(buf.buffer).getBigUint64(0, true);
  }

  /** Writes 8 bytes, little endian. */
  writeQ(addr: number, value: bigint): void {
    const buf = new Uint8Array(8);
    new DataView(buf.buffer).setBigUint64(0, BigInt.asUintN(64, value), true);
    this.writeBytes(addr, buf);
  }

  /**
   * QEMU's address_space_read: fills `dst` from guest memory starting at `addr`, piece by
   * piece. Unassigned pieces read as zeros and make the result a decode error.
   */
  readBytes(addr: number, dst: Uint8Array): number {
    let result = MEMTX_OK;
    let pos = 0;
    while (pos < dst.length) {
      const remaining = dst.length - pos;
      const r = this.lookup(addr);
      if (r === undefined) {
        const l = unassignedPiece(remaining, addr);
        dst.fill(0, pos, pos + l);
        result |= MEMTX_DECODE_ERROR;
        pos += l;
        addr += l;
        continue;
      }
      let l = Math.min(remaining, r.end - addr);
      if (r.ram !== undefined) {
        const i = r.ramIndex + (addr - r.start);
        dst.set(r.ram.subarray(i, i + l), pos);
      } else {
        const a = addr - r.start + r.offsetInRegion;
        l = memoryAccessSize(r.mr, l, a);
        result |= dispatchRead(r.mr, a, l, dst, pos);
      }
      pos += l;
      addr += l;
    }
    this.lastResult = result;
    return result;
  }

  /** QEMU's address_space_write. Writes to ROM and read-only windows are discarded. */
  writeBytes(addr: number, src: Uint8Array): number {
    let result = MEMTX_OK;
    let pos = 0;
    while (pos < src.length) {
      const remaining = src.length - pos;
      const r = this.lookup(addr);
      if (r === undefined) {
        const l = unassignedPiece(remaining, addr);
        result |= MEMTX_DECODE_ERROR;
        pos += l;
        addr += l;
        continue;
      }
      let l = Math.min(remaining, r.end - addr);
      if (r.ram !== undefined && r.writable) {
        r.ram.set(src.subarray(pos, pos + l), r.ramIndex + (addr - r.start));
        this.ramWriteObserver?.(addr, l);
      } else if (r.mr.ram || r.readOnly) {
        // ROM, or RAM behind a read-only window: the write is discarded, as for a guest store.
        result |= MEMTX_DECODE_ERROR;
      } else {
        const a = addr - r.start + r.offsetInRegion;
        l = memoryAccessSize(r.mr, l, a);
        result |= dispatchWrite(r.mr, a, l, src, pos);
      }
      pos += l;
      addr += l;
    }
    this.lastResult = result;
    return result;
  }

  /**
   * QEMU's address_space_write_rom: stores into RAM and ROM alike (firmware loading); ranges
   * without memory are skipped.
   */
  writeRom(addr: number, src: Uint8Array): void {
    let pos = 0;
    while (pos < src.length) {
      const r = this.lookup(addr);
      if (r === undefined) {
        pos++;
        addr++;
        continue;
      }
      const l = Math.min(src.length - pos, r.end - addr);
      const block = r.mr.ramBlock;
      if (block) {
        block.bytes.set(src.subarray(pos, pos + l), r.offsetInRegion + (addr - r.start));
        this.ramWriteObserver?.(addr, l);
      }
      pos += l;
      addr += l;
    }
  }
}

/** The piece an unassigned access takes at once: at most 4 bytes, no wider than the alignment. */
function unassignedPiece(remaining: number, addr: number): number {
  let max = 4;
  const align = addr & -addr;
  if (align !== 0 && align < max) max = align;
  const l = Math.min(remaining, max);
  return l >= 4 ? 4 : l >= 2 ? 2 : 1;
}
