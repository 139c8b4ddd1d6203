/**
 * A running machine as the main thread sees it: commands go in, replies and
 * events come out.  WorkerMachine runs it in a worker thread (the daemon),
 * LocalMachine on the calling thread (`qomd run`).
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import type { RunState } from "../../protocol/gen/types.js";
import type { EventHub } from "../monitor/events.js";
import type { MachineSummary } from "./worker-protocol.js";

export interface MachineHandle {
  readonly events: EventHub;
  /** The last known summary (run state as of the last reply or event). */
  readonly summary: MachineSummary;
  /** Runs a command with checked arguments; rejects with QmpError (or QmpArgumentError). */
  call(command: string, args: JsonObject): Promise<JsonValue | undefined>;
  /** Called when the machine ends: quit, or a failure (then `failure` says why). */
  onExit(listener: (failure?: MachineFailure) => void): void;
  /** Stops the machine for good. */
  terminate(): Promise<void>;
}

export interface MachineFailure {
  reason: "crash" | "hang" | "exit";
  message: string;
}

export type { RunState };
