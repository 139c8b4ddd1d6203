import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fakeFirmwareDir } from "../helpers/firmware.js";
import { normalizeTimestamps, openUnix, qmpConnect, removeDir, startProcess, tempDir } from "./helpers.js";

let dir: string;
afterEach(() => removeDir(dir));

/** Waits until a Unix socket accepts connections (the process has opened its monitors). */
async function waitForSocket(path: string, exited: Promise<unknown>): Promise<void> {
  let gone = false;
  void exited.then(() => (gone = true));
  for (;;) {
    if (gone) throw new Error("process exited");
    try {
      const c = await openUnix(path);
      c.socket.destroy();
      return;
    } catch {
      await new Promise((r) => setImmediate(r));
    }
  }
}

describe("qomd run", () => {
  it("bad options: QEMU's text on stderr and exit status 1", async () => {
    dir = tempDir("qomd-run-");
    const p = startProcess(["run", "-m", "2048x"]);
    expect(await p.exited).toBe(1);
    expect(p.stderr).toBe(
      "qemu-system-x86_64: -m 2048x: Parameter 'size' expects a non-negative number below 2^64\nOptional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.\n",
    );
  });

  it("a fatal error comes after the warnings printed before it, as QEMU prints them", async () => {
    dir = tempDir("qomd-run-");
    const p = startProcess(["run", "-M", "pc", "-accel", "tcg", "-L", fakeFirmwareDir(), "-cpu", "qemu64,+vmx,enforce", "-nodefaults", "-display", "none", "-S"]);
    expect(await p.exited).toBe(1);
    expect(p.stderr).toBe(
      "qemu-system-x86_64: warning: TCG doesn't support requested feature: CPUID.01H:ECX.vmx [bit 5]\nqemu-system-x86_64: TCG doesn't support requested features\n",
    );
  });

  it("serves several -qmp sockets and -mon pretty=on; quit answers and exits 0", async () => {
    dir = tempDir("qomd-run-");
    const a = join(dir, "a.sock");
    const b = join(dir, "b.sock");
    const pretty = join(dir, "p.sock");
    const p = startProcess([
      "run", "-M", "none", "-S", "-nodefaults", "-display", "none",
      "-qmp", `unix:${a},server=on,wait=off`,
      "-qmp", `unix:${b},server=on,wait=off`,
      "-chardev", `socket,id=m0,path=${pretty},server=on,wait=off`,
      "-mon", "chardev=m0,mode=control,pretty=on",
    ]);
    await waitForSocket(a, p.exited);
    await waitForSocket(b, p.exited);
    await waitForSocket(pretty, p.exited);

    const cp = await openUnix(pretty);
    const greeting: string[] = [];
    for (let l = await cp.line(); l !== "}"; l = await cp.line()) greeting.push(l!);
    expect(greeting.slice(0, 3)).toEqual(["{", '    "QMP": {', '        "version": {']);
    cp.send('{"execute":"qmp_capabilities"}');
    expect([await cp.line(), await cp.line(), await cp.line(), await cp.line()]).toEqual(["{", '    "return": {', "    }", "}"]);

    const cb = await qmpConnect(b);
    const ca = await qmpConnect(a);
    // QEMU lists chardevs in its hash table's order, not in creation order.
    expect(await ca.cmd("query-chardev")).toEqual({
      return: [
        { label: "compat_monitor1", filename: `unix:${b},server=on`, "frontend-open": true },
        { label: "m0", filename: `unix:${pretty},server=on`, "frontend-open": true },
        { label: "compat_monitor0", filename: `unix:${a},server=on`, "frontend-open": true },
      ],
    });
    ca.send('{"execute":"quit","id":"bye"}');
    expect(normalizeTimestamps((await ca.line())!)).toBe(
      '{"timestamp": {"seconds": S, "microseconds": U}, "event": "SHUTDOWN", "data": {"guest": false, "reason": "host-qmp-quit"}}',
    );
    expect(await ca.line()).toBe('{"return": {}, "id": "bye"}');
    expect(await ca.line()).toBeUndefined();
    // The other monitor saw the event too.
    expect((await cb.json())["event"]).toBe("SHUTDOWN");
    expect(await p.exited).toBe(0);
  });

  it("SIGTERM: SHUTDOWN with reason host-signal, QEMU's message, exit 0", async () => {
    dir = tempDir("qomd-run-");
    const a = join(dir, "a.sock");
    const p = startProcess(["run", "-M", "none", "-S", "-qmp", `unix:${a},server=on,wait=off`]);
    await waitForSocket(a, p.exited);
    const c = await qmpConnect(a);
    p.child.kill("SIGTERM");
    expect(await c.json()).toMatchObject({ event: "SHUTDOWN", data: { guest: false, reason: "host-signal" } });
    expect(await p.exited).toBe(0);
    expect(p.stderr).toContain("qemu-system-x86_64: terminating on signal 15");
  });

  it("with nothing to run and no monitor (-M none) it keeps running until a signal, as QEMU's main loop", async () => {
    dir = tempDir("qomd-run-");
    const pid = join(dir, "qomd.pid");
    const p = startProcess(["run", "-M", "none", "-display", "none", "-pidfile", pid]);
    let exited = false;
    void p.exited.then(() => (exited = true));
    for (const start = Date.now(); !existsSync(pid); ) {
      if (exited) throw new Error(`exited before writing its pidfile: ${p.stderr}`);
      if (Date.now() - start > 30_000) throw new Error("no pidfile after 30 s");
      await new Promise((r) => setTimeout(r, 10));
    }
    // Up and idle: give an empty event loop every chance to end the process.
    await new Promise((r) => setTimeout(r, 300));
    expect(exited).toBe(false);
    p.child.kill("SIGTERM");
    expect(await p.exited).toBe(0);
    expect(p.stderr).toContain("qemu-system-x86_64: terminating on signal 15");
  });
});
