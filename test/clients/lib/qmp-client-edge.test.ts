/**
 * QmpClient against a scripted server, for what a well-behaved server does
 * not show: replies that never come (timeouts, cancellation), late replies,
 * an error without id, a bad greeting, a refused negotiation, a dropped
 * connection.  The server reads with QMP's own parser.
 */
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { QmpClient } from "../../../clients/lib/qmp-client.js";
import { ConnectError, ExecInterruptedError, ExecTimeoutError, GreetingError, NegotiationError, StateError } from "../../../clients/lib/errors.js";
import { JsonMessageParser } from "../../../src/qobject/json-streamer.js";
import type { JsonObject } from "../../../src/qobject/json-value.js";
import { removeDir, tempDir } from "../../integration/helpers.js";

type Handler = (msg: JsonObject, reply: (text: string) => void, socket: Socket) => void;

const GREETING = '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}\r\n';

let server: Server | undefined;
let dir: string | undefined;
afterEach(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  if (dir) removeDir(dir);
});

/** A QMP server whose answers come from `handler`; answers qmp_capabilities itself unless told otherwise. */
async function scriptedServer(handler: Handler, options: { greeting?: string; negotiation?: string } = {}): Promise<{ path: string; received: JsonObject[] }> {
  dir = tempDir("qomd-client-edge-");
  const path = join(dir, "qmp.sock");
  const received: JsonObject[] = [];
  server = createServer((socket) => {
    const parser = new JsonMessageParser();
    socket.on("error", () => {});
    socket.write(options.greeting ?? GREETING);
    socket.on("data", (chunk: Buffer) => {
      for (const m of parser.feed(chunk)) {
        if (!("value" in m)) continue;
        const msg = m.value as JsonObject;
        received.push(msg);
        if (msg["execute"] === "qmp_capabilities") socket.write(options.negotiation ?? '{"return": {}}\r\n');
        else handler(msg, (t) => socket.write(t + "\r\n"), socket);
      }
    });
  });
  await new Promise<void>((r) => server!.listen(path, () => r()));
  return { path, received };
}

describe("QmpClient edge cases", () => {
  it("asks for oob in negotiation exactly as QEMU's python client does", async () => {
    const { path, received } = await scriptedServer(() => {});
    const qmp = await QmpClient.open(path);
    expect(received[0]).toEqual({ execute: "qmp_capabilities", arguments: { enable: ["oob"] } });
    await qmp.disconnect();
  });

  it("times out a reply that does not come, and drops it when it comes late", async () => {
    let late: ((text: string) => void) | undefined;
    const { path } = await scriptedServer((msg, reply) => {
      if (msg["execute"] === "slow") late = () => reply(`{"return": "late", "id": ${JSON.stringify(msg["id"])}}`);
      else reply(`{"return": "fast", "id": ${JSON.stringify(msg["id"])}}`);
    });
    const dropped: JsonObject[] = [];
    const qmp = await QmpClient.open(path, { onDropped: (m) => dropped.push(m) });
    const err = await qmp.executeUntyped("slow", undefined, { timeout: 20 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecTimeoutError);
    expect(err).toBeInstanceOf(ExecInterruptedError);
    expect((err as Error).message).toBe("no reply to slow within 20 ms");
    late!("");
    expect(await qmp.executeUntyped("other")).toBe("fast");
    expect(dropped).toEqual([{ return: "late", id: "__qmp#00000" }]);
    await qmp.disconnect();
  });

  it("cancels a wait through an AbortSignal (rejecting with its reason) and stays usable", async () => {
    const { path } = await scriptedServer((msg, reply) => {
      if (msg["execute"] !== "never") reply(`{"return": 1, "id": ${JSON.stringify(msg["id"])}}`);
    });
    const qmp = await QmpClient.open(path);
    const ac = new AbortController();
    const pending = qmp.executeUntyped("never", undefined, { signal: ac.signal });
    ac.abort(new Error("user pressed ^C"));
    await expect(pending).rejects.toThrow("user pressed ^C");
    const already = AbortSignal.abort(new Error("too late"));
    await expect(qmp.executeUntyped("x", undefined, { signal: already })).rejects.toThrow("too late");
    expect(await qmp.executeUntyped("x")).toBe(1);
    await qmp.disconnect();
  });

  it("runs executions without id one at a time, and a late id-less reply goes to the one it belongs to", async () => {
    const held: Array<() => void> = [];
    const { path } = await scriptedServer((msg, reply) => {
      held.push(() => reply(`{"return": ${JSON.stringify(msg["execute"])}}`));
    });
    const qmp = await QmpClient.open(path);
    const first = qmp.executeMessage({ execute: "one" }, { assignId: false, timeout: 20 });
    await expect(first).rejects.toBeInstanceOf(ExecTimeoutError);
    const second = qmp.executeMessage({ execute: "two" }, { assignId: false });
    // "two" waits until the server has answered "one".
    expect(held.length).toBe(1);
    held.shift()!();
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(held.length).toBe(1);
    held.shift()!();
    expect(await second).toEqual({ return: "two" });
    await qmp.disconnect();
  });

  it("treats an error without id, when nothing was sent without id, as a protocol error and disconnects", async () => {
    const { path } = await scriptedServer((_msg, reply) => reply('{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}'));
    const qmp = await QmpClient.open(path);
    const lost = new Promise<Error | undefined>((r) => qmp.onDisconnect(r));
    await expect(qmp.executeUntyped("x")).rejects.toBeInstanceOf(ExecInterruptedError);
    expect((await lost)?.message).toBe("the server reported an error for no command: JSON parse error, expecting value");
    expect(qmp.runstate).toBe("idle");
  });

  it("fails pending executions with ExecInterruptedError when the connection drops", async () => {
    const { path } = await scriptedServer((_msg, _reply, socket) => socket.destroy());
    const qmp = await QmpClient.open(path);
    const lost = new Promise<Error | undefined>((r) => qmp.onDisconnect(r));
    const err = await qmp.executeUntyped("x").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExecInterruptedError);
    expect((err as Error).message).toMatch(/^connection to .*qmp\.sock lost; no reply will come$/);
    expect(await lost).toBeInstanceOf(ConnectError);
    await expect(qmp.executeUntyped("x")).rejects.toBeInstanceOf(StateError);
  });

  it("rejects a bad greeting and a refused negotiation", async () => {
    const bad = await scriptedServer(() => {}, { greeting: '{"hello": 1}\r\n' });
    const qmp = new QmpClient();
    await expect(qmp.connect(bad.path)).rejects.toBeInstanceOf(GreetingError);
    expect(qmp.runstate).toBe("idle");
    await new Promise<void>((r) => server!.close(() => r()));
    server = undefined;
    const refused = await scriptedServer(() => {}, { negotiation: '{"error": {"class": "GenericError", "desc": "Capability oob not available"}}\r\n' });
    await expect(qmp.connect(refused.path)).rejects.toThrow(new NegotiationError("qmp_capabilities failed: Capability oob not available"));
  });

  it("gives up connecting after the timeout when no greeting comes", async () => {
    const { path } = await scriptedServer(() => {}, { greeting: "" });
    await expect(QmpClient.open(path, { timeout: 30 })).rejects.toThrow(`timed out after 30 ms connecting to ${path}`);
  });
});
