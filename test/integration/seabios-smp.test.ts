/**
 * Two vCPUs under tcg through the real `qomd run` process: SeaBIOS wakes the application
 * processor (INIT and SIPI through the local APICs), counts it as QEMU 7.2 does ("Found 2 cpu(s)
 * max supported 2 cpu(s)"), and boots the test disk. (The same guest under kvm, in each irqchip
 * mode: test/accel/kvm/kvm-vs-tcg.test.ts.)
 */
import { copyFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { removeDir, ROOT, startProcess, tempDir, type ProcessHandle } from "./helpers.js";
import { withoutSerconTail } from "../helpers/sercon.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const seabiosMissing = existsSync(SEABIOS) ? undefined : `${SEABIOS} (apt-get install seabios)`;
if (seabiosMissing) console.warn(`test/integration/seabios-smp.test.ts skipped: missing ${seabiosMissing}`);

let dir: string | undefined;
const procs: ProcessHandle[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.child.kill("SIGKILL");
  if (dir) removeDir(dir);
  dir = undefined;
});

describe.skipIf(seabiosMissing !== undefined)(`-smp 2 under tcg${seabiosMissing ? ` (skipped: missing ${seabiosMissing})` : ""}`, () => {
  it("SeaBIOS finds both CPUs and boots the test disk", async () => {
    dir = tempDir("qomd-smp-");
    const disk = join(dir, "disk.img");
    copyFileSync(join(ROOT, "test/guests/hello-boot.bin"), disk);
    truncateSync(disk, 1024 * 1024);
    const log = join(dir, "debugcon.log");
    const p = startProcess([
      "run", "-M", "pc", "-nodefaults", "-nographic", "-smp", "2", "-serial", "stdio",
      "-drive", `file=${disk},format=raw,if=ide`, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
      "-chardev", `file,path=${log},id=dbg`, "-device", "isa-debugcon,iobase=0x402,chardev=dbg",
    ]);
    procs.push(p);
    expect(await p.exited).toBe(67);
    expect(withoutSerconTail(p.stdout)).toBe(withoutSerconTail(readFileSync(join(ROOT, "test/fixtures/qemu-7.2/seabios/pc-nodefaults-hda-hello.serial"), "latin1")));
    expect(readFileSync(log, "latin1").split("\n")).toContain("Found 2 cpu(s) max supported 2 cpu(s)");
  }, 120_000);
});
