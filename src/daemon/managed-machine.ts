/**
 * One machine of the daemon: its definition, its QMP socket and, while it
 * exists, its worker.  The machine's event hub outlives restarts of the
 * worker, so clients of its socket keep receiving events.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { EventHub, makeEvent } from "../monitor/events.js";
import type { MonitorLog } from "../monitor/log.js";
import type { QmpSocketServer } from "../monitor/transport/unix.js";
import type { MachineFailure, MachineHandle, RunState } from "./machine-handle.js";
import type { MachineDefinition } from "./machine-store.js";
import { WorkerMachine } from "./worker-machine.js";

/** The daemon's event for a machine whose thread crashed, hung or ended unexpectedly. */
export const MACHINE_INTERNAL_ERROR = "MACHINE_INTERNAL_ERROR";

export interface WorkerSettings {
  prog: string;
  hangTimeoutMs?: number;
  faultInjection: boolean;
}

export class ManagedMachine {
  readonly events = new EventHub();
  handle: MachineHandle | undefined;
  server: QmpSocketServer | undefined;
  /** Run state while there is no worker: "shutdown" after quit, "internal-error" after a failure. */
  private idleState: RunState = "shutdown";
  private lastType = "";
  private lastAccel = "tcg";

  constructor(
    readonly definition: MachineDefinition,
    readonly socketPath: string,
    private readonly log: MonitorLog,
  ) {}

  get name(): string {
    return this.definition.name;
  }

  get status(): RunState {
    return this.handle ? this.handle.summary.runState : this.idleState;
  }

  info(): JsonObject {
    const s = this.handle?.summary;
    return {
      name: this.name,
      status: this.status,
      type: s?.type ?? this.lastType,
      accel: s?.accel ?? this.lastAccel,
      "qmp-socket": this.socketPath,
    };
  }

  /** Builds the machine in a new worker (paused, as with -S). Rejects with MachineCreateError. */
  async spawn(settings: WorkerSettings): Promise<void> {
    const argv = this.definition.argv.includes("-S") ? this.definition.argv : ["-S", ...this.definition.argv];
    const handle = await WorkerMachine.start(
      { name: this.name, argv, prog: settings.prog, faultInjection: settings.faultInjection },
      { log: this.log, ...(settings.hangTimeoutMs !== undefined ? { hangTimeoutMs: settings.hangTimeoutMs } : {}) },
    );
    this.attach(handle);
  }

  private attach(handle: MachineHandle): void {
    this.handle = handle;
    this.lastType = handle.summary.type;
    this.lastAccel = handle.summary.accel;
    handle.events.subscribe((event) => this.events.emit(event));
    handle.onExit((failure) => this.onExit(handle, failure));
  }

  private onExit(handle: MachineHandle, failure?: MachineFailure): void {
    if (this.handle !== handle) return;
    this.handle = undefined;
    if (failure) {
      this.idleState = "internal-error";
      this.events.emit(makeEvent(MACHINE_INTERNAL_ERROR, { machine: this.name, reason: failure.reason, message: failure.message }));
    } else {
      // quit: like QEMU's process ending, the machine's connections close.
      this.idleState = "shutdown";
      this.server?.disconnectAll();
    }
  }

  /** The machine could not be built (restored definition no longer valid). */
  markFailed(): void {
    this.idleState = "internal-error";
  }

  async stop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.idleState = "shutdown";
    await handle?.terminate();
  }
}
