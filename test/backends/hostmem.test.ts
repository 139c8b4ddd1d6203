import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  hostMemoryBackendGetMemory,
  hostMemoryBackendSetMapped,
  type HostMemoryBackend,
} from "../../src/backends/hostmem.js";
import { qomInit } from "../../src/modules.js";
import { QomError } from "../../src/qom/error.js";
import { objectNew } from "../../src/qom/object.js";
import { qomGet, qomListProperties, qomListTypes, qomSet } from "../../src/qom/qom-qmp-cmds.js";
import type { TypeRegistry } from "../../src/qom/type.js";
import { userCreatableAdd, userCreatableComplete, userCreatableDel } from "../../src/qom/user-creatable.js";

const FIXTURES = new URL("../fixtures/qemu-7.2/backends/", import.meta.url);
const MIB = 1024 * 1024;

let types: TypeRegistry;
let dir: string;
beforeEach(() => {
  types = qomInit().types;
  dir = mkdtempSync(join(tmpdir(), "qomd-hostmem-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function add(type: string, id: string, props: Record<string, string | number | boolean | number[]>): HostMemoryBackend {
  return userCreatableAdd(types, type, id, props, "json") as HostMemoryBackend;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof QomError) return err.message;
    throw err;
  }
  return "no error";
}

describe("memory backend types", () => {
  it("lists the properties QEMU 7.2 lists, with its descriptions", () => {
    for (const t of ["memory-backend", "memory-backend-ram", "memory-backend-file", "memory-backend-memfd"]) {
      const expected = JSON.parse(readFileSync(new URL(`qom-list-properties.${t}.json`, FIXTURES), "utf8"));
      expect(qomListProperties(types, t)).toEqual(expected);
    }
  });

  it("has the three concrete backends", () => {
    expect(qomListTypes(types, "memory-backend").map((t) => t.name).sort()).toEqual([
      "memory-backend-file",
      "memory-backend-memfd",
      "memory-backend-ram",
    ]);
  });
});

describe("memory-backend-ram", () => {
  it("allocates its RAM region as a child named after its id", () => {
    const b = add("memory-backend-ram", "pc.ram", { size: 2 * MIB });
    const mr = hostMemoryBackendGetMemory(b)!;
    expect(mr.canonicalPath).toBe("/objects/pc.ram/pc.ram[0]");
    expect(mr.ramBlock!.bytes.length).toBe(2 * MIB);
    expect(mr.ramBlock!.bytes.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(qomGet(types, "/objects/pc.ram/pc.ram[0]", "size")).toBe(2 * MIB);
    expect(qomGet(types, "/objects/pc.ram", "size")).toBe(2 * MIB);
  });

  it("has QEMU's defaults", () => {
    add("memory-backend-ram", "m", { size: MIB });
    const get = (p: string) => qomGet(types, "/objects/m", p);
    expect([get("share"), get("dump"), get("merge"), get("prealloc"), get("reserve")]).toEqual([false, true, true, false, true]);
    expect([get("policy"), get("host-nodes"), get("prealloc-threads"), get("prealloc-context")]).toEqual(["default", [], 1, ""]);
    expect(get("x-use-canonical-path-for-ramblock-id")).toBe(false);
  });

  it("gives QEMU's errors for sizes and settings", () => {
    expect(errorOf(() => add("memory-backend-ram", "z", { size: 0 }))).toBe(
      "property 'size' of memory-backend-ram doesn't take value '0'",
    );
    const unsized = objectNew(types, "memory-backend-ram");
    expect(errorOf(() => userCreatableComplete(unsized))).toBe("can't create backend with size 0");
    unsized.unref();
    add("memory-backend-ram", "m", { size: MIB });
    expect(errorOf(() => qomSet(types, "/objects/m", "size", 2 * MIB))).toBe(
      "cannot change property size of memory-backend-ram ",
    );
    expect(errorOf(() => qomSet(types, "/objects/m", "share", true))).toBe("cannot change property value");
    expect(errorOf(() => qomSet(types, "/objects/m", "reserve", false))).toBe("cannot change property value");
    qomSet(types, "/objects/m", "policy", "bind");
    expect(qomGet(types, "/objects/m", "policy")).toBe("bind");
    expect(errorOf(() => add("memory-backend-ram", "t", { size: MIB, "prealloc-threads": 0 }))).toBe(
      "property 'prealloc-threads' of memory-backend-ram doesn't take value '0'",
    );
    expect(errorOf(() => add("memory-backend-ram", "p", { size: MIB, prealloc: true, reserve: false }))).toBe(
      "'prealloc=on' and 'reserve=off' are incompatible",
    );
  });

  it("checks host nodes against the policy", () => {
    expect(errorOf(() => add("memory-backend-ram", "a", { size: MIB, "host-nodes": [0] }))).toBe(
      "host-nodes must be empty for policy default, or you should explicitly specify a policy other than default",
    );
    expect(errorOf(() => add("memory-backend-ram", "b", { size: MIB, policy: "bind" }))).toBe(
      "host-nodes must be set for policy bind",
    );
    expect(errorOf(() => add("memory-backend-ram", "c", { size: MIB, "host-nodes": [200], policy: "bind" }))).toBe(
      "Invalid host-nodes value: 200",
    );
    add("memory-backend-ram", "d", { size: MIB, "host-nodes": [0], policy: "bind" });
    expect(qomGet(types, "/objects/d", "host-nodes")).toEqual([0]);
  });

  it("cannot be deleted while mapped", () => {
    const b = add("memory-backend-ram", "pc.ram", { size: MIB });
    hostMemoryBackendSetMapped(b, true);
    expect(errorOf(() => userCreatableDel(types, "pc.ram"))).toBe("object 'pc.ram' is in use, can not be deleted");
    hostMemoryBackendSetMapped(b, false);
    userCreatableDel(types, "pc.ram");
    expect(b.parent).toBeUndefined();
  });
});

describe("memory-backend-file", () => {
  it("needs a directory that exists", () => {
    const path = join(dir, "missing", "ram");
    expect(errorOf(() => add("memory-backend-file", "f", { size: MIB, "mem-path": path }))).toBe(
      `can't open backing store ${path} for guest RAM: No such file or directory`,
    );
    expect(errorOf(() => add("memory-backend-file", "g", { size: MIB }))).toBe("mem-path property not set");
  });

  it("creates a missing file with the backend's size, and leaves a directory untouched", () => {
    const path = join(dir, "ram");
    add("memory-backend-file", "f", { size: MIB, "mem-path": path });
    expect(statSync(path).size).toBe(MIB);
    add("memory-backend-file", "g", { size: MIB, "mem-path": dir });
    expect(qomGet(types, "/objects/g", "mem-path")).toBe(dir);
  });

  it("starts with the file's contents and refuses a file that is too small", () => {
    const path = join(dir, "image");
    writeFileSync(path, Buffer.concat([Buffer.from("hello"), Buffer.alloc(MIB - 5)]));
    const b = add("memory-backend-file", "f", { size: MIB, "mem-path": path, readonly: true });
    const mr = hostMemoryBackendGetMemory(b)!;
    expect(Buffer.from(mr.ramBlock!.bytes.subarray(0, 5)).toString()).toBe("hello");
    expect(mr.readonly).toBe(true);
    const small = join(dir, "small");
    writeFileSync(small, Buffer.alloc(4096));
    expect(errorOf(() => add("memory-backend-file", "s", { size: MIB, "mem-path": small }))).toBe(
      "backing store size 0x1000 does not match 'size' option 0x100000",
    );
  });

  it("gives QEMU's errors for changes after creation", () => {
    add("memory-backend-file", "f", { size: MIB, "mem-path": dir });
    expect(errorOf(() => qomSet(types, "/objects/f", "mem-path", "/tmp"))).toBe(
      "cannot change property 'mem-path' of memory-backend-file",
    );
    expect(errorOf(() => qomSet(types, "/objects/f", "align", 4096))).toBe(
      "cannot change property 'align' of memory-backend-file",
    );
    expect(errorOf(() => qomSet(types, "/objects/f", "readonly", true))).toBe(
      "cannot change property 'readonly' of memory-backend-file.",
    );
    expect(errorOf(() => qomSet(types, "/objects/f", "pmem", true))).toBe(
      "cannot change property 'pmem' of memory-backend-file.",
    );
    qomSet(types, "/objects/f", "discard-data", true);
    expect(existsSync(dir)).toBe(true);
  });
});

describe("memory-backend-memfd", () => {
  it("is shared by default and validates hugetlbsize", () => {
    add("memory-backend-memfd", "d", { size: MIB });
    expect(qomGet(types, "/objects/d", "share")).toBe(true);
    expect(qomGet(types, "/objects/d", "seal")).toBe(true);
    expect(qomGet(types, "/objects/d", "hugetlb")).toBe(false);
    expect(errorOf(() => qomSet(types, "/objects/d", "hugetlbsize", 4096))).toBe("cannot change property value");
    expect(errorOf(() => add("memory-backend-memfd", "e", { size: MIB, hugetlbsize: 0 }))).toBe(
      "Property 'memory-backend-memfd.hugetlbsize' doesn't take value '0'",
    );
  });
});
