/**
 * QMP benchmarks against a real `qomd daemon` process (dist/src/main.js):
 * sequential qom-get round trips per second and pipelined throughput on a
 * machine socket and on the WebSocket endpoint, and machine-create latency
 * to a paused `pc` machine.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

const MAIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../src/main.js");
const QOM_GET = '{"execute":"qom-get","arguments":{"path":"/machine","property":"type"}}';

/** Counts complete "\r\n"-terminated replies on a stream and waits for a given number. */
class Replies {
  private buffer = "";
  private count = 0;
  private want = 0;
  private done: (() => void) | undefined;
  lines: string[] = [];
  keep = false;
  constructor(socket: Socket) {
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => {
      this.buffer += d;
      let i: number;
      while ((i = this.buffer.indexOf("\r\n")) >= 0) {
        if (this.keep) this.lines.push(this.buffer.slice(0, i));
        this.buffer = this.buffer.slice(i + 2);
        this.count++;
      }
      if (this.done && this.count >= this.want) {
        const d2 = this.done;
        this.done = undefined;
        d2();
      }
    });
  }
  wait(n: number): Promise<void> {
    this.want = this.count + n;
    if (this.count >= this.want) return Promise.resolve();
    return new Promise((r) => (this.done = r));
  }
}

async function openQmp(path: string): Promise<{ socket: Socket; replies: Replies }> {
  const socket = await new Promise<Socket>((r, j) => {
    const s = connect(path, () => r(s));
    s.once("error", j);
  });
  const replies = new Replies(socket);
  await replies.wait(1);
  socket.write('{"execute":"qmp_capabilities"}');
  await replies.wait(1);
  return { socket, replies };
}

async function sequential(send: () => void, wait: () => Promise<void>, ms = 1500): Promise<number> {
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < ms) {
    send();
    await wait();
    n++;
  }
  return Math.round((n * 1000) / (performance.now() - start));
}


/** VmRSS of a process in KiB (Linux /proc), or undefined where that cannot be read. */
function rssKib(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}
export async function run(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "qomd-bench-"));
  const child = spawn(process.execPath, [MAIN, "daemon", "--runtime-dir", join(dir, "run"), "--state-dir", join(dir, "state"), "--ws", "127.0.0.1:0", "--log-level", "info"], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  try {
    let log = "";
    child.stderr.setEncoding("utf8");
    await new Promise<void>((r, j) => {
      child.stderr.on("data", (d: string) => {
        log += d;
        if (log.includes("qomd daemon ready")) r();
      });
      child.once("exit", () => j(new Error(`daemon exited: ${log}`)));
    });
    const wsPort = Number(/ws:\/\/127\.0\.0\.1:(\d+)/.exec(log)![1]);
    const token = readFileSync(join(dir, "run/token"), "utf8").trim();

    const control = await openQmp(join(dir, "run/qomd.sock"));
    control.replies.keep = true;
    // The pc board may not be buildable yet; then the figures are for "none" and say so.
    let machineType = "pc";
    const rssBefore = rssKib(child.pid);
    const createMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      control.socket.write(JSON.stringify({ execute: "machine-create", arguments: { name: `b${i}`, argv: ["-M", machineType, "-S", "-nodefaults"] } }));
      await control.replies.wait(1);
      const reply = control.replies.lines.at(-1)!;
      if (!reply.includes('"return"')) {
        if (machineType === "pc" && i === 0) {
          machineType = "none";
          i--;
          continue;
        }
        throw new Error(`machine-create failed: ${reply}`);
      }
      createMs.push(performance.now() - t0);
    }
    createMs.sort((a, b) => a - b);
    // Resident memory each paused machine (its worker thread, QOM tree and devices) adds to the
    // daemon; guest RAM pages count only once touched, and a paused machine touches few.
    const rssPerMachineMib = rssBefore === undefined ? undefined : ((rssKib(child.pid) ?? rssBefore) - rssBefore) / createMs.length / 1024;

    process.stderr.write(`bench qmp: machine-create done (${machineType})\n`);
    const m = await openQmp(join(dir, "run/machines/b0.qmp"));
    const unixSeq = await sequential(() => m.socket.write(QOM_GET), () => m.replies.wait(1));
    const PIPELINE = 5000;
    let t0 = performance.now();
    m.socket.write(QOM_GET.repeat(PIPELINE));
    await m.replies.wait(PIPELINE);
    const unixPipe = Math.round((PIPELINE * 1000) / (performance.now() - t0));
    m.socket.destroy();

    const ws = new WebSocket(`ws://127.0.0.1:${wsPort}/qmp/b0`, { headers: { Authorization: `Bearer ${token}` } });
    let got = 0;
    let want = 0;
    let wake: (() => void) | undefined;
    ws.on("message", () => {
      got++;
      if (wake && got >= want) {
        const w = wake;
        wake = undefined;
        w();
      }
    });
    const wsWait = (n: number) => {
      want = got + n;
      return got >= want ? Promise.resolve() : new Promise<void>((r) => (wake = r));
    };
    await new Promise((r) => ws.once("open", r));
    await wsWait(1);
    ws.send('{"execute":"qmp_capabilities"}');
    await wsWait(1);
    const wsSeq = await sequential(() => ws.send(QOM_GET), () => wsWait(1));
    t0 = performance.now();
    for (let i = 0; i < PIPELINE; i++) ws.send(QOM_GET);
    await wsWait(PIPELINE);
    const wsPipe = Math.round((PIPELINE * 1000) / (performance.now() - t0));
    ws.close();
    control.socket.destroy();

    return {
      "qmp.unix.qom-get.sequential_per_s": unixSeq,
      "qmp.unix.qom-get.pipelined_per_s": unixPipe,
      "qmp.ws.qom-get.sequential_per_s": wsSeq,
      "qmp.ws.qom-get.pipelined_per_s": wsPipe,
      [`qmp.machine-create.${machineType}_paused.median_ms`]: Math.round(createMs[2]! * 10) / 10,
      [`qmp.machine-create.${machineType}_paused.max_ms`]: Math.round(createMs[4]! * 10) / 10,
      ...(rssPerMachineMib === undefined ? {} : { [`daemon.rss_per_${machineType}_paused_machine_mib`]: Math.round(rssPerMachineMib * 10) / 10 }),
    };
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    rmSync(dir, { recursive: true, force: true });
  }
}
