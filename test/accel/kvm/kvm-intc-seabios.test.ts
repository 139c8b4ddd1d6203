/**
 * Debian's SeaBIOS on `qomd run -accel kvm` to "No bootable device.", then the in-kernel chips
 * as QEMU 7.2 shows them there (test/fixtures/qemu-7.2/intc/pc-kvm-seabios.*, same command line
 * and moment), system_reset putting the kernel's chips back to QEMU's reset state, and SeaBIOS
 * booting again after it. Skips without /dev/kvm, the addon, or the seabios package.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, startProcess, tempDir, type LineReader, type ProcessHandle } from "../../integration/helpers.js";
import { lapicTextFor, picSections, withoutPitTick } from "../../monitor/hmp/intc-text.js";
import { kvmSkipReason } from "./guest-harness.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const skip = kvmSkipReason() ?? (existsSync(SEABIOS) ? undefined : `Debian's seabios package is not installed (${SEABIOS})`);
if (skip) console.warn(`test/accel/kvm/kvm-intc-seabios.test.ts skipped: ${skip}`);

const capture = (name: string) => readFileSync(new URL(`../../fixtures/qemu-7.2/intc/${name}.txt`, import.meta.url), "utf8");

let dir: string | undefined;
let proc: ProcessHandle | undefined;
afterEach(() => {
  proc?.child.kill("SIGKILL");
  proc = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

async function until(pred: () => boolean, what: string, p: ProcessHandle, boundMs = 60_000): Promise<void> {
  let exited = false;
  void p.exited.then(() => (exited = true));
  for (const start = Date.now(); !pred(); await new Promise((r) => setTimeout(r, 10))) {
    if (exited) throw new Error(`qomd exited while waiting for ${what}: ${p.stderr}`);
    if (Date.now() - start > boundMs) throw new Error(`timed out waiting for ${what}`);
  }
}

async function connect(path: string, p: ProcessHandle): Promise<LineReader> {
  for (const start = Date.now(); ; await new Promise((r) => setTimeout(r, 10))) {
    try {
      return await qmpConnect(path);
    } catch {
      if (Date.now() - start > 30_000) throw new Error(`no QMP socket: ${p.stderr}`);
    }
  }
}

describe.skipIf(skip !== undefined)(`SeaBIOS on kvm and the in-kernel chips${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("after SeaBIOS, info pic/irq/lapic are QEMU's; system_reset resets the kernel's chips and SeaBIOS runs again", async () => {
    dir = tempDir("qomd-kvm-intc-");
    const sock = join(dir, "qmp.sock");
    const log = join(dir, "debugcon.log");
    proc = startProcess(["run", "-M", "pc", "-accel", "kvm", "-nodefaults", "-display", "none",
      "-chardev", `file,path=${log},id=dbg`, "-device", "isa-debugcon,iobase=0x402,chardev=dbg", "-qmp", `unix:${sock},server=on,wait=off`]);
    const q = await connect(sock, proc);
    const booted = (times: number) => existsSync(log) && readFileSync(log, "latin1").split("No bootable device.").length > times;
    const hmp = async (line: string) => ((await q.cmd("human-monitor-command", { "command-line": line })) as { return: string }).return;

    await until(() => booted(1), "No bootable device.", proc);
    // As the capture: SeaBIOS settles in its wait loop, out of any interrupt handler, then stop.
    await new Promise((r) => setTimeout(r, 500));
    await q.cmd("stop");
    const pic = picSections(withoutPitTick(await hmp("info pic"))).sort();
    expect(pic).toEqual(picSections(withoutPitTick(capture("pc-kvm-seabios.info-pic"))).sort());
    expect((await hmp("info irq")).split(/(?=IRQ statistics)/).sort()).toEqual(capture("pc-kvm-seabios.info-irq").split(/(?=IRQ statistics)/).sort());
    expect(await hmp("info lapic")).toBe(capture("pc-kvm-seabios.info-lapic"));

    await q.cmd("system_reset");
    const x2apic = ((await q.cmd("qom-get", { path: "/machine/unattached/device[0]", property: "x2apic" })) as { return: boolean }).return;
    expect(await hmp("info lapic")).toBe(lapicTextFor(capture("pc-kvm-reset.info-lapic"), x2apic));
    expect(picSections(withoutPitTick(await hmp("info pic"))).sort()).toEqual(picSections(capture("pc-kvm-reset.info-pic")).sort());

    await q.cmd("cont");
    await until(() => booted(2), "No bootable device. after system_reset", proc);
    await new Promise((r) => setTimeout(r, 500));
    await q.cmd("stop");
    expect(await hmp("info lapic")).toBe(capture("pc-kvm-seabios.info-lapic"));
    await q.cmd("quit");
    await proc.exited;
  }, 120_000);
});
