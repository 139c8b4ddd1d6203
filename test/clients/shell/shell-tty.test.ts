/**
 * qomd-shell in a terminal (a tmux pane), driven by keys as a person would:
 * completion, history, Ctrl-C, Ctrl-D, error display, HMP mode and events
 * arriving while a line is being typed.  Against a real QEMU 7.2.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { QmpClient } from "../../../clients/lib/qmp-client.js";
import { removeDir, tempDir } from "../../integration/helpers.js";
import { HAVE_QEMU, HAVE_TMUX, requireBuilt, SHELL_MAIN, startQemu, startQemuAt, TmuxPane, type QemuHandle } from "../helpers.js";

describe.skipIf(!HAVE_QEMU || !HAVE_TMUX)("qomd-shell in a terminal, against QEMU 7.2", () => {
  let qemu: QemuHandle;
  let home: string;
  let pane: TmuxPane | undefined;

  beforeAll(async () => {
    requireBuilt(SHELL_MAIN);
    qemu = await startQemu(["-M", "none"]);
    home = tempDir("qomd-shell-home-");
  });
  afterEach(() => {
    pane?.kill();
    pane = undefined;
  });
  afterAll(async () => {
    TmuxPane.killServer();
    await qemu.stop();
    removeDir(qemu.dir);
    removeDir(home);
  });

  const open = async (...args: string[]) => {
    pane = TmuxPane.start([process.execPath, SHELL_MAIN, ...args, qemu.socket], { HOME: home, TERM: "xterm" });
    await pane.waitFor(/Welcome to the (QMP low-level|HMP) shell!\nConnected to QEMU 7\.2\.22\n\n\(QEMU\) $/m);
    return pane;
  };
  /** The screen's last line that is not blank: where the prompt is. */
  const lastLine = (screen: string) => screen.trimEnd().split("\n").pop() ?? "";

  it("completes command and argument names, shows replies and errors", async () => {
    const p = await open();
    p.type("query-statu");
    p.keys("Tab");
    await p.waitFor((s) => lastLine(s) === "(QEMU) query-status");
    p.keys("Enter");
    await p.waitFor(/^\{"return": \{"status": "prelaunch", "singlestep": false, "running": false\}\}$/m);

    p.type("qom-l");
    p.keys("Tab");
    await p.waitFor((s) => lastLine(s) === "(QEMU) qom-list");
    p.keys("Tab");
    await p.waitFor(/^qom-list\s+qom-list-properties\s+qom-list-types$/m);
    p.type(" p");
    p.keys("Tab");
    await p.waitFor((s) => lastLine(s) === "(QEMU) qom-list path=");
    p.type("/machine/peripheral");
    p.keys("Enter");
    await p.waitFor(/^\{"return": \[\{"name": "type", "type": "string"\}\]\}$/m);

    p.type("qom-list-types abstract=t");
    p.keys("Tab");
    await p.waitFor((s) => lastLine(s) === "(QEMU) qom-list-types abstract=true");
    p.keys("C-u");

    p.type("nosuch-cmd");
    p.keys("Enter");
    await p.waitFor(/^\{"error": \{"class": "CommandNotFound", "desc": "The command nosuch-cmd has not been found"\}\}$/m);
    p.type("qom-get path");
    p.keys("Enter");
    await p.waitFor(/^Error while parsing command line: Expected a key=value pair, got 'path'$/m);
    p.keys("C-d");
    expect(await p.waitForExit()).toBe(0);
  });

  it("cancels the line with Ctrl-C and exits with Ctrl-D", async () => {
    const p = await open();
    p.type("query-name");
    p.keys("C-c");
    await p.waitFor(/^\(QEMU\) query-name\^C\n\(QEMU\) $/m);
    p.keys("Enter");
    p.type("query-target");
    p.keys("Enter");
    const screen = await p.waitFor(/\{"return": \{"arch": "x86_64"\}\}/);
    expect(screen).not.toContain('{"return": {}}');
    p.keys("C-d");
    expect(await p.waitForExit()).toBe(0);
  });

  it("keeps history in ~/.qomd-shell_history across sessions", async () => {
    let p = await open();
    p.type("query-kvm");
    p.keys("Enter");
    await p.waitFor(/\{"return": \{"enabled": (true|false), "present": (true|false)\}\}/);
    p.keys("C-d");
    expect(await p.waitForExit()).toBe(0);
    p.kill();
    expect(readFileSync(join(home, ".qomd-shell_history"), "utf8").split("\n")).toContain("query-kvm");

    p = await open();
    p.keys("Up");
    await p.waitFor((s) => lastLine(s) === "(QEMU) query-kvm");
    p.keys("Enter");
    await p.waitFor(/\(QEMU\) query-kvm\n\{"return": \{"enabled"/);
    p.keys("C-d");
    expect(await p.waitForExit()).toBe(0);
  });

  it("prints events above the prompt and keeps the line being typed", async () => {
    const p = await open();
    p.type("query-ver");
    const other = await QmpClient.open(qemu.socket2, { timeout: 10_000 });
    await other.execute("cont");
    await other.execute("stop");
    await other.disconnect();
    const screen = await p.waitFor(/"event": "STOP"/);
    const lines = screen.trimEnd().split("\n");
    expect(lines.at(-3)).toMatch(/^\{"timestamp": \{"seconds": \d+, "microseconds": \d+\}, "event": "RESUME"\}$/);
    expect(lines.at(-2)).toMatch(/^\{"timestamp": \{"seconds": \d+, "microseconds": \d+\}, "event": "STOP"\}$/);
    expect(lines.at(-1)).toBe("(QEMU) query-ver");
    p.type("sion");
    p.keys("Enter");
    await p.waitFor(/\{"return": \{"qemu": \{"micro": 22, "minor": 2, "major": 7\}/);
    p.keys("C-d");
    expect(await p.waitForExit()).toBe(0);
  });

  it("runs HMP commands with -H, completing them from HMP's help", async () => {
    const p = await open("-H");
    p.type("info statu");
    p.keys("Tab");
    await p.waitFor((s) => lastLine(s) === "(QEMU) info status");
    p.keys("Enter");
    // Paused: an earlier test ran cont and stop through the second monitor.
    await p.waitFor(/^VM status: paused( \(prelaunch\))?$/m);
    p.type("info version");
    p.keys("Enter");
    await p.waitFor(/^7\.2\.22Debian /m);
    p.type("cpu 0");
    p.keys("Enter");
    p.type("info status");
    p.keys("Enter");
    // -M none has no CPU 0: QEMU's refusal shows as an error, and the shell goes on.
    await p.waitFor(/^Error: Parameter 'cpu-index' expects a CPU number$/m);
    p.keys("C-d");
    expect(await p.waitForExit()).toBe(0);
  });
});

describe.skipIf(!HAVE_QEMU || !HAVE_TMUX)("qomd-shell when the connection is lost", () => {
  let pane: TmuxPane | undefined;
  afterEach(() => pane?.kill());
  afterAll(() => TmuxPane.killServer());

  it("says so and exits 1; with --reconnect it connects again to the new server", async () => {
    const first = await startQemu(["-M", "none"]);
    pane = TmuxPane.start([process.execPath, SHELL_MAIN, first.socket], { HOME: first.dir, TERM: "xterm" });
    await pane.waitFor(/^\(QEMU\) $/m);
    await first.stop();
    await pane.waitFor(/^qomd-shell: connection to .*qmp\.sock lost$/m);
    expect(await pane.waitForExit()).toBe(1);
    pane.kill();

    let qemu = await startQemu(["-M", "none"]);
    pane = TmuxPane.start([process.execPath, SHELL_MAIN, "--reconnect", qemu.socket], { HOME: qemu.dir, TERM: "xterm" });
    await pane.waitFor(/^\(QEMU\) $/m);
    const socketDir = qemu.dir;
    await qemu.stop();
    await pane.waitFor(/^qomd-shell: reconnecting to .*qmp\.sock …$/m);
    // A new QEMU on the same socket path.
    qemu = await startQemuAt(socketDir);
    await pane.waitFor(/^qomd-shell: reconnected to .*qmp\.sock$/m);
    pane.type("query-target");
    pane.keys("Enter");
    await pane.waitFor(/^\{"return": \{"arch": "x86_64"\}\}$/m);
    pane.keys("C-d");
    expect(await pane.waitForExit()).toBe(0);
    await qemu.stop();
    removeDir(first.dir);
    removeDir(socketDir);
  });
});
