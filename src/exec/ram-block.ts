/**
 * RAM blocks (QEMU's RAMBlock): the host memory behind RAM, ROM and ROM-device regions. The
 * bytes live in a SharedArrayBuffer so that a vCPU worker, and KVM through the native addon,
 * can use the same memory the devices see.
 */
import type { TypeRegistry } from "../qom/type.js";
import type { MemoryRegion } from "./memory-region.js";

export interface RamBlock {
  readonly mr: MemoryRegion;
  readonly bytes: Uint8Array;
  readonly size: number;
}

/** The largest block one typed array can cover in Node 20 (4 GiB). */
export const MAX_RAM_BLOCK_SIZE = 2 ** 32;

/** Zero-filled bytes for a block of `size` bytes (an accelerator's say on where they live). */
export type RamAllocator = (size: number) => Uint8Array;

const allocators = new WeakMap<TypeRegistry, RamAllocator>();

/**
 * Lets an accelerator choose the memory of the blocks a machine allocates from now on (kvm needs
 * page-aligned memory it can map in place; QEMU's qemu_ram_mmap with the accelerator's alignment).
 */
export function setRamBlockAllocator(registry: TypeRegistry, alloc: RamAllocator | undefined): void {
  if (alloc) allocators.set(registry, alloc);
  else allocators.delete(registry);
}

export function allocateRamBlock(mr: MemoryRegion, size: number): RamBlock {
  if (size > MAX_RAM_BLOCK_SIZE) throw new Error("Cannot allocate memory");
  const alloc = allocators.get(mr.registry);
  let bytes: Uint8Array;
  try {
    // Zero-filled; the OS commits pages only when they are touched.
    bytes = alloc ? alloc(size) : new Uint8Array(new SharedArrayBuffer(size));
  } catch {
    throw new Error("Cannot allocate memory");
  }
  return { mr, bytes, size };
}
