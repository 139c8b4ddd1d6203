/**
 * Whole-text JSON parsing with QEMU's rules (qobject_from_json in
 * qobject/qjson.c): the same lexer, limits and error texts as the QMP input
 * stream, plus "Expecting a JSON value" for empty input and "Expecting at
 * most one JSON value" for more than one.
 */
import { JsonParseError } from "./json-parser.js";
import { JsonMessageParser } from "./json-streamer.js";
import type { JsonValue } from "./json-value.js";

export { JsonParseError } from "./json-parser.js";

/**
 * Parses one JSON value from `text` (a string, or UTF-8 bytes) and throws
 * JsonParseError with QEMU's text on failure. Like QEMU, which takes a C
 * string, the text ends at the first zero byte.
 */
export function parseJson(text: string | Uint8Array): JsonValue {
  let bytes = typeof text === "string" ? Buffer.from(text, "utf8") : text;
  const nul = bytes.indexOf(0);
  if (nul >= 0) bytes = bytes.subarray(0, nul);

  const parser = new JsonMessageParser();
  const messages = [...parser.feed(bytes), ...parser.flush()];
  if (messages.length === 0) throw new JsonParseError("Expecting a JSON value");
  const first = messages[0]!;
  if ("error" in first) throw new JsonParseError(first.error);
  if (messages.length > 1) throw new JsonParseError("Expecting at most one JSON value");
  return first.value;
}
