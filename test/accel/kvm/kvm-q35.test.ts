/**
 * `-M q35` under `-accel kvm`. QEMU 7.2 asks KVM for KVM_CAP_X86_SMM; without it (this host's
 * nested hypervisor has none) SMM is off, the ICH9 tells SeaBIOS so and SeaBIOS skips its SMM
 * set-up, and `smm=on` is refused. qomd's kvm backend cannot run SMM even where KVM offers it
 * (no KVM_SMI, no SMRAM memory slots yet), so it always behaves like the first case.
 *
 * The boot must give what tcg gives (COM1, exit status, SeaBIOS's log but for KVM's own lines),
 * and on the host the capture was made on, exactly what QEMU 7.2 gave on KVM. Skips, naming what
 * is missing, when /dev/kvm, the addon or SeaBIOS is not usable here.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { loadKvmAddon } from "../../../src/accel/kvm/kvm-addon.js";
import { runDiskGuest, seabiosMissing } from "../../helpers/disk-guest-run.js";
import { startProcess } from "../../integration/helpers.js";
import { hostMismatch, type RecordedHost } from "../../helpers/host-cpu.js";
import { kvmSkipReason } from "./guest-harness.js";
import { withoutSerconTail } from "../../helpers/sercon.js";

/** QEMU 7.2 booting the test disk on `-M q35 -nodefaults -accel kvm` here (kvm-debugcon.capture.py beside it). */
const capture = JSON.parse(
  readFileSync(join(import.meta.dirname, "../../fixtures/qemu-7.2/q35-boot/q35-nodefaults-hda-kvm.debugcon.json"), "utf8"),
) as { argv: string[]; host: RecordedHost; exit: number; serial: string; log: string };

const kvmMissing = kvmSkipReason();
if (kvmMissing) console.warn(`kvm-q35: skipped: ${kvmMissing}`);
if (seabiosMissing) console.warn(`kvm-q35: boot tests skipped, missing ${seabiosMissing}`);

/** Whether this host's KVM offers SMM (QEMU's kvm_has_smm). */
function hostKvmHasSmm(): boolean {
  const addon = loadKvmAddon();
  const kvm = new addon.Kvm();
  try {
    return kvm.checkExtension(addon.constants.KVM_CAP_X86_SMM!) > 0;
  } finally {
    kvm.close();
  }
}

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

/**
 * SeaBIOS's log without the lines that depend on the accelerator (as under QEMU): on KVM it finds
 * the hypervisor and uses kvmclock instead of the PM timer, the kvmclock page moves the MP table's
 * temporary copy, and e820 gains the reservation of KVM's identity-map pages (0xfeffc000, QEMU's
 * kvm_arch_init), which renumbers the entries after it. Sorted: SeaBIOS's threads interleave by timing.
 */
function withoutKvmLines(log: string): string[] {
  return log
    .split("\n")
    .filter((l) => !/^(Running on KVM|kvmclock: |CPU Mhz=|Using pmtimer, )/.test(l))
    .filter((l) => !/^ {2}\d+: 00000000feffc000 - 00000000ff000000 = 2 RESERVED$/.test(l))
    .map((l) => l.replace(/^(Copying MPTABLE from 0x[0-9a-f]+\/)[0-9a-f]+/, "$1…"))
    .map((l) => l.replace(/^e820 map has \d+ items:$/, "e820 map has … items:").replace(/^ {2}\d+: /, "  …: "))
    .sort();
}

describe.skipIf(kvmMissing !== undefined)("-M q35 under kvm", () => {
  it.skipIf(seabiosMissing !== undefined)("SeaBIOS boots the test disk as under tcg (SMM skipped, as QEMU does without KVM SMM)", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-q35-"));
    const tcg = await runDiskGuest(dir, "q35", "tcg");
    const kvm = await runDiskGuest(dir, "q35", "kvm");
    expect(tcg.exit).toBe(67);
    expect(kvm.exit).toBe(67);
    expect(withoutSerconTail(kvm.serial)).toBe(withoutSerconTail(tcg.serial));
    expect(kvm.debug).toContain("Running on KVM\n");
    expect(withoutKvmLines(kvm.debug)).toEqual(withoutKvmLines(tcg.debug));
  }, 200_000);

  it.skipIf(seabiosMissing !== undefined)("-smp 2: both CPUs found, the same boot", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-q35-"));
    const kvm = await runDiskGuest(dir, "q35", "kvm", ["-smp", "2"]);
    expect(kvm.exit).toBe(67);
    expect(kvm.debug).toContain("Found 2 cpu(s) max supported 2 cpu(s)\n");
    expect(kvm.serial).toContain("qomd guest: hello from the boot sector\r\n");
  }, 200_000);

  // The log names the TSC frequency and the CPU vendor shapes the e820 map: only on the capture's host.
  const otherHost = hostMismatch(capture.host);
  it.skipIf(seabiosMissing !== undefined || otherHost !== undefined)(
    `SeaBIOS's log equals QEMU 7.2's on this KVM line for line, KVM's own lines included${otherHost ? ` (skipped: ${otherHost})` : ""}`,
    async () => {
      dir = mkdtempSync(join(tmpdir(), "kvm-q35-"));
      const kvm = await runDiskGuest(dir, "q35", "kvm", [], { pinVendor: false });
      expect(kvm.exit).toBe(capture.exit);
      expect(withoutSerconTail(kvm.serial)).toBe(withoutSerconTail(capture.serial));
      expect(kvm.debug.split("\n")).toEqual(capture.log.split("\n"));
    },
    200_000,
  );

  it("smm=on: refused with QEMU's message and status 1 when KVM has no SMM", async () => {
    if (hostKvmHasSmm()) {
      console.warn("kvm-q35: this host's KVM offers SMM; QEMU would run SMM here, qomd's kvm cannot yet");
    }
    const p = startProcess(["run", "-M", "q35,smm=on", "-accel", "kvm", "-S", "-nodefaults", "-display", "none"]);
    expect(await p.exited).toBe(1);
    expect(p.stderr).toContain("qemu-system-x86_64: System Management Mode not supported by this hypervisor.\n");
  }, 60_000);
});
