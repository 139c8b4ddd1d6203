/**
 * Debian's SeaBIOS on `-M pc -nodefaults -accel kvm`: its debug log equals the one real QEMU 7.2
 * printed on KVM (test/fixtures/qemu-7.2/seabios/pc-nodefaults-kvm.debugcon.json, made by
 * kvm-debugcon.capture.py beside it) line for line: KVM's own lines (kvmclock, the reserved
 * identity-map pages in the e820 map) and the firmware tables included. The log depends on the
 * host CPU (its vendor shapes the e820 map, its TSC the "CPU Mhz" line), so the comparison runs
 * only on the CPU and KVM module the capture recorded.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { MachineRuntime } from "../../../src/daemon/machine-runtime.js";
import { loadMachineBuilder } from "../../../src/daemon/machine-builder.js";
import { hostMismatch, type RecordedHost } from "../../helpers/host-cpu.js";
import { kvmSkipReason } from "./guest-harness.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const capture = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/qemu-7.2/seabios/pc-nodefaults-kvm.debugcon.json"), "utf8"),
) as { argv: string[]; host: RecordedHost; log: string };

const skip = kvmSkipReason() ?? (existsSync(SEABIOS) ? undefined : `${SEABIOS} is missing (apt-get install seabios)`) ?? hostMismatch(capture.host);
if (skip) console.warn(`test/accel/kvm/kvm-seabios-qemu.test.ts skipped: ${skip}`);

let dir: string | undefined;
let rt: MachineRuntime | undefined;
afterEach(() => {
  rt?.runControl.close();
  rt = undefined;
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe.skipIf(skip !== undefined)(`SeaBIOS on kvm against QEMU 7.2 on kvm${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("the debug log to 'No bootable device.' is QEMU's, line for line", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-seabios-"));
    const log = join(dir, "debugcon.log");
    const builder = await loadMachineBuilder();
    const instance = await builder.createMachine(
      [...capture.argv, "-chardev", `file,id=d,path=${log}`, "-device", "isa-debugcon,iobase=0x402,chardev=d"],
      { prog: "qemu-system-x86_64" },
    );
    rt = new MachineRuntime(instance, { onEvent: () => {}, onExit: () => {}, deviceAdd: () => {} });
    rt.start();
    const text = () => (existsSync(log) ? readFileSync(log, "latin1") : "");
    for (const start = Date.now(); !text().includes("No bootable device.\n"); ) {
      if (Date.now() - start > 90_000) throw new Error(`no "No bootable device." after 90 s:\n${text()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const upTo = (s: string) => s.slice(0, s.indexOf("No bootable device.\n")).split("\n");
    expect(upTo(text())).toEqual(upTo(capture.log));
  }, 120_000);
});
