/**
 * The vCPU loop and run control on real PC machines in this process, through the same
 * MachineRuntime the daemon's workers and `qomd run` use: guests from test/guests run, stop,
 * continue, reset (by QMP and by themselves) and end, with QEMU's events and run states.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadMachineBuilder } from "../../src/daemon/machine-builder.js";
import { MachineRuntime } from "../../src/daemon/machine-runtime.js";
import type { QmpEvent } from "../../src/monitor/events.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf } from "../../src/util/qemu-timer.js";

const GUESTS = join(import.meta.dirname, "../guests");

interface Running {
  runtime: MachineRuntime;
  events: QmpEvent[];
  exits: Array<number | undefined>;
  cmd(command: string, args?: Record<string, unknown>): unknown;
}

const live: MachineRuntime[] = [];
let dir: string | undefined;

afterEach(() => {
  for (const r of live.splice(0)) r.runControl.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function boot(argv: string[]): Promise<Running> {
  const builder = await loadMachineBuilder();
  const instance = await builder.createMachine(["-M", "pc", "-nodefaults", "-display", "none", ...argv], { prog: "qemu-system-x86_64" });
  const events: QmpEvent[] = [];
  const exits: Array<number | undefined> = [];
  const runtime = new MachineRuntime(instance, {
    onEvent: (e) => events.push(e),
    onExit: (status) => exits.push(status),
    deviceAdd: () => {},
  });
  live.push(runtime);
  runtime.start();
  return {
    runtime,
    events,
    exits,
    cmd(command, args = {}) {
      const r = runtime.execute(command, args as never);
      runtime.flushAfterReply();
      if (!r.ok) throw new Error(`${r.error.wire.class}: ${r.error.wire.desc}`);
      return r.value;
    },
  };
}

/** Lets the event loop (and so the vCPU loop) turn until `pred` holds; fails after a generous bound. */
async function until(pred: () => boolean, what: string, boundMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!pred()) {
    if (Date.now() - start > boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const names = (events: QmpEvent[]) => events.map((e) => e.event);
const executed = (m: Running) => m.runtime.runControl.loop.executed;

describe("vCPU loop", () => {
  it("runs a firmware image to isa-debug-exit: COM1 output, then the exit status (val << 1) | 1", async () => {
    dir = mkdtempSync(join(tmpdir(), "qomd-cpus-"));
    const serial = join(dir, "serial.txt");
    const m = await boot(["-bios", join(GUESTS, "hello-bios.bin"), "-serial", `file:${serial}`, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    await until(() => m.exits.length > 0, "the guest to exit");
    expect(m.exits).toEqual([0x43]);
    expect(readFileSync(serial, "latin1")).toBe("qomd guest: hello from the firmware\r\n");
    // QEMU exits without an event.
    expect(names(m.events)).toEqual([]);
  });

  it("-S: prelaunch, nothing runs until cont; stop freezes the guest and the virtual clock", async () => {
    const m = await boot(["-S", "-bios", join(GUESTS, "jmp-bios.bin")]);
    const clocks = qemuClocksOf(m.runtime.registry);
    await new Promise((r) => setTimeout(r, 20));
    expect(executed(m)).toBe(0);
    expect(m.cmd("query-status")).toEqual({ running: false, singlestep: false, status: "prelaunch" });
    m.cmd("cont");
    expect(names(m.events)).toEqual(["RESUME"]);
    await until(() => executed(m) > 100_000, "the guest to run");
    m.cmd("stop");
    expect(names(m.events)).toEqual(["RESUME", "STOP"]);
    const atStop = executed(m);
    const clockAtStop = clocks.getNs(QEMU_CLOCK_VIRTUAL);
    await new Promise((r) => setTimeout(r, 30));
    expect(executed(m)).toBe(atStop);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(clockAtStop);
    expect(m.cmd("query-status")).toEqual({ running: false, singlestep: false, status: "paused" });
    // The guest is where `jmp $` (after its `cli`) keeps it.
    const s = m.runtime.runControl.vcpus[0]!.vcpu.getState();
    expect([s.cs.selector, s.eip]).toEqual([0xf000, 1]);
    m.cmd("cont");
    await until(() => executed(m) > atStop, "the guest to run again");
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBeGreaterThan(clockAtStop);
  });

  it("system_reset on a running guest: RESET (host), CPU at the reset vector, still running", async () => {
    const m = await boot(["-bios", join(GUESTS, "jmp-bios.bin")]);
    await until(() => executed(m) > 0, "the guest to run");
    m.cmd("system_reset");
    expect(m.events.map((e) => [e.event, e["data"]])).toEqual([["RESET", { guest: false, reason: "host-qmp-system-reset" }]]);
    const s = m.runtime.runControl.vcpus[0]!.vcpu.getState();
    expect([s.cs.selector, s.cs.base, s.eip]).toEqual([0xf000, 0xffff0000, 0xfff0]);
    expect(m.cmd("query-status")).toEqual({ running: true, singlestep: false, status: "running" });
    const before = executed(m);
    await until(() => executed(m) > before, "the guest to run after the reset");
  });

  it("quit: SHUTDOWN (host-qmp-quit) and the vCPUs stop for good", async () => {
    const m = await boot(["-bios", join(GUESTS, "jmp-bios.bin")]);
    await until(() => executed(m) > 0, "the guest to run");
    m.cmd("quit");
    expect(m.events.map((e) => [e.event, e["data"]])).toEqual([["SHUTDOWN", { guest: false, reason: "host-qmp-quit" }]]);
    expect(m.exits).toEqual([undefined]);
    const after = executed(m);
    await new Promise((r) => setTimeout(r, 30));
    expect(executed(m)).toBe(after);
  });

  it("a halted guest idles: no instructions while it waits in HLT with interrupts off", async () => {
    // Without isa-debug-exit the hello guest ends in `hlt` with interrupts disabled.
    const m = await boot(["-bios", join(GUESTS, "hello-bios.bin")]);
    await until(() => m.runtime.runControl.vcpus[0]!.vcpu.getState().halted, "the guest to halt");
    const n = executed(m);
    await new Promise((r) => setTimeout(r, 50));
    expect(executed(m)).toBe(n);
    expect(m.runtime.instance.runState).toBe("running");
  });

  for (const how of ["cf9", "port92", "kbd", "triple"]) {
    it(`guest reset through ${how}: RESET {guest: true, reason: guest-reset}, the firmware starts again`, async () => {
      const m = await boot(["-bios", join(GUESTS, `reset-${how}-bios.bin`)]);
      await until(() => m.events.length >= 2, "two guest resets");
      for (const e of m.events.slice(0, 2)) expect([e.event, e["data"]]).toEqual(["RESET", { guest: true, reason: "guest-reset" }]);
      expect(m.exits).toEqual([]);
    });
  }

  it("-no-reboot: a guest reset is a shutdown (SHUTDOWN guest-reset) and the machine ends", async () => {
    const m = await boot(["-bios", join(GUESTS, "reset-cf9-bios.bin"), "-no-reboot"]);
    await until(() => m.exits.length > 0, "the machine to end");
    expect(m.events.map((e) => [e.event, e["data"]])).toEqual([["SHUTDOWN", { guest: true, reason: "guest-reset" }]]);
    expect(m.exits).toEqual([0]);
    expect(m.runtime.instance.runState).toBe("shutdown");
  });

  it("-no-reboot -no-shutdown: SHUTDOWN, then STOP in state shutdown; cont needs a reset first", async () => {
    const m = await boot(["-bios", join(GUESTS, "reset-triple-bios.bin"), "-no-reboot", "-no-shutdown"]);
    await until(() => m.events.length >= 2, "SHUTDOWN and STOP");
    expect(m.events.map((e) => [e.event, e["data"]])).toEqual([
      ["SHUTDOWN", { guest: true, reason: "guest-reset" }],
      ["STOP", undefined],
    ]);
    expect(m.exits).toEqual([]);
    expect(m.cmd("query-status")).toEqual({ running: false, singlestep: false, status: "shutdown" });
    expect(() => m.cmd("cont")).toThrow("GenericError: Resetting the Virtual Machine is required");
    m.cmd("system_reset");
    expect(m.cmd("query-status")).toEqual({ running: false, singlestep: false, status: "prelaunch" });
    m.cmd("cont");
    await until(() => m.events.filter((e) => e.event === "SHUTDOWN").length === 2, "the guest to shut down again");
  });
});
