// Behaviours of QEMU's tests/unit/check-qom-proplist.c and the qom-get/qom-set/command-line rules.
import { beforeEach, describe, expect, it } from "vitest";
import { baseRegistry as qomInit } from "./base-registry.js";
import { addClassProperty, objectNew, QomObject } from "../../src/qom/object.js";
import {
  boolProperty,
  enumProperty,
  intProperty,
  sizeProperty,
  strProperty,
  structProperty,
  tmProperty,
} from "../../src/qom/property.js";
import { TYPE_OBJECT, type ObjectClass, type TypeRegistry } from "../../src/qom/type.js";
import type { IntValue } from "../../src/qom/visitor.js";
import type { JsonValue } from "../../src/qobject/json-value.js";

const ANIMALS = ["frog", "alligator", "platypus"] as const;

class Dummy extends QomObject {
  bv = false;
  sv: string | undefined;
  av = "frog";
  u8: IntValue = 0;
  i32: IntValue = 0;
  u64: IntValue = 0;
  size: IntValue = 0;
  topo: JsonValue = { cpus: 1 };
}

let types: TypeRegistry;
let dummy: Dummy;

beforeEach(() => {
  types = qomInit().types;
  types.register<Dummy, ObjectClass>({
    name: "dummy",
    parent: TYPE_OBJECT,
    instance: Dummy,
    classInit: (k) => {
      addClassProperty(k, boolProperty("bv", { get: (o) => (o as Dummy).bv, set: (o, v) => ((o as Dummy).bv = v) }));
      addClassProperty(k, strProperty("sv", { get: (o) => (o as Dummy).sv ?? "", set: (o, v) => ((o as Dummy).sv = v) }));
      addClassProperty(k, enumProperty("av", "DummyAnimal", ANIMALS, { get: (o) => (o as Dummy).av, set: (o, v) => ((o as Dummy).av = v) }));
      addClassProperty(k, intProperty("u8", "uint8", { get: (o) => (o as Dummy).u8, set: (o, v) => ((o as Dummy).u8 = v) }));
      addClassProperty(k, intProperty("i32", "int32", { get: (o) => (o as Dummy).i32, set: (o, v) => ((o as Dummy).i32 = v) }));
      addClassProperty(k, intProperty("u64", "uint64", { get: (o) => (o as Dummy).u64, set: (o, v) => ((o as Dummy).u64 = v) }));
      addClassProperty(k, sizeProperty("size", { get: (o) => (o as Dummy).size, set: (o, v) => ((o as Dummy).size = v) }));
      addClassProperty(k, structProperty("topo", "SMPConfiguration", { get: (o) => (o as Dummy).topo, set: (o, v) => ((o as Dummy).topo = v) }));
      addClassProperty(k, strProperty("ro", { get: () => "fixed" }));
      addClassProperty(k, strProperty("wo", { set: () => {} }));
      addClassProperty(k, tmProperty("date", () => new Date(Date.UTC(2024, 1, 29, 13, 5, 9))));
    },
  });
  dummy = objectNew<Dummy>(types, "dummy");
});

describe("property access", () => {
  it("reports types as QEMU does", () => {
    const t = (n: string) => dummy.propertyType(n);
    expect([t("bv"), t("sv"), t("av"), t("u8"), t("i32"), t("size"), t("topo"), t("date")]).toEqual([
      "bool", "string", "DummyAnimal", "uint8", "int32", "size", "SMPConfiguration", "struct tm",
    ]);
  });

  it("sets from JSON strictly, as qom-set", () => {
    dummy.setPropertyJson("bv", true);
    dummy.setPropertyJson("sv", "hello");
    dummy.setPropertyJson("av", "platypus");
    dummy.setPropertyJson("u8", 255);
    dummy.setPropertyJson("i32", -5);
    dummy.setPropertyJson("u64", 18446744073709551614n);
    dummy.setPropertyJson("topo", { cpus: 4, sockets: 2 });
    expect([dummy.bv, dummy.sv, dummy.av, dummy.u8, dummy.i32, dummy.u64]).toEqual([
      true, "hello", "platypus", 255, -5, 18446744073709551614n,
    ]);
    expect(dummy.getProperty("topo")).toEqual({ cpus: 4, sockets: 2 });
  });

  it("gives QEMU's texts for wrongly typed JSON", () => {
    const err = (n: string, v: JsonValue) => () => dummy.setPropertyJson(n, v);
    expect(err("bv", "off")).toThrow("Invalid parameter type for 'bv', expected: boolean");
    expect(err("sv", 1)).toThrow("Invalid parameter type for 'sv', expected: string");
    expect(err("u8", "1")).toThrow("Parameter 'u8' expects uint64");
    expect(err("u8", 1.5)).toThrow("Parameter 'u8' expects uint64");
    expect(err("i32", "1")).toThrow("Invalid parameter type for 'i32', expected: integer");
    expect(err("i32", 1.5)).toThrow("Invalid parameter type for 'i32', expected: integer");
    expect(err("u8", 256)).toThrow("Parameter 'u8' expects uint8_t");
    // Negative values are accepted for unsigned properties (wrapped), then range-checked.
    expect(err("u8", -1)).toThrow("Parameter 'u8' expects uint8_t");
    dummy.setPropertyJson("u64", -1);
    expect(dummy.u64).toBe(18446744073709551615n);
    expect(err("i32", 2147483648)).toThrow("Parameter 'i32' expects int32_t");
    expect(err("i32", 18446744073709551615n)).toThrow("Invalid parameter type for 'i32', expected: integer");
    expect(err("av", "cat")).toThrow("Parameter 'av' does not accept value 'cat'");
    expect(err("av", 1)).toThrow("Invalid parameter type for 'av', expected: string");
  });

  it("parses strings as the command line does", () => {
    dummy.parseProperty("bv", "on");
    dummy.parseProperty("u8", "0x10");
    dummy.parseProperty("i32", "-12");
    dummy.parseProperty("size", "1G");
    dummy.parseProperty("av", "alligator");
    expect([dummy.bv, dummy.u8, dummy.i32, dummy.size, dummy.av]).toEqual([true, 16, -12, 1073741824, "alligator"]);
    for (const yes of ["yes", "true"]) {
      dummy.bv = false;
      dummy.parseProperty("bv", yes);
      expect(dummy.bv).toBe(true);
    }
    expect(() => dummy.parseProperty("bv", "maybe")).toThrow("Parameter 'bv' expects 'on' or 'off'");
    expect(() => dummy.parseProperty("u8", "ten")).toThrow("Parameter 'u8' expects uint64");
    expect(() => dummy.parseProperty("i32", "1x")).toThrow("Parameter 'i32' expects int64");
    expect(() => dummy.parseProperty("u8", "300")).toThrow("Parameter 'u8' expects uint8_t");
    expect(() => dummy.parseProperty("size", "1Q")).toThrow("Parameter 'size' expects size");
    expect(() => dummy.parseProperty("av", "cat")).toThrow("Parameter 'av' does not accept value 'cat'");
  });

  it("names the object type in not found / not readable / not writable errors", () => {
    expect(() => dummy.getProperty("nosuch")).toThrow("Property 'dummy.nosuch' not found");
    expect(() => dummy.setPropertyJson("nosuch", 1)).toThrow("Property 'dummy.nosuch' not found");
    expect(() => dummy.setPropertyJson("ro", "x")).toThrow("Property 'dummy.ro' is not writable");
    expect(() => dummy.getProperty("wo")).toThrow("Property 'dummy.wo' is not readable");
  });

  it("returns struct tm as an object", () => {
    expect(dummy.getProperty("date")).toEqual({ tm_year: 124, tm_mon: 1, tm_mday: 29, tm_hour: 13, tm_min: 5, tm_sec: 9 });
  });
});

describe("instance properties", () => {
  it("auto-indexes names ending in [*]", () => {
    const names = [0, 1, 2].map(() => dummy.addProperty(strProperty("slot[*]", { get: () => "" })).name);
    expect(names).toEqual(["slot[0]", "slot[1]", "slot[2]"]);
    dummy.deleteProperty("slot[1]");
    expect(dummy.addProperty(strProperty("slot[*]", { get: () => "" })).name).toBe("slot[1]");
  });

  it("refuses duplicates, including a name a class property already has", () => {
    dummy.addProperty(strProperty("extra", { get: () => "" }));
    expect(() => dummy.addProperty(strProperty("extra", { get: () => "" }))).toThrow(
      "attempt to add duplicate property 'extra' to object (type 'dummy')",
    );
    expect(() => dummy.addProperty(strProperty("bv", { get: () => "" }))).toThrow(
      "attempt to add duplicate property 'bv' to object (type 'dummy')",
    );
  });

  it("iterates instance properties, then class properties from leaf to root", () => {
    dummy.addProperty(strProperty("inst1", { get: () => "" }));
    dummy.addProperty(strProperty("inst2", { get: () => "" }));
    const names = [...dummy.propertyIter()].map((p) => p.name);
    expect(names.slice(0, 2)).toEqual(["inst1", "inst2"]);
    expect(names.at(-1)).toBe("type");
    expect(names).toHaveLength(2 + 11 + 1);
  });

  it("finds class properties before instance properties, root class first", () => {
    types.register({ name: "sub-dummy", parent: "dummy", classInit: (k) => addClassProperty(k, strProperty("leaf", { get: () => "leaf" })) });
    const sub = objectNew(types, "sub-dummy");
    expect(sub.getProperty("leaf")).toBe("leaf");
    expect(sub.getProperty("type")).toBe("sub-dummy");
    expect(() => types.register({ name: "clash", parent: "dummy", classInit: (k) => addClassProperty(k, strProperty("bv", {})) })).not.toThrow();
    expect(() => types.classByName("clash")).toThrow(/duplicate class property 'bv'/);
  });
});

describe("keyval-typed values (-object, -machine)", () => {
  it("parses text per type with keyval's own texts", async () => {
    const { KeyvalInputVisitor } = await import("../../src/qom/visitor.js");
    dummy.setProperty("bv", new KeyvalInputVisitor("on"));
    dummy.setProperty("size", new KeyvalInputVisitor("512M"));
    dummy.setProperty("u8", new KeyvalInputVisitor("0x7f"));
    expect([dummy.bv, dummy.size, dummy.u8]).toEqual([true, 536870912, 127]);
    expect(() => dummy.setProperty("bv", new KeyvalInputVisitor("yes"))).toThrow("Parameter 'bv' expects 'on' or 'off'");
    expect(() => dummy.setProperty("u8", new KeyvalInputVisitor("x"))).toThrow("Parameter 'u8' expects integer");
    expect(() => dummy.setProperty("size", new KeyvalInputVisitor("big"))).toThrow("Parameter 'size' expects size");
    expect(() => dummy.setProperty("sv", new KeyvalInputVisitor({ a: "1" }))).toThrow("Invalid parameter type for 'sv', expected: string");
  });
});
