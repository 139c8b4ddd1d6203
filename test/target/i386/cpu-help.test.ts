import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { x86CpuHelpText, wrapFlagNames, x86CpuHelpLine } from "../../../src/target/i386/cpu-help.js";
import { findX86CpuModel } from "../../../src/target/i386/cpu-models.js";

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/qemu-7.2/${name}`, import.meta.url)), "utf8");

describe("-cpu help", () => {
  it("is byte-identical to QEMU 7.2's output", () => {
    expect(x86CpuHelpText()).toBe(fixture("cpu-help.txt"));
  });

  it("keeps long names whole and the two-space gap", () => {
    expect(x86CpuHelpLine(findX86CpuModel("Cascadelake-Server-noTSX")!)).toBe(
      "x86 Cascadelake-Server-noTSX  (alias of Cascadelake-Server-v3)",
    );
    expect(x86CpuHelpLine(findX86CpuModel("486-v1")!)).toBe("x86 486-v1                ");
  });

  it("wraps flag names before column 75", () => {
    const text = wrapFlagNames(["a".repeat(40), "b".repeat(33), "c"]);
    expect(text).toBe(`  ${"a".repeat(40)}\n  ${"b".repeat(33)} c\n`);
  });
});
