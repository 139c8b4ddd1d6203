/**
 * device-list-properties of every ISA and board device against qemu-system-x86_64 7.2
 * (test/fixtures/qemu-7.2/isa-device-list-properties.json, captured over QMP). QEMU lists
 * properties in hash order, so the comparison is by name.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { qomInit } from "../../../src/modules.js";
import { deviceListProperties } from "../../../src/hw/core/qdev.js";
import type { JsonObject } from "../../../src/qobject/json-value.js";

const captured = JSON.parse(
  readFileSync(new URL("../../fixtures/qemu-7.2/isa-device-list-properties.json", import.meta.url), "utf8"),
) as Record<string, JsonObject[]>;

function byName(list: readonly JsonObject[]): JsonObject[] {
  return [...list].sort((a, b) => String(a["name"]).localeCompare(String(b["name"])));
}

describe("device-list-properties as QEMU 7.2", () => {
  const devices = Object.keys(captured).filter((k) => !k.startsWith("qlp:"));
  it("covers every captured device", () => {
    expect(devices.length).toBe(23);
  });
  for (const name of devices) {
    it(name, () => {
      const { types } = qomInit();
      expect(byName(deviceListProperties(types, name))).toEqual(byName(captured[name]!));
    });
  }
});

describe("abstract bases have QEMU's class properties", () => {
  for (const [key, props] of Object.entries(captured).filter(([k]) => k.startsWith("qlp:"))) {
    const typename = key.slice(4);
    it(typename, () => {
      const { types } = qomInit();
      const klass = types.classByName(typename)!;
      const names: string[] = [];
      for (let k: typeof klass | undefined = klass; k; k = types.classGetParent(k)) {
        for (const p of k.properties.values()) names.push(p.name);
      }
      expect(names.sort()).toEqual(props.map((p) => String(p["name"])).sort());
    });
  }
});
