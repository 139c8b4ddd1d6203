import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { queryX86CpuDefinitions, x86CpuUnavailableFeatures } from "../../../src/target/i386/cpu-definitions.js";
import { findX86CpuModel, X86_CPU_MODELS, TYPE_X86_CPU } from "../../../src/target/i386/cpu-models.js";

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/qemu-7.2/${name}`, import.meta.url)), "utf8");

describe("query-cpu-definitions", () => {
  it("equals QEMU 7.2's answer on pc-i440fx-7.2 with TCG, key order included", () => {
    const expected = JSON.parse(fixture("query-cpu-definitions.json")).response.return;
    const got = queryX86CpuDefinitions();
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
  });

  it("has 132 types, all children of x86_64-cpu except host", () => {
    expect(X86_CPU_MODELS.length).toBe(132);
    expect(X86_CPU_MODELS.filter((m) => m.parentType !== TYPE_X86_CPU).map((m) => m.typeName)).toEqual(["host-x86_64-cpu"]);
  });

  it("drops alias-of for legacy machine types and follows the default version", () => {
    const sandy = findX86CpuModel("SandyBridge")!;
    expect(queryX86CpuDefinitions(0).find((e) => e.name === "SandyBridge")!["alias-of"]).toBeUndefined();
    expect(queryX86CpuDefinitions("latest").find((e) => e.name === "SandyBridge")!["alias-of"]).toBe("SandyBridge-v2");
    expect(x86CpuUnavailableFeatures(sandy, "latest")).toEqual(["x2apic", "tsc-deadline", "spec-ctrl"]);
  });

  it("takes global properties of the type into account", () => {
    const qemu64 = findX86CpuModel("qemu64")!;
    expect(
      x86CpuUnavailableFeatures(qemu64, 1, [{ driver: "qemu64-x86_64-cpu", property: "vmx", value: "on" }]),
    ).toEqual(["vmx"]);
  });
});
