/** qomd-shell with lines piped on stdin, against QEMU 7.2 and the daemon. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QmpClient } from "../../../clients/lib/qmp-client.js";
import type { QmpControlCommands } from "../../../protocol/gen/types.js";
import { removeDir, startDaemon, type DaemonHandle } from "../../integration/helpers.js";
import { fixture, HAVE_QEMU, runTool, SHELL_MAIN, startQemu, type QemuHandle } from "../helpers.js";

describe.skipIf(!HAVE_QEMU)("qomd-shell piped, against QEMU 7.2", () => {
  let qemu: QemuHandle;
  beforeAll(async () => {
    qemu = await startQemu(["-M", "none"]);
  });
  afterAll(async () => {
    await qemu.stop();
    removeDir(qemu.dir);
  });

  it("prints the same replies as QEMU's qmp-shell, without banner or prompts", async () => {
    const capture = fixture("qmp-shell-session.none.txt");
    const input = "query-version\nquery-status\nqom-list path=/machine\nqom-get path=/machine property=type\nqom-list-types implements=machine abstract=false\nnosuch-cmd\n";
    const expected = capture
      .split("\n")
      .filter((l) => l.startsWith("(QEMU) {"))
      .map((l) => l.slice("(QEMU) ".length));
    const r = await runTool(SHELL_MAIN, [qemu.socket], input);
    expect(r.stderr).toBe("");
    expect(r.stdout.trimEnd().split("\n")).toEqual(expected);
    expect(r.status).toBe(0);
  });

  it("echoes with -v and pretty-prints with -p as qmp-shell does", async () => {
    const r = await runTool(SHELL_MAIN, ["-p", "-v", qemu.socket], "query-name\n");
    expect(r.stdout).toBe('{\n    "arguments": {},\n    "execute": "query-name"\n}\n{\n    "return": {}\n}\n');
  });

  it("exits non-zero with --strict when a command failed, zero without", async () => {
    const input = "query-name\nnosuch\nqom-get path\nquery-target\n";
    const lax = await runTool(SHELL_MAIN, [qemu.socket], input);
    expect(lax.status).toBe(0);
    expect(lax.stdout).toContain('{"return": {"arch": "x86_64"}}');
    expect(lax.stderr).toBe(
      "Error while parsing command line: Expected a key=value pair, got 'path'\ncommand format: <command-name>  [arg-name1=arg1] ... [arg-nameN=argN]\n",
    );
    const strict = await runTool(SHELL_MAIN, ["--strict", qemu.socket], input);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toBe(lax.stdout);
  });

  it("runs HMP lines with -H", async () => {
    const r = await runTool(SHELL_MAIN, ["-H", qemu.socket], "info version\nnosuchhmp\n");
    expect(r.stdout).toBe("7.2.22Debian 1:7.2+dfsg-7+deb12u18+b3\nunknown command: 'nosuchhmp'\n");
  });
});

describe("qomd-shell piped, against the daemon", () => {
  let daemon: DaemonHandle;
  beforeAll(async () => {
    daemon = await startDaemon({ ws: true });
  });
  afterAll(async () => {
    await daemon.stop();
    removeDir(daemon.dir);
  });

  it("creates a machine, picks it with use, and talks to it; --machine does the same", async () => {
    const input = 'machine-create name=vm1 argv=["-M", "none"]\nuse vm1\nqom-get path=/machine property=type\nuse nosuch\nuse\nmachine-list\n';
    const r = await runTool(SHELL_MAIN, ["--runtime-dir", daemon.runtimeDir], input);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\{"return": \{"name": "vm1", "status": "prelaunch", .*"type": "none-machine"/);
    expect(lines[1]).toBe('{"return": "none-machine"}');
    expect(lines[2]).toMatch(/^\{"return": \[\{"name": "vm1"/);
    expect(r.stderr).toBe("no machine named 'nosuch' (machines: vm1)\n");
    expect(r.status).toBe(0);

    const m = await runTool(SHELL_MAIN, ["--runtime-dir", daemon.runtimeDir, "--machine", "vm1", "-v"], "query-status\n");
    expect(m.stdout).toBe('{"execute": "query-status", "arguments": {"machine": "vm1"}}\n{"return": {"status": "prelaunch", "singlestep": false, "running": false}}\n');
    const bad = await runTool(SHELL_MAIN, ["--runtime-dir", daemon.runtimeDir, "--machine", "nosuch"], "query-status\n");
    expect(bad.status).toBe(1);
    expect(bad.stderr).toBe("qomd-shell: no machine named 'nosuch' (machines: vm1)\n");
  });

  it("connects to ws://…/qmp with the token from the runtime directory, and prints events between replies", async () => {
    const url = `ws://127.0.0.1:${daemon.wsPort}/qmp`;
    const r = await runTool(SHELL_MAIN, ["--runtime-dir", daemon.runtimeDir, url], "machine-start name=vm1\nquery-status machine=vm1\n");
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^\{"timestamp": \{"seconds": \d+, "microseconds": \d+\}, "event": "RESUME", "machine": "vm1"\}$/);
    expect(lines.slice(1)).toEqual(['{"return": {}}', '{"return": {"status": "running", "singlestep": false, "running": true}}']);
    const refused = await runTool(SHELL_MAIN, ["--token", "wrong", url], "");
    expect(refused.status).toBe(1);
    expect(refused.stderr).toBe(`qomd-shell: cannot connect to ${url}: HTTP 401 Unauthorized\n`);
  });

  it("exits 0 when the server closes the connection after quit", async () => {
    const control = await QmpClient.open<QmpControlCommands>(daemon.controlPath);
    const info = await control.execute("machine-create", { name: "vm2", argv: ["-M", "none"] });
    await control.disconnect();
    const r = await runTool(SHELL_MAIN, [info["qmp-socket"]], "quit\nquery-status\n");
    expect(r.stdout).toMatch(/"event": "SHUTDOWN".*\n\{"return": \{\}\}\n$/);
    expect(r.stderr).toContain("closed the connection after quit");
    expect(r.status).toBe(0);
  });
});
