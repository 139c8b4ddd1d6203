import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, startDaemon, type DaemonHandle } from "./helpers.js";

let daemon: DaemonHandle;
let token: string;
beforeAll(async () => {
  daemon = await startDaemon({ ws: true });
  token = readFileSync(join(daemon.runtimeDir, "token"), "utf8").trim();
  const c = await qmpConnect(daemon.controlPath);
  await c.cmd("machine-create", { name: "wsm", argv: ["-M", "none"] });
  c.close();
});
afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
  expect(daemon.stderr).not.toContain(token);
  removeDir(daemon.dir);
});

/** A WebSocket client that queues incoming messages. */
class WsClient {
  private queue: string[] = [];
  private waiters: Array<() => void> = [];
  constructor(readonly ws: WebSocket) {
    ws.on("message", (d: Buffer) => {
      this.queue.push(d.toString("utf8"));
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static open(path: string, headers: Record<string, string> = { Authorization: `Bearer ${token}` }): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(`ws://127.0.0.1:${daemon.wsPort}${path}`, { headers });
      const client = new WsClient(ws);
      ws.once("open", () => resolve(client));
      ws.once("unexpected-response", (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once("error", reject);
    });
  }
  async next(): Promise<Record<string, unknown>> {
    while (this.queue.length === 0) await new Promise<void>((r) => this.waiters.push(r));
    return JSON.parse(this.queue.shift()!) as Record<string, unknown>;
  }
  async request(msg: unknown): Promise<Record<string, unknown>> {
    this.ws.send(JSON.stringify(msg));
    for (;;) {
      const m = await this.next();
      if (!("event" in m) && m["method"] === undefined) return m;
    }
  }
}

describe("WebSocket /qmp", () => {
  it("speaks QMP one message per frame, with the token in the header or the query", async () => {
    const c = await WsClient.open("/qmp");
    expect(await c.next()).toHaveProperty("QMP.capabilities", ["oob"]);
    expect(await c.request({ execute: "query-status", id: 1 })).toMatchObject({ error: { class: "CommandNotFound" }, id: 1 });
    expect(await c.request({ execute: "qmp_capabilities" })).toEqual({ return: {} });
    expect(await c.request({ execute: "query-status", arguments: { machine: "wsm" }, id: 2 })).toEqual({
      return: { status: "prelaunch", singlestep: false, running: false },
      id: 2,
    });
    c.ws.close();
    const q = await WsClient.open(`/qmp/wsm?token=${token}`, {});
    expect(await q.next()).toHaveProperty("QMP");
    expect(await q.request({ execute: "qmp_capabilities" })).toEqual({ return: {} });
    expect(await q.request({ execute: "query-name" })).toEqual({ return: {} });
    q.ws.close();
  });

  it("refuses a missing token, a foreign origin, unknown paths and machines", async () => {
    await expect(WsClient.open("/qmp", {})).rejects.toThrow("HTTP 401");
    await expect(WsClient.open("/qmp", { Authorization: "Bearer wrong" })).rejects.toThrow("HTTP 401");
    await expect(WsClient.open("/qmp", { Authorization: `Bearer ${token}`, Origin: "http://evil.example" })).rejects.toThrow("HTTP 403");
    await expect(WsClient.open("/nope")).rejects.toThrow("HTTP 404");
    await expect(WsClient.open("/qmp/nosuch")).rejects.toThrow("HTTP 404");
  });

  it("closes a connection whose frame is too large (1009)", async () => {
    const c = await WsClient.open("/qmp");
    await c.next();
    const closed = new Promise<number>((r) => c.ws.once("close", (code) => r(code)));
    c.ws.send("x".repeat(17 * 1024 * 1024));
    expect(await closed).toBe(1009);
  });
});

describe("WebSocket /jsonrpc", () => {
  it("maps methods, params, results and errors, with QMP's class and text in data", async () => {
    const c = await WsClient.open("/jsonrpc");
    expect(await c.request({ jsonrpc: "2.0", id: 1, method: "query-status", params: { machine: "wsm" } })).toEqual({
      jsonrpc: "2.0",
      id: 1,
      result: { status: "prelaunch", singlestep: false, running: false },
    });
    expect(await c.request({ jsonrpc: "2.0", id: 2, method: "nosuch" })).toEqual({
      jsonrpc: "2.0",
      id: 2,
      error: { code: -32601, message: "The command nosuch has not been found", data: { class: "CommandNotFound", desc: "The command nosuch has not been found" } },
    });
    expect(await c.request({ jsonrpc: "2.0", id: 3, method: "qom-get", params: { machine: "wsm", path: "/machine" } })).toMatchObject({
      error: { code: -32602, data: { class: "GenericError", desc: "Parameter 'property' is missing" } },
    });
    expect(await c.request({ jsonrpc: "2.0", id: 4, method: "qom-list", params: { machine: "wsm", path: "/nonexistent" } })).toMatchObject({
      error: { code: -32000, data: { class: "DeviceNotFound", desc: "Device '/nonexistent' not found" } },
    });
    expect(await c.request({ jsonrpc: "2.0", id: 5, method: "query-target", params: [] })).toMatchObject({ error: { code: -32602 } });
    c.ws.send("{not json");
    expect(await c.next()).toEqual({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
    c.ws.close();
  });

  it("answers batches and sends events as notifications", async () => {
    const c = await WsClient.open("/jsonrpc");
    c.ws.send(
      JSON.stringify([
        { jsonrpc: "2.0", id: "a", method: "query-target" },
        { jsonrpc: "2.0", id: "b", method: "query-version" },
        { jsonrpc: "2.0", method: "query-target" },
      ]),
    );
    const batch = (await c.next()) as unknown as Array<Record<string, unknown>>;
    expect(batch.map((r) => r["id"])).toEqual(["a", "b"]);
    c.ws.send(JSON.stringify({ jsonrpc: "2.0", id: 9, method: "machine-start", params: { name: "wsm" } }));
    const first = await c.next();
    expect(first).toMatchObject({ jsonrpc: "2.0", method: "event/RESUME", params: { machine: "wsm" } });
    expect(first["params"]).toHaveProperty("timestamp.seconds");
    expect(await c.next()).toEqual({ jsonrpc: "2.0", id: 9, result: {} });
    c.ws.close();
  });
});
