/**
 * Input visitors: how a property setter reads the value it is given.
 *
 * QEMU's setters pull typed values out of a Visitor, and the same setter behaves differently
 * depending on where the value comes from. qomd keeps that split:
 * - `JsonInputVisitor` is QMP's strict QObject input (`qom-set`, `object-add`): a boolean must be
 *   a JSON boolean, an integer a JSON integer, and so on.
 * - `StringInputVisitor` parses text, the way the command line, `-global` and
 *   `object_property_parse` do (`on`/`off`, `0x10`, `1G`).
 * - `KeyvalInputVisitor` is QEMU's keyval flavour of the QObject visitor: scalars arrive as
 *   strings (from `-object`/`-machine` key=value lists) and are parsed per type, with its own texts.
 * Error texts are QEMU's for each flavour.
 */
import type { JsonValue } from "../qobject/json-value.js";
import { QomError } from "./error.js";
import { parseBool, parseInt64Text, parseSizeText, parseUint64Text } from "./parse.js";

export type IntTypeName =
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64";

/** Integers are `number` when they fit a JS safe integer, `bigint` otherwise. */
export type IntValue = number | bigint;

export interface Visitor {
  readonly kind: "json" | "string" | "keyval";
  typeBool(name: string): boolean;
  typeInt(name: string, type: IntTypeName): IntValue;
  typeSize(name: string): IntValue;
  typeStr(name: string): string;
  typeNumber(name: string): number;
  typeEnum(name: string, values: readonly string[]): string;
  /** A structured value (QEMU's visit_type_any / struct visits), as JSON. */
  typeAny(name: string): JsonValue;
}

const INT_RANGES: Record<IntTypeName, readonly [bigint, bigint]> = {
  int8: [-128n, 127n],
  int16: [-32768n, 32767n],
  int32: [-2147483648n, 2147483647n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint8: [0n, 255n],
  uint16: [0n, 65535n],
  uint32: [0n, 4294967295n],
  uint64: [0n, 2n ** 64n - 1n],
};

export function normalizeInt(v: bigint): IntValue {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/**
 * QEMU's visit_type_intN/uintN range check, shared by every visitor. Its error names the C type
 * (`uint8_t`, `int32_t`), unlike the 64-bit readers' own errors.
 */
export function checkIntRange(name: string, type: IntTypeName, v: bigint): IntValue {
  const [min, max] = INT_RANGES[type];
  if (v < min || v > max) throw invalidValue(name, `${type}_t`);
  return normalizeInt(v);
}

export function invalidType(name: string, expected: string): QomError {
  return new QomError(`Invalid parameter type for '${name}', expected: ${expected}`);
}

export function invalidValue(name: string, expected: string): QomError {
  return new QomError(`Parameter '${name}' expects ${expected}`);
}

function checkEnum(name: string, value: string, values: readonly string[]): string {
  if (!values.includes(value)) {
    throw new QomError(`Parameter '${name}' does not accept value '${value}'`);
  }
  return value;
}

function asBigInt(v: JsonValue): bigint | undefined {
  if (typeof v === "bigint") return v;
  if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

export class JsonInputVisitor implements Visitor {
  readonly kind = "json";
  constructor(private readonly value: JsonValue) {}

  typeBool(name: string): boolean {
    if (typeof this.value !== "boolean") throw invalidType(name, "boolean");
    return this.value;
  }

  typeInt(name: string, type: IntTypeName): IntValue {
    const v = asBigInt(this.value);
    if (type.startsWith("u")) {
      // QEMU reads any integer that fits uint64, and for backward compatibility also negative
      // int64 values (wrapped to uint64); the narrower type's range check comes after.
      if (v === undefined || v < INT_RANGES.int64[0] || v > INT_RANGES.uint64[1]) {
        throw invalidValue(name, "uint64");
      }
      return checkIntRange(name, type, BigInt.asUintN(64, v));
    }
    if (v === undefined || v < INT_RANGES.int64[0] || v > INT_RANGES.int64[1]) {
      throw invalidType(name, "integer");
    }
    return checkIntRange(name, type, v);
  }

  typeSize(name: string): IntValue {
    return this.typeInt(name, "uint64");
  }

  typeStr(name: string): string {
    if (typeof this.value !== "string") throw invalidType(name, "string");
    return this.value;
  }

  typeNumber(name: string): number {
    if (typeof this.value === "number") return this.value;
    if (typeof this.value === "bigint") return Number(this.value);
    throw invalidType(name, "number");
  }

  typeEnum(name: string, values: readonly string[]): string {
    return checkEnum(name, this.typeStr(name), values);
  }

  typeAny(_name: string): JsonValue {
    return this.value;
  }
}

export class StringInputVisitor implements Visitor {
  readonly kind = "string";
  constructor(private readonly text: string) {}

  typeBool(name: string): boolean {
    const b = parseBool(this.text);
    if (b === undefined) throw invalidValue(name, "'on' or 'off'");
    return b;
  }

  typeInt(name: string, type: IntTypeName): IntValue {
    const unsigned = type.startsWith("u");
    const v = unsigned ? parseUint64Text(this.text) : parseInt64Text(this.text);
    if (v === undefined) throw invalidValue(name, unsigned ? "uint64" : "int64");
    return checkIntRange(name, type, v);
  }

  typeSize(name: string): IntValue {
    const v = parseSizeText(this.text);
    if (v === undefined) throw invalidValue(name, "size");
    return normalizeInt(v);
  }

  typeStr(_name: string): string {
    return this.text;
  }

  typeNumber(name: string): number {
    const n = Number(this.text);
    if (this.text.trim() === "" || !Number.isFinite(n)) throw invalidValue(name, "number");
    return n;
  }

  typeEnum(name: string, values: readonly string[]): string {
    return checkEnum(name, this.text, values);
  }

  typeAny(name: string): JsonValue {
    // The string visitor has no structured values; QEMU cannot parse these from text either.
    throw invalidType(name, "object");
  }
}

export class KeyvalInputVisitor implements Visitor {
  readonly kind = "keyval";
  constructor(private readonly value: JsonValue) {}

  private scalar(name: string): string {
    // keyval only produces strings for scalars; a nested object or list here is the wrong shape.
    if (typeof this.value !== "string") throw invalidType(name, "string");
    return this.value;
  }

  typeBool(name: string): boolean {
    // keyval accepts only on/off, unlike the string visitor.
    const text = this.scalar(name);
    if (text !== "on" && text !== "off") throw invalidValue(name, "'on' or 'off'");
    return text === "on";
  }

  typeInt(name: string, type: IntTypeName): IntValue {
    const text = this.scalar(name);
    const v = type.startsWith("u") ? parseUint64Text(text) : parseInt64Text(text);
    if (v === undefined) throw invalidValue(name, "integer");
    return checkIntRange(name, type, v);
  }

  typeSize(name: string): IntValue {
    const v = parseSizeText(this.scalar(name));
    if (v === undefined) throw invalidValue(name, "size");
    return normalizeInt(v);
  }

  typeStr(name: string): string {
    return this.scalar(name);
  }

  typeNumber(name: string): number {
    const text = this.scalar(name);
    const n = Number(text);
    if (text.trim() === "" || !Number.isFinite(n)) throw invalidType(name, "number");
    return n;
  }

  typeEnum(name: string, values: readonly string[]): string {
    return checkEnum(name, this.scalar(name), values);
  }

  typeAny(_name: string): JsonValue {
    return this.value;
  }
}
