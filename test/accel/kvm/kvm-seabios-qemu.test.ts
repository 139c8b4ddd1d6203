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
import { hostMismatch, type RecordedHost } from "../../helpers/host-cpu.js";
import { kvmSkipReason } from "./guest-harness.js";
import { closeRunningMachines, startRunningMachine, until } from "./running-machine.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const capture = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/qemu-7.2/seabios/pc-nodefaults-kvm.debugcon.json"), "utf8"),
) as { argv: string[]; host: RecordedHost; log: string };

const skip = kvmSkipReason() ?? (existsSync(SEABIOS) ? undefined : `${SEABIOS} is missing (apt-get install seabios)`) ?? hostMismatch(capture.host);
if (skip) console.warn(`test/accel/kvm/kvm-seabios-qemu.test.ts skipped: ${skip}`);

let dir: string | undefined;
afterEach(() => {
  closeRunningMachines();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe.skipIf(skip !== undefined)(`SeaBIOS on kvm against QEMU 7.2 on kvm${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("the debug log to 'No bootable device.' is QEMU's, line for line", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-seabios-"));
    const log = join(dir, "debugcon.log");
    await startRunningMachine([...capture.argv, "-chardev", `file,id=d,path=${log}`, "-device", "isa-debugcon,iobase=0x402,chardev=d"]);
    const text = () => (existsSync(log) ? readFileSync(log, "latin1") : "");
    await until(() => text().includes("No bootable device.\n"), '"No bootable device."');
    const upTo = (s: string) => s.slice(0, s.indexOf("No bootable device.\n")).split("\n");
    expect(upTo(text())).toEqual(upTo(capture.log));
  }, 120_000);
});
