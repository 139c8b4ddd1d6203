/**
 * HMP `nmi` reaching a guest halted with interrupts off (test/guests/nmi.asm: LINT1 programmed for
 * NMI, vector 2 prints and exits 67), under tcg and under kvm in each kernel-irqchip mode: the
 * kernel's local APIC (KVM_NMI from kvm-apic), and with kernel-irqchip=off the userspace APIC's
 * NMI queued before KVM_RUN. Real QEMU 7.2 prints the same two lines and exits 67 in all four.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { kvmSkipReason } from "./guest-harness.js";
import { closeRunningMachines, startRunningMachine, until } from "./running-machine.js";

const GUEST = join(import.meta.dirname, "../../guests/nmi-bios.bin");
const skip = kvmSkipReason();
if (skip) console.warn(`test/accel/kvm/kvm-nmi.test.ts: the kvm cases are skipped: ${skip}`);

let dir: string | undefined;
afterEach(() => {
  closeRunningMachines();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

async function nmiRun(accel: string): Promise<{ exit: number | undefined; serial: string }> {
  dir = mkdtempSync(join(tmpdir(), "qomd-nmi-"));
  const serial = join(dir, "serial");
  const m = await startRunningMachine(["-M", "pc", "-nodefaults", "-display", "none", "-accel", accel, "-bios", GUEST,
    "-serial", `file:${serial}`, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
  const text = () => (existsSync(serial) ? readFileSync(serial, "latin1") : "");
  await until(() => text().includes("waiting for an NMI\r\n"), `"waiting" from the guest under ${accel}`);
  // Halted with IF clear: nothing but an NMI gets it going.
  await new Promise((r) => setTimeout(r, 50));
  expect(m.exits).toEqual([]);
  m.hmp("nmi");
  await until(() => m.exits.length > 0, `exit after the NMI under ${accel}`);
  return { exit: m.exits[0], serial: text() };
}

const WANT = { exit: 67, serial: "qomd guest: waiting for an NMI\r\nqomd guest: NMI\r\n" };

describe("HMP nmi on a guest waiting for one", () => {
  it("tcg", async () => expect(await nmiRun("tcg")).toEqual(WANT), 90_000);
  for (const accel of ["kvm", "kvm,kernel-irqchip=split", "kvm,kernel-irqchip=off"]) {
    it.skipIf(skip !== undefined)(`${accel}${skip ? ` (skipped: ${skip})` : ""}`, async () => expect(await nmiRun(accel)).toEqual(WANT), 90_000);
  }
});
