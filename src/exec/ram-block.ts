/**
 * RAM blocks (QEMU's RAMBlock): the host memory behind RAM, ROM and ROM-device regions. The
 * bytes live in a SharedArrayBuffer so that a vCPU worker, and later KVM through a native
 * helper, can use the same memory the devices see.
 */
import type { MemoryRegion } from "./memory-region.js";

export interface RamBlock {
  readonly mr: MemoryRegion;
  readonly bytes: Uint8Array;
  readonly size: number;
}

/** The largest block one typed array can cover in Node 20 (4 GiB). */
export const MAX_RAM_BLOCK_SIZE = 2 ** 32;

export function allocateRamBlock(mr: MemoryRegion, size: number): RamBlock {
  if (size > MAX_RAM_BLOCK_SIZE) throw new Error("Cannot allocate memory");
  let buffer: SharedArrayBuffer;
  try {
    // Zero-filled; the OS commits pages only when they are touched.
    buffer = new SharedArrayBuffer(size);
  } catch {
    throw new Error("Cannot allocate memory");
  }
  return { mr, bytes: new Uint8Array(buffer), size };
}
