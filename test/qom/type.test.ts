import { describe, expect, it } from "vitest";
import { baseRegistry as qomInit } from "./base-registry.js";
import { ModuleInit } from "../../src/qom/module.js";
import { objectNew, QomObject } from "../../src/qom/object.js";
import { TypeRegistry, TYPE_INTERFACE, TYPE_OBJECT, type ObjectClass } from "../../src/qom/type.js";

interface AnimalClass extends ObjectClass {
  sound: () => string;
  legs: number;
  baseInits: string[];
}

function registry(): TypeRegistry {
  return qomInit().types;
}

describe("module initialisation", () => {
  it("runs queued initializers once, in registration order, only when asked", () => {
    const modules = new ModuleInit<string[]>();
    const log: string[] = [];
    modules.register("qom", (l) => l.push("a"));
    modules.register("opts", (l) => l.push("opts"));
    modules.register("qom", (l) => l.push("b"));
    expect(log).toEqual([]);
    modules.callInit("qom", log);
    modules.callInit("qom", log);
    expect(log).toEqual(["a", "b"]);
    expect(modules.isInitDone("qom")).toBe(true);
    expect(modules.isInitDone("opts")).toBe(false);
    modules.callInit("opts", log);
    expect(log).toEqual(["a", "b", "opts"]);
  });

  it("refuses to queue under a kind that already ran", () => {
    const modules = new ModuleInit<null>();
    modules.callInit("qom", null);
    expect(() => modules.register("qom", () => {})).toThrow(/already initialised/);
  });

  it("registers the base types from the module list", async () => {
    const { qomInit: fullInit } = await import("../../src/modules.js");
    expect(fullInit().types.has("container")).toBe(true);
    const types = registry();
    for (const name of [TYPE_OBJECT, TYPE_INTERFACE, "container", "user-creatable"]) {
      expect(types.has(name)).toBe(true);
    }
  });
});

describe("type registration", () => {
  it("rejects a second registration of the same name, naming it", () => {
    const types = registry();
    types.register({ name: "dup", parent: TYPE_OBJECT });
    expect(() => types.register({ name: "dup", parent: TYPE_OBJECT })).toThrow("Registering `dup' which already exists");
  });

  it("reports a missing parent only when first needed, naming both types", () => {
    const types = registry();
    types.register({ name: "orphan", parent: "no-such-parent" });
    expect(() => types.classByName("orphan")).toThrow("Type 'orphan' is missing its parent 'no-such-parent'");
  });

  it("does not run class_init at registration (the kvm_accel_type case)", () => {
    const types = registry();
    let classInits = 0;
    types.register({ name: "accel", parent: TYPE_OBJECT, abstract: true });
    types.register({ name: "kvm-accel", parent: "accel", classInit: () => classInits++ });
    expect(classInits).toBe(0);
    expect(types.lookup("kvm-accel")?.klass).toBeUndefined();
    types.classByName("kvm-accel");
    types.classByName("kvm-accel");
    expect(classInits).toBe(1);
  });

  it("initialises the parent class first, copies it, runs every ancestor's class_base_init nearest first, then class_init", () => {
    const types = registry();
    const log: string[] = [];
    types.register<QomObject, AnimalClass>({
      name: "animal",
      parent: TYPE_OBJECT,
      abstract: true,
      classBaseInit: (k) => {
        log.push(`animal.base(${k.type.name})`);
        k.baseInits = [...(k.baseInits ?? []), "animal"];
      },
      classInit: (k) => {
        log.push("animal.init");
        k.sound = () => "...";
        k.legs = 4;
      },
    });
    types.register<QomObject, AnimalClass>({
      name: "bird",
      parent: "animal",
      classBaseInit: (k) => log.push(`bird.base(${k.type.name})`),
      classInit: (k) => {
        log.push("bird.init");
        k.legs = 2;
      },
    });
    types.register<QomObject, AnimalClass>({
      name: "parrot",
      parent: "bird",
      classInit: (k) => {
        log.push("parrot.init");
        const inherited = k.sound;
        k.sound = () => `squawk (not ${inherited()})`;
      },
    });
    const parrot = types.classByName("parrot") as AnimalClass;
    expect(log).toEqual([
      "animal.init",
      "animal.base(bird)",
      "bird.init",
      "bird.base(parrot)",
      "animal.base(parrot)",
      "parrot.init",
    ]);
    expect(parrot.legs).toBe(2);
    expect(parrot.sound()).toBe("squawk (not ...)");
    const bird = types.classByName("bird") as AnimalClass;
    expect(bird.sound()).toBe("...");
    // The child class is a copy: changing it does not touch the parent.
    expect(bird).not.toBe(parrot);
    expect(bird.properties).not.toBe(parrot.properties);
  });

  it("makes a type without instance storage abstract, and inherits the parent's storage", () => {
    class Big extends QomObject {
      payload = 42;
    }
    const types = registry();
    types.register({ name: "big", parent: TYPE_OBJECT, instance: Big });
    types.register({ name: "bigger", parent: "big" });
    const obj = objectNew(types, "bigger");
    expect(obj).toBeInstanceOf(Big);
    expect((obj as Big).payload).toBe(42);
    types.classByName("user-creatable");
    expect(types.lookup("user-creatable")?.abstract).toBe(true);
  });

  it("enumerates classes by interface and abstractness, initialising them", () => {
    const types = registry();
    types.register({ name: "shape", parent: TYPE_OBJECT, abstract: true });
    types.register({ name: "square", parent: "shape" });
    types.register({ name: "circle", parent: "shape", interfaces: ["user-creatable"] });
    const names = (impl: string | undefined, abs: boolean) => types.classList(impl, abs).map((k) => k.type.name);
    expect(names("shape", false)).toEqual(["square", "circle"]);
    expect(names("shape", true)).toEqual(["shape", "square", "circle"]);
    expect(names("user-creatable", false)).toEqual(["circle"]);
    expect(names("user-creatable", true)).toEqual(["user-creatable", "circle"]);
    expect(names("no-such-type", true)).toEqual([]);
    expect(names(undefined, true)).toContain("interface");
  });

  it("refuses registration while enumerating", () => {
    const types = registry();
    types.register({
      name: "sneaky",
      parent: TYPE_OBJECT,
      classInit: () => types.register({ name: "late", parent: TYPE_OBJECT }),
    });
    expect(() => types.classList(undefined, true)).toThrow(/being enumerated/);
  });
});

describe("class copies", () => {
  it("give each class its own copy of container fields, as QEMU's byte copy does", () => {
    const types = qomInit().types;
    interface TaggedClass extends ObjectClass {
      tags: Set<string>;
    }
    types.register<QomObject, TaggedClass>({ name: "tagged", parent: TYPE_OBJECT, classInit: (k) => (k.tags = new Set(["base"])) });
    types.register<QomObject, TaggedClass>({ name: "tagged-child", parent: "tagged", classInit: (k) => k.tags.add("child") });
    expect([...(types.classByName("tagged-child") as TaggedClass).tags]).toEqual(["base", "child"]);
    expect([...(types.classByName("tagged") as TaggedClass).tags]).toEqual(["base"]);
  });
});
