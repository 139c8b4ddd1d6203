/** qomd-qom against QEMU 7.2 (compared with its own tools' output) and against the daemon. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QmpClient } from "../../../clients/lib/qmp-client.js";
import { pythonRepr, pythonStr } from "../../../clients/qom/python-str.js";
import type { QmpControlCommands } from "../../../protocol/gen/types.js";
import { removeDir, startDaemon, type DaemonHandle } from "../../integration/helpers.js";
import { fixture, HAVE_QEMU, QOM_MAIN, runTool, startQemu, type QemuHandle } from "../helpers.js";

describe("python-style values", () => {
  it("prints values as python's str() does", () => {
    expect(pythonStr("BXPC    ")).toBe("BXPC    ");
    expect(pythonStr({ order: "cad" })).toBe("{'order': 'cad'}");
    expect(pythonStr([])).toBe("[]");
    expect(pythonStr(true)).toBe("True");
    expect(pythonStr(null)).toBe("None");
    expect(pythonStr(18446744073709551615n)).toBe("18446744073709551615");
    expect(pythonRepr("it's")).toBe('"it\'s"');
    expect(pythonRepr("a'b\"c\n")).toBe("'a\\'b\"c\\n'");
  });
});

describe.skipIf(!HAVE_QEMU)("qomd-qom against QEMU 7.2 (-M pc -nodefaults)", () => {
  let qemu: QemuHandle;
  beforeAll(async () => {
    // One monitor, as in the captures (a second one would add /chardevs/compat_monitor1).
    qemu = await startQemu(["-M", "pc"], 1);
  });
  afterAll(async () => {
    await qemu.stop();
    removeDir(qemu.dir);
  });

  it("tree prints HMP's info qom-tree", async () => {
    const r = await runTool(QOM_MAIN, ["-s", qemu.socket, "tree", "/machine"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(fixture("hmp-info-qom-tree.pc-nodefaults.txt").replaceAll("\r\n", "\n"));
  });

  it("tree --values prints python qom-tree's output (clock and socket path aside)", async () => {
    const r = await runTool(QOM_MAIN, ["-s", qemu.socket, "tree", "--values", "/"]);
    expect(r.status).toBe(0);
    // The RTC's date and the chardev's socket path differ from the capture's run.
    const volatile = (text: string) =>
      text
        .replace(/\{'tm_year': .*\} \(struct tm\)/g, "{date} (struct tm)")
        .replace(/addr: \{'path': '[^']*', 'type': 'unix'\}/, "addr: {socket}");
    expect(volatile(r.stdout)).toBe(volatile(fixture("qom-tree-values.pc-nodefaults.txt")));
  });

  it("list, get and set", async () => {
    const list = await runTool(QOM_MAIN, ["-s", qemu.socket, "list", "/machine"]);
    const names = list.stdout.split("\n");
    expect(names.slice(0, 3)).toEqual(["type", "kernel", "dt-compatible"]);
    expect(names).toContain("unattached/");
    expect(names).toContain("@memory-backend/");
    expect((await runTool(QOM_MAIN, ["-s", qemu.socket, "get", "/machine.smp"])).stdout).toBe(
      "{'cpus': 1, 'maxcpus': 1, 'threads': 1, 'cores': 1, 'dies': 1, 'sockets': 1, 'clusters': 1}\n",
    );
    expect((await runTool(QOM_MAIN, ["-s", qemu.socket, "--json", "get", "/machine.boot"])).stdout).toBe('{"order": "cad"}\n');
    // The value is JSON when it parses: false is a boolean (QEMU's qom-set script sends the string "false").
    expect((await runTool(QOM_MAIN, ["-s", qemu.socket, "set", "/machine.graphics", "false"])).status).toBe(0);
    expect((await runTool(QOM_MAIN, ["-s", qemu.socket, "get", "/machine.graphics"])).stdout).toBe("False\n");
    const bad = await runTool(QOM_MAIN, ["-s", qemu.socket, "get", "/machine.nosuch"]);
    expect(bad).toMatchObject({ status: 1, stdout: "", stderr: "qomd-qom: Property 'pc-i440fx-7.2-machine.nosuch' not found\n" });
    const usage = await runTool(QOM_MAIN, ["-s", qemu.socket, "get", "/machine"]);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^qomd-qom: Invalid format for <path>\.<property>: '\/machine'\n/);
  });
});

describe("qomd-qom against the daemon", () => {
  let daemon: DaemonHandle;
  let machineSocket: string;
  beforeAll(async () => {
    daemon = await startDaemon({ ws: true });
    const control = await QmpClient.open<QmpControlCommands>(daemon.controlPath);
    machineSocket = (await control.execute("machine-create", { name: "vm1", argv: ["-M", "none"] }))["qmp-socket"];
    await control.disconnect();
  });
  afterAll(async () => {
    await daemon.stop();
    removeDir(daemon.dir);
  });

  it("walks the tree on the control socket with --machine", async () => {
    const r = await runTool(QOM_MAIN, ["--runtime-dir", daemon.runtimeDir, "--machine", "vm1", "tree", "/machine"]);
    expect(r.status).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("/machine (none-machine)");
    expect(lines).toContain("  /unattached (container)");
    expect(lines).toContain("    /sysbus (System)");
  });

  it("reads a property on a machine socket and over ws://…/qmp/NAME, with --json", async () => {
    expect((await runTool(QOM_MAIN, ["-s", machineSocket, "get", "/machine.type"])).stdout).toBe("none-machine\n");
    const url = `ws://127.0.0.1:${daemon.wsPort}/qmp/vm1`;
    const list = await runTool(QOM_MAIN, ["-s", url, "--runtime-dir", daemon.runtimeDir, "--json", "list", "/machine"]);
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout)).toContainEqual({ name: "type", type: "string" });
    const tree = await runTool(QOM_MAIN, ["-s", machineSocket, "--json", "--values", "tree", "/machine/unattached"]);
    const root = JSON.parse(tree.stdout) as { path: string; type: string; properties: unknown[]; children: { path: string }[] };
    expect(root).toMatchObject({ path: "/machine/unattached", type: "container" });
    expect(root.properties).toContainEqual({ name: "type", type: "string", value: "container" });
    expect(root.children.map((c) => c.path)).toContain("/machine/unattached/sysbus");
  });
});
