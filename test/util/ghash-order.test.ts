/**
 * The GLib hash-table order emulation against what QEMU 7.2 (GLib 2.74) printed: property
 * tables built from QEMU's own insertion order, and /objects through removals, a reused
 * tombstone, growth and a shrinking resize.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { GHashOrder, gStrHash } from "../../src/util/ghash-order.js";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Obj = { [k: string]: Json };

const fixture = (path: string) => JSON.parse(readFileSync(new URL(`../fixtures/${path}`, import.meta.url), "utf8")) as Obj;
const insertionOrders = fixture("qemu-7.2/instance-property-insertion-orders.json") as Record<string, { order: string[] }>;
const names = (reply: Json) => ((reply as Obj)["return"] as Obj[]).map((p) => p["name"] as string);

/** The own-property part of a qom-list / device-list-properties reply, in iteration order. */
function instancePart(reply: Json, count: number): string[] {
  return names(reply).slice(-count).reverse();
}

describe("g_str_hash", () => {
  it("is djb2 over signed chars", () => {
    expect(gStrHash("")).toBe(5381);
    expect(gStrHash("a")).toBe(5381 * 33 + 97);
    // A byte above 0x7f counts as negative, as with GLib's signed char.
    expect(gStrHash("\u00e9")).toBe((((5381 * 33 - 61) >>> 0) * 33 - 87) >>> 0);
  });
});

describe("property tables built in QEMU's insertion order iterate as QEMU's", () => {
  const deviceListCapture = (name: string) => fixture(`qemu-7.2/device-list-properties.${name}.json`)["response"]!;

  for (const name of ["virtio-net-pci", "q35-pcihost", "ICH9-LPC"]) {
    it(`${name} (device-list-properties capture)`, () => {
      const order = insertionOrders[name]!.order;
      expect(GHashOrder.fromInsertions(order).order()).toEqual(instancePart(deviceListCapture(name), order.length));
    });
  }

  it("virtio-blk-pci (libvirt's probe, captured)", () => {
    // The reply lines QEMU sent to the probe, in order.
    const lines = fixture("libvirt-probe/qemu-7.2-replies.json")["kvm:tcg"] as string[];
    const reply = lines.map((l) => JSON.parse(l) as Obj).find((r) => r["id"] === "libvirt-8")!;
    const order = insertionOrders["virtio-blk-pci"]!.order;
    expect(GHashOrder.fromInsertions(order).order()).toEqual(instancePart(reply, order.length));
  });

  it("the main system bus of -M pc -nodefaults (qom-list capture)", () => {
    const replay = fixture("qmp-replay/pc-nodefaults.json")["exchanges"] as Record<string, Obj>;
    const order = insertionOrders["System (main-system-bus)"]!.order;
    expect(GHashOrder.fromInsertions(order).order()).toEqual(instancePart(replay["qom-list_machine_unattached_sysbus"]!["response"]!, order.length));
  });

  it("fromInsertions is the same as inserting one by one", () => {
    const order = insertionOrders["virtio-net-pci"]!.order;
    const t = new GHashOrder();
    for (const k of order) t.insert(k);
    expect(GHashOrder.fromInsertions(order).order()).toEqual(t.order());
  });
});

describe("/objects through object-add and object-del, as QEMU 7.2 listed it", () => {
  const session = fixture("qemu-7.2/query-pci-memory-acpi.json")["objects-history"] as { exchanges: { request: Obj; response: Json }[] };

  it("follows every qom-list of the session (tombstones, growth, shrinking)", () => {
    // -object m0..m5 come before the machine's pc.ram, as QEMU creates them.
    const table = GHashOrder.fromInsertions(["m0", "m1", "m2", "m3", "m4", "m5", "pc.ram"]);
    let lists = 0;
    for (const { request, response } of session.exchanges) {
      const args = (request["arguments"] ?? {}) as Obj;
      if (request["execute"] === "object-add") table.insert(args["id"] as string);
      if (request["execute"] === "object-del") table.remove(args["id"] as string);
      if (request["execute"] !== "qom-list") continue;
      lists++;
      // qom-list prepends while walking: `type` (the class's) first, own properties reversed.
      expect(["type", ...table.order().reverse()]).toEqual(names(response));
    }
    expect(lists).toBe(5);
  });

  it("differs from a table that saw only the surviving names: removals leave a trace", () => {
    const withHistory = GHashOrder.fromInsertions(["m0", "m1", "m2", "m3", "m4", "m5", "pc.ram"]);
    withHistory.remove("m0");
    withHistory.insert("x0");
    const survivorsOnly = GHashOrder.fromInsertions(["m1", "m2", "m3", "m4", "m5", "pc.ram", "x0"]);
    expect(withHistory.order()).not.toEqual(survivorsOnly.order());
    expect([...withHistory.order()].sort()).toEqual([...survivorsOnly.order()].sort());
  });
});
