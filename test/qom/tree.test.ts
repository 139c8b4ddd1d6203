// The composition tree: child<>, link<>, aliases, path resolution and containers.
import { beforeEach, describe, expect, it } from "vitest";
import { baseRegistry as qomInit } from "./base-registry.js";
import { adoptChild } from "../../src/qom/child.js";
import { containerGet } from "../../src/qom/container.js";
import { QomError } from "../../src/qom/error.js";
import { addAlias, addConstLink, addLink, allowSetLink } from "../../src/qom/link.js";
import { objectNew, type QomObject } from "../../src/qom/object.js";
import { resolvePath, resolvePathAt, resolvePathType } from "../../src/qom/path.js";
import { objectGetObjectsRoot, objectGetRoot } from "../../src/qom/root.js";
import { TYPE_OBJECT, type TypeRegistry } from "../../src/qom/type.js";

let types: TypeRegistry;
let root: QomObject;

function node(parent: QomObject, name: string, type = "container"): QomObject {
  return adoptChild(parent, name, objectNew(types, type));
}

beforeEach(() => {
  types = qomInit().types;
  types.register({ name: "backend", parent: TYPE_OBJECT });
  types.register({ name: "frontend", parent: TYPE_OBJECT });
  root = objectGetRoot(types);
});

describe("child<> properties", () => {
  it("are typed child<T>, read-only, valued with the canonical path, and own a reference", () => {
    const machine = node(root, "machine");
    const dev = node(machine, "dev", "backend");
    expect(machine.propertyType("dev")).toBe("child<backend>");
    expect(machine.getProperty("dev")).toBe("/machine/dev");
    expect(() => machine.setPropertyJson("dev", "/x")).toThrow("Property 'container.dev' is not writable");
    expect(dev.refCount).toBe(1);
    expect(dev.canonicalPath).toBe("/machine/dev");
    expect(root.canonicalPath).toBe("/");
  });

  it("auto-index with [*] as QEMU's device[N] numbering", () => {
    const unattached = node(root, "unattached");
    const names = [0, 1, 2].map(() => {
      const o = objectNew(types, "backend");
      adoptChild(unattached, "device[*]", o);
      return o.canonicalPath;
    });
    expect(names).toEqual(["/unattached/device[0]", "/unattached/device[1]", "/unattached/device[2]"]);
  });

  it("have no canonical path while detached from the root", () => {
    const loose = objectNew(types, "container");
    const inner = adoptChild(loose, "inner", objectNew(types, "backend"));
    expect(inner.canonicalPath).toBeUndefined();
    expect(loose.getProperty("inner")).toBe("");
  });

  it("refuse a child that already has a parent, and duplicate names", () => {
    const a = node(root, "a");
    const b = node(root, "b");
    expect(() => adoptChild(b, "again", a)).toThrow(/already has a parent/);
    expect(() => node(root, "a")).toThrow("attempt to add duplicate property 'a' to object (type 'container')");
  });
});

describe("link<> properties", () => {
  let front: QomObject;
  let back: QomObject;

  beforeEach(() => {
    const machine = node(root, "machine");
    back = node(machine, "disk", "backend");
    front = node(machine, "dev", "frontend");
  });

  it("read the target's path or empty, and are read-only without a check", () => {
    const link = addLink(front, "ro-link", "backend", {}, back);
    expect(front.propertyType("ro-link")).toBe("link<backend>");
    expect(front.getProperty("ro-link")).toBe("/machine/disk");
    expect(() => front.setPropertyJson("ro-link", "")).toThrow("Property 'frontend.ro-link' is not writable");
    expect(link.target()).toBe(back);
  });

  it("set through a path (absolute or partial), clear with empty, and respect the check", () => {
    const refused = new Set<QomObject>();
    const link = addLink(front, "drive", "backend", {
      check: (_o, name, target) => {
        if (target && refused.has(target)) throw new QomError(`no ${name} for you`);
      },
    });
    expect(front.getProperty("drive")).toBe("");
    front.setPropertyJson("drive", "/machine/disk");
    expect(link.target()).toBe(back);
    front.setPropertyJson("drive", "");
    expect(link.target()).toBeUndefined();
    front.parseProperty("drive", "disk");
    expect(front.getProperty("drive")).toBe("/machine/disk");
    refused.add(back);
    expect(() => front.setPropertyJson("drive", "/machine/disk")).toThrow("no drive for you");
    expect(link.target()).toBe(back);
  });

  it("report QEMU's errors for a missing, ambiguous or wrongly typed target", () => {
    addLink(front, "drive", "backend", { check: allowSetLink });
    node(root, "other").addProperty({ name: "placeholder", type: "string" });
    node(root.resolveComponent("other")!, "disk", "backend");
    const attempt = (path: string) => () => front.setPropertyJson("drive", path);
    expect(attempt("/machine/nosuch")).toThrow("Device '/machine/nosuch' not found");
    try {
      attempt("/machine/nosuch")();
    } catch (e) {
      expect((e as QomError).errorClass).toBe("DeviceNotFound");
    }
    expect(attempt("disk")).toThrow("Path 'disk' does not uniquely identify an object");
    expect(attempt("/machine/dev")).toThrow("Invalid parameter type for 'drive', expected: backend");
    expect(() => front.setPropertyJson("drive", 5)).toThrow("Invalid parameter type for 'drive', expected: string");
  });

  it("hold a reference on the target when strong, and drop it on change and release", () => {
    const link = addLink(front, "drive", "backend", { check: allowSetLink, strong: true });
    expect(back.refCount).toBe(1);
    front.setPropertyJson("drive", "/machine/disk");
    expect(back.refCount).toBe(2);
    front.setPropertyJson("drive", "");
    expect(back.refCount).toBe(1);
    front.setPropertyJson("drive", "/machine/disk");
    front.deleteProperty("drive");
    expect(back.refCount).toBe(1);
    expect(link.target()).toBeUndefined();
  });

  it("are followed by absolute paths, even around a cycle", () => {
    addLink(front, "peer", "backend", {}, back);
    addLink(back, "peer", "frontend", {}, front);
    expect(resolvePath(root, "/machine/dev/peer/peer/peer").obj).toBe(back);
    // Partial paths only descend child<> properties, so the cycle cannot trap them.
    expect(resolvePath(root, "peer").obj).toBeUndefined();
  });

  it("const links are read-only links to a fixed object", () => {
    addConstLink(front, "fixed", back);
    expect(front.propertyType("fixed")).toBe("link<backend>");
    expect(front.getProperty("fixed")).toBe("/machine/disk");
    expect(front.resolveComponent("fixed")).toBe(back);
  });
});

describe("aliases", () => {
  it("forward get, set and resolve; an alias of child<T> is a link<T>", () => {
    const machine = node(root, "machine");
    const inner = node(machine, "inner", "backend");
    const back = objectNew(types, "frontend");
    const link = addLink(back, "target", "backend", { check: allowSetLink });
    adoptChild(machine, "holder", back);
    addAlias(machine, "inner-alias", machine, "inner");
    expect(machine.propertyType("inner-alias")).toBe("link<backend>");
    expect(machine.resolveComponent("inner-alias")).toBe(inner);
    addAlias(machine, "target-alias", back, "target");
    machine.setPropertyJson("target-alias", "/machine/inner");
    expect(link.target()).toBe(inner);
    expect(machine.getProperty("target-alias")).toBe("/machine/inner");
  });
});

describe("path resolution", () => {
  beforeEach(() => {
    const machine = node(root, "machine");
    const unattached = node(machine, "unattached");
    node(unattached, "device[0]", "backend");
    node(unattached, "device[1]", "frontend");
    node(machine, "i440fx", "backend");
    node(node(machine, "peripheral"), "gpio", "backend");
    node(node(machine, "peripheral-anon"), "gpio", "backend");
  });

  it("resolves absolute paths, skipping empty components", () => {
    for (const p of ["/machine/i440fx", "//machine//i440fx", "/machine/i440fx/"]) {
      expect(resolvePath(root, p).obj?.canonicalPath).toBe("/machine/i440fx");
    }
    expect(resolvePath(root, "/").obj).toBe(root);
    expect(resolvePath(root, "/machine/nosuch").obj).toBeUndefined();
  });

  it("resolves partial paths through child<> properties, detecting ambiguity", () => {
    expect(resolvePath(root, "unattached").obj?.canonicalPath).toBe("/machine/unattached");
    expect(resolvePath(root, "device[0]").obj?.canonicalPath).toBe("/machine/unattached/device[0]");
    expect(resolvePath(root, "unattached/device[1]").obj?.canonicalPath).toBe("/machine/unattached/device[1]");
    expect(resolvePath(root, "i440fx").obj?.canonicalPath).toBe("/machine/i440fx");
    expect(resolvePath(root, "gpio")).toEqual({ obj: undefined, ambiguous: true });
    expect(resolvePath(root, "nosuch")).toEqual({ obj: undefined, ambiguous: false });
  });

  it("filters by type, so a partial path can be unique for one type", () => {
    expect(resolvePathType(root, "device[1]", "frontend").obj?.canonicalPath).toBe("/machine/unattached/device[1]");
    expect(resolvePathType(root, "device[1]", "backend").obj).toBeUndefined();
  });

  it("treats an empty path as a partial path that matches everything (ambiguous)", () => {
    expect(resolvePath(root, "")).toEqual({ obj: undefined, ambiguous: true });
  });

  it("resolves relative to a parent, as device_del does under /machine/peripheral", () => {
    const peripheral = resolvePath(root, "/machine/peripheral").obj!;
    expect(resolvePathAt(root, peripheral, "gpio")?.canonicalPath).toBe("/machine/peripheral/gpio");
    expect(resolvePathAt(root, peripheral, "/machine/i440fx")?.canonicalPath).toBe("/machine/i440fx");
    expect(resolvePathAt(root, peripheral, "nosuch")).toBeUndefined();
  });
});

describe("containers", () => {
  it("are created on demand along a path", () => {
    const deep = containerGet(root, "/machine/unattached/sysbus");
    expect(deep.canonicalPath).toBe("/machine/unattached/sysbus");
    expect(containerGet(root, "/machine/unattached")).toBe(resolvePath(root, "/machine/unattached").obj);
    expect(root.getProperty("machine")).toBe("/machine");
  });

  it("/objects appears only when first asked for", () => {
    expect(root.findProperty("objects")).toBeUndefined();
    expect(objectGetObjectsRoot(types).canonicalPath).toBe("/objects");
    expect(root.propertyType("objects")).toBe("child<container>");
  });
});
