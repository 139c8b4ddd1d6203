/**
 * Accesses to one region's callbacks (QEMU's memory_region_dispatch_read/write and
 * access_with_adjusted_size): the valid-access check, then the access split into (or widened
 * to) the sizes the device implements. Values travel as little-endian bytes in a buffer, so
 * 8-byte accesses and big-endian devices need no bigint on the common path.
 */
import type { MemoryRegion, MemoryRegionOps } from "./memory-region.js";

/** QEMU's MemTxResult bits. */
export const MEMTX_OK = 0;
export const MEMTX_ERROR = 1 << 0;
export const MEMTX_DECODE_ERROR = 1 << 1;
export const MEMTX_ACCESS_ERROR = 1 << 2;

/** QEMU's memory_region_access_valid. */
export function accessValid(mr: MemoryRegion, addr: number, size: number, isWrite: boolean): boolean {
  const valid = mr.ops.valid;
  if (!valid) return (addr & (size - 1)) === 0;
  if (valid.accepts && !valid.accepts(mr.opaque, addr, size, isWrite)) return false;
  if (!valid.unaligned && (addr & (size - 1)) !== 0) return false;
  // No maximum means any size is valid, for compatibility.
  if (!valid.maxAccessSize) return true;
  return size <= valid.maxAccessSize && size >= (valid.minAccessSize ?? 0);
}

/**
 * QEMU's memory_access_size: how much of an `l`-byte access at `addr` in `mr` one dispatch
 * may take — at most the valid maximum (4 by default), bounded by alignment unless the device
 * implements unaligned accesses, rounded down to a power of two.
 */
export function memoryAccessSize(mr: MemoryRegion, l: number, addr: number): number {
  let max = mr.ops.valid?.maxAccessSize || 4;
  if (!mr.ops.impl?.unaligned) {
    const align = addr & -addr;
    if (align !== 0 && align < max) max = align;
  }
  if (l > max) l = max;
  return l >= 8 ? 8 : l >= 4 ? 4 : l >= 2 ? 2 : 1;
}

/** True when a `size`-byte read or write at `addr` is exactly one call of the device's callback. */
export function isSingleCallAccess(mr: MemoryRegion, addr: number, size: number, isWrite: boolean): boolean {
  const ops = mr.ops;
  if (ops.endianness === "big" || size > 4) return false;
  if (isWrite ? !ops.write : !ops.read) return false;
  const impl = ops.impl;
  const implMin = impl?.minAccessSize || 1;
  const implMax = impl?.maxAccessSize || 4;
  if (size < implMin || size > implMax) return false;
  return memoryAccessSize(mr, size, addr) === size && accessValid(mr, addr, size, isWrite);
}

function putValue(buf: Uint8Array, off: number, v: number | bigint, width: number, n: number, big: boolean): void {
  if (typeof v === "bigint") {
    for (let j = 0; j < n; j++) {
      const byteIndex = big ? width - 1 - j : j;
      buf[off + j] = Number((v >> BigInt(8 * byteIndex)) & 0xffn);
    }
    return;
  }
  for (let j = 0; j < n; j++) {
    const byteIndex = big ? width - 1 - j : j;
    buf[off + j] = byteIndex < 4 ? (v >>> (8 * byteIndex)) & 0xff : Math.floor(v / 2 ** (8 * byteIndex)) & 0xff;
  }
}

function getValue(buf: Uint8Array, off: number, width: number, n: number, big: boolean): number {
  let v = 0;
  for (let j = 0; j < n; j++) {
    const byteIndex = big ? width - 1 - j : j;
    v += buf[off + j]! * 2 ** (8 * byteIndex);
  }
  return v;
}

function getBigValue(buf: Uint8Array, off: number, width: number, n: number, big: boolean): bigint {
  let v = 0n;
  for (let j = 0; j < n; j++) {
    const byteIndex = big ? width - 1 - j : j;
    v |= BigInt(buf[off + j]!) << BigInt(8 * byteIndex);
  }
  return v;
}

function implSize(ops: MemoryRegionOps, size: number): number {
  const implMin = ops.impl?.minAccessSize || 1;
  const implMax = ops.impl?.maxAccessSize || 4;
  return Math.max(Math.min(size, implMax), implMin);
}

/**
 * Reads `size` bytes at `addr` of `mr` through its callbacks into `buf[off…]` (guest byte
 * order). An invalid access reads zeros and reports a decode error, as QEMU's unassigned read.
 */
export function dispatchRead(mr: MemoryRegion, addr: number, size: number, buf: Uint8Array, off: number): number {
  if (!accessValid(mr, addr, size, false)) {
    buf.fill(0, off, off + size);
    return MEMTX_DECODE_ERROR;
  }
  const ops = mr.ops;
  const big = ops.endianness === "big";
  const width = implSize(ops, size);
  for (let i = 0; i < size; i += width) {
    const n = Math.min(width, size - i);
    let v: number | bigint;
    if (width === 8 && ops.read64) v = ops.read64(mr.opaque, addr + i);
    else v = ops.read ? ops.read(mr.opaque, addr + i, width) : 0;
    putValue(buf, off + i, v, width, n, big);
  }
  return MEMTX_OK;
}

/** Writes `size` bytes from `buf[off…]` to `mr` through its callbacks; an invalid access is dropped. */
export function dispatchWrite(mr: MemoryRegion, addr: number, size: number, buf: Uint8Array, off: number): number {
  if (!accessValid(mr, addr, size, true)) return MEMTX_DECODE_ERROR;
  const ops = mr.ops;
  const big = ops.endianness === "big";
  const width = implSize(ops, size);
  for (let i = 0; i < size; i += width) {
    const n = Math.min(width, size - i);
    if (width === 8 && ops.write64) ops.write64(mr.opaque, addr + i, getBigValue(buf, off + i, width, n, big));
    else ops.write?.(mr.opaque, addr + i, getValue(buf, off + i, width, n, big), width);
  }
  return MEMTX_OK;
}
