/** A machine on the calling thread (`qomd run`, unit tests of the daemon layers). */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { EventHub } from "../monitor/events.js";
import type { MachineInstance } from "../monitor/machine-context.js";
import { qmpErrorFromWire } from "../monitor/qmp-errors.js";
import type { MonitorLog } from "../monitor/log.js";
import { silentLog } from "../monitor/log.js";
import type { MachineBuilder } from "./machine-builder.js";
import type { MachineFailure, MachineHandle } from "./machine-handle.js";
import { MachineRuntime } from "./machine-runtime.js";
import { machineSummary } from "./machine-summary.js";
import type { MachineSummary } from "./worker-protocol.js";

export class LocalMachine implements MachineHandle {
  readonly events = new EventHub();
  private readonly runtime: MachineRuntime;
  private readonly exitListeners: Array<(failure?: MachineFailure) => void> = [];
  /** The exit status the machine ended with (quit: 0; isa-debug-exit: its value). */
  exitStatus = 0;

  constructor(
    instance: MachineInstance,
    builder: MachineBuilder,
    options: { chardevs?: () => JsonObject[]; log?: MonitorLog } = {},
    private readonly log: MonitorLog = options.log ?? silentLog,
  ) {
    this.runtime = new MachineRuntime(instance, {
      onEvent: (event) => this.events.emit(event),
      onExit: (status) => {
        this.exitStatus = status ?? 0;
        for (const l of this.exitListeners) l();
      },
      deviceAdd: (inst, opts) => builder.deviceAdd(inst, opts),
      ...(options.chardevs ? { chardevs: options.chardevs } : {}),
    });
  }

  /** The guest starts running (unless -S). */
  start(): void {
    this.runtime.start();
  }

  get instance(): MachineInstance {
    return this.runtime.instance;
  }

  get summary(): MachineSummary {
    return machineSummary(this.runtime.instance);
  }

  async call(command: string, args: JsonObject): Promise<JsonValue | undefined> {
    const result = this.runtime.execute(command, args);
    // QEMU's after-the-reply work runs once the reply has been written (after the awaiting session's microtasks).
    setImmediate(() => this.runtime.flushAfterReply());
    if (result.ok) return result.value;
    if (result.error.internal) this.log.error({ command, err: result.error.internal }, "command failed with an internal error");
    throw qmpErrorFromWire(result.error.wire, result.error.invalidArguments);
  }

  onExit(listener: (failure?: MachineFailure) => void): void {
    this.exitListeners.push(listener);
  }

  async terminate(): Promise<void> {
    this.runtime.runControl.close();
  }
}
