import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { qomInit } from "../../../src/modules.js";
import { deviceListProperties } from "../../../src/hw/core/qdev.js";

function capture(name: string): unknown[] {
  const file = new URL(`../../fixtures/qemu-7.2/device-list-properties.${name}.json`, import.meta.url);
  return (JSON.parse(readFileSync(file, "utf8")) as { response: { return: unknown[] } }).response.return;
}

describe("device-list-properties of the display cards, as QEMU 7.2 answers", () => {
  for (const name of ["VGA", "cirrus-vga"]) {
    it(`lists ${name}'s properties in QEMU's order, with types, defaults and descriptions`, () => {
      const { types } = qomInit();
      expect(deviceListProperties(types, name)).toEqual(capture(name));
    });
  }
});
