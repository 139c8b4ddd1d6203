import { describe, expect, it } from "vitest";
import { baseRegistry as qomInit } from "./base-registry.js";
import { adoptChild } from "../../src/qom/child.js";
import { addClassProperty, objectNew, QomObject } from "../../src/qom/object.js";
import { objectGetRoot } from "../../src/qom/root.js";
import { TYPE_OBJECT, type TypeRegistry } from "../../src/qom/type.js";

function chain(log: string[]): TypeRegistry {
  const types = qomInit().types;
  for (const [name, parent] of [
    ["level-a", TYPE_OBJECT],
    ["level-b", "level-a"],
    ["level-c", "level-b"],
  ] as const) {
    types.register({
      name,
      parent,
      instanceInit: () => log.push(`${name}.init`),
      instancePostInit: () => log.push(`${name}.post`),
      instanceFinalize: () => log.push(`${name}.finalize`),
    });
  }
  return types;
}

describe("object lifecycle", () => {
  it("runs instance_init root to leaf, then instance_post_init leaf to root (QEMU 7.2)", () => {
    const log: string[] = [];
    objectNew(chain(log), "level-c");
    expect(log).toEqual(["level-a.init", "level-b.init", "level-c.init", "level-c.post", "level-b.post", "level-a.post"]);
  });

  it("finalises leaf to root when the last reference goes", () => {
    const log: string[] = [];
    const obj = objectNew(chain(log), "level-c");
    log.length = 0;
    expect(obj.refCount).toBe(1);
    obj.ref();
    obj.unref();
    expect(log).toEqual([]);
    obj.unref();
    expect(log).toEqual(["level-c.finalize", "level-b.finalize", "level-a.finalize"]);
    expect(() => obj.unref()).toThrow(/no references/);
  });

  it("fails on unknown and abstract types with QEMU's texts", () => {
    const types = qomInit().types;
    expect(() => objectNew(types, "nosuch")).toThrow("invalid object type: nosuch");
    expect(() => objectNew(types, "object")).toThrow("object type 'object' is abstract");
  });

  it("has the read-only class property 'type'", () => {
    const types = qomInit().types;
    const obj = objectNew(types, "container");
    expect(obj.getProperty("type")).toBe("container");
    expect(() => obj.setPropertyJson("type", "x")).toThrow("Property 'container.type' is not writable");
  });

  it("casts objects dynamically and with checks that name both types", () => {
    const log: string[] = [];
    const types = chain(log);
    const obj = objectNew(types, "level-b");
    expect(obj.dynamicCast("level-a")).toBe(obj);
    expect(obj.dynamicCast("level-c")).toBeUndefined();
    expect(obj.dynamicCast("no-such-type")).toBeUndefined();
    expect(obj.check("level-a")).toBe(obj);
    expect(() => obj.check("level-c")).toThrow("Object of type 'level-b' is not an instance of type 'level-c'");
  });

  it("unparenting drops the parent's reference and finalises an object nobody else holds", () => {
    const log: string[] = [];
    const types = chain(log);
    const root = objectGetRoot(types);
    const obj = adoptChild(root, "thing", objectNew(types, "level-c"));
    expect(obj.refCount).toBe(1);
    expect(obj.canonicalPath).toBe("/thing");
    log.length = 0;
    obj.unparent();
    expect(log).toEqual(["level-c.finalize", "level-b.finalize", "level-a.finalize"]);
    expect(obj.parent).toBeUndefined();
    expect(root.findProperty("thing")).toBeUndefined();
  });

  it("finalising a parent releases its children and calls the class's unparent hook", () => {
    const types = qomInit().types;
    const unparented: string[] = [];
    types.register({
      name: "node",
      parent: "container",
      classInit: (k) => {
        k.unparent = (o) => unparented.push(o.canonicalPath ?? "(detached)");
      },
    });
    const root = objectGetRoot(types);
    const a = adoptChild(root, "a", objectNew(types, "node"));
    const b = adoptChild(a, "b", objectNew(types, "node"));
    b.ref(); // keep b alive to look at it afterwards
    a.unparent();
    expect(unparented).toEqual(["/a", "(detached)"]);
    expect(b.parent).toBeUndefined();
    expect(b.refCount).toBe(1);
  });

  it("applies class property defaults at creation through their init hook", () => {
    class Dev extends QomObject {
      level = 0;
    }
    const types = qomInit().types;
    types.register({
      name: "dev",
      parent: TYPE_OBJECT,
      instance: Dev,
      classInit: (k) => {
        addClassProperty(k, {
          name: "level",
          type: "uint32",
          defval: 7,
          init: (o) => ((o as Dev).level = 7),
          get: (o) => (o as Dev).level,
        });
      },
      instanceInit: (o) => expect((o as Dev).level).toBe(7),
    });
    expect(objectNew(types, "dev").getProperty("level")).toBe(7);
  });
});
