/**
 * One QMP request to one reply (QEMU's qapi/qmp-dispatch.c): the request
 * checks, in QEMU's order and with its texts, then command lookup, the OOB
 * rule, and the command itself.  The command table decides which commands
 * exist (negotiation mode has only qmp_capabilities); a command entry checks
 * its own arguments against the schema before running.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { isJsonObject } from "../qobject/json-value.js";
import { qdictKeyOrder } from "../qobject/qdict-order.js";
import { QmpError } from "../qapi/error.js";
import { errorReport, type ErrorReport } from "./qmp-errors.js";

export interface CommandEntry {
  readonly name: string;
  readonly allowOob: boolean;
  /** Checks `args` (the request's "arguments", {} when absent) and runs the command. */
  run(args: JsonObject): Promise<JsonValue | undefined> | JsonValue | undefined;
}

export interface CommandTable {
  lookup(name: string): CommandEntry | undefined;
}

export interface DispatchOutcome {
  /** The reply to send ({"return": …} or {"error": …}, with the request's id). */
  response: JsonObject;
  /** The command name, once the request named one. */
  command?: string;
  /** Set when the reply is an error. */
  error?: ErrorReport;
}

/** The request's "id", taken as soon as the input is an object, as QEMU does. */
export function requestId(request: JsonValue): JsonValue | undefined {
  if (!isJsonObject(request)) return undefined;
  return Object.prototype.hasOwnProperty.call(request, "id") ? request["id"] : undefined;
}

/** QEMU's qmp_is_oob(): "exec-oob" without "execute". */
export function isOobRequest(request: JsonValue): boolean {
  return isJsonObject(request) && "exec-oob" in request && !("execute" in request);
}

/** qmp_dispatch_check_obj(): member checks, walked in QDict order; returns the command and whether it is OOB. */
function checkRequest(request: JsonObject, allowOob: boolean): { command: string; oob: boolean } {
  let execKey: string | undefined;
  for (const key of qdictKeyOrder(Object.keys(request))) {
    const value = request[key]!;
    if (key === "execute" || (key === "exec-oob" && allowOob)) {
      if (typeof value !== "string") throw new QmpError("GenericError", `QMP input member '${key}' must be a string`);
      if (execKey !== undefined) throw new QmpError("GenericError", `QMP input member '${key}' clashes with '${execKey}'`);
      execKey = key;
    } else if (key === "arguments") {
      if (!isJsonObject(value)) throw new QmpError("GenericError", "QMP input member 'arguments' must be an object");
    } else if (key !== "id") {
      throw new QmpError("GenericError", `QMP input member '${key}' is unexpected`);
    }
  }
  if (execKey === undefined) throw new QmpError("GenericError", "QMP input lacks member 'execute'");
  return { command: request[execKey] as string, oob: execKey === "exec-oob" };
}

function withId(response: JsonObject, id: JsonValue | undefined): JsonObject {
  if (id !== undefined) response["id"] = id;
  return response;
}

/** Runs one request through `table`; never throws. */
export async function qmpDispatch(table: CommandTable, request: JsonValue, allowOob: boolean): Promise<DispatchOutcome> {
  const id = requestId(request);
  let command: string | undefined;
  try {
    if (!isJsonObject(request)) throw new QmpError("GenericError", "QMP input must be a JSON object");
    const checked = checkRequest(request, allowOob);
    command = checked.command;
    const entry = table.lookup(command);
    if (!entry) throw new QmpError("CommandNotFound", `The command ${command} has not been found`);
    if (checked.oob && !entry.allowOob) throw new QmpError("GenericError", `The command ${command} does not support OOB`);
    const args = (request["arguments"] as JsonObject | undefined) ?? {};
    const ret = await entry.run(args);
    // Commands without a return value answer {} (QEMU: "The QMP spec calls for an empty object then").
    return { response: withId({ return: ret === undefined ? {} : ret }, id), command };
  } catch (err) {
    const report = errorReport(err, command ?? "(none)");
    return { response: withId({ error: { ...report.wire } }, id), ...(command !== undefined ? { command } : {}), error: report };
  }
}

/** A reply for input that did not parse (no id: there is no request object). */
export function parseErrorResponse(desc: string): JsonObject {
  return { error: { class: "GenericError", desc } };
}
