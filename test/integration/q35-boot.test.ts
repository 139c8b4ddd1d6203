/**
 * `-M q35` boots the test disk through the real `qomd run` process as QEMU 7.2 does under TCG:
 * SeaBIOS's SMM set-up on the ICH9 (APM SMI, SMBASE relocation, SMRAM through the MCH) completes,
 * the AHCI port finds the disk, the boot sector prints on COM1 and exits with 67. COM1 must be
 * byte-identical and SeaBIOS's debug log line-identical to the captures in
 * test/fixtures/qemu-7.2/q35-boot, the lines about QEMU's ACPI tables included.
 */
import { copyFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeDir, ROOT, startProcess, tempDir, type ProcessHandle } from "./helpers.js";
import { withoutSerconTail } from "../helpers/sercon.js";

const GUESTS = join(ROOT, "test/guests");
const FIXTURES = join(ROOT, "test/fixtures/qemu-7.2/q35-boot");
const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const haveSeabios = existsSync(SEABIOS);
if (!haveSeabios) console.warn(`q35-boot: skipped, ${SEABIOS} is missing (apt-get install seabios)`);

/** The log as lines; nothing is left out since qomd hands SeaBIOS QEMU's ACPI tables too. */
function comparable(log: string): string[] {
  return log.split("\n");
}

let dir: string | undefined;
const procs: ProcessHandle[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.child.kill("SIGKILL");
  if (dir) removeDir(dir);
  dir = undefined;
});

/** Boots the test disk on `machine` with `extra` options; returns exit status, COM1 and the debug log. */
async function boot(machine: string, extra: string[]): Promise<{ exit: number | string; serial: string; log: string }> {
  dir = tempDir("qomd-q35-");
  const disk = join(dir, "disk.img");
  copyFileSync(join(GUESTS, "hello-boot.bin"), disk);
  truncateSync(disk, 1024 * 1024);
  const log = join(dir, "debugcon.log");
  const p = startProcess([
    "run", "-M", machine, "-nodefaults", "-nographic", "-serial", "stdio", "-accel", "tcg",
    "-drive", `file=${disk},format=raw,if=ide`, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
    "-chardev", `file,path=${log},id=dbg`, "-device", "isa-debugcon,iobase=0x402,chardev=dbg",
    ...extra,
  ]);
  procs.push(p);
  // A machine that hangs is killed (and then fails on its exit status and log).
  const bound = setTimeout(() => p.child.kill("SIGKILL"), 90_000);
  const exit = await p.exited;
  clearTimeout(bound);
  return { exit, serial: p.stdout, log: existsSync(log) ? readFileSync(log, "latin1") : "" };
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), "latin1");

describe.skipIf(!haveSeabios)("-M q35 boots the test disk as QEMU 7.2 does (tcg)", () => {
  for (const smp of [1, 2]) {
    it(`-smp ${smp}: exit 67, COM1 byte for byte, and SeaBIOS's log line for line`, async () => {
      const r = await boot("q35", ["-smp", String(smp)]);
      expect(r.exit).toBe(67);
      expect(withoutSerconTail(r.serial)).toBe(withoutSerconTail(fixture("q35-hda-hello.serial")));
      const qemu = fixture(`q35-smp${smp}-hda-hello.debugcon.log`);
      expect(comparable(r.log)).toEqual(comparable(qemu));
      // What the filter leaves must still say the interesting things.
      expect(comparable(r.log)).toContain('AHCI/0: registering: "AHCI/0: QEMU HARDDISK ATA-7 Hard-Disk (1 MiBytes)"');
      expect(comparable(r.log)).toContain(`Found ${smp} cpu(s) max supported ${smp} cpu(s)`);
    }, 120_000);
  }

  it("-M q35,smm=off: SeaBIOS skips its SMM set-up (APMC_EN reads as set) and the boot is the same", async () => {
    const r = await boot("q35,smm=off", []);
    expect(r.exit).toBe(67);
    expect(withoutSerconTail(r.serial)).toBe(withoutSerconTail(fixture("q35-hda-hello.serial")));
    expect(comparable(r.log)).toEqual(comparable(fixture("q35-smp1-hda-hello.debugcon.log")));
  }, 120_000);
});
