/**
 * Test helper: just enough of QEMU's QMP dispatch (qapi/qmp-dispatch.c) to
 * turn parsed input messages into the response lines captured from the real
 * monitor, for the commands the captures use (query-name, query-status).
 * The byte-exact part under test is the parser and the writer.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { toQmpJson } from "../../src/qobject/json-writer.js";
import type { JsonMessage } from "../../src/qobject/json-streamer.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../src/qobject/json-value.js";
import { qdictKeyOrder } from "../../src/qobject/qdict-order.js";

function genericError(desc: string, id: JsonValue | undefined): JsonObject {
  const error = { class: "GenericError", desc };
  return id === undefined ? { error } : { id, error };
}

/** The response line QEMU sends for one input message (compact, without CRLF). */
export function replyFor(message: JsonMessage): string {
  return toQmpJson(replyValue(message));
}

/** The response QEMU builds for one input message. */
export function replyValue(message: JsonMessage): JsonObject {
  if ("error" in message) return genericError(message.error, undefined);
  const request = message.value;
  if (!isJsonObject(request)) return genericError("QMP input must be a JSON object", undefined);
  const id = Object.prototype.hasOwnProperty.call(request, "id") ? request.id : undefined;
  // QEMU checks the members in QDict order.
  for (const key of qdictKeyOrder(Object.keys(request))) {
    if (key === "execute") {
      if (typeof request[key] !== "string") return genericError("QMP input member 'execute' must be a string", id);
    } else if (key !== "arguments" && key !== "id") {
      return genericError(`QMP input member '${key}' is unexpected`, id);
    }
  }
  if (request.execute === undefined) return genericError("QMP input lacks member 'execute'", id);
  let result: JsonObject;
  if (request.execute === "query-name") result = {};
  // Members in QAPI declaration order, the order QEMU inserts them.
  else if (request.execute === "query-status") result = { running: false, singlestep: false, status: "prelaunch" };
  else throw new Error(`test helper does not know ${String(request.execute)}`);
  return id === undefined ? { return: result } : { return: result, id };
}

export interface CapturedCase {
  name: string;
  /** The bytes sent, one char per byte. */
  send: string;
  replies: (string | { line: string; times: number })[];
}

/** Expands {line, times} runs. */
export function expandReplies(replies: CapturedCase["replies"]): string[] {
  return replies.flatMap((r) => (typeof r === "string" ? [r] : Array<string>(r.times).fill(r.line)));
}

export function bytesOf(send: string): Buffer {
  return Buffer.from(send, "latin1");
}

/** Reads a file from test/fixtures/qemu-7.2/. */
export function readFixture(name: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/qemu-7.2/${name}`, import.meta.url)), "utf8");
}
