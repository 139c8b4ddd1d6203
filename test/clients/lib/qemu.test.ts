/** QmpClient against a real QEMU 7.2 (skipped, with a warning, when qemu-system-x86_64 is missing). */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QmpClient } from "../../../clients/lib/qmp-client.js";
import { removeDir } from "../../integration/helpers.js";
import { HAVE_QEMU, startQemu, type QemuHandle } from "../helpers.js";

describe.skipIf(!HAVE_QEMU)("QmpClient against QEMU 7.2", () => {
  let qemu: QemuHandle;
  beforeAll(async () => {
    qemu = await startQemu(["-M", "none"]);
  });
  afterAll(async () => {
    await qemu.stop();
    removeDir(qemu.dir);
  });

  it("negotiates oob, pipelines, gets errors and events like from qomd", async () => {
    const qmp = await QmpClient.open(qemu.socket, { timeout: 10_000 });
    expect(qmp.greeting?.QMP.capabilities).toEqual(["oob"]);
    expect(qmp.capabilities).toEqual(["oob"]);
    const [type, target, name] = await Promise.all([
      qmp.execute("qom-get", { path: "/machine", property: "type" }),
      qmp.execute("query-target"),
      qmp.execute("query-name"),
    ]);
    expect([type, target, name]).toEqual(["none-machine", { arch: "x86_64" }, {}]);
    await expect(qmp.execute("qom-get", { path: "/machine", property: "nosuch" })).rejects.toMatchObject({
      errorClass: "GenericError",
      desc: "Property 'none-machine.nosuch' not found",
    });
    const listener = qmp.listen(["STOP", "RESUME"]);
    await qmp.execute("cont");
    await qmp.execute("stop");
    expect((await listener.get())?.event).toBe("RESUME");
    expect((await listener.get())?.event).toBe("STOP");
    // exec-oob of a command without allow-oob: QEMU's own refusal, routed by id.
    await expect(qmp.execute("query-status", {}, { oob: true })).rejects.toMatchObject({ desc: "The command query-status does not support OOB" });
    await qmp.disconnect();
  });

  it("sees the connection end after quit", async () => {
    const qmp = await QmpClient.open(qemu.socket, { timeout: 10_000 });
    const ended = new Promise<Error | undefined>((r) => qmp.onDisconnect(r));
    const shutdown = qmp.listen(["SHUTDOWN"]);
    expect(await qmp.execute("quit")).toEqual({});
    expect(await shutdown.get()).toMatchObject({ event: "SHUTDOWN", data: { guest: false, reason: "host-qmp-quit" } });
    expect((await ended)?.message).toMatch(/lost/);
    expect(qmp.runstate).toBe("idle");
  });
});
