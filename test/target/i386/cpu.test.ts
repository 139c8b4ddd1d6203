import { describe, expect, it } from "vitest";
import { x86CpuNew, x86CpusInit, x86CpusMachineDone } from "../../../src/hw/i386/x86-cpu.js";
import { deviceListProperties } from "../../../src/hw/core/qdev.js";
import { qdevRealize } from "../../../src/hw/core/qdev-realize.js";
import { memoryRegionInit } from "../../../src/exec/memory.js";
import type { JsonObject, JsonValue } from "../../../src/qobject/json-value.js";
import { QomError } from "../../../src/qom/error.js";
import { addConstLink } from "../../../src/qom/link.js";
import { objectNew, type QomObject } from "../../../src/qom/object.js";
import { qomList, qomListProperties, qomListTypes } from "../../../src/qom/qom-qmp-cmds.js";
import { X86_CPU_MODELS } from "../../../src/target/i386/cpu-models.js";
import { parseX86CpuOption } from "../../../src/target/i386/cpu-parse.js";
import { X86CPU, x86CpuSettings } from "../../../src/target/i386/cpu.js";
import { captured, cpuTestWorld, fixtureText, type CpuTestWorld } from "./cpu-test-world.js";

/** The error a thunk throws, as QEMU's message (undefined when it does not throw). */
function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof QomError) return err.message;
    throw err;
  }
  return undefined;
}

/** A pc -nodefaults style boot of `-cpu option` with one CPU; returns the world and CPU 0. */
function boot(option = "qemu64", smp: Parameters<typeof cpuTestWorld>[0] = {}): CpuTestWorld & { cpu: X86CPU } {
  const parsed = parseX86CpuOption(option);
  const world = cpuTestWorld(smp, parsed.typeName);
  const { cpus } = x86CpusInit(world.machine, { cpuOption: parsed, warnings: world.sink });
  return { ...world, cpu: cpus[0]! };
}

type PropertyInfo = { name: string; type: string; description?: string; "default-value"?: JsonValue };

function byName(list: JsonValue): Map<string, PropertyInfo> {
  return new Map((list as PropertyInfo[]).map((p) => [p.name, p]));
}

describe("x86 CPU types", () => {
  it("qom-list-types implements=x86_64-cpu lists QEMU's 132 types with their parents", () => {
    const { types } = cpuTestWorld();
    const capture = JSON.parse(fixtureText("qom-list-types.implements-x86_64-cpu.json")).response.return as JsonObject[];
    const sortKey = (a: JsonValue) => (a as { name: string }).name;
    const mine = qomListTypes(types, "x86_64-cpu").sort((a, b) => sortKey(a).localeCompare(sortKey(b)));
    expect(mine).toEqual([...capture].sort((a, b) => sortKey(a).localeCompare(sortKey(b))));
    expect(mine).toHaveLength(132);
    expect(X86_CPU_MODELS).toHaveLength(132);
  });

  it("x86_64-cpu and cpu are abstract; cpu is not user-creatable, x86 models are", () => {
    const { types } = cpuTestWorld();
    const all = qomListTypes(types, "cpu", true);
    expect(all.find((t) => t["name"] === "x86_64-cpu")).toEqual({ name: "x86_64-cpu", abstract: true, parent: "cpu" });
    expect(all.find((t) => t["name"] === "cpu")).toEqual({ name: "cpu", abstract: true, parent: "device" });
    const qemu64 = types.classByName("qemu64-x86_64-cpu") as unknown as { userCreatable: boolean; categories: Set<string> };
    expect(qemu64.userCreatable).toBe(true);
    expect([...qemu64.categories]).toEqual(["cpu"]);
    expect((types.classByName("cpu") as unknown as { userCreatable: boolean }).userCreatable).toBe(false);
  });

  for (const typename of ["qemu64-x86_64-cpu", "x86_64-cpu", "cpu", "max-x86_64-cpu"]) {
    it(`qom-list-properties ${typename} matches QEMU 7.2 (names, types, descriptions)`, () => {
      const { types } = cpuTestWorld();
      const capture = byName(captured("pc", "qom-list-properties", { typename }));
      const mine = byName(qomListProperties(types, typename));
      expect([...mine.keys()].sort()).toEqual([...capture.keys()].sort());
      for (const [name, info] of capture) expect(mine.get(name), name).toEqual(info);
    });
  }

  for (const typename of ["qemu64-x86_64-cpu", "max-x86_64-cpu"]) {
    it(`device-list-properties ${typename} matches QEMU 7.2, defaults included`, () => {
      const { types } = cpuTestWorld();
      const capture = byName(captured("pc", "device-list-properties", { typename }));
      const mine = byName(deviceListProperties(types, typename));
      expect([...mine.keys()].sort()).toEqual([...capture.keys()].sort());
      for (const [name, info] of capture) expect(mine.get(name), name).toEqual(info);
    });
  }

  it("host-x86_64-cpu derives from max and has its switches", () => {
    const { types } = cpuTestWorld();
    expect(qomListTypes(types, "max-x86_64-cpu")).toEqual(
      expect.arrayContaining([{ name: "host-x86_64-cpu", parent: "max-x86_64-cpu" }]),
    );
    const names = qomListProperties(types, "host-x86_64-cpu").map((p) => p["name"]);
    expect(names).toContain("migratable");
    expect(names).toContain("host-cache-info");
  });
});

/** A value of QEMU's qom-tree tool output ("True", "13", "[{'a': 1}]", "<EXCEPTION: …>"). */
function parseTreeValue(text: string, type: string): { value?: JsonValue; error?: string } {
  const exc = /^<EXCEPTION: (.*)>$/.exec(text);
  if (exc) return { error: exc[1]! };
  if (type === "bool") return { value: text === "True" };
  if (/^u?int(8|16|32|64)?$/.test(type)) return { value: Number(text) > Number.MAX_SAFE_INTEGER ? BigInt(text) : Number(text) };
  if (text.startsWith("[")) return { value: JSON.parse(text.replaceAll("'", '"')) as JsonValue };
  return { value: text };
}

function readTree(text: string): Map<string, { type: string; text: string }> {
  const props = new Map<string, { type: string; text: string }>();
  for (const line of text.split("\n").slice(1)) {
    if (!line.startsWith("  ")) continue;
    const colon = line.indexOf(": ");
    const paren = line.lastIndexOf(" (");
    props.set(line.slice(2, colon), { text: line.slice(colon + 2, paren), type: line.slice(paren + 2, -1) });
  }
  return props;
}

function getOrError(obj: QomObject, name: string): { value?: JsonValue; error?: string } {
  try {
    return { value: obj.getProperty(name) };
  } catch (err) {
    if (err instanceof QomError) return { error: err.message };
    throw err;
  }
}

describe("a realized qemu64 (pc -nodefaults, CPU 0)", () => {
  it("every property has QEMU's type and value (qom-tree-cpu0.txt)", () => {
    const { cpu } = boot();
    const tree = readTree(fixtureText("qom-tree-cpu0.txt"));
    expect(tree.size).toBeGreaterThan(400);
    for (const [name, { type, text }] of tree) {
      expect(cpu.propertyType(name), name).toBe(type);
      expect(getOrError(cpu, name), name).toEqual(parseTreeValue(text, type));
    }
  });

  it("qom-list shows the properties and children QEMU has (lapic, memory[0], memory[1], smram[0])", () => {
    const world = boot();
    // The chipset's SMRAM, as i440FX links it from the machine.
    addConstLink(world.machine, "smram", memoryRegionInit(world.machine, "smram", 0x100000000));
    x86CpusMachineDone(world.types);
    const capture = byName(captured("pc", "qom-list", { path: "/machine/unattached/device[0]" }));
    const mine = byName(qomList(world.types, "/machine/unattached/device[0]"));
    expect([...mine.keys()].sort()).toEqual([...capture.keys()].sort());
    for (const [name, info] of capture) expect(mine.get(name), name).toEqual(info);
    const smram = world.cpu.resolveComponent("smram[0]")!;
    expect(smram.getProperty("container")).toBe("/machine/unattached/device[0]/memory[0]");
    expect(smram.getProperty("size")).toBe(4294967296);
    expect(smram.getProperty("priority")).toBe(1);
  });

  it("its TCG address-space regions are as in QEMU's tree", () => {
    const { cpu } = boot();
    const root = cpu.resolveComponent("memory[0]")!;
    const alias = cpu.resolveComponent("memory[1]")!;
    expect(root.getProperty("size")).toBe(0xffffffffffffffffn);
    expect(root.getProperty("container")).toBe("");
    expect(alias.getProperty("container")).toBe("/machine/unattached/device[0]/memory[0]");
    expect(cpu.addressSpaces.map((as) => as.name)).toEqual(["cpu-memory-0", "cpu-smm-0"]);
  });

  it("has its lapic child with the CPU's APIC id", () => {
    const { cpu } = boot("qemu64", { cpus: 2 });
    expect(cpu.getProperty("lapic")).toBe("/machine/unattached/device[0]/lapic");
    const second = cpu.registry.rootObject!.resolveComponent("machine")!.resolveComponent("unattached")!.resolveComponent("device[2]")!;
    expect(second.getProperty("apic-id")).toBe(1);
    expect(second.resolveComponent("lapic")!.getProperty("id")).toBe(1);
  });
});

describe("the lapic follows QEMU's condition", () => {
  it("a CPU without an on-chip APIC has none when it is alone, and one with other CPUs", () => {
    expect(errorOf(() => boot("486").cpu.getProperty("lapic"))).toBe("Property '486-x86_64-cpu.lapic' not found");
    expect(errorOf(() => boot("qemu64,-apic").cpu.getProperty("lapic"))).toBe("Property 'qemu64-x86_64-cpu.lapic' not found");
    expect(boot("486", { cpus: 2 }).cpu.getProperty("lapic")).toBe("/machine/unattached/device[0]/lapic");
  });
});

describe("-cpu features reach the QOM properties", () => {
  it("+feat and -feat are applied at realize", () => {
    const { cpu } = boot("qemu64,+ssse3,-sse2");
    expect(cpu.getProperty("ssse3")).toBe(true);
    expect(cpu.getProperty("sse2")).toBe(false);
    expect(cpu.getProperty("sse3")).toBe(true); // alias of pni
  });

  it("the legacy form wins over feat=on whatever the order", () => {
    const { cpu, warned } = boot("qemu64,-x2apic,x2apic=on");
    expect(cpu.getProperty("x2apic")).toBe(false);
    // The ambiguity warnings are the parser's; realize adds none.
    expect(warned).toEqual([]);
  });

  it("key=value items are global properties of the model's type", () => {
    const { cpu } = boot("qemu64,level=5,model-id=Test CPU,vendor=GenuineIntel,sse4_1=on");
    expect(cpu.getProperty("level")).toBe(5);
    expect(cpu.getProperty("model-id")).toBe("Test CPU");
    expect(cpu.getProperty("vendor")).toBe("GenuineIntel");
    expect(cpu.getProperty("sse4.1")).toBe(true);
  });

  it("globals apply only to CPUs whose type casts to the driver", () => {
    const world = cpuTestWorld({}, "qemu64-x86_64-cpu");
    x86CpusInit(world.machine, {
      globals: [
        { driver: "x86_64-cpu", property: "xlevel", value: "0x80000008" },
        { driver: "phenom-x86_64-cpu", property: "level", value: "nonsense" },
      ],
    });
    const cpu = world.types.rootObject!.resolveComponent("machine")!.resolveComponent("unattached")!.resolveComponent("device[0]")!;
    expect(cpu.getProperty("xlevel")).toBe(0x80000008);
  });
});

describe("errors and warnings", () => {
  const globalsCases: Array<[string, string]> = [
    ["qemu64,level=foo", "can't apply global qemu64-x86_64-cpu.level=foo: Parameter 'level' expects uint64"],
    ["qemu64,foo=1", "can't apply global qemu64-x86_64-cpu.foo=1: Property 'qemu64-x86_64-cpu.foo' not found"],
    ["qemu64,family=300", "can't apply global qemu64-x86_64-cpu.family=300: Property .family doesn't take value 300 (minimum: 0, maximum: 270)"],
    ["qemu64,vendor=abc", "can't apply global qemu64-x86_64-cpu.vendor=abc: Property '.vendor' doesn't take value 'abc'"],
    ["qemu64,sse3=x", "can't apply global qemu64-x86_64-cpu.sse3=x: Parameter 'sse3' expects 'on' or 'off'"],
    ["qemu64,hv-apicv=x", "can't apply global qemu64-x86_64-cpu.hv-apicv=x: Parameter 'hv-apicv' expects 'on' or 'off'"],
    ["qemu64,lbr-fmt=0x1ff", "can't apply global qemu64-x86_64-cpu.lbr-fmt=0x1ff: Property value for 'lbr-fmt' has bits outside mask '0x3f'"],
    ["qemu64,migratable=on", "can't apply global qemu64-x86_64-cpu.migratable=on: Property 'qemu64-x86_64-cpu.migratable' not found"],
    ["max,migratable=x", "can't apply global max-x86_64-cpu.migratable=x: Parameter 'migratable' expects 'on' or 'off'"],
    ["qemu64,hv-no-nonarch-coresharing=x", "can't apply global qemu64-x86_64-cpu.hv-no-nonarch-coresharing=x: Parameter 'hv-no-nonarch-coresharing' does not accept value 'x'"],
    ["qemu64,start-powered-off=x", "can't apply global qemu64-x86_64-cpu.start-powered-off=x: Parameter 'start-powered-off' expects 'on' or 'off'"],
    ["qemu64,crash-information=x", "can't apply global qemu64-x86_64-cpu.crash-information=x: Property 'qemu64-x86_64-cpu.crash-information' is not writable"],
    ["qemu64,legacy-memory=x", "can't apply global qemu64-x86_64-cpu.legacy-memory=x: Property 'qemu64-x86_64-cpu.legacy-memory' is not writable"],
    ["qemu64,feature-words=1", "can't apply global qemu64-x86_64-cpu.feature-words=1: Property 'qemu64-x86_64-cpu.feature-words' is not writable"],
    ["qemu64,lapic=1", "can't apply global qemu64-x86_64-cpu.lapic=1: Property 'qemu64-x86_64-cpu.lapic' not found"],
    ["qemu64,memory=/machine", "can't apply global qemu64-x86_64-cpu.memory=/machine: Invalid parameter type for 'memory', expected: memory-region"],
    ["qemu64,apic-id=x", "can't apply global qemu64-x86_64-cpu.apic-id=x: Parameter 'apic-id' expects uint64"],
  ];
  for (const [option, message] of globalsCases) {
    it(`-cpu ${option}: ${message.slice(message.lastIndexOf(": ") + 2)}`, () => {
      expect(errorOf(() => boot(option))).toBe(message);
    });
  }

  it("realize errors are QEMU's and leave no device behind", () => {
    expect(errorOf(() => boot("qemu64,-sse2,+avx512f,enforce"))).toBe("TCG doesn't support requested features");
    expect(errorOf(() => boot("qemu64,phys-bits=20"))).toBe("phys-bits should be between 32 and 52  (but is 20)");
    expect(errorOf(() => boot("qemu64,legacy-cache=off"))).toBe("CPU model 'qemu64' doesn't support legacy-cache=off");
    expect(errorOf(() => boot("host"))).toBe("CPU model 'host' requires KVM or HVF");
    const world = cpuTestWorld();
    x86CpuSettings(world.types).plus = ["avx512f"];
    world.machine.cpuType = "qemu64-x86_64-cpu";
    const cpu = objectNew<X86CPU>(world.types, "qemu64-x86_64-cpu");
    cpu.parseProperty("enforce", "on");
    cpu.setPropertyJson("apic-id", 0);
    expect(errorOf(() => qdevRealize(cpu))).toBe("TCG doesn't support requested features");
    expect(cpu.parent).toBeUndefined();
    expect(cpu.realized).toBe(false);
    cpu.unref();
  });

  it("an unset apic-id fails realize with QEMU's text", () => {
    const world = cpuTestWorld();
    const cpu = objectNew<X86CPU>(world.types, "qemu64-x86_64-cpu");
    expect(errorOf(() => qdevRealize(cpu))).toBe("apic-id property was not initialized properly");
    cpu.unref();
  });

  it("warnings go to the sink, once per CPU; the AMD hyperthreading one once per machine", () => {
    const a = boot("qemu64,+avx512f", { cpus: 2 });
    expect(a.warned).toEqual([
      "TCG doesn't support requested feature: CPUID.07H:EBX.avx512f [bit 16]",
      "TCG doesn't support requested feature: CPUID.07H:EBX.avx512f [bit 16]",
    ]);
    expect(boot("qemu64,check=off,+avx512f").warned).toEqual([]);
    const b = boot("phenom", { cpus: 2, cores: 1, threads: 2 });
    expect(b.warned).toEqual([
      "TCG doesn't support requested feature: CPUID.80000001H:EDX.fxsr-opt [bit 25]",
      "This family of AMD CPU doesn't support hyperthreading(2)",
      "TCG doesn't support requested feature: CPUID.80000001H:EDX.fxsr-opt [bit 25]",
    ]);
    expect(b.printed).toEqual(["Please configure -smp options properly or try enabling topoext feature.\n"]);
  });
});

describe("qom-set on a realized CPU (strict JSON, QEMU's texts)", () => {
  const cases: Array<[string, JsonValue, string | undefined]> = [
    ["level", "x", "Attempt to set property 'level' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["level", 5, "Attempt to set property 'level' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["sse2", true, "Attempt to set property 'sse2' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["sse3", false, "Attempt to set property 'pni' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["xd", true, "Attempt to set property 'nx' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["hv-apicv", true, "Attempt to set property 'hv-avic' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["lbr_fmt", 5, "Attempt to set property 'lbr-fmt' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["hv-no-nonarch-coresharing", "maybe", "Attempt to set property 'hv-no-nonarch-coresharing' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["hv-vendor-id", 1, "Attempt to set property 'hv-vendor-id' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["apic-id", 4, "Attempt to set property 'apic-id' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["check", "on", "Attempt to set property 'check' on anonymous device (type 'qemu64-x86_64-cpu') after it was realized"],
    ["vendor", 5, "Invalid parameter type for 'vendor', expected: string"],
    ["vendor", "GenuineIntel", undefined],
    ["family", "5", "Invalid parameter type for 'family', expected: integer"],
    ["family", -1, "Property .family doesn't take value -1 (minimum: 0, maximum: 270)"],
    ["family", 5, undefined],
    ["stepping", 16, "Property .stepping doesn't take value 16 (minimum: 0, maximum: 15)"],
    ["model", 256, "Property .model doesn't take value 256 (minimum: 0, maximum: 255)"],
    ["model-id", "x", undefined],
    ["tsc-frequency", -5, "Property .tsc-frequency doesn't take value -5 (minimum: 0, maximum: 9223372036854775807)"],
    ["tsc-frequency", 1000, undefined],
    ["start-powered-off", "x", "Invalid parameter type for 'start-powered-off', expected: boolean"],
    ["start-powered-off", true, undefined],
    ["memory", "/machine/unattached/system[0]", "Attempt to set link property 'memory' on device '(null)' (type 'qemu64-x86_64-cpu') after it was realized"],
    ["memory", "", "Attempt to set link property 'memory' on device '(null)' (type 'qemu64-x86_64-cpu') after it was realized"],
    ["legacy-memory", "x", "Property 'qemu64-x86_64-cpu.legacy-memory' is not writable"],
    ["feature-words", [], "Property 'qemu64-x86_64-cpu.feature-words' is not writable"],
    ["crash-information", {}, "Property 'qemu64-x86_64-cpu.crash-information' is not writable"],
    ["type", "x", "Property 'qemu64-x86_64-cpu.type' is not writable"],
    ["migratable", true, "Property 'qemu64-x86_64-cpu.migratable' not found"],
  ];
  for (const [name, value, message] of cases) {
    it(`${name} = ${JSON.stringify(value)}`, () => {
      const { cpu } = boot();
      expect(errorOf(() => cpu.setPropertyJson(name, value))).toBe(message);
    });
  }

  it("settable properties read back what was set", () => {
    const { cpu } = boot();
    cpu.setPropertyJson("vendor", "GenuineIntel");
    cpu.setPropertyJson("family", 5);
    cpu.setPropertyJson("tsc-frequency", 1000);
    cpu.setPropertyJson("start-powered-off", true);
    expect([cpu.getProperty("vendor"), cpu.getProperty("family"), cpu.getProperty("tsc-frequency")]).toEqual(["GenuineIntel", 5, 1000]);
    expect(cpu.getProperty("start-powered-off")).toBe(true);
  });

  it("type errors before realize name the property the caller used, as QEMU's visitors do", () => {
    const world = cpuTestWorld();
    const cpu = objectNew<X86CPU>(world.types, "qemu64-x86_64-cpu");
    expect(errorOf(() => cpu.setPropertyJson("sse3", "x"))).toBe("Invalid parameter type for 'sse3', expected: boolean");
    expect(errorOf(() => cpu.setPropertyJson("hv-apicv", "x"))).toBe("Invalid parameter type for 'hv-apicv', expected: boolean");
    expect(errorOf(() => cpu.setPropertyJson("pni", "x"))).toBe("Invalid parameter type for 'pni', expected: boolean");
    expect(errorOf(() => cpu.setPropertyJson("lbr-fmt", 511))).toBe("Property value for 'lbr-fmt' has bits outside mask '0x3f'");
    expect(errorOf(() => cpu.setPropertyJson("apic-id", true))).toBe("Parameter 'apic-id' expects uint64");
    expect(errorOf(() => cpu.setPropertyJson("level", "x"))).toBe("Parameter 'level' expects uint64");
    cpu.setPropertyJson("sse3", false);
    expect(cpu.getProperty("pni")).toBe(false);
    cpu.setPropertyJson("lbr_fmt", 5);
    expect(cpu.getProperty("lbr-fmt")).toBe(5);
    cpu.unref();
  });

  it("unrealize drops the lapic and lets properties change again", () => {
    const { cpu } = boot();
    cpu.setPropertyJson("realized", false);
    expect(errorOf(() => cpu.getProperty("lapic"))).toBe("Property 'qemu64-x86_64-cpu.lapic' not found");
    cpu.setPropertyJson("level", 5);
    cpu.setPropertyJson("sse2", false);
    expect([cpu.getProperty("level"), cpu.getProperty("sse2")]).toEqual([5, false]);
  });

  it("crash-information reports QEMU's texts and the information once a crash happened", () => {
    const { cpu } = boot();
    expect(errorOf(() => cpu.getProperty("crash-information"))).toBe("No crash occurred");
    cpu.crashOccurred = true;
    expect(errorOf(() => cpu.getProperty("crash-information"))).toBe("No crash information");
    cpu.crashInformation = { type: "hyper-v", arg1: 1, arg2: 2, arg3: 3, arg4: 4, arg5: 5 };
    expect(cpu.getProperty("crash-information")).toEqual(cpu.crashInformation);
  });
});

describe("x86CpuNew", () => {
  it("creates the machine's CPU type at /machine/unattached/device[N]", () => {
    const world = cpuTestWorld({ cpus: 1, maxCpus: 2 });
    x86CpusInit(world.machine);
    const second = x86CpuNew(world.machine, 1);
    expect(second.canonicalPath).toBe("/machine/unattached/device[2]");
    expect(second.getProperty("core-id")).toBe(1);
    expect(second.refCount).toBe(1);
  });
});
