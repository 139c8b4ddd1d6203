import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { QmpSession } from "../../src/monitor/qmp-session.js";
import { FakeMachineBackend, RecordingTransport } from "./helpers.js";

interface Exchange {
  sent: string;
  received: string[];
}

const transcript = JSON.parse(
  readFileSync(new URL("../fixtures/qmp/protocol-transcript.json", import.meta.url), "utf8"),
) as Exchange[];

const GREETING =
  '{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7+deb12u18+b3"}, "capabilities": ["oob"]}}\r\n';

function newSession(backend = new FakeMachineBackend()) {
  const transport = new RecordingTransport();
  const session = new QmpSession(transport, backend);
  session.start();
  return { transport, session, backend };
}

/** Feeds one raw write the way a socket delivers it (latin1 keeps the transcript's raw bytes). */
async function send(session: QmpSession, text: string): Promise<void> {
  session.feed(Buffer.from(text, "latin1"));
  await session.whenIdle();
}

describe("QmpSession", () => {
  it("greets with QEMU 7.2's version and offers oob", () => {
    const { transport } = newSession();
    expect(transport.take()).toEqual([GREETING]);
  });

  it("replays the protocol part of QEMU's transcript byte for byte", async () => {
    const { transport, session } = newSession();
    transport.take();
    // Up to and including the "no newline" request: everything before needs no machine.
    const protocolPart = transcript.slice(0, 42);
    for (const exchange of protocolPart) {
      await send(session, exchange.sent);
      expect(transport.take(), exchange.sent).toEqual(exchange.received);
    }
  });

  it("rewrites CommandNotFound while negotiating and refuses a second negotiation", async () => {
    const { transport, session } = newSession();
    transport.take();
    await send(session, '{"execute":"qom-get","arguments":{},"id":"x"}');
    expect(transport.take()).toEqual([
      `{"id": "x", "error": {"class": "CommandNotFound", "desc": "Expecting capabilities negotiation with 'qmp_capabilities'"}}\r\n`,
    ]);
    await send(session, '{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}');
    expect(transport.take()).toEqual(['{"return": {}}\r\n']);
    expect(session.oob).toBe(true);
  });

  it("runs exec-oob only after oob is negotiated, with QEMU's texts", async () => {
    const { transport, session } = newSession();
    await send(session, '{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}');
    transport.take();
    await send(session, '{"exec-oob":"query-status","id":"o1"}');
    await send(session, '{"execute":"query-status","exec-oob":"query-name","id":"o2"}');
    await send(session, '{"exec-oob":1,"id":"o3"}');
    await send(session, '{"exec-oob":"migrate-pause","id":"o4"}');
    expect(transport.take()).toEqual([
      '{"id": "o1", "error": {"class": "GenericError", "desc": "The command query-status does not support OOB"}}\r\n',
      `{"id": "o2", "error": {"class": "GenericError", "desc": "QMP input member 'execute' clashes with 'exec-oob'"}}\r\n`,
      `{"id": "o3", "error": {"class": "GenericError", "desc": "QMP input member 'exec-oob' must be a string"}}\r\n`,
      '{"id": "o4", "error": {"class": "GenericError", "desc": "migrate-pause is currently only supported during postcopy-active state"}}\r\n',
    ]);
  });

  it("an oob request overtakes a queued in-band one; without oob replies keep request order", async () => {
    const { transport, session, backend } = newSession();
    await send(session, '{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}');
    transport.take();
    backend.hold = true;
    session.feed(Buffer.from('{"execute":"query-name","id":1}{"exec-oob":"migrate-pause","id":2}'));
    // query-name is held by the backend; migrate-pause is held too, but runs beside it.
    await new Promise((r) => setImmediate(r));
    expect(backend.calls.map((c) => c.command)).toEqual(["query-name", "migrate-pause"]);
    backend.held[1]!();
    await new Promise((r) => setImmediate(r));
    expect(transport.take().map((l) => JSON.parse(l).id)).toEqual([2]);
    backend.held[0]!();
    await session.whenIdle();
    expect(transport.take().map((l) => JSON.parse(l).id)).toEqual([1]);
  });

  it("in-band requests run one at a time, in order", async () => {
    const { transport, session, backend } = newSession();
    await send(session, '{"execute":"qmp_capabilities"}');
    transport.take();
    backend.hold = true;
    session.feed(Buffer.from('{"execute":"query-name","id":1}{"execute":"query-kvm","id":2}'));
    await new Promise((r) => setImmediate(r));
    expect(backend.calls.map((c) => c.command)).toEqual(["query-name"]);
    backend.held[0]!();
    await new Promise((r) => setImmediate(r));
    backend.held[1]!();
    await session.whenIdle();
    expect(transport.take().map((l) => JSON.parse(l).id)).toEqual([1, 2]);
  });

  it("delivers events only after negotiation, before the reply of the command that caused them", async () => {
    const { transport, session, backend } = newSession();
    transport.take();
    backend.status = "paused";
    const other = newSession(backend);
    other.transport.take();
    await send(session, '{"execute":"qmp_capabilities"}');
    await send(session, '{"execute":"cont","id":42}');
    const lines = transport.take();
    expect(lines[1]).toMatch(/^\{"timestamp": \{"seconds": \d+, "microseconds": \d+\}, "event": "RESUME"\}\r\n$/);
    expect(lines[2]).toBe('{"return": {}, "id": 42}\r\n');
    // The second session never negotiated: no event.
    expect(other.transport.take()).toEqual([]);
  });

  it("an unexpected exception is a GenericError without details", async () => {
    const { transport, session, backend } = newSession();
    backend.implements = () => true;
    await send(session, '{"execute":"qmp_capabilities"}');
    transport.take();
    await send(session, '{"execute":"query-yank","id":"y"}');
    expect(transport.take()).toEqual([
      `{"id": "y", "error": {"class": "GenericError", "desc": "Internal error while executing 'query-yank'"}}\r\n`,
    ]);
  });

  it("pauses its input while too many requests are queued and resumes when they drain", async () => {
    const { transport, session, backend } = newSession();
    await send(session, '{"execute":"qmp_capabilities"}');
    backend.hold = true;
    session.feed(Buffer.from('{"execute":"query-name"}'.repeat(10)));
    expect(transport.pauses).toBe(1);
    while (backend.held.length < 10) {
      backend.held.shift()?.();
      await new Promise((r) => setImmediate(r));
      if (backend.held.length === 0) break;
    }
    for (const h of backend.held) h();
    backend.hold = false;
    await session.whenIdle();
    expect(transport.resumes).toBe(1);
  });

  it("a WebSocket frame is one whole message: an unfinished one is an error, not pending input", async () => {
    const { transport, session } = newSession();
    transport.take();
    session.feedFrame(Buffer.from('{"execute":'));
    await session.whenIdle();
    expect(transport.take()).toEqual(['{"error": {"class": "GenericError", "desc": "JSON parse error, premature EOI"}}\r\n']);
    session.feedFrame(Buffer.from('{"execute":"qmp_capabilities"}'));
    await session.whenIdle();
    expect(transport.take()).toEqual(['{"return": {}}\r\n']);
  });
});
