/**
 * Helpers to compare query-qmp-schema answers whose type names are masked:
 * two entities are equal when their graphs are equal with masks ignored
 * (members, optionality, features, tags, variants, enum values, allow-oob).
 */
import type { SchemaInfo } from "../../src/qapi/introspect.js";

export type SchemaIndex = ReadonlyMap<string, SchemaInfo>;

export function indexSchema(list: readonly SchemaInfo[]): SchemaIndex {
  return new Map(list.map((e) => [String(e.name), e]));
}

const str = (v: unknown) => (typeof v === "string" ? v : JSON.stringify(v));
const arr = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? (v as Record<string, unknown>[]) : []);

/**
 * Differences between entity `a` of schema A and entity `b` of schema B,
 * walking the type graph; an empty list means structurally equal.
 */
export function compareEntities(A: SchemaIndex, a: string, B: SchemaIndex, b: string): string[] {
  const diffs: string[] = [];
  const seen = new Set<string>();
  const walk = (x: string, y: string, path: string): void => {
    if (x.startsWith("[") || y.startsWith("[")) {
      if (!(x.startsWith("[") && y.startsWith("["))) diffs.push(`${path}: ${x} vs ${y}`);
      else walk(x.slice(1, -1), y.slice(1, -1), `${path}[]`);
      return;
    }
    const key = `${x}|${y}`;
    if (seen.has(key)) return;
    seen.add(key);
    const ex = A.get(x);
    const ey = B.get(y);
    if (!ex || !ey) {
      diffs.push(`${path}: missing ${ex ? y : x}`);
      return;
    }
    const meta = ex["meta-type"];
    if (meta !== ey["meta-type"]) {
      diffs.push(`${path}: ${str(meta)} vs ${str(ey["meta-type"])}`);
      return;
    }
    if (str(ex.features) !== str(ey.features)) diffs.push(`${path}: features ${str(ex.features)} vs ${str(ey.features)}`);
    switch (meta) {
      case "builtin":
        if (x !== y || ex["json-type"] !== ey["json-type"]) diffs.push(`${path}: builtin ${x} vs ${y}`);
        break;
      case "enum":
        if (str(ex.members) !== str(ey.members) || str(ex.values) !== str(ey.values)) diffs.push(`${path}: enum ${str(ex.values)} vs ${str(ey.values)}`);
        break;
      case "alternate": {
        const mx = arr(ex.members);
        const my = arr(ey.members);
        if (mx.length !== my.length) diffs.push(`${path}: alternate arity`);
        else mx.forEach((m, i) => walk(str(m.type), str(my[i].type), `${path}|${i}`));
        break;
      }
      case "object": {
        const mx = arr(ex.members);
        const my = arr(ey.members);
        if (str(mx.map((m) => m.name)) !== str(my.map((m) => m.name))) {
          diffs.push(`${path}: members ${str(mx.map((m) => m.name))} vs ${str(my.map((m) => m.name))}`);
          return;
        }
        mx.forEach((m, i) => {
          const n = my[i];
          if ("default" in m !== "default" in n || str(m.default) !== str(n.default)) diffs.push(`${path}.${str(m.name)}: default`);
          if (str(m.features) !== str(n.features)) diffs.push(`${path}.${str(m.name)}: features`);
          walk(str(m.type), str(n.type), `${path}.${str(m.name)}`);
        });
        if (ex.tag !== ey.tag) diffs.push(`${path}: tag ${str(ex.tag)} vs ${str(ey.tag)}`);
        const vx = arr(ex.variants);
        const vy = arr(ey.variants);
        if (str(vx.map((v) => v.case)) !== str(vy.map((v) => v.case))) diffs.push(`${path}: variants differ`);
        else vx.forEach((v, i) => walk(str(v.type), str(vy[i].type), `${path}{${str(v.case)}}`));
        break;
      }
      case "command":
        if (ex["allow-oob"] !== ey["allow-oob"]) diffs.push(`${path}: allow-oob`);
        walk(str(ex["arg-type"]), str(ey["arg-type"]), `${path}/arg-type`);
        walk(str(ex["ret-type"]), str(ey["ret-type"]), `${path}/ret-type`);
        break;
      case "event":
        walk(str(ex["arg-type"]), str(ey["arg-type"]), `${path}/arg-type`);
        break;
      default:
        diffs.push(`${path}: unknown meta-type ${str(meta)}`);
    }
  };
  walk(a, b, a);
  return diffs;
}

/**
 * Resolves a libvirt schema query (libvirt's virQEMUQAPISchemaPathGet syntax):
 * "cmd/arg-type/member/+variant/^enumvalue", "cmd/$feature", "*member" for an
 * optional member, "!meta-type" to check the current entry's kind.
 * Returns true when the whole path resolves.
 */
export function schemaPathExists(index: SchemaIndex, query: string): boolean {
  const [head, ...rest] = query.split("/");
  let cur = index.get(head);
  for (const part of rest) {
    if (!cur) return false;
    // Arrays are transparent: step to their element type.
    while (cur && cur["meta-type"] === "array") cur = index.get(String(cur["element-type"]));
    if (!cur) return false;
    const c = part[0];
    const name = part.slice(1);
    if (part === "arg-type" || part === "ret-type") {
      cur = index.get(String(cur[part]));
    } else if (c === "$") {
      if (!arr(cur.features).includes(name as unknown as Record<string, unknown>)) return false;
    } else if (c === "^") {
      if (cur["meta-type"] !== "enum" || !(cur.values as string[]).includes(name)) return false;
    } else if (c === "!") {
      if (cur["meta-type"] !== name) return false;
    } else if (c === "+") {
      const v = arr(cur.variants).find((x) => x.case === name);
      if (!v) return false;
      cur = index.get(String(v.type));
    } else {
      const optional = c === "*";
      const memberName = optional ? name : part;
      const m = arr(cur.members).find((x) => x.name === memberName);
      if (!m || (optional && !("default" in m))) return false;
      cur = index.get(String(m.type));
    }
  }
  return cur !== undefined;
}
