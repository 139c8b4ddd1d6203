import { describe, expect, it } from "vitest";
import {
  hmpInfoCpus,
  queryCpusFast,
  queryHotpluggableCpus,
  x86ApicIdFromTopoIds,
  x86BootCpus,
  x86CpuPlug,
  x86CpuPrePlug,
  x86CpuUnplugRequestCheck,
  x86CpusInit,
  x86PossibleCpuArchIds,
  x86TopoIdsFromApicId,
} from "../../../src/hw/i386/x86-cpu.js";
import { cpuList } from "../../../src/hw/core/cpu.js";
import { qdevRealize } from "../../../src/hw/core/qdev-realize.js";
import type { JsonValue } from "../../../src/qobject/json-value.js";
import { QomError } from "../../../src/qom/error.js";
import { objectNew } from "../../../src/qom/object.js";
import { parseX86CpuOption } from "../../../src/target/i386/cpu-parse.js";
import type { X86CPU } from "../../../src/target/i386/cpu.js";
import { captured, cpuTestWorld, type CpuTestWorld } from "../../target/i386/cpu-test-world.js";

function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof QomError) return err.message;
    throw err;
  }
  return undefined;
}

/** Boots the CPUs; thread ids are set to 0 as in the scrubbed captures. */
function bootCpus(smp: Parameters<typeof cpuTestWorld>[0], option = "qemu64"): CpuTestWorld & { cpus: X86CPU[] } {
  const parsed = parseX86CpuOption(option);
  const world = cpuTestWorld(smp, parsed.typeName);
  const { cpus } = x86CpusInit(world.machine, { cpuOption: parsed, warnings: world.sink });
  for (const cpu of cpus) cpu.threadId = 0;
  return { ...world, cpus };
}

describe("boot CPUs and queries against QEMU 7.2", () => {
  const configs: Array<[string, Parameters<typeof cpuTestWorld>[0], string]> = [
    ["pc-smp2-maxcpus4", { cpus: 2, maxCpus: 4 }, "qemu64"],
    ["pc-smp8-dies2", { cpus: 8, sockets: 2, dies: 2, cores: 2, threads: 1 }, "Skylake-Server"],
    ["pc-smp6-threads2-maxcpus12", { cpus: 6, sockets: 2, cores: 3, threads: 2, maxCpus: 12 }, "qemu64"],
  ];
  for (const [config, smp, option] of configs) {
    it(`${config}: query-cpus-fast and query-hotpluggable-cpus`, () => {
      const { types, machine } = bootCpus(smp, option);
      expect(queryCpusFast(types, machine)).toEqual(captured(config, "query-cpus-fast"));
      expect(queryHotpluggableCpus(machine)).toEqual(captured(config, "query-hotpluggable-cpus"));
    });
  }

  it("pc -nodefaults: one CPU, the shapes of the pc-nodefaults captures", () => {
    const { types, machine } = bootCpus({});
    expect(queryCpusFast(types, machine)).toEqual([
      { "thread-id": 0, props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, target: "x86_64" },
    ]);
    expect(queryHotpluggableCpus(machine)).toEqual([
      { props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, "qom-path": "/machine/unattached/device[0]", type: "qemu64-x86_64-cpu" },
    ]);
    expect(hmpInfoCpus(types)).toEqual(["* CPU #0: thread_id=0"]);
  });

  it("members come in QAPI schema order (the writer orders them as QEMU's QDict would)", () => {
    const { types, machine } = bootCpus({ cpus: 8, sockets: 2, dies: 2, cores: 2, threads: 1 });
    const first = queryCpusFast(types, machine)[0]!;
    expect(Object.keys(first)).toEqual(["cpu-index", "qom-path", "thread-id", "props", "target"]);
    expect(Object.keys(first["props"] as object)).toEqual(["socket-id", "die-id", "core-id", "thread-id"]);
  });

  it("info cpus marks the monitor's current CPU", () => {
    const { types } = bootCpus({ cpus: 2, maxCpus: 4 });
    const text = captured("pc-smp2-maxcpus4", "human-monitor-command", { "command-line": "info cpus" }) as string;
    expect(hmpInfoCpus(types).map((l) => l + "\r\n").join("")).toBe(text);
    expect(hmpInfoCpus(types, 1)).toEqual(["  CPU #0: thread_id=0", "* CPU #1: thread_id=0"]);
  });

  it("APIC ids and paths follow QEMU's numbering (the first APIC brings kvmvapic as device[1])", () => {
    const { types } = bootCpus({ cpus: 8, sockets: 2, dies: 2, cores: 2, threads: 1 }, "Skylake-Server");
    const last = cpuList(types).at(-1)!;
    expect(last.canonicalPath).toBe("/machine/unattached/device[8]");
    expect(last.getProperty("apic-id")).toBe(captured("pc-smp8-dies2", "qom-get", { path: "/machine/unattached/device[8]", property: "apic-id" }));
    expect(last.getProperty("die-id")).toBe(captured("pc-smp8-dies2", "qom-get", { path: "/machine/unattached/device[8]", property: "die-id" }));
    const vapic = captured("pc-smp2-maxcpus4", "qom-get", { path: "/machine/unattached/device[1]", property: "type" });
    expect(types.rootObject!.resolveComponent("machine")!.resolveComponent("unattached")!.resolveComponent("device[1]")!.typeName).toBe(vapic);
  });

  it("reports the apic id limit and counts plugged CPUs", () => {
    const world = cpuTestWorld({ cpus: 2, sockets: 3, cores: 3, threads: 1, maxCpus: 9 });
    const { apicIdLimit } = x86CpusInit(world.machine);
    // Socket 2, core 2 is APIC id (2 << 2) | 2.
    expect(apicIdLimit).toBe(11);
    expect(x86BootCpus(world.machine)).toBe(2);
  });

  it("machines without hotpluggable CPUs refuse query-hotpluggable-cpus", () => {
    const { machine } = bootCpus({});
    machine.machineClass.hasHotpluggableCpus = false;
    expect(errorOf(() => queryHotpluggableCpus(machine))).toBe("The feature 'query-hotpluggable-cpus' is not enabled");
  });
});

describe("topology ids", () => {
  it("round-trip through APIC ids", () => {
    const topo = { dies: 2, cores: 3, threads: 2 };
    for (const index of [0, 1, 5, 6, 13, 23]) {
      const slot = x86PossibleCpuArchIds(cpuTestWorld({ cpus: 1, sockets: 2, dies: 2, cores: 3, threads: 2, maxCpus: 24 }).machine)[index]!;
      const ids = x86TopoIdsFromApicId(slot.archId, topo);
      expect(x86ApicIdFromTopoIds(ids, topo)).toBe(slot.archId);
      expect(slot.props).toEqual({ "socket-id": ids.pkgId, "die-id": ids.dieId, "core-id": ids.coreId, "thread-id": ids.smtId });
    }
  });
});

describe("pre-plug checks (device_add of a CPU)", () => {
  function world(): CpuTestWorld {
    const w = cpuTestWorld({ cpus: 1, maxCpus: 4 });
    x86CpusInit(w.machine);
    return w;
  }

  function newCpu(w: CpuTestWorld, props: Record<string, JsonValue>, type = "qemu64-x86_64-cpu"): X86CPU {
    const cpu = objectNew<X86CPU>(w.types, type);
    for (const [k, v] of Object.entries(props)) cpu.setPropertyJson(k, v);
    return cpu;
  }

  it("computes the APIC id from socket/core/thread ids and plugs the CPU in its slot", () => {
    const w = world();
    const cpu = newCpu(w, { "socket-id": 0, "core-id": 2, "thread-id": 0 });
    x86CpuPrePlug(w.machine, cpu);
    expect(cpu.getProperty("apic-id")).toBe(2);
    expect(cpu.getProperty("die-id")).toBe(0);
    expect(cpu.cpuIndex).toBe(2);
    qdevRealize(cpu);
    x86CpuPlug(w.machine, cpu);
    expect(queryHotpluggableCpus(w.machine)[1]).toEqual({
      type: "qemu64-x86_64-cpu",
      "vcpus-count": 1,
      props: { "socket-id": 0, "core-id": 2, "thread-id": 0 },
      "qom-path": cpu.canonicalPath!,
    });
    expect(cpu.getProperty("lapic")).toBe(`${cpu.canonicalPath}/lapic`);
    cpu.unref();
  });

  const cases: Array<[Record<string, JsonValue>, string, string?]> = [
    [{ "core-id": 1, "thread-id": 0 }, "CPU socket-id is not set"],
    [{ "socket-id": 1, "core-id": 1, "thread-id": 0 }, "Invalid CPU socket-id: 1 must be in range 0:0"],
    [{ "socket-id": 0, "thread-id": 0 }, "CPU core-id is not set"],
    [{ "socket-id": 0, "core-id": 4, "thread-id": 0 }, "Invalid CPU core-id: 4 must be in range 0:3"],
    [{ "socket-id": 0, "core-id": 1 }, "CPU thread-id is not set"],
    [{ "socket-id": 0, "die-id": 1, "core-id": 1, "thread-id": 0 }, "Invalid CPU die-id: 1 must be in range 0:0"],
    [{ "socket-id": 0, "core-id": 0, "thread-id": 0 }, "CPU[0] with APIC ID 0 exists"],
    [{ "apic-id": 9 }, "Invalid CPU [socket: 2, die: 0, core: 1, thread: 0] with APIC ID 9, valid index range 0:3"],
    [{ "apic-id": 1, "socket-id": 1 }, "property socket-id: 1 doesn't match set apic-id: 0x1 (socket-id: 0)"],
    [{ "apic-id": 1, "core-id": 3 }, "property core-id: 3 doesn't match set apic-id: 0x1 (core-id: 1)"],
    [{ "apic-id": 1, "node-id": 2 }, "invalid node-id, must be 0"],
    [{ "apic-id": 1 }, "Invalid CPU type, expected cpu type: 'qemu64-x86_64-cpu'", "phenom-x86_64-cpu"],
  ];
  for (const [props, message, type] of cases) {
    it(message, () => {
      const w = world();
      const cpu = newCpu(w, props, type);
      expect(errorOf(() => x86CpuPrePlug(w.machine, cpu))).toBe(message);
      cpu.unref();
    });
  }

  it("a -cpu socket-id that disagrees with the boot CPU's APIC id stops the boot", () => {
    const parsed = parseX86CpuOption("qemu64,socket-id=1");
    const w = cpuTestWorld({}, parsed.typeName);
    expect(errorOf(() => x86CpusInit(w.machine, { cpuOption: parsed }))).toBe(
      "property socket-id: 1 doesn't match set apic-id: 0x0 (socket-id: 0)",
    );
    expect(cpuList(w.types)).toEqual([]);
  });

  it("unplug needs ACPI and never takes the boot CPU", () => {
    const w = world();
    const boot = cpuList(w.types)[0] as X86CPU;
    expect(errorOf(() => x86CpuUnplugRequestCheck(w.machine, boot, false))).toBe("CPU hot unplug not supported without ACPI");
    expect(errorOf(() => x86CpuUnplugRequestCheck(w.machine, boot, true))).toBe("Boot CPU is unpluggable");
  });
});
