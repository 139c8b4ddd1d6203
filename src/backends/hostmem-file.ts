/**
 * `memory-backend-file` (QEMU's backends/hostmem-file.c): guest RAM initialised from a file.
 * `mem-path` names a file (created, and sized, when it does not exist) or a directory (the
 * memory is then anonymous, as QEMU's unlinked temporary file is).
 *
 * Node cannot map files, so the file's contents are read into the RAM buffer at creation and
 * guest writes are not written back: share=on behaves like share=off.
 */
import { closeSync, ftruncateSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { memoryRegionInitRam } from "../exec/memory-region.js";
import { QomError } from "../qom/error.js";
import { addClassProperty, type QomObject } from "../qom/object.js";
import { boolProperty, sizeProperty, strProperty } from "../qom/property.js";
import type { ObjectClass, TypeInfo } from "../qom/type.js";
import {
  HostMemoryBackend,
  hostMemoryBackendGetName,
  hostMemoryBackendMrInited,
  requireBackendSize,
  TYPE_MEMORY_BACKEND,
  type HostMemoryBackendClass,
} from "./hostmem.js";

export const TYPE_MEMORY_BACKEND_FILE = "memory-backend-file";

const HOST_PAGE_SIZE = 4096;

export class HostMemoryBackendFile extends HostMemoryBackend {
  memPath: string | undefined;
  align = 0;
  readonlyFile = false;
  pmem = false;
  discardData = false;
}

/** strerror() texts for the errors opening a backing file can give. */
const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EACCES: "Permission denied",
  EPERM: "Operation not permitted",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EROFS: "Read-only file system",
  ENOSPC: "No space left on device",
  ELOOP: "Too many levels of symbolic links",
  ENAMETOOLONG: "File name too long",
};

export function strerror(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code ?? "";
  return STRERROR[code] ?? (err as Error).message;
}

function fb(obj: QomObject): HostMemoryBackendFile {
  return obj as HostMemoryBackendFile;
}

function hex(n: number): string {
  return n.toString(16);
}

/** Reads the initial contents (or creates the file); returns the bytes to copy in, if any. */
function openBackingStore(path: string, size: number, readonly: boolean): Uint8Array | undefined {
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    st = undefined;
  }
  if (st?.isDirectory()) return undefined;
  const cantOpen = (err: unknown) => new QomError(`can't open backing store ${path} for guest RAM: ${strerror(err)}`);
  let fd: number;
  try {
    fd = openSync(path, st ? (readonly ? "r" : "r+") : readonly ? "r" : "wx+", 0o644);
  } catch (err) {
    throw cantOpen(err);
  }
  try {
    const fileSize = st?.size ?? 0;
    const pageSize = Math.ceil(size / HOST_PAGE_SIZE) * HOST_PAGE_SIZE;
    if (fileSize > 0 && fileSize < pageSize) {
      throw new QomError(`backing store size 0x${hex(fileSize)} does not match 'size' option 0x${hex(pageSize)}`);
    }
    if (fileSize === 0) {
      if (!readonly) ftruncateSync(fd, size);
      return undefined;
    }
    const bytes = new Uint8Array(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, bytes, done, size - done, done);
      if (n <= 0) break;
      done += n;
    }
    return bytes;
  } finally {
    closeSync(fd);
  }
}

function fileBackendAlloc(backend: HostMemoryBackend): void {
  const f = backend as HostMemoryBackendFile;
  requireBackendSize(f);
  if (f.memPath === undefined) throw new QomError("mem-path property not set");
  const contents = openBackingStore(f.memPath, f.size, f.readonlyFile);
  const mr = memoryRegionInitRam(f, hostMemoryBackendGetName(f), f.size);
  if (contents) mr.ramBlock!.bytes.set(contents);
  mr.readonly = f.readonlyFile;
  f.mr = mr;
}

function fileBackendClassInit(klass: ObjectClass): void {
  (klass as HostMemoryBackendClass).alloc = fileBackendAlloc;
  // Reverse of qom-list-properties order: readonly, align, pmem, mem-path, discard-data.
  addClassProperty(
    klass,
    boolProperty("discard-data", {
      get: (o) => fb(o).discardData,
      set: (o, v) => {
        fb(o).discardData = v;
      },
    }),
  );
  addClassProperty(
    klass,
    strProperty("mem-path", {
      get: (o) => fb(o).memPath ?? "",
      set: (o, v) => {
        if (hostMemoryBackendMrInited(fb(o))) throw new QomError(`cannot change property 'mem-path' of ${o.typeName}`);
        fb(o).memPath = v;
      },
    }),
  );
  addClassProperty(
    klass,
    boolProperty("pmem", {
      get: (o) => fb(o).pmem,
      set: (o, v) => {
        if (hostMemoryBackendMrInited(fb(o))) throw new QomError(`cannot change property 'pmem' of ${o.typeName}.`);
        fb(o).pmem = v;
      },
    }),
  );
  const align = sizeProperty("align", {
    get: (o) => fb(o).align,
    set: (o, v) => {
      if (hostMemoryBackendMrInited(fb(o))) throw new QomError(`cannot change property 'align' of ${o.typeName}`);
      fb(o).align = Number(v);
    },
  });
  addClassProperty(klass, { ...align, type: "int" });
  addClassProperty(
    klass,
    boolProperty("readonly", {
      get: (o) => fb(o).readonlyFile,
      set: (o, v) => {
        if (hostMemoryBackendMrInited(fb(o))) throw new QomError(`cannot change property 'readonly' of ${o.typeName}.`);
        fb(o).readonlyFile = v;
      },
    }),
  );
}

export const fileBackendTypeInfo: TypeInfo<HostMemoryBackendFile> = {
  name: TYPE_MEMORY_BACKEND_FILE,
  parent: TYPE_MEMORY_BACKEND,
  instance: HostMemoryBackendFile,
  classInit: fileBackendClassInit,
};
