// Behaviours QEMU's tests/unit/check-qom-interface.c checks, plus the ambiguity rule.
import { describe, expect, it } from "vitest";
import { baseRegistry as qomInit } from "./base-registry.js";
import { objectNew } from "../../src/qom/object.js";
import { TYPE_INTERFACE, TYPE_OBJECT, type InterfaceClass, type TypeRegistry } from "../../src/qom/type.js";

interface TestIfClass extends InterfaceClass {
  test: () => number;
}

const TYPE_TEST_IF = "test-interface";

function setup(): TypeRegistry {
  const types = qomInit().types;
  types.register({ name: TYPE_TEST_IF, parent: TYPE_INTERFACE });
  types.register({
    name: "direct-impl",
    parent: TYPE_OBJECT,
    interfaces: [TYPE_TEST_IF],
    classInit: (k) => {
      (types.classCheck<TestIfClass>(k, TYPE_TEST_IF)).test = () => 42;
    },
  });
  types.register({ name: "intermediate-impl", parent: "direct-impl" });
  return types;
}

describe("interfaces", () => {
  it("casts an implementing object and class to the interface, with the method it set", () => {
    const types = setup();
    for (const name of ["direct-impl", "intermediate-impl"]) {
      const obj = objectNew(types, name);
      expect(obj.dynamicCast(TYPE_TEST_IF)).toBe(obj);
      const ifc = types.classDynamicCast(obj.klass, TYPE_TEST_IF) as TestIfClass;
      expect(ifc.test()).toBe(42);
      expect(ifc.concreteClass).toBe(obj.klass);
      expect(ifc.interfaceType.name).toBe(TYPE_TEST_IF);
    }
  });

  it("models each implementation as a hidden abstract type '<type>::<iface>'", () => {
    const types = setup();
    const klass = types.classByName("intermediate-impl")!;
    expect(klass.interfaces.map((i) => i.type.name)).toEqual([`intermediate-impl::${TYPE_TEST_IF}`]);
    // The subclass's interface class derives from the parent's, so it inherits its methods.
    const parentIface = types.classByName("direct-impl")!.interfaces[0]!;
    expect(types.isAncestor(klass.interfaces[0]!.type, parentIface.type)).toBe(true);
    expect(types.lookup(`intermediate-impl::${TYPE_TEST_IF}`)).toBeUndefined();
  });

  it("lets a subclass override the interface method without touching the parent's", () => {
    const types = setup();
    types.register({
      name: "override-impl",
      parent: "direct-impl",
      classInit: (k) => {
        (types.classCheck<TestIfClass>(k, TYPE_TEST_IF)).test = () => 7;
      },
    });
    const over = types.classDynamicCast(types.classByName("override-impl")!, TYPE_TEST_IF) as TestIfClass;
    const base = types.classDynamicCast(types.classByName("direct-impl")!, TYPE_TEST_IF) as TestIfClass;
    expect(over.test()).toBe(7);
    expect(base.test()).toBe(42);
  });

  it("does not cast a class that does not implement the interface", () => {
    const types = setup();
    types.register({ name: "plain", parent: TYPE_OBJECT });
    expect(objectNew(types, "plain").dynamicCast(TYPE_TEST_IF)).toBeUndefined();
  });

  it("fails a cast to an interface that two implemented interfaces derive from (ambiguous)", () => {
    const types = setup();
    types.register({ name: "sub-if-a", parent: TYPE_TEST_IF });
    types.register({ name: "sub-if-b", parent: TYPE_TEST_IF });
    types.register({ name: "both", parent: TYPE_OBJECT, interfaces: ["sub-if-a", "sub-if-b"] });
    const obj = objectNew(types, "both");
    expect(obj.dynamicCast("sub-if-a")).toBe(obj);
    expect(obj.dynamicCast("sub-if-b")).toBe(obj);
    expect(obj.dynamicCast(TYPE_TEST_IF)).toBeUndefined();
    // qom-list-types implements=<iface> therefore leaves such types out.
    expect(types.classList(TYPE_TEST_IF, false).map((k) => k.type.name)).not.toContain("both");
  });

  it("does not add an interface twice when a more specific one already covers it", () => {
    const types = setup();
    types.register({ name: "sub-if", parent: TYPE_TEST_IF });
    types.register({ name: "covered", parent: TYPE_OBJECT, interfaces: ["sub-if", TYPE_TEST_IF] });
    const klass = types.classByName("covered")!;
    expect(klass.interfaces.map((i) => i.interfaceType.name)).toEqual(["sub-if"]);
    expect(objectNew(types, "covered").dynamicCast(TYPE_TEST_IF)).toBeDefined();
  });

  it("reports a missing interface type", () => {
    const types = setup();
    types.register({ name: "bad-iface", parent: TYPE_OBJECT, interfaces: ["no-such-if"] });
    expect(() => types.classByName("bad-iface")).toThrow("missing interface 'no-such-if' for object 'bad-iface'");
  });

  it("refuses instance state or hooks on an interface", () => {
    const types = setup();
    types.register({ name: "bad-if", parent: TYPE_INTERFACE, instanceInit: () => {} });
    expect(() => types.classByName("bad-if")).toThrow(/must not have instance state/);
  });

  it("cannot instantiate an interface", () => {
    const types = setup();
    expect(() => objectNew(types, TYPE_TEST_IF)).toThrow(`object type '${TYPE_TEST_IF}' is abstract`);
  });

  it("names both types when a checked class cast fails", () => {
    const types = setup();
    expect(() => types.classCheck(types.classByName("container")!, TYPE_TEST_IF)).toThrow(
      `class 'container' is not an instance of type '${TYPE_TEST_IF}'`,
    );
  });
});
