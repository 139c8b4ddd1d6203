/**
 * Checks a command's "arguments" against the schema the way QEMU's QObject
 * input visitor (qapi/qobject-input-visitor.c with the generated visitors)
 * does, with QEMU's error texts and in QEMU's order:
 *
 * - object members are visited in schema order (base members first, then the
 *   members of the union variant the tag selects); a missing required member
 *   is reported before anything after it; unexpected keys are reported last,
 *   and which one is named follows GLib's hash table (unexpected-member.ts);
 * - "Parameter 'x' ..." texts use the full path (model.name, instances[0].id)
 *   except where QEMU uses the bare member name: enum values, integer range
 *   checks and alternates, which name list elements 'null';
 * - integers: int64 accepts only integers in range ("expected: integer");
 *   uint64 and size also accept negative int64 values, wrapped modulo 2^64,
 *   and refuse anything else with "expects uint64"; narrower integers are
 *   range-checked afterwards ("expects uint16_t").
 *
 * The result is a new object holding the validated arguments: members in
 * schema order, integers as number when safe and bigint otherwise, numbers
 * of type 'number' as JS numbers.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { isJsonObject } from "../qobject/json-value.js";
import { QmpArgumentError } from "./error.js";
import { type CommandDef, type ObjectTypeDef, type SchemaModel, type TypeDef, controlArgsTypeName, schema as generatedSchema } from "./schema.js";
import { firstUnexpectedKey } from "./unexpected-member.js";

/** Which socket the command arrived on; the control socket adds 'machine' to machine-scope commands. */
export type SocketKind = "machine" | "control";

export interface ValidateOptions {
  socket?: SocketKind;
  /** The schema to check against; the generated one by default (tests pass small ones). */
  schema?: SchemaModel;
}

/** Where the visitor is: member names (objects) and indexes (lists), outermost first. */
type Path = readonly (string | number)[];

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

const SIGNED_RANGES: { readonly [type: string]: readonly [bigint, bigint, string] } = {
  int8: [-128n, 127n, "int8_t"],
  int16: [-32768n, 32767n, "int16_t"],
  int32: [-2147483648n, 2147483647n, "int32_t"],
};
const UNSIGNED_MAX: { readonly [type: string]: readonly [bigint, string] } = {
  uint8: [255n, "uint8_t"],
  uint16: [65535n, "uint16_t"],
  uint32: [4294967295n, "uint32_t"],
};

/** QEMU's full_name(): "a.b", "a[0].c"; a member of the top-level object is just its name. */
function fullName(path: Path, name: string | null): string {
  const parts = name === null ? path : [...path, name];
  let s = "";
  for (const p of parts) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s;
}

const plainName = (name: string | null) => name ?? "null";

function normalizeInt(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** The integer a JSON value holds, if it is one (QEMU's QNum holding an int64 or uint64). */
function integerOf(v: JsonValue): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  return undefined;
}

class Visitor {
  constructor(private readonly model: SchemaModel) {}

  private type(name: string): TypeDef {
    const t = this.model.types[name];
    if (!t) throw new Error(`schema has no type ${name}`);
    return t;
  }

  /** Visits `value`, found as member `name` (null for a list element) below `path`. */
  visit(typeName: string, value: JsonValue, path: Path, name: string | null): JsonValue {
    const t = this.type(typeName);
    const full = () => fullName(path, name);
    const wrongType = (expected: string) => new QmpArgumentError(`Invalid parameter type for '${full()}', expected: ${expected}`);
    switch (t.meta) {
      case "builtin":
        return this.visitBuiltin(typeName, value, full, name);
      case "enum": {
        if (typeof value !== "string") throw wrongType("string");
        if (!t.values.includes(value)) throw new QmpArgumentError(`Parameter '${plainName(name)}' does not accept value '${value}'`);
        return value;
      }
      case "array": {
        if (!Array.isArray(value)) throw wrongType("array");
        const inner = name === null ? path : [...path, name];
        return value.map((el, i) => this.visit(t.element, el, [...inner, i], null));
      }
      case "object": {
        if (!isJsonObject(value)) throw wrongType("object");
        return this.visitObject(t, value, name === null ? path : [...path, name]);
      }
      case "alternate": {
        const branch = t.members.find((m) => this.acceptsKind(m.type, value));
        if (!branch) throw new QmpArgumentError(`Invalid parameter type for '${plainName(name)}', expected: ${typeName}`);
        return this.visit(branch.type, value, path, name);
      }
    }
  }

  /** The members of an object type, with the variant its tag selects (QEMU's visit_type_X_members). */
  visitObject(t: ObjectTypeDef, obj: JsonObject, path: Path): JsonObject {
    const out: JsonObject = {};
    const consumed = new Set<string>();
    this.visitMembers(t, obj, path, out, consumed);
    if (t.tag !== undefined && t.variants) {
      const tagValue = out[t.tag];
      const variant = t.variants.find((v) => v.case === tagValue);
      if (variant) {
        const vt = this.type(variant.type);
        if (vt.meta !== "object") throw new Error(`variant ${variant.type} is not an object`);
        this.visitMembers(vt, obj, path, out, consumed);
      }
    }
    const keys = Object.keys(obj);
    if (keys.length > consumed.size) {
      const extra = firstUnexpectedKey(keys, consumed);
      if (extra !== undefined) throw new QmpArgumentError(`Parameter '${fullName(path, extra)}' is unexpected`);
    }
    return out;
  }

  private visitMembers(t: ObjectTypeDef, obj: JsonObject, path: Path, out: JsonObject, consumed: Set<string>): void {
    for (const m of t.members) {
      if (!Object.hasOwn(obj, m.name)) {
        if (m.optional) continue;
        throw new QmpArgumentError(`Parameter '${fullName(path, m.name)}' is missing`);
      }
      consumed.add(m.name);
      out[m.name] = this.visit(m.type, obj[m.name], path, m.name);
    }
  }

  private visitBuiltin(typeName: string, value: JsonValue, full: () => string, name: string | null): JsonValue {
    const wrongType = (expected: string) => new QmpArgumentError(`Invalid parameter type for '${full()}', expected: ${expected}`);
    switch (typeName) {
      case "any":
        return value;
      case "str":
        if (typeof value !== "string") throw wrongType("string");
        return value;
      case "bool":
        if (typeof value !== "boolean") throw wrongType("boolean");
        return value;
      case "null":
        if (value !== null) throw wrongType("null");
        return null;
      case "number":
        if (typeof value === "bigint") return Number(value);
        if (typeof value !== "number") throw wrongType("number");
        return value;
      case "int":
      case "int64":
      case "int8":
      case "int16":
      case "int32": {
        const n = integerOf(value);
        if (n === undefined || n < INT64_MIN || n > INT64_MAX) throw wrongType("integer");
        const range = SIGNED_RANGES[typeName];
        if (range && (n < range[0] || n > range[1])) throw new QmpArgumentError(`Parameter '${plainName(name)}' expects ${range[2]}`);
        return normalizeInt(n);
      }
      case "uint64":
      case "size":
      case "uint8":
      case "uint16":
      case "uint32": {
        let n = integerOf(value);
        if (n === undefined || n < INT64_MIN || n > UINT64_MAX) throw new QmpArgumentError(`Parameter '${full()}' expects uint64`);
        if (n < 0n) n = BigInt.asUintN(64, n); // QEMU keeps accepting negative values here, wrapped
        const max = UNSIGNED_MAX[typeName];
        if (max && n > max[0]) throw new QmpArgumentError(`Parameter '${plainName(name)}' expects ${max[1]}`);
        return normalizeInt(n);
      }
      default:
        throw new Error(`unknown builtin ${typeName}`);
    }
  }

  /** Whether an alternate branch of this type takes values of this JSON kind (QEMU dispatches on QType). */
  private acceptsKind(typeName: string, value: JsonValue): boolean {
    const t = this.type(typeName);
    switch (t.meta) {
      case "builtin":
        switch (t.json) {
          case "string":
            return typeof value === "string";
          case "int":
          case "number":
            return typeof value === "number" || typeof value === "bigint";
          case "boolean":
            return typeof value === "boolean";
          case "null":
            return value === null;
          case "value":
            return true;
        }
        return false;
      case "enum":
        return typeof value === "string";
      case "array":
        return Array.isArray(value);
      case "object":
        return isJsonObject(value);
      case "alternate":
        return false; // QAPI forbids nesting alternates
    }
  }
}

/** The schema type a value of this name must match, checked against `schema`; for callers outside command dispatch. */
export function validateValue(typeName: string, value: JsonValue, options: { schema?: SchemaModel; name?: string } = {}): JsonValue {
  return new Visitor(options.schema ?? generatedSchema).visit(typeName, value, [], options.name ?? null);
}

/**
 * Checks the arguments of `command` (the "arguments" member of the request; absent means {}).
 * Returns the validated arguments, or throws QmpArgumentError with QEMU's text.
 * Commands with 'gen': false (device_add) are not checked: their arguments are
 * returned as given, as QEMU hands them to the command unchecked.
 * Throws a plain Error for a command the schema does not have (the dispatcher
 * answers CommandNotFound before getting here).
 */
export function validateCommandArguments(command: string, args: JsonObject | undefined, options: ValidateOptions = {}): JsonObject {
  const model = options.schema ?? generatedSchema;
  const def: CommandDef | undefined = model.commands[command];
  if (!def) throw new Error(`schema has no command ${command}`);
  const given = args ?? {};
  const socket = options.socket ?? "machine";
  if (socket === "machine" && def.scope === "daemon") throw new Error(`${command} is not a machine socket command`);
  const argsType = socket === "control" && def.scope === "machine" ? controlArgsTypeName(command) : def.args;
  if (!def.gen) {
    if (argsType !== def.args) {
      // The control socket still owns 'machine'; the rest goes through unchecked.
      const machine = given["machine"];
      if (machine !== undefined && typeof machine !== "string") {
        throw new QmpArgumentError("Invalid parameter type for 'machine', expected: string");
      }
    }
    return { ...given };
  }
  const visitor = new Visitor(model);
  if (argsType === null) {
    // No arguments: QEMU still visits an empty struct, so any key is unexpected.
    const keys = Object.keys(given);
    if (keys.length) throw new QmpArgumentError(`Parameter '${firstUnexpectedKey(keys, new Set())}' is unexpected`);
    return {};
  }
  const t = model.types[argsType];
  if (!t || t.meta !== "object") throw new Error(`arguments of ${command} are not an object type`);
  return visitor.visitObject(t, given, []);
}
