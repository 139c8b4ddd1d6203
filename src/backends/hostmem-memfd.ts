/**
 * `memory-backend-memfd` (QEMU's backends/hostmem-memfd.c): anonymous shared memory. In qomd
 * every RAM buffer is a SharedArrayBuffer already, so this differs from memory-backend-ram only
 * in its properties and its default share=on; huge pages and seals are recorded only.
 */
import { memoryRegionInitRam } from "../exec/memory-region.js";
import { QomError } from "../qom/error.js";
import { addClassProperty, type QomObject } from "../qom/object.js";
import { boolProperty } from "../qom/property.js";
import type { ObjectClass, TypeInfo } from "../qom/type.js";
import type { Visitor } from "../qom/visitor.js";
import {
  HostMemoryBackend,
  hostMemoryBackendGetName,
  hostMemoryBackendMrInited,
  requireBackendSize,
  TYPE_MEMORY_BACKEND,
  type HostMemoryBackendClass,
} from "./hostmem.js";

export const TYPE_MEMORY_BACKEND_MEMFD = "memory-backend-memfd";

export class HostMemoryBackendMemfd extends HostMemoryBackend {
  hugetlb = false;
  hugetlbsize = 0;
  seal = true;
}

function mb(obj: QomObject): HostMemoryBackendMemfd {
  return obj as HostMemoryBackendMemfd;
}

function memfdBackendAlloc(backend: HostMemoryBackend): void {
  requireBackendSize(backend);
  backend.mr = memoryRegionInitRam(backend, hostMemoryBackendGetName(backend), backend.size);
}

function memfdBackendClassInit(klass: ObjectClass): void {
  (klass as HostMemoryBackendClass).alloc = memfdBackendAlloc;
  // Reverse of qom-list-properties order: hugetlb, seal, hugetlbsize.
  const hugetlbsize = {
    name: "hugetlbsize",
    type: "int",
    description: "Huge pages size (ex: 2M, 1G)",
    get: (o: QomObject) => mb(o).hugetlbsize,
    set: (o: QomObject, v: Visitor) => {
      if (hostMemoryBackendMrInited(mb(o))) throw new QomError("cannot change property value");
      const value = v.typeSize("hugetlbsize");
      if (!value) throw new QomError(`Property '${o.typeName}.hugetlbsize' doesn't take value '${value}'`);
      mb(o).hugetlbsize = Number(value);
    },
  };
  addClassProperty(klass, hugetlbsize);
  const seal = boolProperty("seal", {
    get: (o) => mb(o).seal,
    set: (o, v) => {
      mb(o).seal = v;
    },
  });
  seal.description = "Seal growing & shrinking";
  addClassProperty(klass, seal);
  const hugetlb = boolProperty("hugetlb", {
    get: (o) => mb(o).hugetlb,
    set: (o, v) => {
      mb(o).hugetlb = v;
    },
  });
  hugetlb.description = "Use huge pages";
  addClassProperty(klass, hugetlb);
}

export const memfdBackendTypeInfo: TypeInfo<HostMemoryBackendMemfd> = {
  name: TYPE_MEMORY_BACKEND_MEMFD,
  parent: TYPE_MEMORY_BACKEND,
  instance: HostMemoryBackendMemfd,
  classInit: memfdBackendClassInit,
  instanceInit: (obj) => {
    obj.share = true;
  },
};
