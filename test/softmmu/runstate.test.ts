/**
 * Run-control pieces that need no guest code: system_powerdown pressing the ACPI power button
 * of the PIIX4 PM (QEMU's powerdown notifiers), guest shutdown through ACPI sleep type S5, and
 * the -action/-no-reboot/-no-shutdown settings.
 */
import { describe, expect, it } from "vitest";
import { loadMachineBuilder } from "../../src/daemon/machine-builder.js";
import { MachineRuntime } from "../../src/daemon/machine-runtime.js";
import { addressSpaceIo } from "../../src/exec/memory.js";
import { cpuLoad, cpuStore } from "../../src/accel/tcg/tcg-bus.js";
import type { QmpEvent } from "../../src/monitor/events.js";
import { runActionsOf } from "../../src/softmmu/runstate.js";

async function pc(extra: string[] = []) {
  const builder = await loadMachineBuilder();
  const instance = await builder.createMachine(["-M", "pc", "-S", "-nodefaults", ...extra], { prog: "qemu-system-x86_64" });
  const events: QmpEvent[] = [];
  const exits: Array<number | undefined> = [];
  const runtime = new MachineRuntime(instance, { onEvent: (e) => events.push(e), onExit: (s) => exits.push(s), deviceAdd: () => {} });
  const io = addressSpaceIo(instance.registry);
  // Place the PM block at 0x600 and enable it (PIIX4 PM is 00:01.3: PMBA at 0x40, PMREGMISC at 0x80).
  const cfg = (reg: number, v: number, size: 1 | 4) => {
    cpuStore(io, 0xcf8, (0x80000000 | (1 << 11) | (3 << 8) | (reg & 0xfc)) >>> 0, 4);
    cpuStore(io, 0xcfc + (reg & 3), v, size);
  };
  cfg(0x40, 0x601, 4);
  cfg(0x80, 1, 1);
  return { runtime, events, exits, io, inw: (p: number) => cpuLoad(io, p, 2), outw: (p: number, v: number) => cpuStore(io, p, v, 2) };
}

describe("run control", () => {
  it("system_powerdown: POWERDOWN, and the PIIX4 PM's power button status when the guest enabled it", async () => {
    const m = await pc();
    m.outw(0x602, 1 << 8); // PM1 enable: power button
    const r = m.runtime.execute("system_powerdown", {});
    expect(r.ok).toBe(true);
    expect(m.events.map((e) => e.event)).toEqual(["POWERDOWN"]);
    expect(m.inw(0x600) & (1 << 8)).toBe(1 << 8);
    m.runtime.runControl.close();
  });

  it("the guest writes SLP_TYP=S5 with SLP_EN: SHUTDOWN {guest: true, reason: guest-shutdown} and the machine ends", async () => {
    const m = await pc();
    m.outw(0x604, (0 << 10) | (1 << 13));
    expect(m.events.map((e) => [e.event, e["data"]])).toEqual([["SHUTDOWN", { guest: true, reason: "guest-shutdown" }]]);
    expect(m.exits).toEqual([0]);
  });

  it("-no-shutdown: the guest's power-off pauses a running machine in state shutdown", async () => {
    const m = await pc(["-no-shutdown"]);
    m.runtime.execute("cont", {});
    m.outw(0x604, 1 << 13);
    expect(m.events.map((e) => e.event)).toEqual(["RESUME", "SHUTDOWN", "STOP"]);
    expect(m.runtime.instance.runState).toBe("shutdown");
    expect(m.exits).toEqual([]);
    m.runtime.runControl.close();
  });

  it("-no-reboot and -no-shutdown are -action reboot=shutdown and shutdown=pause", async () => {
    const builder = await loadMachineBuilder();
    const a = await builder.createMachine(["-M", "none", "-S", "-no-reboot", "-no-shutdown"], { prog: "qemu-system-x86_64" });
    expect(runActionsOf(a.cmdline)).toEqual({ reboot: "shutdown", shutdown: "pause" });
    const b = await builder.createMachine(["-M", "none", "-S"], { prog: "qemu-system-x86_64" });
    expect(runActionsOf(b.cmdline)).toEqual({ reboot: "reset", shutdown: "poweroff" });
  });
});
