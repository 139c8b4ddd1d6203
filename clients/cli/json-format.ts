/**
 * How the tools print JSON, as qmp-shell prints messages (python's json.dumps): compact output keeps
 * the server's key order with ", " and ": " separators; pretty output (-p)
 * indents by 4 and sorts keys.  Both escape non-ASCII as \uXXXX (lower-case
 * hex, as python does), and 64-bit integers print exactly.
 */
import type { JsonValue } from "../../src/qobject/json-value.js";

function quote(s: string): string {
  return JSON.stringify(s).replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

function scalar(v: JsonValue): string | undefined {
  if (v === null) return "null";
  if (typeof v === "boolean" || typeof v === "bigint") return String(v);
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : v > 0 ? "Infinity" : v < 0 ? "-Infinity" : "NaN";
  if (typeof v === "string") return quote(v);
  return undefined;
}

export function formatCompact(v: JsonValue): string {
  const s = scalar(v);
  if (s !== undefined) return s;
  if (Array.isArray(v)) return `[${v.map(formatCompact).join(", ")}]`;
  const obj = v as Exclude<JsonValue, null | boolean | number | bigint | string | JsonValue[]>;
  return `{${Object.entries(obj)
    .map(([k, x]) => `${quote(k)}: ${formatCompact(x)}`)
    .join(", ")}}`;
}

export function formatPretty(v: JsonValue, indent = ""): string {
  const s = scalar(v);
  if (s !== undefined) return s;
  const inner = indent + "    ";
  if (Array.isArray(v)) {
    if (v.length === 0) return "[]";
    return `[\n${v.map((x) => inner + formatPretty(x, inner)).join(",\n")}\n${indent}]`;
  }
  const obj = v as Exclude<JsonValue, null | boolean | number | bigint | string | JsonValue[]>;
  const keys = Object.keys(obj).sort();
  if (keys.length === 0) return "{}";
  return `{\n${keys.map((k) => `${inner}${quote(k)}: ${formatPretty(obj[k]!, inner)}`).join(",\n")}\n${indent}}`;
}

export function formatMessage(v: JsonValue, pretty: boolean): string {
  return pretty ? formatPretty(v) : formatCompact(v);
}
