/**
 * Guests through the real `qomd run` process: a firmware image that prints on COM1 and exits
 * through isa-debug-exit; Debian's SeaBIOS to its "No bootable device." with its debug log
 * compared line by line with QEMU 7.2's (test/fixtures/qemu-7.2/seabios); run control over a
 * QMP socket on a running guest, with the time from `stop` to STOP measured.
 */
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, ROOT, startProcess, tempDir, type LineReader, type ProcessHandle } from "./helpers.js";
import { withoutSerconTail } from "../helpers/sercon.js";

const GUESTS = join(ROOT, "test/guests");
const FIXTURES = join(ROOT, "test/fixtures/qemu-7.2/seabios");
const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const haveSeabios = existsSync(SEABIOS);
const QEMU_IMG = ["/usr/bin/qemu-img", "/usr/local/bin/qemu-img"].find((p) => existsSync(p));

/** The test disk: the hello boot sector padded to 1 MiB, raw (as the fixtures were captured). */
function rawDisk(at: string): string {
  const path = join(at, "disk.img");
  copyFileSync(join(GUESTS, "hello-boot.bin"), path);
  truncateSync(path, 1024 * 1024);
  return path;
}

let dir: string | undefined;
const procs: ProcessHandle[] = [];
afterEach(() => {
  for (const p of procs.splice(0)) p.child.kill("SIGKILL");
  if (dir) removeDir(dir);
  dir = undefined;
});

function run(args: string[]): ProcessHandle {
  const p = startProcess(["run", ...args]);
  procs.push(p);
  return p;
}

async function until(pred: () => boolean, what: string, p: ProcessHandle, boundMs = 60_000): Promise<void> {
  const start = Date.now();
  let exited = false;
  void p.exited.then(() => (exited = true));
  while (!pred()) {
    if (exited) throw new Error(`process exited while waiting for ${what}: ${p.stderr}`);
    if (Date.now() - start > boundMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function connectWhenUp(path: string, p: ProcessHandle): Promise<LineReader> {
  for (const start = Date.now(); ; ) {
    try {
      return await qmpConnect(path);
    } catch {
      if (Date.now() - start > 30_000) throw new Error(`no QMP socket: ${p.stderr}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

/** The next event named `name`, skipping others. */
async function nextEvent(q: LineReader, name: string): Promise<Record<string, unknown>> {
  for (;;) {
    const m = await q.json();
    if (m["event"] === name) return m;
  }
}


/** A line diff as `- line` / `+ line` entries (longest common subsequence). */
function lineDiff(a: string[], b: string[]): string[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  }
  const out: string[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push(`- ${a[i++]}`);
    else out.push(`+ ${b[j++]}`);
  }
  return out;
}

describe("qomd run with guests", () => {
  it("-bios FILE: the guest prints on COM1 (-serial stdio) and isa-debug-exit ends qomd with status 67", async () => {
    const p = run(["-M", "pc", "-nodefaults", "-display", "none", "-serial", "stdio", "-bios", join(GUESTS, "hello-bios.bin"), "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
    expect(await p.exited).toBe(67);
    expect(p.stdout).toBe("qomd guest: hello from the firmware\r\n");
  });

  it("-no-reboot: a guest reset ends qomd with status 0", async () => {
    const p = run(["-M", "pc", "-nodefaults", "-display", "none", "-serial", "stdio", "-no-reboot", "-bios", join(GUESTS, "reset-kbd-bios.bin")]);
    expect(await p.exited).toBe(0);
    expect(p.stdout).toBe("boot\r\n");
  });

  it("stop, cont and system_reset over QMP on a running guest; the time from stop to STOP", async () => {
    dir = tempDir("qomd-boot-");
    const sock = join(dir, "qmp.sock");
    const p = run(["-M", "pc", "-nodefaults", "-display", "none", "-bios", join(GUESTS, "jmp-bios.bin"), "-qmp", `unix:${sock},server=on,wait=off`]);
    const q = await connectWhenUp(sock, p);
    expect(await q.cmd("query-status")).toEqual({ return: { running: true, singlestep: false, status: "running" } });
    // Let the guest spin in `jmp $` for a while, so stop has to interrupt it.
    await new Promise((r) => setTimeout(r, 200));
    const t0 = performance.now();
    q.send(JSON.stringify({ execute: "stop" }));
    const stop = await q.json();
    const latencyMs = performance.now() - t0;
    expect(stop["event"]).toBe("STOP");
    expect(await q.json()).toEqual({ return: {} });
    // A generous bound: the loop yields every few milliseconds (the figure is in the boot bench).
    expect(latencyMs).toBeLessThan(2000);
    expect(await q.cmd("query-status")).toEqual({ return: { running: false, singlestep: false, status: "paused" } });
    q.send(JSON.stringify({ execute: "cont" }));
    expect((await q.json())["event"]).toBe("RESUME");
    expect(await q.json()).toEqual({ return: {} });
    q.send(JSON.stringify({ execute: "system_reset" }));
    expect((await q.json())["data"]).toEqual({ guest: false, reason: "host-qmp-system-reset" });
    expect(await q.json()).toEqual({ return: {} });
    expect(await q.cmd("query-status")).toEqual({ return: { running: true, singlestep: false, status: "running" } });
    q.send(JSON.stringify({ execute: "quit" }));
    expect((await nextEvent(q, "SHUTDOWN"))["data"]).toEqual({ guest: false, reason: "host-qmp-quit" });
    expect(await p.exited).toBe(0);
  });

  it.skipIf(!haveSeabios)(
    "Debian's SeaBIOS reaches 'No bootable device.' on the serial console, as under QEMU (needs the seabios package: apt-get install seabios)",
    async () => {
      const p = run(["-M", "pc", "-nodefaults", "-nographic", "-serial", "stdio"]);
      await until(() => p.stdout.includes("No bootable device.\r\n"), "No bootable device.", p);
      expect(p.stdout).toBe(readFileSync(join(FIXTURES, "pc-nodefaults-nographic.serial"), "latin1"));
    },
  );

  it.skipIf(!haveSeabios)(
    "-hda raw image: SeaBIOS loads the boot sector, which prints on COM1 and exits with 67, as under QEMU (needs the seabios package: apt-get install seabios)",
    async () => {
      dir = tempDir("qomd-boot-");
      const p = run(["-M", "pc", "-nodefaults", "-nographic", "-serial", "stdio", "-hda", rawDisk(dir), "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
      expect(await p.exited).toBe(67);
      expect(withoutSerconTail(p.stdout)).toBe(withoutSerconTail(readFileSync(join(FIXTURES, "pc-nodefaults-hda-hello.serial"), "latin1")));
    },
  );

  it.skipIf(!haveSeabios || !QEMU_IMG)(
    "-hda qcow2 image (made with Debian's qemu-img): the same boot (needs the seabios and qemu-utils packages)",
    async () => {
      dir = tempDir("qomd-boot-");
      const qcow2 = join(dir, "disk.qcow2");
      execFileSync(QEMU_IMG!, ["convert", "-f", "raw", "-O", "qcow2", rawDisk(dir), qcow2]);
      const p = run(["-M", "pc", "-nodefaults", "-nographic", "-serial", "stdio", "-drive", `file=${qcow2},format=qcow2,if=ide`, "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]);
      expect(await p.exited).toBe(67);
      expect(withoutSerconTail(p.stdout)).toBe(withoutSerconTail(readFileSync(join(FIXTURES, "pc-nodefaults-hda-hello.serial"), "latin1")));
    },
  );

  it.skipIf(!haveSeabios)(
    "SeaBIOS's debug log (isa-debugcon at 0x402) equals QEMU 7.2's line for line, the lines about QEMU's ACPI and SMBIOS tables included (needs the seabios package: apt-get install seabios)",
    async () => {
      dir = tempDir("qomd-boot-");
      const log = join(dir, "debugcon.log");
      const p = run(["-M", "pc", "-nodefaults", "-nographic", "-serial", "null", "-chardev", `file,path=${log},id=dbg`, "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]);
      const text = () => (existsSync(log) ? readFileSync(log, "latin1") : "");
      await until(() => text().includes("No bootable device.\n"), "No bootable device. in the log", p);
      const ours = text().split("\n");
      const qemu = readFileSync(join(FIXTURES, "pc-nodefaults-nographic.debugcon.log"), "latin1").split("\n");
      // Every line: the tables qomd hands SeaBIOS are QEMU's, so even its memory layout is the same.
      expect(lineDiff(qemu, ours)).toEqual([]);
    },
  );
});
