/**
 * One machine and its command handlers, on the thread that owns the machine
 * (a worker of the daemon, or the main thread of `qomd run`).  It implements
 * the MachineContext the handlers see: events carry their timestamp from
 * here, device events of qdev are routed to the same sink, and work QEMU does
 * after a command's reply waits for flushAfterReply().
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { qdevContext } from "../hw/core/qdev.js";
import { machineCommands } from "../monitor/commands/index.js";
import { makeEvent, type QmpEvent } from "../monitor/events.js";
import type { MachineContext, MachineInstance } from "../monitor/machine-context.js";
import { errorReport, type ErrorReport } from "../monitor/qmp-errors.js";
import { QmpError } from "../qapi/error.js";
import { MachineRunControl, type RunnableMachine } from "../softmmu/runstate.js";

export interface MachineRuntimeHooks {
  onEvent(event: QmpEvent): void;
  /**
   * The machine ended: quit (after the reply has gone out), or the guest ended it (isa-debug-exit,
   * a shutdown without -no-shutdown); `status` is the exit status QEMU would have.
   */
  onExit(status?: number): void;
  deviceAdd(instance: MachineInstance, opts: JsonObject): void;
  chardevs?(): JsonObject[];
}

export type CommandResult = { ok: true; value: JsonValue | undefined } | { ok: false; error: ErrorReport };

export class MachineRuntime implements MachineContext {
  private pendingAfterReply: Array<() => void> = [];
  private exitRequested = false;
  private executing = false;
  /** The vCPUs and the run state (softmmu/runstate.ts); the machine is cold-reset when this is made. */
  readonly runControl: MachineRunControl;

  constructor(
    readonly instance: MachineInstance,
    private readonly hooks: MachineRuntimeHooks,
  ) {
    qdevContext(instance.registry).emitEvent = (name, data) =>
      name === "DEVICE_DELETED" ? this.deferDeviceDeleted(data) : this.emit(name, data);
    this.runControl = new MachineRunControl(instance as unknown as RunnableMachine, {
      emit: (name, data) => this.emit(name, data),
      exit: (status) => this.hooks.onExit(status),
    });
  }

  /** The machine starts: its vCPUs run unless it was created with -S. */
  start(): void {
    this.runControl.powerOn();
  }

  /**
   * QEMU frees an unplugged device through RCU, after the main loop iteration that removed it,
   * so DEVICE_DELETED reaches clients after the reply of the command that caused it (device_del
   * of a device without an unplug request, system_reset completing ACPI unplugs). Outside a
   * command (the guest ejected the device), the events go out on the next turn of the loop.
   */
  private deferDeviceDeleted(data: JsonObject): void {
    const send = () => this.emit("DEVICE_DELETED", data);
    if (this.executing) this.afterReply(send);
    else setImmediate(send);
  }

  get registry() {
    return this.instance.registry;
  }

  emit(event: string, data?: JsonObject): void {
    this.hooks.onEvent(makeEvent(event, data));
  }

  afterReply(fn: () => void): void {
    this.pendingAfterReply.push(fn);
  }

  requestExit(): void {
    this.exitRequested = true;
  }

  deviceAdd(opts: JsonObject): void {
    this.hooks.deviceAdd(this.instance, opts);
  }

  chardevs(): JsonObject[] {
    return this.hooks.chardevs?.() ?? [];
  }

  /** Runs one command whose arguments passed the schema check. Never throws. */
  execute(command: string, args: JsonObject): CommandResult {
    const handler = machineCommands[command];
    this.executing = true;
    try {
      if (!handler) throw new QmpError("CommandNotFound", `The command ${command} has not been found`);
      return { ok: true, value: handler(args, this) };
    } catch (err) {
      return { ok: false, error: errorReport(err, command) };
    } finally {
      this.executing = false;
    }
  }

  /** To be called once the reply of the last command is on its way. */
  flushAfterReply(): void {
    const pending = this.pendingAfterReply;
    this.pendingAfterReply = [];
    for (const fn of pending) fn();
    if (this.exitRequested) {
      this.exitRequested = false;
      this.hooks.onExit();
    }
  }
}
