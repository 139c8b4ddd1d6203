/**
 * Bounded fuzzing of every transport: malformed and random input (seeded,
 * so a failure can be replayed) must get only well-formed replies, and the
 * daemon must keep answering afterwards.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openUnix, qmpConnect, removeDir, startDaemon, type DaemonHandle } from "./helpers.js";

/** xorshift32: deterministic pseudo-random numbers. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

const FRAGMENTS = [
  "{", "}", "[", "]", ":", ",", '"execute"', '"qmp_capabilities"', '"query-status"', '"arguments"', '"id"', "'x'", "1", "-0",
  "1e999", "18446744073709551616", "null", "true", "nul", '"\\u00"', '"\\ud800"', "\\", "\x00", "\xff", "\x0c", " ", "\n",
  '{"execute":"qom-get","arguments":{"path":"/machine","property":"type"}}', '{"exec-oob":"migrate-pause"}',
  '{"execute":"human-monitor-command","arguments":{"command-line":"info qom-tree"}}', '{"execute":"qom-list","arguments":{"path":7}}',
];

function randomInput(next: () => number): Buffer {
  const parts: Buffer[] = [];
  const n = 1 + Math.floor(next() * 20);
  for (let i = 0; i < n; i++) {
    if (next() < 0.3) {
      const bytes = Buffer.alloc(1 + Math.floor(next() * 16));
      for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(next() * 256);
      parts.push(bytes);
    } else parts.push(Buffer.from(FRAGMENTS[Math.floor(next() * FRAGMENTS.length)]!, "latin1"));
  }
  return Buffer.concat(parts);
}

/** Each reply is one JSON object that is a greeting, an event, a return or a {class, desc} error. */
function checkReply(line: string): void {
  const msg = JSON.parse(line) as Record<string, unknown>;
  expect(typeof msg).toBe("object");
  if ("error" in msg) {
    const e = msg["error"] as Record<string, unknown>;
    expect(typeof e["class"]).toBe("string");
    expect(typeof e["desc"]).toBe("string");
  } else {
    expect("return" in msg || "event" in msg || "QMP" in msg).toBe(true);
  }
  expect(/^[\x20-\x7e]*$/.test(line)).toBe(true);
}

let daemon: DaemonHandle;
let token: string;
beforeAll(async () => {
  daemon = await startDaemon({ ws: true });
  token = readFileSync(join(daemon.runtimeDir, "token"), "utf8").trim();
  const c = await qmpConnect(daemon.controlPath);
  await c.cmd("machine-create", { name: "fz", argv: ["-M", "none"] });
  c.close();
});
afterAll(async () => {
  expect(await daemon.stop()).toBe(0);
  removeDir(daemon.dir);
});

async function stillServes(): Promise<void> {
  const c = await qmpConnect(daemon.controlPath);
  expect(await c.cmd("query-status", { machine: "fz" })).toHaveProperty("return");
  c.close();
}

/** Sends random input on a stream socket, then a sentinel, and checks every line up to the sentinel's reply. */
async function fuzzStream(path: string, seed: number, rounds: number): Promise<void> {
  const next = rng(seed);
  for (let r = 0; r < rounds; r++) {
    const c = await openUnix(path);
    checkReply((await c.line())!);
    if (next() < 0.5) c.send('{"execute":"qmp_capabilities"}');
    c.send(randomInput(next));
    // Whatever state the parser is in, this ends it (a lexer error resets it) and then asks one more thing.
    c.send('\x0c{"execute":"query-version","id":"sentinel"}');
    for (;;) {
      const line = await c.line();
      if (line === undefined) throw new Error("connection closed during fuzzing");
      checkReply(line);
      if (line.includes('"sentinel"')) break;
    }
    c.socket.destroy();
  }
}

describe("fuzzing", () => {
  it("control socket", async () => {
    await fuzzStream(daemon.controlPath, 0x1234, 60);
    await stillServes();
  });

  it("machine socket", async () => {
    await fuzzStream(join(daemon.runtimeDir, "machines/fz.qmp"), 0xbeef, 60);
    await stillServes();
  });

  it("WebSocket /qmp and /jsonrpc", async () => {
    const next = rng(0x5eed);
    for (const path of ["/qmp", "/jsonrpc"]) {
      const ws = new WebSocket(`ws://127.0.0.1:${daemon.wsPort}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      const messages: string[] = [];
      let wake: () => void = () => {};
      ws.on("message", (d: Buffer) => {
        messages.push(d.toString("utf8"));
        wake();
      });
      await new Promise((r) => ws.once("open", r));
      let closed = false;
      ws.once("close", () => {
        closed = true;
        wake();
      });
      // Text frames must be UTF-8 (ws closes with 1007 otherwise), so raw bytes go in binary frames.
      for (let i = 0; i < 80; i++) {
        const input = randomInput(next);
        if (next() < 0.5) ws.send(input, { binary: true });
        else ws.send(input.toString("latin1"));
      }
      const sentinel = path === "/qmp" ? '{"execute":"query-version","id":"sentinel"}' : '{"jsonrpc":"2.0","id":"sentinel","method":"query-version"}';
      ws.send(sentinel);
      while (!messages.some((m) => m.includes('"sentinel"'))) {
        if (closed) throw new Error(`${path}: connection closed during fuzzing`);
        await new Promise<void>((r) => (wake = r));
      }
      for (const m of messages) {
        const value = JSON.parse(m) as unknown;
        if (path === "/qmp") checkReply(m);
        else for (const r of Array.isArray(value) ? value : [value]) expect((r as Record<string, unknown>)["jsonrpc"]).toBe("2.0");
      }
      ws.close();
    }
    await stillServes();
  });
});
