/** `memory-backend-ram` (QEMU's backends/hostmem-ram.c): anonymous RAM. */
import { memoryRegionInitRam } from "../exec/memory-region.js";
import type { ObjectClass, TypeInfo } from "../qom/type.js";
import {
  HostMemoryBackend,
  hostMemoryBackendGetName,
  requireBackendSize,
  TYPE_MEMORY_BACKEND,
  type HostMemoryBackendClass,
} from "./hostmem.js";

export const TYPE_MEMORY_BACKEND_RAM = "memory-backend-ram";

function ramBackendAlloc(backend: HostMemoryBackend): void {
  requireBackendSize(backend);
  backend.mr = memoryRegionInitRam(backend, hostMemoryBackendGetName(backend), backend.size);
}

export const ramBackendTypeInfo: TypeInfo<HostMemoryBackend> = {
  name: TYPE_MEMORY_BACKEND_RAM,
  parent: TYPE_MEMORY_BACKEND,
  classInit: (k: ObjectClass) => {
    (k as HostMemoryBackendClass).alloc = ramBackendAlloc;
  },
};
