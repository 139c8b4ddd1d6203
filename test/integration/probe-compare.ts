/**
 * Comparing qomd's reply to a QMP command with QEMU 7.2's reply to the same
 * command on the same command line.  Byte-identical lines are the rule;
 * every other outcome must be one of the named, documented differences.
 */
import { expect } from "vitest";
import { UBUNTU_CODENAMES } from "../../src/hw/i386/pc_piix.js";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObj = { [k: string]: Json };

export function parse(line: string): JsonObj {
  return JSON.parse(line) as JsonObj;
}

/** What the reply of a command is, without its id. */
export function body(line: string): { ok: true; value: Json } | { ok: false; class: string; desc: string } {
  const msg = parse(line);
  if ("return" in msg) return { ok: true, value: msg["return"]! };
  const err = msg["error"] as JsonObj;
  return { ok: false, class: err["class"] as string, desc: err["desc"] as string };
}

export function returned(line: string): Json {
  const b = body(line);
  if (!b.ok) throw new Error(`expected a return, got ${line}`);
  return b.value;
}

/**
 * Ubuntu's machine types (pc-i440fx-jammy, pc-q35-focal-hpb, …) that qomd registers on top of
 * QEMU's: Debian's QEMU 7.2 has none of them.
 */
export function isUbuntuMachineName(name: string): boolean {
  const m = /^pc-(?:i440fx|q35)-([a-z]+?)(?:-hpb)?(?:-machine)?$/.exec(name);
  return m !== null && UBUNTU_CODENAMES.some((r) => r.codename === m[1]);
}

/** Every element of `sub` (by deep equality) is in `sup`. */
export function expectSubset(sub: readonly Json[], sup: readonly Json[], why: string): void {
  const keys = new Set(sup.map((x) => canonical(x)));
  const missing = sub.filter((x) => !keys.has(canonical(x)));
  expect(missing, why).toEqual([]);
}

/** A JSON text with sorted keys: equality regardless of key order. */
export function canonical(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k]!)}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

/** Type names in a qom-list-types answer. */
export function typeNames(reply: Json): Set<string> {
  return new Set((reply as JsonObj[]).map((t) => t["name"] as string));
}

/**
 * ObjectTypeInfo entries qomd reports differently from QEMU (outside src/monitor):
 * qomd has no chardev-fd (QEMU's base for chardevs on plain file descriptors), so its file and
 * stdio chardevs derive from chardev; and qomd's "accel" base type is abstract, QEMU 7.2's is not.
 */
export const TYPE_INFO_DIFFERENCES: Readonly<Record<string, { qomd: JsonObj; qemu: JsonObj }>> = {
  "chardev-file": { qomd: { name: "chardev-file", parent: "chardev" }, qemu: { name: "chardev-file", parent: "chardev-fd" } },
  "chardev-stdio": { qomd: { name: "chardev-stdio", parent: "chardev" }, qemu: { name: "chardev-stdio", parent: "chardev-fd" } },
  accel: { qomd: { abstract: true, name: "accel", parent: "object" }, qemu: { name: "accel", parent: "object" } },
};

/** qomd's ObjectTypeInfo as QEMU would give it, after checking it differs only as listed above. */
export function asQemuTypeInfo(entry: JsonObj): JsonObj {
  const known = TYPE_INFO_DIFFERENCES[entry["name"] as string];
  if (!known) return entry;
  expect(entry, `qom-list-types entry ${String(entry["name"])}`).toEqual(known.qomd);
  return known.qemu;
}
