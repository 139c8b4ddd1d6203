/**
 * The value model shared by the QMP wire layer, the schema validator and QOM property access
 * (QEMU's QObject: QNull, QBool, QNum, QString, QList, QDict).
 *
 * Integers that fit in a JS safe integer are `number`; integers beyond that range (QEMU keeps
 * int64 and uint64 exactly) are `bigint`. A non-integral or out-of-range `number` is a double.
 * Objects keep insertion order, which the writer needs to reproduce QEMU's key order.
 */
export type JsonValue = null | boolean | number | bigint | string | JsonValue[] | JsonObject;

export interface JsonObject {
  [key: string]: JsonValue;
}

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** QAPI's name for the JSON type of a value, as used in "expected: %s" error texts. */
export function jsonTypeName(v: JsonValue): string {
  if (v === null) return "null";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number" || typeof v === "bigint") return "number";
  if (typeof v === "string") return "string";
  if (Array.isArray(v)) return "array";
  return "object";
}
