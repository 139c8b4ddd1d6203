/**
 * -compat: QAPI CompatPolicy (policy for deprecated and unstable management interfaces), checked
 * member by member in schema order as QEMU's input visitor does.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { QemuError } from "../util/error.js";

const INPUT = ["accept", "reject", "crash"] as const;
const OUTPUT = ["accept", "hide"] as const;

const MEMBERS: ReadonlyArray<[string, readonly string[]]> = [
  ["deprecated-input", INPUT],
  ["deprecated-output", OUTPUT],
  ["unstable-input", INPUT],
  ["unstable-output", OUTPUT],
];

/** The given members as strings; "does not accept value" / "is unexpected" errors otherwise. */
export function checkCompatPolicy(args: JsonObject): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, values] of MEMBERS) {
    if (!Object.hasOwn(args, name)) continue;
    const v = args[name];
    if (typeof v !== "string") throw new QemuError(`Invalid parameter type for '${name}', expected: string`);
    if (!values.includes(v)) throw new QemuError(`Parameter '${name}' does not accept value '${v}'`);
    out[name] = v;
  }
  for (const key of Object.keys(args)) {
    if (!MEMBERS.some(([n]) => n === key)) throw new QemuError(`Parameter '${key}' is unexpected`);
  }
  return out;
}
