/**
 * Values printed the way QEMU's python qom tools print them (python's str()
 * of the decoded JSON): strings bare at the top, True/False/None, and
 * containers in python's repr, {'order': 'cad'}, so that `qomd-qom tree
 * --values` reads like `qom-tree`.
 */
import type { JsonValue } from "../../src/qobject/json-value.js";

/** python's repr() of a str. */
export function pythonStringRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === "\\" || ch === q) out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (c < 0x20 || (c >= 0x7f && c < 0xa0)) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + q;
}

function pythonFloat(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  return String(n);
}

export function pythonRepr(v: JsonValue): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "bigint") return v.toString();
  if (typeof v === "number") return pythonFloat(v);
  if (typeof v === "string") return pythonStringRepr(v);
  if (Array.isArray(v)) return `[${v.map(pythonRepr).join(", ")}]`;
  return `{${Object.entries(v)
    .map(([k, x]) => `${pythonStringRepr(k)}: ${pythonRepr(x)}`)
    .join(", ")}}`;
}

/** python's str(): like repr() except that a string prints as it is. */
export function pythonStr(v: JsonValue): string {
  return typeof v === "string" ? v : pythonRepr(v);
}
