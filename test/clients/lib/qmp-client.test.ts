/**
 * QmpClient against the real daemon, over the machine socket, the control
 * socket and the WebSocket endpoints.
 */
import { join } from "node:path";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { QmpClient, type QmpControlClient } from "../../../clients/lib/index.js";
import { ExecuteError, QmpError, StateError } from "../../../clients/lib/errors.js";
import type { QmpControlCommands } from "../../../protocol/gen/types.js";
import { removeDir, startDaemon, type DaemonHandle } from "../../integration/helpers.js";

let daemon: DaemonHandle;
let token: string;
let machineSocket: string;

beforeAll(async () => {
  daemon = await startDaemon({ ws: true });
  token = readFileSync(join(daemon.runtimeDir, "token"), "utf8").trim();
  const control = await QmpClient.open<QmpControlCommands>(daemon.controlPath);
  const info = await control.execute("machine-create", { name: "libvm", argv: ["-M", "none"] });
  machineSocket = info["qmp-socket"];
  await control.disconnect();
});

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
  removeDir(daemon.dir);
});

describe("QmpClient over a machine socket", () => {
  it("reads the greeting, negotiates oob and runs typed commands", async () => {
    const qmp = new QmpClient();
    expect(qmp.runstate).toBe("idle");
    await qmp.connect(machineSocket);
    expect(qmp.runstate).toBe("running");
    expect(qmp.greeting?.QMP.version.qemu).toEqual({ micro: 22, minor: 2, major: 7 });
    expect(qmp.capabilities).toEqual(["oob"]);
    const status = await qmp.execute("query-status");
    expect(status.status).toBe("prelaunch");
    expect(await qmp.execute("qom-get", { path: "/machine", property: "type" })).toBe("none-machine");
    await qmp.disconnect();
    expect(qmp.runstate).toBe("idle");
  });

  it("matches pipelined replies to their commands", async () => {
    const dropped: unknown[] = [];
    const qmp = await QmpClient.open(machineSocket, { onDropped: (m) => dropped.push(m) });
    const calls = Array.from({ length: 40 }, (_, i) =>
      i % 4 === 0
        ? qmp.execute("qom-get", { path: "/machine", property: "type" })
        : i % 4 === 1
          ? qmp.execute("query-target")
          : i % 4 === 2
            ? qmp.execute("qom-list", { path: "/machine/unattached" })
            : qmp.execute("query-name"),
    );
    const results = await Promise.all(calls);
    results.forEach((r, i) => {
      if (i % 4 === 0) expect(r).toBe("none-machine");
      else if (i % 4 === 1) expect(r).toEqual({ arch: "x86_64" });
      else if (i % 4 === 2) expect(Array.isArray(r)).toBe(true);
      else expect(r).toEqual({});
    });
    expect(dropped).toEqual([]);
    await qmp.disconnect();
  });

  it("gives ids __qmp#00000, __qmp#00001, … and keeps them in whole replies", async () => {
    const qmp = await QmpClient.open(machineSocket);
    expect(await qmp.executeMessage({ execute: "query-name" })).toEqual({ return: {}, id: "__qmp#00000" });
    expect(await qmp.executeMessage({ execute: "query-name" })).toEqual({ return: {}, id: "__qmp#00001" });
    expect(await qmp.executeMessage({ execute: "query-name", id: ["mine", 1] }, { assignId: false })).toEqual({ return: {}, id: ["mine", 1] });
    expect(await qmp.executeMessage({ execute: "query-name" }, { assignId: false })).toEqual({ return: {} });
    await qmp.disconnect();
  });

  it("throws ExecuteError (also known as QmpError) with QMP's class and text", async () => {
    const qmp = await QmpClient.open(machineSocket);
    const err = await qmp.execute("qom-list", { path: "/nonexistent" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecuteError);
    expect(err).toBeInstanceOf(QmpError);
    expect(err).toMatchObject({ errorClass: "DeviceNotFound", desc: "Device '/nonexistent' not found" });
    expect((err as ExecuteError).sent).toMatchObject({ execute: "qom-list", arguments: { path: "/nonexistent" } });
    await expect(qmp.executeUntyped("nosuch")).rejects.toMatchObject({ errorClass: "CommandNotFound", desc: "The command nosuch has not been found" });
    // The connection is still good afterwards.
    expect(await qmp.execute("query-target")).toEqual({ arch: "x86_64" });
    await qmp.disconnect();
  });

  it("delivers events to listeners and callbacks, in order, before the command's reply", async () => {
    const qmp = await QmpClient.open(machineSocket);
    const listener = qmp.listen(["STOP", "RESUME"]);
    const seen: string[] = [];
    const off = qmp.on("RESUME", (ev) => seen.push(`callback ${ev.event}`));
    await qmp.execute("cont");
    expect(listener.pending).toBe(1);
    await qmp.execute("stop");
    off();
    await qmp.execute("cont");
    await qmp.execute("stop");
    const names: string[] = [];
    for await (const ev of listener) {
      expect(ev.timestamp.seconds).toBeGreaterThan(0);
      names.push(ev.event);
      if (names.length === 4) break;
    }
    expect(names).toEqual(["RESUME", "STOP", "RESUME", "STOP"]);
    expect(seen).toEqual(["callback RESUME"]);
    await qmp.disconnect();
  });

  it("ends listeners and refuses calls once disconnected (StateError)", async () => {
    const qmp = await QmpClient.open(machineSocket);
    const listener = qmp.listen();
    await qmp.disconnect();
    expect(await listener.next()).toEqual({ value: undefined, done: true });
    await expect(qmp.execute("query-name")).rejects.toBeInstanceOf(StateError);
    await qmp.connect(machineSocket);
    await expect(qmp.connect(machineSocket)).rejects.toThrow("cannot connect: the client is already connected and running");
    await qmp.disconnect();
  });
});

describe("QmpClient over the control socket and WebSocket", () => {
  it("types per-machine commands with the machine argument on the control socket", async () => {
    const control: QmpControlClient = await QmpClient.open<QmpControlCommands>(daemon.controlPath);
    const list = await control.execute("machine-list");
    expect(list.map((m) => m.name)).toContain("libvm");
    expect(await control.execute("query-status", { machine: "libvm" })).toMatchObject({ running: false });
    await control.disconnect();
  });

  it("speaks QMP over ws://…/qmp with the token in a header, and events carry the machine", async () => {
    const ws = await QmpClient.open<QmpControlCommands>({ url: `ws://127.0.0.1:${daemon.wsPort}/qmp`, token });
    expect(ws.capabilities).toEqual(["oob"]);
    const listener = ws.listen(["STOP"]);
    const unix = await QmpClient.open(machineSocket);
    await unix.execute("cont");
    await unix.execute("stop"); // a stop of a stopped machine sends no event, hence the cont
    await unix.disconnect();
    const ev = await listener.get();
    expect(ev?.event).toBe("STOP");
    expect(ev?.machine).toBe("libvm");
    const pipelined = await Promise.all([
      ws.execute("query-target", { machine: "libvm" }),
      ws.execute("qom-get", { machine: "libvm", path: "/machine", property: "type" }),
      ws.execute("query-version"),
    ]);
    expect(pipelined[0]).toEqual({ arch: "x86_64" });
    expect(pipelined[1]).toBe("none-machine");
    expect(pipelined[2].qemu.major).toBe(7);
    await expect(ws.execute("qom-list", { machine: "libvm", path: "/nope" })).rejects.toMatchObject({ errorClass: "DeviceNotFound" });
    await ws.disconnect();
  });

  it("speaks to one machine over ws://…/qmp/NAME", async () => {
    const ws = await QmpClient.open(`ws://127.0.0.1:${daemon.wsPort}/qmp/libvm?token=${token}`);
    expect(await ws.execute("qom-get", { path: "/machine", property: "type" })).toBe("none-machine");
    await ws.disconnect();
  });

  it("reports a refused WebSocket connection with the server's answer", async () => {
    await expect(QmpClient.open({ url: `ws://127.0.0.1:${daemon.wsPort}/qmp`, token: "wrong" })).rejects.toThrow(
      `cannot connect to ws://127.0.0.1:${daemon.wsPort}/qmp: HTTP 401 Unauthorized`,
    );
    await expect(QmpClient.open(join(daemon.dir, "nosuch.sock"))).rejects.toThrow("no such socket");
  });
});
