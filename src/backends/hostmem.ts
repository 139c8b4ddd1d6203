/**
 * Host memory backends (QEMU's backends/hostmem.c): the abstract user-creatable type
 * `memory-backend` whose subclasses allocate the RAM region guest memory is made of
 * (`-object memory-backend-ram,id=pc.ram,size=128M -machine memory-backend=pc.ram`).
 *
 * qomd has no NUMA binding or madvise: policy and host nodes are validated as QEMU validates
 * them, for a host with a single NUMA node 0; merge, dump and prealloc are recorded only.
 */
import { QomError } from "../qom/error.js";
import { addClassProperty, QomObject } from "../qom/object.js";
import { boolProperty, enumProperty, type ObjectProperty } from "../qom/property.js";
import { linkProperty } from "../qom/link.js";
import { TYPE_OBJECT, type ObjectClass, type TypeInfo } from "../qom/type.js";
import { TYPE_USER_CREATABLE, type UserCreatableClass } from "../qom/user-creatable.js";
import { invalidType, type Visitor } from "../qom/visitor.js";
import type { JsonValue } from "../qobject/json-value.js";
import type { MemoryRegion } from "../exec/memory-region.js";

export const TYPE_MEMORY_BACKEND = "memory-backend";

/** QEMU's HostMemPolicy enum. */
export const HOST_MEM_POLICIES = ["default", "preferred", "bind", "interleave"] as const;

/** QEMU's MAX_NODES. */
export const MAX_NODES = 128;

export class HostMemoryBackend extends QomObject {
  size = 0;
  merge = true;
  dump = true;
  prealloc = false;
  preallocThreads = 1;
  preallocContext: QomObject | undefined;
  share = false;
  reserve = true;
  useCanonicalPath = false;
  policy: string = "default";
  hostNodes = new Set<number>();
  /** Set while a machine or NUMA node uses the backend's memory. */
  isMapped = false;
  /** The RAM region, once `complete` allocated it. */
  mr: MemoryRegion | undefined;
}

export interface HostMemoryBackendClass extends ObjectClass {
  /** Allocates `backend.mr`; throws QEMU's error when it cannot. */
  alloc?: (backend: HostMemoryBackend) => void;
}

function be(obj: QomObject): HostMemoryBackend {
  return obj as HostMemoryBackend;
}

/** QEMU's host_memory_backend_mr_inited. */
export function hostMemoryBackendMrInited(backend: HostMemoryBackend): boolean {
  return backend.mr !== undefined;
}

/** QEMU's host_memory_backend_get_memory: the RAM region, or undefined before `complete`. */
export function hostMemoryBackendGetMemory(backend: HostMemoryBackend): MemoryRegion | undefined {
  return backend.mr;
}

export function hostMemoryBackendSetMapped(backend: HostMemoryBackend, mapped: boolean): void {
  backend.isMapped = mapped;
}

export function hostMemoryBackendIsMapped(backend: HostMemoryBackend): boolean {
  return backend.isMapped;
}

/** QEMU's host_memory_backend_get_name: the id, or the full path with the x-use-canonical-path flag. */
export function hostMemoryBackendGetName(backend: HostMemoryBackend): string | undefined {
  return backend.useCanonicalPath ? backend.canonicalPath : backend.parentPropertyName;
}

/** "property 'x' of T doesn't take value 'v'" — QEMU's text for a forbidden value. */
export function rejectedValue(obj: QomObject, name: string, value: number | bigint): QomError {
  return new QomError(`property '${name}' of ${obj.typeName} doesn't take value '${value}'`);
}

function readUint(v: Visitor, name: string, size: boolean): number {
  const x = size ? v.typeSize(name) : v.typeInt(name, "uint64");
  return typeof x === "bigint" ? Number(x) : x;
}

/** host-nodes arrives as a JSON list, keyval strings, or command-line ranges ("0-3"). */
function readHostNodes(v: Visitor, name: string): number[] {
  const raw: JsonValue = v.kind === "string" ? v.typeStr(name) : v.typeAny(name);
  const items: JsonValue[] = Array.isArray(raw) ? raw : [raw];
  const nodes: number[] = [];
  for (const item of items) {
    if (typeof item === "number" && Number.isInteger(item) && item >= 0 && item <= 0xffff) {
      nodes.push(item);
      continue;
    }
    if (typeof item === "string") {
      for (const part of item.split(",")) {
        const m = /^(\d+)(?:-(\d+))?$/.exec(part);
        if (!m) throw invalidType(name, "uint16");
        const lo = Number(m[1]);
        const hi = m[2] === undefined ? lo : Number(m[2]);
        for (let n = lo; n <= hi; n++) nodes.push(n);
      }
      continue;
    }
    throw invalidType(name, "uint16");
  }
  return nodes;
}

function withDescription(prop: ObjectProperty, description: string | undefined): ObjectProperty {
  if (description !== undefined) prop.description = description;
  return prop;
}

function hostMemoryBackendClassInit(klass: ObjectClass): void {
  const ucc = klass.type.registry.classCheck<UserCreatableClass>(klass, TYPE_USER_CREATABLE);
  ucc.complete = (obj) => hostMemoryBackendComplete(be(obj));
  ucc.canBeDeleted = (obj) => !be(obj).isMapped;

  // Added in the reverse of QEMU's qom-list-properties order (QOM lists are built by prepending).
  const add = (prop: ObjectProperty, description?: string) =>
    addClassProperty(klass, withDescription(prop, description));

  add(
    boolProperty("merge", {
      get: (o) => be(o).merge,
      set: (o, value) => {
        be(o).merge = value;
      },
    }),
    "Mark memory as mergeable",
  );
  add(
    {
      name: "host-nodes",
      type: "int",
      get: (o) => [...be(o).hostNodes].sort((a, b) => a - b),
      set: (o, v) => {
        for (const node of readHostNodes(v, "host-nodes")) {
          if (node >= MAX_NODES) throw new QomError(`Invalid host-nodes value: ${node}`);
          be(o).hostNodes.add(node);
        }
      },
    },
    "Binds memory to the list of NUMA host nodes",
  );
  add(
    boolProperty("reserve", {
      get: (o) => be(o).reserve,
      set: (o, value) => {
        const b = be(o);
        if (hostMemoryBackendMrInited(b)) throw new QomError("cannot change property value");
        if (b.prealloc && !value) throw new QomError("'prealloc=on' and 'reserve=off' are incompatible");
        b.reserve = value;
      },
    }),
    "Reserve swap space (or huge pages) if applicable",
  );
  add(
    boolProperty("prealloc", {
      get: (o) => be(o).prealloc,
      set: (o, value) => {
        const b = be(o);
        if (!b.reserve && value) throw new QomError("'prealloc=on' and 'reserve=off' are incompatible");
        if (!hostMemoryBackendMrInited(b)) {
          b.prealloc = value;
          return;
        }
        // After allocation QEMU touches every page now (and cannot undo it); qomd's buffers
        // need no preallocation.
        if (value) b.prealloc = true;
      },
    }),
    "Preallocate memory",
  );
  add(
    linkProperty(
      "prealloc-context",
      "thread-context",
      {
        get: (o) => be(o).preallocContext,
        set: (o, target) => {
          be(o).preallocContext = target;
        },
      },
      { check: () => {}, strong: true },
    ),
    "Context to use for creating CPU threads for preallocation",
  );
  add(
    enumProperty("policy", "HostMemPolicy", HOST_MEM_POLICIES, {
      get: (o) => be(o).policy,
      set: (o, value) => {
        be(o).policy = value;
      },
    }),
    "Set the NUMA policy",
  );
  add(
    boolProperty("x-use-canonical-path-for-ramblock-id", {
      get: (o) => be(o).useCanonicalPath,
      set: (o, value) => {
        be(o).useCanonicalPath = value;
      },
    }),
  );
  add(
    {
      name: "prealloc-threads",
      type: "int",
      get: (o) => be(o).preallocThreads,
      set: (o, v) => {
        const value = v.typeInt("prealloc-threads", "uint32");
        if (Number(value) <= 0) throw rejectedValue(o, "prealloc-threads", value);
        be(o).preallocThreads = Number(value);
      },
    },
    "Number of CPU threads to use for prealloc",
  );
  add(
    boolProperty("dump", {
      get: (o) => be(o).dump,
      set: (o, value) => {
        be(o).dump = value;
      },
    }),
    "Set to 'off' to exclude from core dump",
  );
  add(
    {
      name: "size",
      type: "int",
      get: (o) => be(o).size,
      set: (o, v) => {
        const b = be(o);
        if (hostMemoryBackendMrInited(b)) {
          throw new QomError(`cannot change property size of ${o.typeName} `);
        }
        const value = readUint(v, "size", true);
        if (!value) throw rejectedValue(o, "size", value);
        b.size = value;
      },
    },
    "Size of the memory region (ex: 500M)",
  );
  add(
    boolProperty("share", {
      get: (o) => be(o).share,
      set: (o, value) => {
        if (hostMemoryBackendMrInited(be(o))) throw new QomError("cannot change property value");
        be(o).share = value;
      },
    }),
    "Mark the memory as private to QEMU or shared",
  );
}

/** QEMU's host_memory_backend_memory_complete. */
function hostMemoryBackendComplete(backend: HostMemoryBackend): void {
  const bc = backend.klass as HostMemoryBackendClass;
  if (!bc.alloc) return;
  bc.alloc(backend);
  const nodes = backend.hostNodes;
  if (nodes.size > 0 && backend.policy === "default") {
    throw new QomError(
      "host-nodes must be empty for policy default, or you should explicitly specify a policy other than default",
    );
  }
  if (nodes.size === 0 && backend.policy !== "default") {
    throw new QomError(`host-nodes must be set for policy ${backend.policy}`);
  }
  // mbind() on a single-node host refuses any node but 0.
  for (const node of nodes) {
    if (node !== 0) throw new QomError("cannot bind memory to host NUMA nodes: Invalid argument");
  }
}

export const hostMemoryBackendTypeInfo: TypeInfo<HostMemoryBackend> = {
  name: TYPE_MEMORY_BACKEND,
  parent: TYPE_OBJECT,
  abstract: true,
  instance: HostMemoryBackend,
  interfaces: [TYPE_USER_CREATABLE],
  classInit: hostMemoryBackendClassInit,
};

/** The check every allocator starts with (QEMU's text). */
export function requireBackendSize(backend: HostMemoryBackend): void {
  if (!backend.size) throw new QomError("can't create backend with size 0");
}
