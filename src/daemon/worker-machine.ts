/**
 * A machine in its own worker thread, seen from the main thread.  A crash
 * (uncaught exception, unexpected thread exit) or a hang (no answer to a
 * heartbeat in time) puts the machine in 'internal-error': pending commands
 * fail, the exit listeners hear why, and the daemon carries on.
 */
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { QmpError } from "../qapi/error.js";
import { EventHub } from "../monitor/events.js";
import type { MonitorLog } from "../monitor/log.js";
import { qmpErrorFromWire } from "../monitor/qmp-errors.js";
import type { MachineFailure, MachineHandle } from "./machine-handle.js";
import type { MachineSummary, MainToWorker, WorkerInit, WorkerToMain } from "./worker-protocol.js";

/** The compiled worker entry: next to this file in dist/, or dist/ when running from src/ (tests). */
export function workerEntryPath(): string {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith(".js")) return resolve(dirname(here), "machine-worker.js");
  const dist = resolve(dirname(here), "../../dist/src/daemon/machine-worker.js");
  if (!existsSync(dist)) throw new Error(`machine worker not built: ${dist} (run npm run build)`);
  return dist;
}

/** Thrown by WorkerMachine.start when the machine cannot be built. */
export class MachineCreateError extends Error {
  constructor(
    message: string,
    /** true: a command-line error with QEMU's text; false: an internal failure. */
    readonly cli: boolean,
  ) {
    super(message);
    this.name = "MachineCreateError";
  }
}

export interface WorkerMachineOptions {
  log: MonitorLog;
  /** A worker that does not answer a heartbeat within this time is declared hung (default 10 s). */
  hangTimeoutMs?: number;
}

interface Pending {
  resolve(value: JsonValue | undefined): void;
  reject(err: Error): void;
}

export class WorkerMachine implements MachineHandle {
  readonly events = new EventHub();
  private readonly pending = new Map<number, Pending>();
  private readonly exitListeners: Array<(failure?: MachineFailure) => void> = [];
  private nextId = 1;
  private alive = true;
  private heartbeat: NodeJS.Timeout | undefined;
  private awaitingPong: { id: number; since: number } | undefined;

  private constructor(
    private readonly worker: Worker,
    private current: MachineSummary,
    private readonly name: string,
    private readonly options: WorkerMachineOptions,
  ) {
    worker.on("message", (msg: WorkerToMain) => this.onMessage(msg));
    worker.on("error", (err) => this.fail({ reason: "crash", message: err.message }));
    worker.on("exit", (code) => {
      if (this.alive) this.fail({ reason: "exit", message: `machine thread exited with code ${code}` });
    });
    this.startHeartbeat();
  }

  /** Starts a worker and builds the machine there. */
  static start(init: WorkerInit, options: WorkerMachineOptions): Promise<WorkerMachine> {
    return new Promise((resolvePromise, reject) => {
      const worker = new Worker(workerEntryPath(), { workerData: init });
      const onEarlyError = (err: Error) => reject(new MachineCreateError(err.message, false));
      const onEarlyExit = (code: number) => reject(new MachineCreateError(`machine thread exited with code ${code}`, false));
      worker.once("error", onEarlyError);
      worker.once("exit", onEarlyExit);
      worker.once("message", (msg: WorkerToMain) => {
        worker.off("error", onEarlyError);
        worker.off("exit", onEarlyExit);
        if (msg.type === "ready") {
          resolvePromise(new WorkerMachine(worker, msg.summary, init.name, options));
        } else {
          void worker.terminate();
          reject(new MachineCreateError(msg.type === "create-failed" ? msg.message : "unexpected first message", msg.type === "create-failed" && msg.cli));
        }
      });
    });
  }

  get summary(): MachineSummary {
    return this.current;
  }

  call(command: string, args: JsonObject): Promise<JsonValue | undefined> {
    if (!this.alive) return Promise.reject(new QmpError("GenericError", `Machine '${this.name}' is not running`));
    const id = this.nextId++;
    return new Promise((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise, reject });
      this.post({ type: "call", id, command, args });
    });
  }

  onExit(listener: (failure?: MachineFailure) => void): void {
    this.exitListeners.push(listener);
  }

  async terminate(): Promise<void> {
    if (!this.alive) return;
    this.alive = false;
    this.stopHeartbeat();
    this.rejectPending(`Machine '${this.name}' has been stopped`);
    await this.worker.terminate();
  }

  private post(msg: MainToWorker): void {
    this.worker.postMessage(msg);
  }

  private onMessage(msg: WorkerToMain): void {
    switch (msg.type) {
      case "reply": {
        this.current = { ...this.current, runState: msg.runState };
        const p = this.pending.get(msg.id);
        if (!p) return;
        this.pending.delete(msg.id);
        if (msg.result.ok) p.resolve(msg.result.value);
        else {
          if (msg.result.internal) {
            this.options.log.error({ machine: this.name, err: msg.result.internal }, "command failed with an internal error");
          }
          p.reject(qmpErrorFromWire(msg.result.error, msg.result.invalidArguments));
        }
        return;
      }
      case "event":
        this.current = { ...this.current, runState: msg.runState };
        this.events.emit(msg.event);
        return;
      case "pong":
        if (this.awaitingPong?.id === msg.id) this.awaitingPong = undefined;
        return;
      case "exit":
        this.alive = false;
        this.stopHeartbeat();
        this.current = { ...this.current, runState: "shutdown" };
        void this.worker.terminate();
        for (const l of this.exitListeners) l();
        return;
      default:
        return;
    }
  }

  private startHeartbeat(): void {
    const timeout = this.options.hangTimeoutMs ?? 10_000;
    let pingId = 0;
    this.heartbeat = setInterval(() => {
      if (this.awaitingPong && Date.now() - this.awaitingPong.since >= timeout) {
        this.fail({ reason: "hang", message: `machine thread did not respond for ${timeout} ms` });
        return;
      }
      if (!this.awaitingPong) {
        this.awaitingPong = { id: ++pingId, since: Date.now() };
        this.post({ type: "ping", id: pingId });
      }
    }, Math.max(10, Math.floor(timeout / 4)));
    this.heartbeat.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  private rejectPending(desc: string): void {
    for (const p of this.pending.values()) p.reject(new QmpError("GenericError", desc));
    this.pending.clear();
  }

  private fail(failure: MachineFailure): void {
    if (!this.alive) return;
    this.alive = false;
    this.stopHeartbeat();
    this.current = { ...this.current, runState: "internal-error" };
    this.options.log.error({ machine: this.name, reason: failure.reason, detail: failure.message }, "machine failed");
    this.rejectPending(`Machine '${this.name}' failed: ${failure.message}`);
    void this.worker.terminate();
    for (const l of this.exitListeners) l(failure);
  }
}
