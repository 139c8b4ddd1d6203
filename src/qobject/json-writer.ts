/**
 * JSON output exactly as QEMU 7.2 writes it (qobject/json-writer.c and
 * qobject/qjson.c): separators ", " and ": ", pure ASCII with upper-case
 * \uXXXX escapes, doubles as %.17g, object keys in QDict order, and the
 * optional pretty layout of `-mon …,pretty=on`.
 */
import { formatDoubleG17 } from "./format-double.js";
import type { JsonObject, JsonValue } from "./json-value.js";
import { isValidCodePoint } from "./mod-utf8.js";
import { qdictKeyOrder } from "./qdict-order.js";

export interface QmpJsonOptions {
  /** Multi-line output with 4-space indentation (lines end in "\n" here). */
  pretty?: boolean;
}

/** Serialises `value` as QEMU would, without a trailing newline. */
export function toQmpJson(value: JsonValue, options: QmpJsonOptions = {}): string {
  const writer = new Writer(options.pretty === true);
  writer.value(value, 0);
  return writer.out;
}

/**
 * One message as it goes on the wire: QEMU appends "\n" and its monitor
 * turns every "\n" into "\r\n" (in pretty mode that is every line end).
 */
export function qmpLine(value: JsonValue, options: QmpJsonOptions = {}): string {
  return toQmpJson(value, options).replaceAll("\n", "\r\n") + "\r\n";
}

/**
 * QEMU's layout: compact is "{a, b}"; pretty puts each member on its own line
 * one level deeper and the closing bracket on a line of its own, even when
 * the container is empty ("{\n    }" for an empty object one level down).
 */
class Writer {
  out = "";

  constructor(private readonly pretty: boolean) {}

  value(value: JsonValue, depth: number): void {
    switch (typeof value) {
      case "string":
        this.out += quoteString(value);
        return;
      case "number":
        this.out += formatNumber(value);
        return;
      case "bigint":
        this.out += value.toString();
        return;
      case "boolean":
        this.out += value ? "true" : "false";
        return;
      case "object":
        if (value === null) this.out += "null";
        else if (Array.isArray(value)) this.array(value, depth);
        else this.object(value, depth);
        return;
      default:
        throw new TypeError(`cannot write ${typeof value} as JSON`);
    }
  }

  private array(array: JsonValue[], depth: number): void {
    this.out += "[";
    for (let i = 0; i < array.length; i++) {
      this.separator(i, depth + 1);
      this.value(array[i]!, depth + 1);
    }
    this.close("]", depth);
  }

  private object(object: JsonObject, depth: number): void {
    this.out += "{";
    const keys = qdictKeyOrder(Object.keys(object));
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      this.separator(i, depth + 1);
      this.out += quoteString(key) + ": ";
      this.value(object[key]!, depth + 1);
    }
    this.close("}", depth);
  }

  /** What goes before the index-th member of a container whose members sit at `depth`. */
  private separator(index: number, depth: number): void {
    if (this.pretty) this.out += (index > 0 ? ",\n" : "\n") + indent(depth);
    else if (index > 0) this.out += ", ";
  }

  private close(bracket: string, depth: number): void {
    if (this.pretty) this.out += "\n" + indent(depth);
    this.out += bracket;
  }
}

const indents: string[] = [];
function indent(depth: number): string {
  return (indents[depth] ??= " ".repeat(depth * 4));
}

/** Safe integers print as integers; every other number is a double, printed %.17g. */
export function formatNumber(n: number): string {
  if (Number.isSafeInteger(n) && !Object.is(n, -0)) return String(n);
  return formatDoubleG17(n);
}

/** Characters that can be copied as they are (printable ASCII except " and \). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const NAMED_ESCAPES: Record<number, string> = {
  0x22: '\\"',
  0x5c: "\\\\",
  0x08: "\\b",
  0x0c: "\\f",
  0x0a: "\\n",
  0x0d: "\\r",
  0x09: "\\t",
};

function hex4(n: number): string {
  return n.toString(16).toUpperCase().padStart(4, "0");
}

/**
 * A JSON string literal in QEMU's style. Characters QEMU cannot hold (lone
 * surrogates, noncharacters) come out as \uFFFD, as QEMU prints any string
 * bytes it cannot decode.
 */
export function quoteString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    let cp = s.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < s.length) {
      const low = s.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    const named = NAMED_ESCAPES[cp];
    if (named !== undefined) {
      out += named;
      continue;
    }
    if (!isValidCodePoint(cp)) cp = 0xfffd;
    if (cp > 0xffff) {
      const v = cp - 0x10000;
      out += `\\u${hex4(0xd800 + (v >> 10))}\\u${hex4(0xdc00 + (v & 0x3ff))}`;
    } else if (cp < 0x20 || cp >= 0x7f) {
      out += `\\u${hex4(cp)}`;
    } else {
      out += String.fromCharCode(cp);
    }
  }
  return out + '"';
}
