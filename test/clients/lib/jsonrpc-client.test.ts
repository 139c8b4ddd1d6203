/** JsonRpcQmpClient against the daemon's /jsonrpc endpoint. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonRpcQmpClient } from "../../../clients/lib/jsonrpc-client.js";
import { ExecuteError, StateError } from "../../../clients/lib/errors.js";
import { removeDir, startDaemon, type DaemonHandle } from "../../integration/helpers.js";

let daemon: DaemonHandle;
let url: string;
let token: string;

beforeAll(async () => {
  daemon = await startDaemon({ ws: true });
  token = readFileSync(join(daemon.runtimeDir, "token"), "utf8").trim();
  url = `ws://127.0.0.1:${daemon.wsPort}/jsonrpc`;
});

afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
  removeDir(daemon.dir);
});

describe("JsonRpcQmpClient", () => {
  it("runs typed commands, pipelined, with QMP's results", async () => {
    const rpc = await JsonRpcQmpClient.open(url, { token });
    const created = await rpc.execute("machine-create", { name: "rpcvm", argv: ["-M", "none"] });
    expect(created).toMatchObject({ name: "rpcvm", type: "none-machine" });
    const [status, type, version] = await Promise.all([
      rpc.execute("query-status", { machine: "rpcvm" }),
      rpc.execute("qom-get", { machine: "rpcvm", path: "/machine", property: "type" }),
      rpc.execute("query-version"),
    ]);
    expect(status).toEqual({ status: "prelaunch", singlestep: false, running: false });
    expect(type).toBe("none-machine");
    expect(version.qemu).toEqual({ micro: 22, minor: 2, major: 7 });
    await rpc.disconnect();
    expect(rpc.runstate).toBe("idle");
    await expect(rpc.execute("query-version")).rejects.toBeInstanceOf(StateError);
  });

  it("turns error responses into ExecuteError with QMP's class and text and the JSON-RPC code", async () => {
    const rpc = await JsonRpcQmpClient.open(url, { token });
    const notFound = await rpc.executeUntyped("nosuch").catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ExecuteError);
    expect(notFound).toMatchObject({ errorClass: "CommandNotFound", desc: "The command nosuch has not been found", code: -32601 });
    await expect(rpc.execute("qom-list", { machine: "rpcvm", path: "/nonexistent" })).rejects.toMatchObject({
      errorClass: "DeviceNotFound",
      desc: "Device '/nonexistent' not found",
      code: -32000,
    });
    await rpc.disconnect();
  });

  it("delivers event notifications as events, with the machine they came from", async () => {
    const rpc = await JsonRpcQmpClient.open(url, { token });
    const listener = rpc.listen(["RESUME"]);
    const callbacks: string[] = [];
    rpc.on("RESUME", (ev) => callbacks.push(String(ev.machine)));
    await rpc.execute("machine-start", { name: "rpcvm" });
    const ev = await listener.get();
    expect(ev).toMatchObject({ event: "RESUME", machine: "rpcvm" });
    expect(ev?.timestamp.seconds).toBeGreaterThan(0);
    expect(callbacks).toEqual(["rpcvm"]);
    await rpc.disconnect();
    expect(await listener.get()).toBeUndefined();
  });

  it("cancels a wait through an AbortSignal", async () => {
    const rpc = await JsonRpcQmpClient.open(url, { token });
    await expect(rpc.execute("query-version", {}, { signal: AbortSignal.abort(new Error("stop")) })).rejects.toThrow("stop");
    expect((await rpc.execute("query-version")).qemu.major).toBe(7);
    await rpc.disconnect();
  });

  it("reports a refused connection", async () => {
    await expect(JsonRpcQmpClient.open(url, { token: "nope" })).rejects.toThrow("HTTP 401 Unauthorized");
  });
});
