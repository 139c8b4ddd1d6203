import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JsonValue } from "../../../src/qobject/json-value.js";
import { createX86CpuConfig } from "../../../src/target/i386/cpu-config.js";
import { findX86CpuModel } from "../../../src/target/i386/cpu-models.js";
import { realizeX86Cpu } from "../../../src/target/i386/cpu-realize.js";

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/qemu-7.2/${name}`, import.meta.url)), "utf8");

/** "name: value (type)" lines of the qom-tree dump of the boot CPU. */
function dumpProperties(): Map<string, { value: string; type: string }> {
  const props = new Map<string, { value: string; type: string }>();
  for (const line of fixture("qom-tree-cpu0.txt").split("\n")) {
    const m = /^ {2}([^:]+): (.*) \(([^()]+)\)$/.exec(line);
    if (m) props.set(m[1]!, { value: m[2]!, type: m[3]! });
  }
  return props;
}

/** The dump prints values the way Python does. */
function pythonRepr(v: JsonValue): string {
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" ? `'${x}'` : pythonRepr(x))).join(", ")}]`;
  return String(v);
}

/** Feature-word lists compared as lists of objects with sorted keys (the
 * dump's key order is not QMP's). */
function normalizeWords(list: readonly Record<string, unknown>[]): string[] {
  return list.map((o) => JSON.stringify(Object.fromEntries(Object.entries(o).sort())));
}

describe("qemu64 boot CPU of pc -nodefaults", () => {
  const cfg = createX86CpuConfig(findX86CpuModel("qemu64")!);
  // What the pc machine sets before realizing CPU 0.
  for (const p of ["apic-id", "thread-id", "core-id", "die-id", "socket-id"]) cfg.setUint(p, 0);
  const { warnings } = realizeX86Cpu(cfg, { cores: 1, threads: 1, dies: 1 });
  const dump = dumpProperties();

  it("realizes without warnings", () => {
    expect(warnings).toEqual([]);
  });

  it("has every x86 property value QEMU shows", () => {
    let compared = 0;
    for (const [name, { value, type }] of dump) {
      const spec = cfg.propertySpec(name);
      if (!spec) continue;
      compared++;
      expect(spec.type, name).toBe(type);
      const got = cfg.getProperty(name);
      if (type === "X86CPUFeatureWordInfo") {
        const want = JSON.parse(value.replaceAll("'", '"')) as Record<string, unknown>[];
        expect(normalizeWords(got as Record<string, unknown>[]), name).toEqual(normalizeWords(want));
      } else {
        expect(pythonRepr(got), name).toBe(value);
      }
    }
    // Feature bits, aliases and the x86-specific switches: all but the
    // generic device/CPU properties of the dump.
    expect(compared).toBeGreaterThan(400);
  });

  it("knows every property in the dump except the generic device ones", () => {
    const generic = ["type", "parent_bus", "realized", "hotplugged", "hotpluggable", "memory", "start-powered-off", "legacy-memory", "crash-information", "node-id"];
    const unknown = [...dump.keys()].filter((n) => !cfg.propertySpec(n) && !generic.includes(n));
    expect(unknown).toEqual([]);
  });
});

describe("property setters", () => {
  it("use QEMU's range texts for family, model and stepping", () => {
    const cfg = createX86CpuConfig(findX86CpuModel("qemu64")!);
    expect(() => cfg.setPropertyFromString("family", "300")).toThrow(
      "Property .family doesn't take value 300 (minimum: 0, maximum: 270)",
    );
    expect(() => cfg.setPropertyFromString("model", "256")).toThrow(
      "Property .model doesn't take value 256 (minimum: 0, maximum: 255)",
    );
    expect(() => cfg.setPropertyFromString("stepping", "16")).toThrow(
      "Property .stepping doesn't take value 16 (minimum: 0, maximum: 15)",
    );
    expect(() => cfg.setPropertyFromString("vendor", "abc")).toThrow("Property '.vendor' doesn't take value 'abc'");
    expect(() => cfg.setPropertyFromString("pni", "abc")).toThrow("Parameter 'pni' expects 'on' or 'off'");
    expect(() => cfg.setPropertyFromString("nosuch", "on")).toThrow("Property 'qemu64-x86_64-cpu.nosuch' not found");
  });

  it("encode family above 15 with the extended family field", () => {
    const cfg = createX86CpuConfig(findX86CpuModel("qemu64")!);
    cfg.setPropertyFromString("family", "23");
    cfg.setPropertyFromString("model", "0x31");
    expect(cfg.cpuidVersion.toString(16)).toBe("830f11");
    expect([cfg.family, cfg.modelNumber, cfg.stepping]).toEqual([23, 0x31, 1]);
  });

  it("cut model-id to 48 bytes and read aliases of features", () => {
    const cfg = createX86CpuConfig(findX86CpuModel("Penryn")!);
    cfg.setPropertyFromString("model-id", "x".repeat(60));
    expect(cfg.getProperty("model-id")).toBe("x".repeat(48));
    expect(cfg.getProperty("sse4_1")).toBe(true);
    expect(cfg.getProperty("sse4-1")).toBe(true);
    expect(cfg.getProperty("vme")).toBe(false); // TCG turns it off on built-in models
  });

  it("apply version properties: Haswell-v2 is stepping 1 without TSX", () => {
    const cfg = createX86CpuConfig(findX86CpuModel("Haswell-noTSX")!);
    expect([cfg.stepping, cfg.getBool("hle"), cfg.getBool("rtm")]).toEqual([1, false, false]);
    expect(cfg.modelId).toBe("Intel Core Processor (Haswell, no TSX)");
    expect(cfg.userFeatures.filter((w) => w !== 0n).length).toBe(1); // only TCG's vme=off
  });

  it("give migratable and host-cache-info to max only", () => {
    expect(createX86CpuConfig(findX86CpuModel("max")!).propertySpec("migratable")).toBeDefined();
    expect(createX86CpuConfig(findX86CpuModel("qemu64")!).propertySpec("migratable")).toBeUndefined();
  });
});
