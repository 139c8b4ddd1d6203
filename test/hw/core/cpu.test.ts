import { beforeEach, describe, expect, it } from "vitest";
import { qomInit } from "../../../src/modules.js";
import { CPUState, cpuList, cpuListAdd, cpuListRemove, qemuGetCpu, TYPE_CPU, UNASSIGNED_CPU_INDEX, type CPUClass } from "../../../src/hw/core/cpu.js";
import { qdevRealize } from "../../../src/hw/core/qdev-realize.js";
import { getSystemMemory } from "../../../src/exec/memory.js";
import { adoptChild } from "../../../src/qom/child.js";
import { QomError } from "../../../src/qom/error.js";
import { objectNew } from "../../../src/qom/object.js";
import { qomListProperties } from "../../../src/qom/qom-qmp-cmds.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import type { TypeRegistry } from "../../../src/qom/type.js";

/** A minimal concrete CPU, as an architecture would derive one. */
const TOY_CPU = "toy-cpu";

let types: TypeRegistry;

beforeEach(() => {
  types = qomInit().types;
  adoptChild(objectGetRoot(types), "machine", objectNew(types, "container"));
  types.register<CPUState, CPUClass>({ name: TOY_CPU, parent: TYPE_CPU });
});

function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof QomError) return err.message;
    throw err;
  }
  return undefined;
}

describe("the abstract cpu type", () => {
  it("has QEMU's class properties", () => {
    expect(qomListProperties(types, TYPE_CPU).map((p) => [p.name, p.type]).sort()).toEqual(
      [
        ["type", "string"],
        ["parent_bus", "link<bus>"],
        ["realized", "bool"],
        ["hotplugged", "bool"],
        ["hotpluggable", "bool"],
        ["memory", "link<memory-region>"],
        ["start-powered-off", "bool"],
        ["legacy-memory", "str"],
      ].sort(),
    );
  });

  it("is a CPU-category device that -device cannot create", () => {
    const k = types.classByName(TYPE_CPU) as CPUClass;
    expect(types.lookup(TYPE_CPU)!.abstract).toBe(true);
    expect([...k.categories]).toEqual(["cpu"]);
    expect(k.userCreatable).toBe(false);
    expect([...(types.classByName("device") as CPUClass).categories]).toEqual([]);
  });

  it("links system memory from creation once the memory map exists", () => {
    const system = getSystemMemory(types);
    const before = system.refCount;
    const cpu = objectNew<CPUState>(types, TOY_CPU);
    expect(cpu.getProperty("memory")).toBe("/machine/unattached/system[0]");
    expect(system.refCount).toBe(before + 1);
    cpu.unref();
    expect(system.refCount).toBe(before);
  });

  it("memory can change before realize only, with qdev's link text", () => {
    getSystemMemory(types);
    const cpu = objectNew<CPUState>(types, TOY_CPU);
    cpu.setPropertyJson("memory", "");
    expect(cpu.getProperty("memory")).toBe("");
    cpu.setPropertyJson("memory", "/machine/unattached/system[0]");
    qdevRealize(cpu);
    expect(errorOf(() => cpu.setPropertyJson("memory", ""))).toBe(
      "Attempt to set link property 'memory' on device '(null)' (type 'toy-cpu') after it was realized",
    );
    cpu.id = "c1";
    expect(errorOf(() => cpu.setPropertyJson("memory", ""))).toBe(
      "Attempt to set link property 'memory' on device 'c1' (type 'toy-cpu') after it was realized",
    );
    cpu.unref();
  });

  it("start-powered-off is a plain bool; legacy-memory can be neither read nor written", () => {
    const cpu = objectNew<CPUState>(types, TOY_CPU);
    expect(cpu.getProperty("start-powered-off")).toBe(false);
    expect(errorOf(() => cpu.setPropertyJson("start-powered-off", "on"))).toBe(
      "Invalid parameter type for 'start-powered-off', expected: boolean",
    );
    cpu.parseProperty("start-powered-off", "on");
    expect(cpu.startPoweredOff).toBe(true);
    expect(errorOf(() => cpu.getProperty("legacy-memory"))).toBe("Property 'toy-cpu.legacy-memory' is not readable");
    expect(errorOf(() => cpu.parseProperty("legacy-memory", "x"))).toBe("Property 'toy-cpu.legacy-memory' is not writable");
    cpu.unref();
  });
});

describe("the CPU list", () => {
  it("gives unplaced CPUs the next free index and keeps placed ones", () => {
    const a = objectNew<CPUState>(types, TOY_CPU);
    const b = objectNew<CPUState>(types, TOY_CPU);
    const c = objectNew<CPUState>(types, TOY_CPU);
    expect(a.cpuIndex).toBe(UNASSIGNED_CPU_INDEX);
    b.cpuIndex = 4;
    cpuListAdd(b);
    cpuListAdd(a);
    cpuListAdd(c);
    expect(cpuList(types).map((x) => x.cpuIndex)).toEqual([4, 5, 6]);
    expect(qemuGetCpu(types, 5)).toBe(a);
    cpuListRemove(a);
    expect(cpuList(types)).toEqual([b, c]);
    expect(qemuGetCpu(types, 5)).toBeUndefined();
    // Finalising a CPU takes it off the list too.
    c.unref();
    expect(cpuList(types)).toEqual([b]);
    a.unref();
    b.unref();
  });

  it("is per machine", () => {
    const other = qomInit().types;
    other.register<CPUState, CPUClass>({ name: TOY_CPU, parent: TYPE_CPU });
    const cpu = objectNew<CPUState>(types, TOY_CPU);
    cpuListAdd(cpu);
    expect(cpuList(other)).toEqual([]);
    cpu.unref();
  });
});
