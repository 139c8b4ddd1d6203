/**
 * The systemd units pass `systemd-analyze verify` (skipped, saying so, where
 * systemd-analyze is missing), and the daemon serves QMP on a control socket
 * handed over the way systemd's socket activation does (fd 3, LISTEN_FDS=1,
 * LISTEN_PID = the daemon's pid).
 */
import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { MAIN, openUnix, removeDir, ROOT, tempDir } from "../integration/helpers.js";

const hasAnalyze = spawnSync("systemd-analyze", ["--version"]).status === 0;

describe("systemd", () => {
  it.skipIf(!hasAnalyze)(hasAnalyze ? "units pass systemd-analyze verify" : "units: SKIPPED, systemd-analyze is not installed", () => {
    const r = spawnSync("systemd-analyze", ["verify", join(ROOT, "systemd/qomd.socket"), join(ROOT, "systemd/qomd.service")], { encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  it("socket activation: QMP on the inherited fd 3", async () => {
    const dir = tempDir("qomd-sd-");
    const sock = join(dir, "qomd.sock");
    // A small launcher binds the socket, puts it on fd 3 and execs the daemon, keeping its pid.
    const launcher = `
import os, socket, sys
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(16)
os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
os.environ["LISTEN_FDS"] = "1"; os.environ["LISTEN_PID"] = str(os.getpid())
os.execv(sys.argv[2], sys.argv[2:])
`;
    const child = spawn("python3", ["-c", launcher, sock, process.execPath, MAIN, "daemon", "--runtime-dir", join(dir, "run"), "--state-dir", join(dir, "state"), "--no-ws"], {
      stdio: ["ignore", "ignore", "pipe"],
    });
    let log = "";
    child.stderr.setEncoding("utf8");
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (d: string) => {
        log += d;
        if (log.includes("qomd daemon ready")) resolve();
      }),
    );
    expect(log).toContain("socket activation");
    const c = await openUnix(sock);
    expect(await c.line()).toMatch(/^\{"QMP": /);
    c.close();
    const exited = new Promise((r) => child.once("exit", (code) => r(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    removeDir(dir);
  });
});
