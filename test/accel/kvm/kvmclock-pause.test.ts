/**
 * kvmclock across stop and cont on a guest that uses it: Debian's SeaBIOS registers a kvmclock
 * page (its debug log names the address). After `stop` and `cont`, KVM marks the page
 * PVCLOCK_GUEST_STOPPED (flags bit 1) because qomd told each vCPU the VM was paused
 * (KVM_KVMCLOCK_CTRL, as QEMU's kvmclock_vm_state_change does); a Linux guest reads that bit to
 * keep its watchdogs from taking the pause for a lockup. Before any pause the bit is clear.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { kvmSkipReason } from "./guest-harness.js";
import { closeRunningMachines, startRunningMachine, until } from "./running-machine.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const skip = kvmSkipReason() ?? (existsSync(SEABIOS) ? undefined : `${SEABIOS} is missing (apt-get install seabios)`);
if (skip) console.warn(`test/accel/kvm/kvmclock-pause.test.ts skipped: ${skip}`);

/** pvclock_vcpu_time_info.flags, and its "the VM was stopped" bit. */
const PVCLOCK_FLAGS_OFFSET = 29;
const PVCLOCK_GUEST_STOPPED = 2;

let dir: string | undefined;
afterEach(() => {
  closeRunningMachines();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

describe.skipIf(skip !== undefined)(`kvmclock and a paused VM${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("after stop and cont the guest's kvmclock page says the VM was stopped", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvmclock-pause-"));
    const log = join(dir, "debugcon.log");
    const m = await startRunningMachine(["-M", "pc", "-nodefaults", "-accel", "kvm", "-display", "none",
      "-chardev", `file,id=d,path=${log}`, "-device", "isa-debugcon,iobase=0x402,chardev=d"]);
    const text = () => (existsSync(log) ? readFileSync(log, "latin1") : "");
    await until(() => text().includes("No bootable device.\n"), '"No bootable device."');
    const at = /kvmclock: at (0x[0-9a-f]+) /.exec(text());
    expect(at, "SeaBIOS registers a kvmclock page").not.toBeNull();
    const flags = (): number => {
      const out = m.hmp(`xp /1bx ${Number(at![1]) + PVCLOCK_FLAGS_OFFSET}`);
      return Number(/: (0x[0-9a-f]+)/.exec(out)![1]);
    };
    expect(flags() & PVCLOCK_GUEST_STOPPED).toBe(0);
    m.hmp("stop");
    m.hmp("cont");
    // KVM writes the bit at the vCPU's next entry; SeaBIOS keeps running (its timer wakes it).
    await until(() => (flags() & PVCLOCK_GUEST_STOPPED) !== 0, "PVCLOCK_GUEST_STOPPED in the kvmclock page");
  }, 120_000);
});
