/**
 * QEMU's own Python client (qemu.qmp 0.6.1 from QEMU 7.2's source tree)
 * against qomd.  The library is not packaged; the test looks for it in
 * $QEMU_PYTHON_PATH, then in the usual unpacked-source locations, and is
 * skipped (with the reason in its name) when python3 cannot import it.
 */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, startDaemon, type DaemonHandle } from "./helpers.js";

const CANDIDATES = [process.env["QEMU_PYTHON_PATH"], "/tmp/qsrc/qemu-7.2.0/python", "/tmp/aptsrc/src/qemu-7.2.0/python", "/usr/src/qemu-7.2.0/python"];
const pythonPath = CANDIDATES.find(
  (p) => p !== undefined && existsSync(join(p, "qemu/qmp/__init__.py")) && spawnSync("python3", ["-c", "import qemu.qmp"], { env: { ...process.env, PYTHONPATH: p } }).status === 0,
);
const title = pythonPath ? "qemu.qmp (QEMU 7.2's python client)" : "qemu.qmp: SKIPPED, python3 cannot import qemu.qmp (set QEMU_PYTHON_PATH to QEMU 7.2's python/ dir)";

const SCRIPT = `
import asyncio, sys
from qemu.qmp.legacy import QEMUMonitorProtocol
from qemu.qmp import QMPClient, ExecuteError
sock = sys.argv[1]
qmp = QEMUMonitorProtocol(sock)
greeting = qmp.connect()
print("greeting", greeting["QMP"]["version"]["qemu"]["major"], greeting["QMP"]["capabilities"])
print("status", qmp.command("query-status")["status"])
print("cmd", qmp.cmd("query-name", cmd_id="my-id"))
print("cmd_obj", qmp.cmd_obj({"execute": "nosuch"})["error"]["class"])
try:
    qmp.command("qom-get", path="/machine", property="nosuch")
except ExecuteError as e:
    print("ExecuteError", e.error_class)
qmp.close()
async def main():
    client = QMPClient("probe")
    await client.connect(sock)
    print("async version", (await client.execute("query-version"))["qemu"]["minor"])
    try:
        await client.execute("qom-list", {"path": "/nope"})
    except ExecuteError as e:
        print("async", e.error_class)
    await client.disconnect()
asyncio.run(main())
`;

let daemon: DaemonHandle | undefined;
let socket = "";
beforeAll(async () => {
  if (!pythonPath) return;
  daemon = await startDaemon();
  const c = await qmpConnect(daemon.controlPath);
  socket = ((await c.cmd("machine-create", { name: "py", argv: ["-M", "none"] }))["return"] as Record<string, string>)["qmp-socket"]!;
  c.close();
});
afterAll(async () => {
  if (!daemon) return;
  expect(await daemon.stop()).toBe(0);
  removeDir(daemon.dir);
});

describe("QEMU's python QMP client", () => {
  it.skipIf(!pythonPath)(title, () => {
    const r = spawnSync("python3", ["-c", SCRIPT, socket], { env: { ...process.env, PYTHONPATH: pythonPath }, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.stdout.split("\n")).toEqual([
      "greeting 7 ['oob']",
      "status prelaunch",
      "cmd {'return': {}, 'id': 'my-id'}",
      "cmd_obj CommandNotFound",
      "ExecuteError GenericError",
      "async version 2",
      "async DeviceNotFound",
      "",
    ]);
  });
});
