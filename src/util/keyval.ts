/**
 * QEMU's keyval syntax (util/keyval.c), used in 7.2 by -machine/-M, -smp and -boot (merged into
 * the machine options), -audio, and by the QAPI-visited options (-display, -blockdev, -compat,
 * modern -netdev): "key=value,a.b=value,list.0=x,list.1=y" becomes a tree of dicts, lists and
 * string leaves. A leading bare value may stand for an implied key.
 *
 * Dicts are JsonObjects without prototype (so a key like "__proto__" is an ordinary key),
 * insertion-ordered; leaves are strings.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { parseQapiName, qemuStrtou64, startsWithHelpOption } from "./cutils.js";
import { QemuError } from "./error.js";

const INT_MAX = 2147483647;

export function newKeyvalDict(): JsonObject {
  return Object.create(null) as JsonObject;
}

function isDict(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * key_to_index(): a decimal list index at the start of `key` (INT_MAX when too big), or -1 when
 * the key does not start with a digit. `end` receives the index past the digits.
 */
function keyToIndex(key: string, start: number): { index: number; end: number } {
  const c = key[start];
  if (c === undefined || c < "0" || c > "9") return { index: -1, end: start };
  const r = qemuStrtou64(key, 10, false, start);
  if (r.err) return { index: INT_MAX, end: r.end };
  return { index: r.value <= BigInt(INT_MAX) ? Number(r.value) : INT_MAX, end: r.end };
}

/** keyval_parse_put(): store a string leaf (value) or make sure a sub-dict exists (undefined). */
function parsePut(cur: JsonObject, keyInCur: string, value: string | undefined, keyPrefix: string): JsonValue {
  const old = Object.hasOwn(cur, keyInCur) ? cur[keyInCur] : undefined;
  if (old !== undefined) {
    if (typeof old === "string" ? value === undefined : value !== undefined) {
      throw new QemuError(`Parameters '${keyPrefix}.*' used inconsistently`);
    }
    if (value === undefined) return old;
  }
  const fresh: JsonValue = value !== undefined ? value : newKeyvalDict();
  cur[keyInCur] = fresh;
  return fresh;
}

interface ParseOneResult {
  next: number;
  help: boolean;
}

/** keyval_parse_one(): one "key=value" (or implied value, or help) starting at `start`. */
function parseOne(qdict: JsonObject, params: string, start: number, impliedKey: string | undefined): ParseOneResult {
  let len = 0;
  while (start + len < params.length && params[start + len] !== "=" && params[start + len] !== ",") len++;

  let keySrc = params;
  let keyStart = start;
  let valEnd = -1;
  let implied = false;
  if (len > 0 && params[start + len] !== "=") {
    if (startsWithHelpOption(params.slice(start)) === len) {
      let s = start + len;
      if (params[s] === ",") s++;
      return { next: s, help: true };
    }
    if (impliedKey !== undefined) {
      keySrc = impliedKey;
      keyStart = 0;
      valEnd = start + len;
      len = impliedKey.length;
      implied = true;
    }
  }
  const keyEnd = keyStart + len;
  const fullKey = keySrc.slice(keyStart, keyEnd);

  let cur = qdict;
  let s = keyStart;
  let keyInCur = "";
  for (;;) {
    let fragLen: number;
    const idx = s !== keyStart ? keyToIndex(keySrc, s) : { index: -1, end: s };
    if (idx.index >= 0) {
      fragLen = idx.end - s;
    } else {
      const n = parseQapiName(keySrc, false, s);
      fragLen = n < 0 ? 0 : n;
    }
    // The fragment must not run past the key (a name can't contain '=' or ',').
    if (s + fragLen > keyEnd) fragLen = keyEnd - s;
    if (!fragLen || (s + fragLen < keyEnd && keySrc[s + fragLen] !== ".")) {
      throw new QemuError(`Invalid parameter '${fullKey}'`);
    }
    if (fragLen >= 128) {
      const fragment = s !== keyStart || s + fragLen !== keyEnd;
      throw new QemuError(`Parameter${fragment ? " fragment" : ""} '${keySrc.slice(s, s + fragLen)}' is too long`);
    }
    if (s !== keyStart) {
      const next = parsePut(cur, keyInCur, undefined, keySrc.slice(keyStart, s - 1));
      cur = next as JsonObject;
    }
    keyInCur = keySrc.slice(s, s + fragLen);
    s += fragLen;
    if (keySrc[s] !== ".") break;
    s++;
  }

  let value: string;
  let next: number;
  if (implied) {
    value = params.slice(start, valEnd);
    next = valEnd;
    if (params[next] === ",") next++;
  } else {
    if (params[s] !== "=") {
      throw new QemuError(`Expected '=' after parameter '${params.slice(start, s)}'`);
    }
    s++;
    value = "";
    for (;;) {
      if (s >= params.length) break;
      if (params[s] === ",") {
        s++;
        if (params[s] !== ",") break;
      }
      value += params[s];
      s++;
    }
    next = s;
  }
  parsePut(cur, keyInCur, value, fullKey);
  return { next, help: false };
}

/** reassemble_key(): "a.b." for the path of dict keys leading to the current dict. */
function reassembleKey(path: readonly string[]): string {
  return path.map((k) => `${k}.`).join("");
}

/**
 * keyval_listify(): turn dicts whose keys are all indexes into lists, checking that no index
 * is missing ("Parameter 'a.1' missing") and that indexes and names don't mix.
 */
function listify(cur: JsonObject, path: string[]): JsonValue {
  let hasIndex = false;
  let hasMember = false;
  for (const key of Object.keys(cur)) {
    if (keyToIndex(key, 0).index >= 0) hasIndex = true;
    else hasMember = true;
    const v = cur[key];
    if (isDict(v)) {
      const val = listify(v, [...path, key]);
      if (val !== v) cur[key] = val;
    }
  }
  if (hasIndex && hasMember) {
    throw new QemuError(`Parameters '${reassembleKey(path)}*' used inconsistently`);
  }
  if (!hasIndex) return cur;

  const keys = Object.keys(cur);
  const nelt = keys.length + 1;
  const elt: Array<JsonValue | undefined> = new Array<JsonValue | undefined>(nelt).fill(undefined);
  let maxIndex = -1;
  for (const key of keys) {
    const index = keyToIndex(key, 0).index;
    if (index > maxIndex) maxIndex = index;
    if (index >= nelt - 1) continue;
    elt[index] = cur[key];
  }
  const list: JsonValue[] = [];
  for (let i = 0; i < Math.min(nelt, maxIndex + 1); i++) {
    const v = elt[i];
    if (v === undefined) throw new QemuError(`Parameter '${reassembleKey(path)}${i}' missing`);
    list.push(v);
  }
  return list;
}

export interface KeyvalResult {
  dict: JsonObject;
  /** A "help" or "?" word was present (only reported when the caller asked for it). */
  help: boolean;
}

/**
 * keyval_parse_into(): parse `params` into `qdict`. With `allowHelp` false a help word is the
 * error "Help is not available for this option". Throws QemuError.
 */
export function keyvalParseInto(qdict: JsonObject, params: string, impliedKey: string | undefined, allowHelp = true): KeyvalResult {
  let help = false;
  let implied = impliedKey;
  for (let s = 0; s < params.length; ) {
    const r = parseOne(qdict, params, s, implied);
    if (r.help) help = true;
    s = r.next;
    implied = undefined;
  }
  if (help && !allowHelp) throw new QemuError("Help is not available for this option");
  listify(qdict, []);
  return { dict: qdict, help };
}

/** keyval_parse(): parse into a fresh dict. */
export function keyvalParse(params: string, impliedKey: string | undefined, allowHelp = true): KeyvalResult {
  return keyvalParseInto(newKeyvalDict(), params, impliedKey, allowHelp);
}

/**
 * keyval_merge(): merge `merged` into `dest`; sub-dicts merge recursively, lists append,
 * strings replace. A key that is a string in one and a dict in the other is
 * "Parameter 'a.b' used inconsistently".
 */
export function keyvalMerge(dest: JsonObject, merged: JsonObject, prefix = ""): void {
  for (const key of Object.keys(merged)) {
    const value = merged[key]!;
    const old = Object.hasOwn(dest, key) ? dest[key] : undefined;
    if (old !== undefined) {
      const oldKind = kindOf(old);
      const newKind = kindOf(value);
      if (oldKind !== newKind) {
        throw new QemuError(`Parameter '${prefix}${key}' used inconsistently`);
      }
      if (newKind === "dict") {
        keyvalMerge(old as JsonObject, value as JsonObject, `${prefix}${key}.`);
        continue;
      }
      if (newKind === "list") {
        (old as JsonValue[]).push(...(value as JsonValue[]));
        continue;
      }
    }
    dest[key] = cloneKeyval(value);
  }
}

function kindOf(v: JsonValue): "dict" | "list" | "string" | "other" {
  if (Array.isArray(v)) return "list";
  if (isDict(v)) return "dict";
  if (typeof v === "string") return "string";
  return "other";
}

/** A deep copy, so later merges into `dest` never reach back into the source. */
export function cloneKeyval(v: JsonValue): JsonValue {
  if (Array.isArray(v)) return v.map(cloneKeyval);
  if (isDict(v)) {
    const d = newKeyvalDict();
    for (const k of Object.keys(v)) d[k] = cloneKeyval(v[k]!);
    return d;
  }
  return v;
}
