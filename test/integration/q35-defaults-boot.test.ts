/**
 * `-M q35` without `-nodefaults`, the command line of the issue: the boot sector prints on COM1
 * and exits with 67, and SeaBIOS's AHCI probing — the disk on port 0 and the empty DVD drive on
 * port 2, whose TEST UNIT READY fails three times with MEDIUM NOT PRESENT — logs what QEMU 7.2's
 * does (test/fixtures/qemu-7.2/q35-boot/q35-defaults-hda-hello.debugcon.log). The other lines
 * differ while qomd runs no option ROMs from ROM BARs (SeaVGABIOS, e1000e's PXE ROM).
 */
import { copyFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeDir, ROOT, startProcess, tempDir, type ProcessHandle } from "./helpers.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const haveSeabios = existsSync(SEABIOS);
if (!haveSeabios) console.warn(`q35-defaults-boot: skipped, ${SEABIOS} is missing (apt-get install seabios)`);

let dir: string | undefined;
const procs: ProcessHandle[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.child.kill("SIGKILL");
  if (dir) removeDir(dir);
  dir = undefined;
});

/** The lines about the AHCI controller's ports and their drives, in order. */
const ahciLines = (log: string) => log.split("\n").filter((l) => /AHCI|MEDIUM NOT PRESENT|@1f,2\//.test(l));

describe.skipIf(!haveSeabios)("-M q35 with its default devices (tcg)", () => {
  it("boots the test disk; SeaBIOS finds the AHCI disk and the empty DVD drive as under QEMU 7.2", async () => {
    dir = tempDir("qomd-q35-defaults-");
    const disk = join(dir, "disk.img");
    copyFileSync(join(ROOT, "test/guests/hello-boot.bin"), disk);
    truncateSync(disk, 1024 * 1024);
    const log = join(dir, "debugcon.log");
    const p = startProcess([
      "run", "-M", "q35", "-display", "none", "-accel", "tcg", "-serial", "stdio",
      "-chardev", `file,id=d,path=${log}`, "-device", "isa-debugcon,iobase=0x402,chardev=d",
      "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04", "-drive", `file=${disk},format=raw,if=ide,index=0`,
    ]);
    procs.push(p);
    const bound = setTimeout(() => p.child.kill("SIGKILL"), 90_000);
    const exit = await p.exited;
    clearTimeout(bound);
    expect(exit).toBe(67);
    expect(p.stdout).toBe("qomd guest: hello from the boot sector\r\n");
    const qemu = readFileSync(join(ROOT, "test/fixtures/qemu-7.2/q35-boot/q35-defaults-hda-hello.debugcon.log"), "latin1");
    const ours = readFileSync(log, "latin1");
    expect(ahciLines(qemu)).toContain('AHCI/2: registering: "DVD/CD [AHCI/2: QEMU DVD-ROM ATAPI-4 DVD/CD]"');
    expect(ahciLines(ours)).toEqual(ahciLines(qemu));
  }, 120_000);
});
