/**
 * Guest execution in full PC machines (the vCPU loop with its devices, timers and run control):
 *
 * - SeaBIOS POST: Debian's bios-256k.bin from power-on to "No bootable device." on its debug
 *   port (-M pc -nodefaults -nographic), in this process, with the guest instructions it took
 *   (QEMU TCG needs ~0.1 s wall clock for the same, its process start included);
 * - guest MIPS on test/guests/spin-bios.bin (the add/xor/dec/jnz loop) inside a machine, i.e.
 *   with the loop's slicing, timer checks and yields included;
 * - stop latency: the time from `stop` to STOP while the guest spins in `jmp $`, in process
 *   (a request arriving between slices) and over a QMP socket of a `qomd run` process.
 *
 * Each figure is the median (and, for speeds, the best) of a few runs.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { loadMachineBuilder } from "../../src/daemon/machine-builder.js";
import { MachineRuntime } from "../../src/daemon/machine-runtime.js";

/** The repository root, from the sources (test/bench) or from dist/test/bench. */
const ROOT = resolve(import.meta.dirname, import.meta.dirname.includes(`${"/"}dist${"/"}`) ? "../../.." : "../..");
const GUESTS = join(ROOT, "test/guests");
const SEABIOS = "/usr/share/seabios/bios-256k.bin";

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function machine(argv: string[]): Promise<{ runtime: MachineRuntime; events: string[] }> {
  const builder = await loadMachineBuilder();
  const instance = await builder.createMachine(["-M", "pc", "-nodefaults", "-display", "none", ...argv], { prog: "qomd" });
  const events: string[] = [];
  const runtime = new MachineRuntime(instance, { onEvent: (e) => events.push(e.event), onExit: () => {}, deviceAdd: () => {} });
  return { runtime, events };
}

/** Power-on to "No bootable device." in SeaBIOS's debug log: wall milliseconds and guest instructions. */
async function seabiosPost(): Promise<{ ms: number; instructions: number }> {
  const { runtime } = await machine(["-nographic", "-serial", "null", "-chardev", "ringbuf,id=dbg,size=1048576", "-device", "isa-debugcon,iobase=0x402,chardev=dbg"]);
  const ring = runtime.instance.chardevs.find("dbg") as unknown as { read(len: number): Uint8Array };
  let log = "";
  const start = performance.now();
  runtime.start();
  try {
    while (!log.includes("No bootable device.")) {
      if (performance.now() - start > 60_000) throw new Error("SeaBIOS did not reach 'No bootable device.' within 60 s");
      await new Promise((r) => setImmediate(r));
      log += Buffer.from(ring.read(1 << 20)).toString("latin1");
    }
    return { ms: performance.now() - start, instructions: runtime.runControl.loop.executed };
  } finally {
    runtime.runControl.close();
  }
}

/** Guest MIPS of the spin loop inside a running machine, measured over `ms`. */
async function loopMips(ms: number): Promise<number> {
  const { runtime } = await machine(["-bios", join(GUESTS, "spin-bios.bin")]);
  runtime.start();
  try {
    await sleep(300); // compile the loop and let V8 optimise it
    const n0 = runtime.runControl.loop.executed;
    const t0 = performance.now();
    await sleep(ms);
    return (runtime.runControl.loop.executed - n0) / ((performance.now() - t0) * 1000);
  } finally {
    runtime.runControl.close();
  }
}

/** In process: a stop request that arrives (as a timer would) while `jmp $` runs, until STOP. */
async function stopLatencyInProcess(rounds: number): Promise<number[]> {
  const { runtime, events } = await machine(["-bios", join(GUESTS, "jmp-bios.bin")]);
  runtime.start();
  const out: number[] = [];
  try {
    for (let i = 0; i < rounds; i++) {
      await sleep(20);
      const asked = performance.now();
      const stopped = await new Promise<number>((r) =>
        setImmediate(() => {
          runtime.execute("stop", {});
          r(performance.now());
        }),
      );
      if (events.at(-1) !== "STOP") throw new Error("no STOP event");
      out.push(stopped - asked);
      runtime.execute("cont", {});
    }
    return out;
  } finally {
    runtime.runControl.close();
  }
}

/** Over QMP: `stop` sent to a `qomd run` process whose guest spins in `jmp $`, until STOP arrives. */
async function stopLatencyQmp(rounds: number): Promise<number[]> {
  const main = join(ROOT, "dist/src/main.js");
  if (!existsSync(main)) throw new Error(`${main} missing (npm run build)`);
  const dir = mkdtempSync(join(tmpdir(), "qomd-bench-boot-"));
  const sock = join(dir, "qmp.sock");
  const child = spawn(process.execPath, [main, "run", "-M", "pc", "-nodefaults", "-display", "none", "-bios", join(GUESTS, "jmp-bios.bin"), "-qmp", `unix:${sock},server=on,wait=off`], { stdio: "ignore" });
  try {
    while (!existsSync(sock)) {
      if (child.exitCode !== null) throw new Error(`qomd run exited with ${child.exitCode}`);
      await sleep(5);
    }
    const s = connect(sock);
    let buf = "";
    const waiters: Array<() => void> = [];
    s.on("data", (d) => {
      buf += d.toString("latin1");
      for (const w of waiters.splice(0)) w();
    });
    const next = async (): Promise<Record<string, unknown>> => {
      for (;;) {
        const i = buf.indexOf("\r\n");
        if (i >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 2);
          return JSON.parse(line) as Record<string, unknown>;
        }
        await new Promise<void>((r) => waiters.push(r));
      }
    };
    await next(); // greeting
    s.write(JSON.stringify({ execute: "qmp_capabilities" }));
    await next();
    const out: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await sleep(50);
      const t0 = performance.now();
      s.write(JSON.stringify({ execute: "stop" }));
      for (;;) if ((await next())["event"] === "STOP") break;
      out.push(performance.now() - t0);
      await next(); // the reply
      s.write(JSON.stringify({ execute: "cont" }));
      await next(); // RESUME
      await next(); // the reply
    }
    s.destroy();
    return out;
  } finally {
    child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<Record<string, number>> {
  const results: Record<string, number> = {};
  if (existsSync(SEABIOS)) {
    const posts: Array<{ ms: number; instructions: number }> = [];
    for (let i = 0; i < 3; i++) posts.push(await seabiosPost());
    results["boot.seabios_post_ms.median"] = round(median(posts.map((p) => p.ms)));
    results["boot.seabios_post_ms.best"] = round(Math.min(...posts.map((p) => p.ms)));
    results["boot.seabios_post_instructions"] = posts[0]!.instructions;
  }
  const mips: number[] = [];
  for (let i = 0; i < 3; i++) mips.push(await loopMips(1000));
  results["boot.machine_loop_mips.median"] = round(median(mips));
  results["boot.machine_loop_mips.best"] = round(Math.max(...mips));
  const inproc = await stopLatencyInProcess(20);
  results["boot.stop_latency_in_process_ms.median"] = round(median(inproc), 2);
  results["boot.stop_latency_in_process_ms.max"] = round(Math.max(...inproc), 2);
  const qmp = await stopLatencyQmp(20);
  results["boot.stop_latency_qmp_ms.median"] = round(median(qmp), 2);
  results["boot.stop_latency_qmp_ms.max"] = round(Math.max(...qmp), 2);
  return results;
}
