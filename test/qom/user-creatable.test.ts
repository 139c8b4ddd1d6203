import { beforeEach, describe, expect, it } from "vitest";
import { baseRegistry as qomInit } from "./base-registry.js";
import { QomError } from "../../src/qom/error.js";
import { addClassProperty, QomObject } from "../../src/qom/object.js";
import { sizeProperty } from "../../src/qom/property.js";
import { objectGetObjectsRoot } from "../../src/qom/root.js";
import { TYPE_OBJECT, type TypeRegistry } from "../../src/qom/type.js";
import {
  TYPE_USER_CREATABLE,
  userCreatableAdd,
  userCreatableDel,
  type UserCreatableClass,
} from "../../src/qom/user-creatable.js";
import type { IntValue } from "../../src/qom/visitor.js";

class Backend extends QomObject {
  size: IntValue = 0;
  completed = false;
  inUse = false;
}

let types: TypeRegistry;

beforeEach(() => {
  types = qomInit().types;
  types.register({
    name: "test-backend",
    parent: TYPE_OBJECT,
    abstract: true,
    instance: Backend,
    interfaces: [TYPE_USER_CREATABLE],
    classInit: (k) => {
      addClassProperty(k, sizeProperty("size", { get: (o) => (o as Backend).size, set: (o, v) => ((o as Backend).size = v) }));
      const ucc = types.classCheck<UserCreatableClass>(k, TYPE_USER_CREATABLE);
      ucc.complete = (o) => {
        if ((o as Backend).size === 0) throw new QomError("can't create backend with size 0");
        (o as Backend).completed = true;
      };
      ucc.canBeDeleted = (o) => !(o as Backend).inUse;
    },
  });
  types.register({ name: "test-backend-ram", parent: "test-backend" });
  types.register({ name: "not-creatable", parent: TYPE_OBJECT });
});

describe("user-creatable objects (object-add / -object)", () => {
  it("creates, sets properties, attaches under /objects and completes", () => {
    const obj = userCreatableAdd(types, "test-backend-ram", "mem0", { size: 1048576 }, "json") as Backend;
    expect(obj.canonicalPath).toBe("/objects/mem0");
    expect(obj.completed).toBe(true);
    expect(obj.refCount).toBe(1);
    const fromCli = userCreatableAdd(types, "test-backend-ram", "mem1", { size: "1M" }, "keyval") as Backend;
    expect(fromCli.size).toBe(1048576);
  });

  it("refuses bad ids, unknown, non-creatable and abstract types with QEMU's texts", () => {
    const add = (type: string, id: string) => () => userCreatableAdd(types, type, id, { size: 1 }, "json");
    expect(add("test-backend-ram", "0bad")).toThrow("Parameter 'id' expects an identifier");
    try {
      add("test-backend-ram", "bad id")();
    } catch (e) {
      expect((e as QomError).hint).toBe("Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.");
    }
    expect(add("nosuch", "x")).toThrow("invalid object type: nosuch");
    expect(add("not-creatable", "x")).toThrow("object type 'not-creatable' isn't supported by object-add");
    expect(add("test-backend", "x")).toThrow("object type 'test-backend' is abstract");
  });

  it("rolls back when a property or complete fails, leaving nothing behind", () => {
    expect(() => userCreatableAdd(types, "test-backend-ram", "mem0", { size: 0 }, "json")).toThrow("can't create backend with size 0");
    expect(() => userCreatableAdd(types, "test-backend-ram", "mem0", { bogus: 1 }, "json")).toThrow(
      "Property 'test-backend-ram.bogus' not found",
    );
    expect(objectGetObjectsRoot(types).findProperty("mem0")).toBeUndefined();
    userCreatableAdd(types, "test-backend-ram", "mem0", { size: 1 }, "json");
    expect(() => userCreatableAdd(types, "test-backend-ram", "mem0", { size: 1 }, "json")).toThrow(
      "attempt to add duplicate property 'mem0' to object (type 'container')",
    );
  });

  it("deletes, unless missing or in use", () => {
    const obj = userCreatableAdd(types, "test-backend-ram", "mem0", { size: 1 }, "json") as Backend;
    expect(() => userCreatableDel(types, "nosuch")).toThrow("object 'nosuch' not found");
    obj.inUse = true;
    expect(() => userCreatableDel(types, "mem0")).toThrow("object 'mem0' is in use, can not be deleted");
    obj.inUse = false;
    userCreatableDel(types, "mem0");
    expect(objectGetObjectsRoot(types).findProperty("mem0")).toBeUndefined();
    expect(obj.refCount).toBe(0);
  });
});
