import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { qomInit } from "../../../src/modules.js";
import { deviceListProperties } from "../../../src/hw/core/qdev.js";
import { QomError } from "../../../src/qom/error.js";

function capture(name: string): { response: { return?: unknown[]; error?: { class: string; desc: string } } } {
  return JSON.parse(readFileSync(new URL(`../../fixtures/qemu-7.2/device-list-properties.${name}.json`, import.meta.url), "utf8"));
}

describe("device-list-properties as QEMU 7.2", () => {
  for (const name of ["virtio-net-pci", "e1000"]) {
    it(`lists ${name}'s properties in QEMU's order, with types, defaults and descriptions`, () => {
      const { types } = qomInit();
      const want = capture(name).response.return as { name: string }[];
      expect(deviceListProperties(types, name)).toEqual(want);
    });
  }

  it("refuses the abstract pci-device with QEMU's error", () => {
    const { types } = qomInit();
    const want = capture("pci-device").response.error!;
    let err: unknown;
    try {
      deviceListProperties(types, "pci-device");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QomError);
    expect((err as QomError).message).toBe(want.desc);
    expect((err as QomError).errorClass).toBe(want.class);
  });
});
