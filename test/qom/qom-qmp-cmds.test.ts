import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { baseRegistry as qomInit } from "./base-registry.js";
import { adoptChild } from "../../src/qom/child.js";
import { addClassProperty, objectNew } from "../../src/qom/object.js";
import { boolProperty } from "../../src/qom/property.js";
import { qomGet, qomList, qomListProperties, qomListTypes, qomSet } from "../../src/qom/qom-qmp-cmds.js";
import { objectGetRoot } from "../../src/qom/root.js";
import { TYPE_INTERFACE, TYPE_OBJECT, type TypeRegistry } from "../../src/qom/type.js";

let types: TypeRegistry;

beforeEach(() => {
  types = qomInit().types;
  let graphics = true;
  types.register({ name: "machine", parent: TYPE_OBJECT, abstract: true });
  types.register({
    name: "toy-machine",
    parent: "machine",
    classInit: (k) => {
      const p = addClassProperty(k, boolProperty("graphics", { get: () => graphics, set: (_o, v) => (graphics = v) }));
      p.description = "Set on/off to enable/disable graphics emulation";
    },
  });
  const root = objectGetRoot(types);
  adoptChild(root, "chardevs", objectNew(types, "container"));
  const machine = adoptChild(root, "machine", objectNew(types, "toy-machine"));
  adoptChild(machine, "peripheral", objectNew(types, "container"));
  adoptChild(machine, "peripheral-anon", objectNew(types, "container"));
});

describe("QOM commands", () => {
  it("qom-list: name and type only, class properties first, own properties in reverse GLib hash order", () => {
    expect(qomList(types, "/")).toEqual([
      { name: "type", type: "string" },
      { name: "machine", type: "child<toy-machine>" },
      { name: "chardevs", type: "child<container>" },
    ]);
    expect(qomList(types, "/machine").map((p) => p.name)).toEqual(["type", "graphics", "peripheral-anon", "peripheral"]);
  });

  it("qom-list and qom-list-properties walk own properties in QEMU's hash order, then each class's", () => {
    // virtio-net-pci's own properties, added in QEMU 7.2's order, against its captured listing.
    const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8")) as Record<string, unknown>;
    const order = (fixture("qemu-7.2/instance-property-insertion-orders.json")["virtio-net-pci"] as { order: string[] }).order;
    const replay = fixture("qmp-replay/pc-nodefaults.json")["exchanges"] as Record<string, { response: { return: { name: string }[] } }>;
    const captured = replay["qom-list-properties.virtio-net-pci"]!.response.return.map((p) => p.name);
    types.register({
      name: "toy-proxy",
      parent: "toy-machine",
      instanceInit: (obj) => {
        for (const name of order) obj.addProperty(boolProperty(name, { get: () => true }));
      },
    });
    const listed = qomListProperties(types, "toy-proxy").map((p) => p.name);
    expect(listed.slice(0, 2)).toEqual(["type", "graphics"]);
    expect(listed.slice(2)).toEqual(captured.slice(-order.length));
    const obj = adoptChild(objectGetRoot(types), "proxy", objectNew(types, "toy-proxy"));
    expect(qomList(types, "/proxy").map((p) => p.name)).toEqual(listed);
    // In QEMU a property removed and added again goes back to the slot its tombstone holds, so
    // the list does not change, although the name is now last in insertion order.
    obj.deleteProperty("mac");
    expect(qomList(types, "/proxy").map((p) => p.name)).toEqual(listed.filter((n) => n !== "mac"));
    obj.addProperty(boolProperty("mac", { get: () => true }));
    expect(qomList(types, "/proxy").map((p) => p.name)).toEqual(listed);
  });

  it("qom-list/qom-get/qom-set path errors as QEMU", () => {
    expect(() => qomList(types, "/nonexistent")).toThrow("Device '/nonexistent' not found");
    adoptChild(objectGetRoot(types).resolveComponent("chardevs")!, "peripheral", objectNew(types, "container"));
    expect(() => qomList(types, "peripheral")).toThrow("Path 'peripheral' is ambiguous");
    expect(() => qomGet(types, "peripheral", "type")).toThrow("Device 'peripheral' not found");
    expect(() => qomGet(types, "/machine", "nosuch")).toThrow("Property 'toy-machine.nosuch' not found");
    expect(() => qomSet(types, "/machine", "type", "x")).toThrow("Property 'toy-machine.type' is not writable");
    expect(() => qomSet(types, "/machine", "graphics", "off")).toThrow("Invalid parameter type for 'graphics', expected: boolean");
  });

  it("qom-get/qom-set values", () => {
    expect(qomGet(types, "/machine", "type")).toBe("toy-machine");
    expect(qomGet(types, "/", "machine")).toBe("/machine");
    qomSet(types, "/machine", "graphics", false);
    expect(qomGet(types, "machine", "graphics")).toBe(false);
  });

  it("qom-list-types: abstract only when true, parent absent for roots, filters", () => {
    const all = qomListTypes(types, undefined, true);
    expect(all).toContainEqual({ name: "object", abstract: true });
    expect(all).toContainEqual({ name: "interface", abstract: true });
    expect(all).toContainEqual({ name: "container", parent: "object" });
    expect(qomListTypes(types, "machine")).toEqual([{ name: "toy-machine", parent: "machine" }]);
    expect(qomListTypes(types, "machine", true)).toEqual([
      { name: "toy-machine", parent: "machine" },
      { name: "machine", abstract: true, parent: "object" },
    ]);
    expect(qomListTypes(types, "nosuch")).toEqual([]);
  });

  it("qom-list-properties: class properties for abstract types, descriptions, errors", () => {
    expect(qomListProperties(types, "machine")).toEqual([{ name: "type", type: "string" }]);
    expect(qomListProperties(types, "toy-machine")).toEqual([
      { name: "type", type: "string" },
      { name: "graphics", type: "bool", description: "Set on/off to enable/disable graphics emulation" },
    ]);
    expect(() => qomListProperties(types, "nosuch")).toThrow("Class 'nosuch' not found");
    expect(() => qomListProperties(types, TYPE_INTERFACE)).toThrow("Parameter 'typename' expects a QOM type");
  });
});
