/**
 * The messages between the daemon's main thread and a machine worker.
 * Values cross by structured clone, which keeps bigint and key order.
 *
 * main → worker: call (request id, command, checked arguments), ping.
 * worker → main: ready or create-failed (once), reply (request id, result or
 * the QMP error's wire form, and the run state after the command), event,
 * pong, exit (the machine quit).
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import type { QmpErrorWire } from "../qapi/error.js";
import type { RunState } from "../../protocol/gen/types.js";
import type { QmpEvent } from "../monitor/events.js";

export interface WorkerInit {
  name: string;
  argv: string[];
  prog: string;
  /** Enables the x-qomd-crash / x-qomd-hang HMP commands (fault-injection tests). */
  faultInjection: boolean;
}

export interface MachineSummary {
  runState: RunState;
  /** The QOM type of /machine, e.g. "pc-i440fx-7.2-machine". */
  type: string;
  accel: string;
}

export type MainToWorker =
  | { type: "call"; id: number; command: string; args: JsonObject }
  | { type: "ping"; id: number };

export type WorkerToMain =
  | { type: "ready"; summary: MachineSummary }
  | { type: "create-failed"; message: string; cli: boolean }
  | {
      type: "reply";
      id: number;
      runState: RunState;
      result: { ok: true; value: JsonValue | undefined } | { ok: false; error: QmpErrorWire; invalidArguments: boolean; internal?: { message: string; stack?: string } };
    }
  | { type: "event"; event: QmpEvent; runState: RunState }
  | { type: "pong"; id: number }
  | { type: "exit" };
