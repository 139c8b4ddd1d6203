// `qomd run -daemonize -pidfile`, the way libvirt starts QEMU to probe it.
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { MAIN, qmpConnect, removeDir, tempDir } from "./helpers.js";

const run = promisify(execFile);
const dir = tempDir("qomd-daemonize-");

afterAll(() => removeDir(dir));

async function waitGone(path: string): Promise<void> {
  for (let i = 0; i < 200 && existsSync(path); i++) await new Promise((r) => setTimeout(r, 10));
}

describe("qomd run -daemonize", () => {
  it("returns once the machine is up, writes the PID file, and removes it at exit", async () => {
    const sock = join(dir, "qmp.monitor");
    const pidfile = join(dir, "qmp.pid");
    const { stdout, stderr } = await run(process.execPath, [MAIN, "run", "-S", "-no-user-config", "-nodefaults", "-nographic",
      "-machine", "none,accel=kvm:tcg", "-qmp", `unix:${sock},server=on,wait=off`, "-pidfile", pidfile, "-daemonize"]);
    expect(stdout).toBe("");
    // With a usable /dev/kvm the machine runs on kvm; otherwise QEMU's fallback message is printed.
    const { kvmAvailability } = await import("../../src/accel/kvm/kvm-available.js");
    if (kvmAvailability().usable) expect(stderr).toBe("");
    else expect(stderr).toMatch(/falling back to tcg/);
    const pid = Number(readFileSync(pidfile, "utf8").trim());
    expect(pid).toBeGreaterThan(0);
    expect(() => process.kill(pid, 0)).not.toThrow();
    const qmp = await qmpConnect(sock);
    expect(await qmp.cmd("query-status")).toEqual({ return: { status: "prelaunch", singlestep: false, running: false } });
    await qmp.cmd("quit");
    await waitGone(pidfile);
    expect(existsSync(pidfile)).toBe(false);
  });

  it("fails like QEMU, on the caller's stderr, when the machine cannot be built", async () => {
    const failure = await run(process.execPath, [MAIN, "run", "-M", "nosuch", "-daemonize"]).catch((e: { code: number; stderr: string }) => e);
    expect(failure).toMatchObject({ code: 1, stderr: "qemu-system-x86_64: unsupported machine type\nUse -machine help to list supported machines\n" });
  });
});
