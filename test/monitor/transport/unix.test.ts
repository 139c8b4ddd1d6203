import { mkdtempSync, rmSync, statSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { QmpSession } from "../../../src/monitor/qmp-session.js";
import { QmpSocketServer } from "../../../src/monitor/transport/unix.js";
import { FakeMachineBackend } from "../helpers.js";

/** Reads "\r\n"-terminated lines from a socket as they arrive. */
class LineReader {
  private buffer = "";
  private waiters: Array<() => void> = [];
  ended = false;
  constructor(readonly socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      this.buffer += d;
      this.wake();
    });
    socket.on("close", () => {
      this.ended = true;
      this.wake();
    });
  }
  private wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
  get pending(): string {
    return this.buffer;
  }
  async line(): Promise<string | undefined> {
    for (;;) {
      const i = this.buffer.indexOf("\r\n");
      if (i >= 0) {
        const l = this.buffer.slice(0, i);
        this.buffer = this.buffer.slice(i + 2);
        return l;
      }
      if (this.ended) return undefined;
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }
}

function open(path: string): Promise<LineReader> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => resolve(new LineReader(s)));
    s.on("error", reject);
  });
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qomd-unix-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("QmpSocketServer", () => {
  it("single mode: a second client waits, then gets a fresh greeting when the first leaves", async () => {
    const backend = new FakeMachineBackend();
    const path = join(dir, "m.qmp");
    const server = new QmpSocketServer({ listen: { path }, clients: "single", newSession: (t) => new QmpSession(t, backend) });
    await server.listen();
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const c1 = await open(path);
    expect(await c1.line()).toMatch(/^\{"QMP": /);
    const c2 = await open(path);
    c2.socket.write('{"execute":"qmp_capabilities"}');
    // c1 is still served: a round trip on c1 proves c2 got nothing meanwhile.
    c1.socket.write('{"execute":"qmp_capabilities"}{"execute":"query-kvm"}');
    expect(await c1.line()).toBe('{"return": {}}');
    expect(await c1.line()).toBe('{"return": {"enabled": false, "present": true}}');
    expect(c2.pending).toBe("");
    c1.socket.end();
    expect(await c2.line()).toMatch(/^\{"QMP": /);
    // What c2 sent while waiting is read now.
    expect(await c2.line()).toBe('{"return": {}}');
    c2.socket.end();
    await server.close();
  });

  it("multi mode serves clients at once and answers what a half-closed client sent", async () => {
    const backend = new FakeMachineBackend();
    const path = join(dir, "c.sock");
    const server = new QmpSocketServer({ listen: { path }, clients: "multi", newSession: (t) => new QmpSession(t, backend) });
    await server.listen();
    const clients = await Promise.all([1, 2, 3].map(() => open(path)));
    for (const c of clients) expect(await c.line()).toMatch(/^\{"QMP": /);
    for (const c of clients) c.socket.end('{"execute":"qmp_capabilities"}{"execute":"query-name","id":7}');
    for (const c of clients) {
      expect(await c.line()).toBe('{"return": {}}');
      expect(await c.line()).toBe('{"return": {}, "id": 7}');
      expect(await c.line()).toBeUndefined();
    }
    await server.close();
    expect(() => statSync(path)).toThrow();
  });

  it("pretty mode writes QEMU's multi-line layout", async () => {
    const backend = new FakeMachineBackend();
    const path = join(dir, "p.qmp");
    const server = new QmpSocketServer({ listen: { path }, clients: "single", pretty: true, newSession: (t) => new QmpSession(t, backend) });
    await server.listen();
    const c = await open(path);
    c.socket.write('{"execute":"qmp_capabilities"}');
    // The greeting: its only unindented closing line is its last.
    const greeting: string[] = [];
    for (let l = await c.line(); l !== "}"; l = await c.line()) greeting.push(l!);
    expect(greeting[1]).toBe('    "QMP": {');
    expect(await c.line()).toBe("{");
    expect(await c.line()).toBe('    "return": {');
    expect(await c.line()).toBe("    }");
    expect(await c.line()).toBe("}");
    c.socket.end();
    await server.close();
  });
});
