import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JsonValue } from "../../../src/qobject/json-value.js";
import { createX86CpuConfig } from "../../../src/target/i386/cpu-config.js";
import {
  BUILTIN_X86_DEFS,
  findX86CpuModel,
  findX86CpuModelByType,
  resolveX86CpuVersion,
  x86CpuAliasOf,
  x86CpuVersionProps,
} from "../../../src/target/i386/cpu-models.js";
import { expandX86CpuFeatures } from "../../../src/target/i386/cpu-realize.js";

interface Expansions {
  booleans: string[];
  commonScalars: Record<string, JsonValue>;
  models: Record<string, { scalars: Record<string, JsonValue>; true: string[] }>;
}

const expansions = JSON.parse(
  readFileSync(fileURLToPath(new URL("../../fixtures/qemu-7.2/cpu-model-expansions.json", import.meta.url)), "utf8"),
) as Expansions;

/** JSON numbers above 2^53 lose precision on both sides alike. */
const comparable = (v: JsonValue): JsonValue => (typeof v === "bigint" ? Number(v) : v);

describe("built-in models against query-cpu-model-expansion (full) of QEMU 7.2", () => {
  it("covers every model but host", () => {
    expect(Object.keys(expansions.models).length).toBe(131);
    expect(BUILTIN_X86_DEFS.length).toBe(38);
  });

  for (const [name, exp] of Object.entries(expansions.models)) {
    it(name, () => {
      const cfg = createX86CpuConfig(findX86CpuModel(name)!);
      expandX86CpuFeatures(cfg);
      const want = new Map<string, JsonValue>([
        ...expansions.booleans.map((b): [string, JsonValue] => [b, exp.true.includes(b)]),
        ...Object.entries({ ...expansions.commonScalars, ...exp.scalars }),
      ]);
      const mismatches: string[] = [];
      for (const [prop, value] of want) {
        // "memory" (a link of the generic CPU) is not ours to check.
        if (!cfg.propertySpec(prop)) continue;
        const got = comparable(cfg.getProperty(prop));
        if (JSON.stringify(got) !== JSON.stringify(comparable(value))) {
          mismatches.push(`${prop}: QEMU ${JSON.stringify(value)}, qomd ${JSON.stringify(got)}`);
        }
      }
      expect(mismatches).toEqual([]);
    });
  }
});

describe("model versions", () => {
  it("resolve unversioned names through the machine's default version", () => {
    const m = findX86CpuModel("Cascadelake-Server")!;
    expect(resolveX86CpuVersion(m, 1)).toBe(1);
    expect(resolveX86CpuVersion(m, "latest")).toBe(5);
    expect(x86CpuAliasOf(m, "latest")).toBe("Cascadelake-Server-v5");
    expect(x86CpuAliasOf(findX86CpuModel("Cascadelake-Server-noTSX")!)).toBe("Cascadelake-Server-v3");
    expect(x86CpuAliasOf(findX86CpuModel("Cascadelake-Server-v3")!)).toBeUndefined();
  });

  it("accumulate the properties of every earlier version", () => {
    expect(x86CpuVersionProps(findX86CpuModel("Skylake-Client-v3")!)).toEqual([
      ["spec-ctrl", "on"],
      ["model-id", "Intel Core Processor (Skylake, IBRS)"],
      ["hle", "off"],
      ["rtm", "off"],
      ["model-id", "Intel Core Processor (Skylake, IBRS, no TSX)"],
    ]);
    expect(x86CpuVersionProps(findX86CpuModel("SandyBridge")!, 0)).toEqual([]);
  });

  it("look types up by QOM type name", () => {
    expect(findX86CpuModelByType("SandyBridge-IBRS-x86_64-cpu")?.version).toBe(2);
    expect(findX86CpuModelByType("host-x86_64-cpu")?.parentType).toBe("max-x86_64-cpu");
  });
});
