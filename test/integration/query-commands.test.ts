/**
 * Every command a QMP socket lists in query-commands must exist: called with
 * no arguments it may refuse them (QEMU's argument errors) or fail for its
 * own reasons, but never answer CommandNotFound.  Checked on `qomd run`'s
 * machine socket, on a daemon machine's socket and on the daemon's control
 * socket; the CPU queries run in the daemon's worker thread report that
 * thread's host id.
 */
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, startDaemon, startProcess, tempDir, type DaemonHandle, type LineReader } from "./helpers.js";

/** Commands that end or disturb the session; each is called last, if at all. */
const LAST = ["quit"];

async function everyListedCommandExists(c: LineReader): Promise<string[]> {
  const listed = ((await c.cmd("query-commands"))["return"] as Array<{ name: string }>).map((x) => x.name);
  const notFound: string[] = [];
  for (const name of listed) {
    if (LAST.includes(name)) continue;
    const reply = await c.cmd(name, {}, name);
    const err = reply["error"] as { class: string; desc: string } | undefined;
    // QEMU answers a second qmp_capabilities this way itself.
    if (name === "qmp_capabilities" && err?.desc === "Capabilities negotiation is already complete, command ignored") continue;
    if (err?.class === "CommandNotFound") notFound.push(name);
  }
  return notFound;
}

describe("query-commands lists only commands that answer", () => {
  it("qomd run -M pc -S -nodefaults", async () => {
    const dir = tempDir("qomd-cmds-");
    const sock = join(dir, "qmp.sock");
    const p = startProcess(["run", "-M", "pc", "-S", "-nodefaults", "-qmp", `unix:${sock},server=on,wait=off`]);
    try {
      let c: LineReader | undefined;
      for (let i = 0; i < 200 && !c; i++) {
        try {
          c = await qmpConnect(sock);
        } catch {
          await new Promise((r) => setTimeout(r, 25));
        }
      }
      expect(c, p.stderr).toBeDefined();
      expect(await everyListedCommandExists(c!)).toEqual([]);
      expect(await c!.cmd("quit")).toEqual({ return: {} });
      expect(await p.exited).toBe(0);
    } finally {
      p.child.kill("SIGKILL");
      removeDir(dir);
    }
  }, 60_000);

  describe("the daemon", () => {
    let daemon: DaemonHandle;
    beforeAll(async () => {
      daemon = await startDaemon();
      const c = await qmpConnect(daemon.controlPath);
      expect(await c.cmd("machine-create", { name: "probe", argv: ["-M", "pc", "-S", "-nodefaults"] })).toHaveProperty("return");
      c.close();
    }, 60_000);
    afterAll(async () => {
      await daemon.stop();
      removeDir(daemon.dir);
    });

    it("a machine's own socket", async () => {
      const c = await qmpConnect(join(daemon.runtimeDir, "machines/probe.qmp"));
      expect(await everyListedCommandExists(c)).toEqual([]);
      // The machine lives in a worker thread: its vCPU's thread id is that thread's, not the daemon's pid.
      const cpus = (await c.cmd("query-cpus-fast"))["return"] as Array<{ "thread-id": number }>;
      expect(cpus).toHaveLength(1);
      expect(cpus[0]!["thread-id"]).not.toBe(daemon.child.pid);
      expect(cpus[0]!["thread-id"]).toBeGreaterThan(0);
      c.close();
    }, 60_000);

    it("the control socket", async () => {
      const c = await qmpConnect(daemon.controlPath);
      expect(await everyListedCommandExists(c)).toEqual([]);
      c.close();
    }, 60_000);
  });
});
