/**
 * Helpers for tests that start the real qomd (from dist/) as a process and
 * speak raw bytes to it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
export const MAIN = join(ROOT, "dist/src/main.js");

/** Reads "\r\n"-terminated lines (QMP messages) from a socket as they arrive. */
export class LineReader {
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
    socket.on("error", () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  get pending(): string {
    return this.buffer;
  }

  /** The next line without its "\r\n", or undefined at end of stream. */
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

  async json(): Promise<Record<string, unknown>> {
    const l = await this.line();
    if (l === undefined) throw new Error("connection closed");
    return JSON.parse(l) as Record<string, unknown>;
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  /** Sends a command and returns the first non-event message. */
  async cmd(execute: string, args?: Record<string, unknown>, id?: unknown): Promise<Record<string, unknown>> {
    const msg: Record<string, unknown> = { execute };
    if (args) msg["arguments"] = args;
    if (id !== undefined) msg["id"] = id;
    this.send(JSON.stringify(msg));
    for (;;) {
      const reply = await this.json();
      if (!("event" in reply)) return reply;
    }
  }

  close(): void {
    this.socket.end();
  }
}

export function openUnix(path: string): Promise<LineReader> {
  return new Promise((resolvePromise, reject) => {
    const s = connect(path, () => resolvePromise(new LineReader(s)));
    s.once("error", reject);
  });
}

/** Connects, reads the greeting and negotiates. */
export async function qmpConnect(path: string): Promise<LineReader> {
  const c = await openUnix(path);
  const greeting = await c.json();
  if (!("QMP" in greeting)) throw new Error(`no greeting: ${JSON.stringify(greeting)}`);
  const r = await c.cmd("qmp_capabilities");
  if (!("return" in r)) throw new Error(`negotiation failed: ${JSON.stringify(r)}`);
  return c;
}

export interface ProcessHandle {
  child: ChildProcess;
  stderr: string;
  stdout: string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
  /** Resolves when stderr (the log) has a line matching `re`; returns the line. */
  waitLog(re: RegExp): Promise<string>;
}

export function startProcess(args: string[], env: NodeJS.ProcessEnv = {}, cwd = ROOT): ProcessHandle {
  const child = spawn(process.execPath, [MAIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  const handle: ProcessHandle = {
    child,
    stderr: "",
    stdout: "",
    exited: new Promise((r) => child.once("exit", (code, signal) => r(code ?? signal ?? -1))),
    waitLog: (re) =>
      new Promise((resolvePromise, reject) => {
        const check = () => {
          const line = handle.stderr.split("\n").find((l) => re.test(l));
          if (line !== undefined) {
            child.stderr!.off("data", check);
            resolvePromise(line);
          }
        };
        child.stderr!.on("data", check);
        void handle.exited.then(() => reject(new Error(`process exited before logging ${re}: ${handle.stderr}`)));
        check();
      }),
  };
  child.stderr!.setEncoding("utf8");
  child.stdout!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (handle.stderr += d));
  child.stdout!.on("data", (d: string) => (handle.stdout += d));
  return handle;
}

export interface DaemonHandle extends ProcessHandle {
  dir: string;
  runtimeDir: string;
  stateDir: string;
  controlPath: string;
  wsPort: number | undefined;
  stop(): Promise<number | string>;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts `qomd daemon` in `dir` (fresh temp dir by default) and waits until it is ready. */
export async function startDaemon(
  options: { dir?: string; ws?: boolean; env?: NodeJS.ProcessEnv; extraArgs?: string[] } = {},
): Promise<DaemonHandle> {
  const dir = options.dir ?? tempDir("qomd-it-");
  const runtimeDir = join(dir, "run");
  const stateDir = join(dir, "state");
  const args = ["daemon", "--runtime-dir", runtimeDir, "--state-dir", stateDir, "--log-level", "debug"];
  args.push(...(options.ws ? ["--ws", "127.0.0.1:0"] : ["--no-ws"]), ...(options.extraArgs ?? []));
  const p = startProcess(args, options.env);
  const ready = JSON.parse(await p.waitLog(/qomd daemon ready/)) as { websocket: string };
  const m = /:(\d+)$/.exec(ready.websocket);
  return Object.assign(p, {
    dir,
    runtimeDir,
    stateDir,
    controlPath: join(runtimeDir, "qomd.sock"),
    wsPort: m ? Number(m[1]) : undefined,
    stop: async () => {
      p.child.kill("SIGTERM");
      return p.exited;
    },
  });
}

/** Replaces event timestamps, which differ on every run. */
export function normalizeTimestamps(line: string): string {
  return line.replace(/"seconds": \d+, "microseconds": \d+/g, '"seconds": S, "microseconds": U');
}
