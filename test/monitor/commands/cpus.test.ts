/**
 * query-cpus-fast, query-hotpluggable-cpus and HMP `info cpus` against what
 * QEMU 7.2 answers for `-M pc -S -nodefaults -smp 2,maxcpus=4,sockets=2,cores=2`
 * (thread ids differ by nature: qomd reports the host thread that created
 * the CPU, this test's thread).
 */
import { readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testMachine } from "../machine-fixture.js";

const SMP = ["-M", "pc", "-S", "-nodefaults", "-smp", "2,maxcpus=4,sockets=2,cores=2"];
const tid = Number(/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"))![1]);

describe("CPU queries", () => {
  it("query-cpus-fast lists the realized CPUs with their topology", async () => {
    const m = await testMachine(SMP);
    expect(m.run("query-cpus-fast")).toEqual([
      { "thread-id": tid, props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "qom-path": "/machine/unattached/device[0]", "cpu-index": 0, target: "x86_64" },
      { "thread-id": tid, props: { "core-id": 1, "thread-id": 0, "socket-id": 0 }, "qom-path": "/machine/unattached/device[2]", "cpu-index": 1, target: "x86_64" },
    ]);
  });

  it("query-hotpluggable-cpus lists every slot, last first, with the plugged CPUs' paths", async () => {
    const m = await testMachine(SMP);
    expect(m.run("query-hotpluggable-cpus")).toEqual([
      { props: { "core-id": 1, "thread-id": 0, "socket-id": 1 }, "vcpus-count": 1, type: "qemu64-x86_64-cpu" },
      { props: { "core-id": 0, "thread-id": 0, "socket-id": 1 }, "vcpus-count": 1, type: "qemu64-x86_64-cpu" },
      { props: { "core-id": 1, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, "qom-path": "/machine/unattached/device[2]", type: "qemu64-x86_64-cpu" },
      { props: { "core-id": 0, "thread-id": 0, "socket-id": 0 }, "vcpus-count": 1, "qom-path": "/machine/unattached/device[0]", type: "qemu64-x86_64-cpu" },
    ]);
  });

  it("-M none: no CPUs, and QEMU's error for hotpluggable CPUs", async () => {
    const m = await testMachine(["-M", "none", "-S", "-nodefaults"]);
    expect(m.run("query-cpus-fast")).toEqual([]);
    expect(m.fail("query-hotpluggable-cpus")).toEqual({ class: "GenericError", desc: "The feature 'query-hotpluggable-cpus' is not enabled" });
    expect(m.fail("human-monitor-command", { "command-line": "info cpus", "cpu-index": 0 }).desc).toBe("Parameter 'cpu-index' expects a CPU number");
  });

  it("info cpus marks the monitor's current CPU (cpu-index), the first by default", async () => {
    const m = await testMachine(SMP);
    expect(m.run("human-monitor-command", { "command-line": "info cpus" })).toBe(`* CPU #0: thread_id=${tid}\r\n  CPU #1: thread_id=${tid}\r\n`);
    expect(m.run("human-monitor-command", { "command-line": "info cpus", "cpu-index": 1 })).toBe(`  CPU #0: thread_id=${tid}\r\n* CPU #1: thread_id=${tid}\r\n`);
    expect(m.fail("human-monitor-command", { "command-line": "info cpus", "cpu-index": 2 }).desc).toBe("Parameter 'cpu-index' expects a CPU number");
  });
});
