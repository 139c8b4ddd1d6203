/**
 * A bound on how long one KVM_RUN may block: a helper thread that kicks the vCPU when the time is
 * up. KVM_RUN blocks the thread that also serves QMP, chardevs and the machine's timers (their
 * callbacks cannot run while it blocks), so the vCPU loop arms this before each run with the time
 * to the next timer deadline or the end of its slice (QEMU gets the same from its separate I/O
 * thread and timer signals).
 *
 * The control words live in a SharedArrayBuffer: [generation, token, timeout ms (-1: none)].
 * Arming or disarming bumps the generation, which wakes the helper to re-read them; a wait that
 * times out with the generation unchanged means the deadline passed, and the helper kicks.
 */
import { Worker } from "node:worker_threads";
import { kvmAddonPath } from "./kvm-addon.js";

const GEN = 0;
const TOKEN = 1;
const TIMEOUT = 2;

const HELPER = `
const { workerData } = require("node:worker_threads");
const addon = require(workerData.addon);
const ctrl = workerData.ctrl;
for (;;) {
  const gen = Atomics.load(ctrl, ${GEN});
  const ms = Atomics.load(ctrl, ${TIMEOUT});
  if (ms === -2) break;
  if (ms < 0) { Atomics.wait(ctrl, ${GEN}, gen); continue; }
  if (Atomics.wait(ctrl, ${GEN}, gen, ms) === "timed-out") {
    addon.kick(Atomics.load(ctrl, ${TOKEN}));
    Atomics.wait(ctrl, ${GEN}, gen);
  }
}
`;

export class KvmRunTimer {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(12));
  private readonly worker: Worker;

  constructor() {
    Atomics.store(this.ctrl, TIMEOUT, -1);
    this.worker = new Worker(HELPER, { eval: true, workerData: { addon: kvmAddonPath(), ctrl: this.ctrl } });
    // The helper never keeps the process alive on its own.
    this.worker.unref();
  }

  /** Kick the vCPU with `token` after `ms` milliseconds unless disarmed before. */
  arm(token: number, ms: number): void {
    Atomics.store(this.ctrl, TOKEN, token);
    Atomics.store(this.ctrl, TIMEOUT, Math.max(0, Math.ceil(ms)));
    this.bump();
  }

  disarm(): void {
    Atomics.store(this.ctrl, TIMEOUT, -1);
    this.bump();
  }

  close(): void {
    Atomics.store(this.ctrl, TIMEOUT, -2);
    this.bump();
    void this.worker.terminate();
  }

  private bump(): void {
    Atomics.add(this.ctrl, GEN, 1);
    Atomics.notify(this.ctrl, GEN);
  }
}
