/**
 * What a per-machine command handler works on: the machine built from its
 * command line (the lead's createMachine contract in src/softmmu/vl.ts), a
 * way to emit events, and hooks for what happens after the reply.
 * Handlers live in commands/<schema-module>.ts; they never see sockets or JSON text.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import type { QomObject } from "../qom/object.js";
import type { TypeRegistry } from "../qom/type.js";
import type { CommandLine } from "../softmmu/cmdline-types.js";
import type { ChardevRegistry } from "../chardev/chardev-registry.js";
import type { BlockBackendRegistry } from "../block/block-registry.js";
import type { RunState } from "../../protocol/gen/types.js";

/** One built machine (shape of src/softmmu/vl.ts MachineInstance). */
export interface MachineInstance {
  registry: TypeRegistry;
  machine: QomObject;
  cmdline: CommandLine;
  /** -name */
  name: string | undefined;
  uuid: string;
  /** The accelerator in use: "tcg" or "kvm". */
  accel: string;
  runState: RunState;
  /** The machine's character devices (query-chardev, monitors on -qmp/-mon chardevs). */
  chardevs: ChardevRegistry;
  /** The machine's drives (query-block). */
  blockBackends: BlockBackendRegistry;
  /** What QEMU would have printed on stderr while building the machine (warnings). */
  warnings: string[];
}

/** The type registry alone: enough for the commands the daemon answers without a machine. */
export interface RegistryContext {
  readonly registry: TypeRegistry;
}

export interface MachineContext extends RegistryContext {
  readonly instance: MachineInstance;
  /** Emits an event now (it reaches clients before the command's reply). */
  emit(event: string, data?: JsonObject): void;
  /** Runs `fn` once the reply of the current command has been sent (events QEMU sends after the return). */
  afterReply(fn: () => void): void;
  /** The machine ends after this command's reply (quit). */
  requestExit(): void;
  /** device_add: QEMU's qdev_device_add with the raw QMP arguments (the machine builder's). */
  deviceAdd(opts: JsonObject): void;
  /** Chardev frontends to report in query-chardev (the monitors of `qomd run`, the daemon's machine socket). */
  chardevs(): JsonObject[];
}

export type MachineCommandHandler = (args: JsonObject, ctx: MachineContext) => JsonValue | undefined;
export type RegistryCommandHandler = (args: JsonObject, ctx: RegistryContext) => JsonValue | undefined;
