/**
 * QMP message shapes as the client sees them, and the checks on what the
 * server sends (QEMU's python library does the same in models.py: a greeting
 * needs QMP.version and QMP.capabilities, an error needs string class and
 * desc).
 */
import type { QmpEventName, QmpEvents, VersionInfo } from "../../protocol/gen/types.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../src/qobject/json-value.js";
import { BadReplyError, GreetingError } from "./errors.js";

export interface QmpGreeting {
  QMP: { version: VersionInfo; capabilities: string[] };
}

export interface QmpTimestamp {
  seconds: number;
  microseconds: number;
}

/**
 * An event.  Events named in protocol/ carry their typed data; other
 * events (a real QEMU has many more) carry a plain object.  The daemon's
 * control socket adds the name of the machine the event came from.
 */
export type QmpEventMessage<N extends string = string> = N extends QmpEventName
  ? { event: N; timestamp: QmpTimestamp; machine?: string } & (QmpEvents[N] extends undefined ? { data?: undefined } : { data: QmpEvents[N] })
  : { event: N; timestamp: QmpTimestamp; machine?: string; data?: JsonObject };

export function checkGreeting(msg: JsonValue): QmpGreeting {
  if (!isJsonObject(msg) || !isJsonObject(msg["QMP"])) throw new GreetingError(`expected a QMP greeting, got ${describe(msg)}`);
  const qmp = msg["QMP"];
  if (!isJsonObject(qmp["version"])) throw new GreetingError("the greeting has no 'version' object");
  if (!Array.isArray(qmp["capabilities"])) throw new GreetingError("the greeting has no 'capabilities' array");
  return msg as unknown as QmpGreeting;
}

/** A server message is an event, a reply (return or error) or a greeting; anything else is broken. */
export function checkServerMessage(msg: JsonValue): JsonObject {
  if (!isJsonObject(msg)) throw new BadReplyError(`the server sent a non-object: ${describe(msg)}`, msg);
  if ("event" in msg) {
    if (typeof msg["event"] !== "string") throw new BadReplyError("an event whose name is not a string", msg);
    return msg;
  }
  if ("error" in msg) {
    const err = msg["error"];
    if (!isJsonObject(err) || typeof err["class"] !== "string" || typeof err["desc"] !== "string") {
      throw new BadReplyError("an error reply without string 'class' and 'desc'", msg);
    }
    return msg;
  }
  if ("return" in msg || "QMP" in msg) return msg;
  throw new BadReplyError(`a message that is neither a reply nor an event: ${describe(msg)}`, msg);
}

function describe(v: JsonValue): string {
  const text = JSON.stringify(v, (_k, x: unknown) => (typeof x === "bigint" ? x.toString() : x)) ?? String(v);
  return text.length > 200 ? text.slice(0, 200) + "…" : text;
}
