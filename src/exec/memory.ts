/**
 * The memory API (QEMU's include/exec/memory.h): regions, address spaces, the machine's
 * `system` and `io` roots. Devices import from here.
 */
import type { TypeRegistry } from "../qom/type.js";
import type { AddressSpace } from "./address-space.js";
import {
  memoryRegionInit,
  memoryRegionInitIo,
  SIZE_2_64,
  unassignedIoOps,
  type MemoryRegion,
} from "./memory-region.js";
import { memorySystemOf } from "./memory-system.js";

export * from "./memory-region.js";
export { AddressSpace, type RamPointer, type MapChangeListener, type RamWriteObserver } from "./address-space.js";
export { FlatRange, FlatView } from "./flatview.js";
export { MemorySystem, memorySystemOf } from "./memory-system.js";
export { MEMTX_OK, MEMTX_ERROR, MEMTX_DECODE_ERROR, MEMTX_ACCESS_ERROR } from "./dispatch.js";

/** The I/O address space is 64 KiB, as on x86. */
export const IO_SPACE_SIZE = 0x10000;

/**
 * QEMU's memory_map_init: the `system` container (2^64 bytes) with address space "memory",
 * then the `io` region (64 KiB, unclaimed ports read all ones) with address space "I/O".
 * Both are ownerless, so they appear as `/machine/unattached/system[0]` and `io[0]`.
 * Idempotent: the second call returns what the first made.
 */
export function memoryMapInit(registry: TypeRegistry): void {
  const ms = memorySystemOf(registry);
  if (ms.systemMemory) return;
  const system = memoryRegionInit(registry, "system", SIZE_2_64);
  ms.systemMemory = system;
  ms.addressSpaceMemory = ms.addressSpaceInit(system, "memory");
  const io = memoryRegionInitIo(registry, unassignedIoOps, undefined, "io", IO_SPACE_SIZE);
  ms.systemIo = io;
  ms.addressSpaceIo = ms.addressSpaceInit(io, "I/O");
}

/** QEMU's get_system_memory (creates the map on first use). */
export function getSystemMemory(registry: TypeRegistry): MemoryRegion {
  memoryMapInit(registry);
  return memorySystemOf(registry).systemMemory!;
}

/** QEMU's get_system_io. */
export function getSystemIo(registry: TypeRegistry): MemoryRegion {
  memoryMapInit(registry);
  return memorySystemOf(registry).systemIo!;
}

/** QEMU's address_space_memory. */
export function addressSpaceMemory(registry: TypeRegistry): AddressSpace {
  memoryMapInit(registry);
  return memorySystemOf(registry).addressSpaceMemory!;
}

/** QEMU's address_space_io. */
export function addressSpaceIo(registry: TypeRegistry): AddressSpace {
  memoryMapInit(registry);
  return memorySystemOf(registry).addressSpaceIo!;
}

/** QEMU's address_space_init, e.g. for a CPU's "cpu-memory-0" or a PCI device's bus master space. */
export function addressSpaceInit(root: MemoryRegion, name: string | undefined): AddressSpace {
  return memorySystemOf(root.registry).addressSpaceInit(root, name);
}

export function addressSpaceDestroy(as: AddressSpace): void {
  as.system.addressSpaceDestroy(as);
}

/** QEMU's memory_region_transaction_begin: changes until the matching commit render once. */
export function memoryRegionTransactionBegin(registry: TypeRegistry): void {
  memorySystemOf(registry).transactionBegin();
}

export function memoryRegionTransactionCommit(registry: TypeRegistry): void {
  memorySystemOf(registry).transactionCommit();
}
