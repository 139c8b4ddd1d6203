/**
 * Object properties (QEMU's ObjectProperty) and the typed property builders that QEMU's
 * object_property_add_* helpers provide. A builder returns a property record; QomObject and
 * ObjectClass decide where it is stored (instance or class).
 */
import type { JsonValue } from "../qobject/json-value.js";
import type { QomObject } from "./object.js";
import type { IntTypeName, IntValue, Visitor } from "./visitor.js";

export interface ObjectProperty {
  readonly name: string;
  /** The type string QEMU reports (`string`, `bool`, `uint32`, `child<T>`, `link<T>`, …). */
  readonly type: string;
  description?: string;
  /** Reads the value as JSON (QEMU's getter through the QObject output visitor). */
  get?(obj: QomObject): JsonValue;
  /** Writes the value, reading it from the visitor. */
  set?(obj: QomObject, v: Visitor): void;
  /** Follows the property to an object (child<>, link<>, aliases). */
  resolve?(obj: QomObject, part: string): QomObject | undefined;
  /** Called when the property is deleted, or when its object is finalised. */
  release?(obj: QomObject): void;
  /** Called at object creation for class properties (applies defaults). */
  init?(obj: QomObject): void;
  /** The default value, reported as `default-value`. */
  defval?: JsonValue;
  /** The object a child<> or link<> points at, etc. */
  opaque?: unknown;
}

/** A property accessor pair over some storage; `set` absent means read-only. */
export interface Accessors<T> {
  get?: (obj: QomObject) => T;
  set?: (obj: QomObject, value: T) => void;
}

function make<T>(
  name: string,
  type: string,
  acc: Accessors<T>,
  read: (v: Visitor, name: string) => T,
  write: (value: T) => JsonValue,
): ObjectProperty {
  const prop: ObjectProperty = { name, type };
  const { get, set } = acc;
  if (get) prop.get = (obj) => write(get(obj));
  if (set) prop.set = (obj, v) => set(obj, read(v, name));
  return prop;
}

export function strProperty(name: string, acc: Accessors<string>): ObjectProperty {
  return make(name, "string", acc, (v, n) => v.typeStr(n), (x) => x);
}

export function boolProperty(name: string, acc: Accessors<boolean>): ObjectProperty {
  return make(name, "bool", acc, (v, n) => v.typeBool(n), (x) => x);
}

/** Integer properties report their C type (`uint8` … `uint64`, `int8` … `int64`). */
export function intProperty(name: string, type: IntTypeName, acc: Accessors<IntValue>): ObjectProperty {
  return make(name, type, acc, (v, n) => v.typeInt(n, type), (x) => x);
}

export function sizeProperty(name: string, acc: Accessors<IntValue>): ObjectProperty {
  return make(name, "size", acc, (v, n) => v.typeSize(n), (x) => x);
}

export function numberProperty(name: string, acc: Accessors<number>): ObjectProperty {
  return make(name, "number", acc, (v, n) => v.typeNumber(n), (x) => x);
}

/** An enum property reports the QAPI enum's name as its type (e.g. `OnOffAuto`). */
export function enumProperty(
  name: string,
  typename: string,
  values: readonly string[],
  acc: Accessors<string>,
): ObjectProperty {
  return make(name, typename, acc, (v, n) => v.typeEnum(n, values), (x) => x);
}

/** A structured property (QAPI struct or any), read and written as JSON. */
export function structProperty(name: string, typename: string, acc: Accessors<JsonValue>): ObjectProperty {
  return make(name, typename, acc, (v, n) => v.typeAny(n), (x) => x);
}

/** QEMU's object_property_add_tm: a read-only `struct tm`. */
export function tmProperty(name: string, get: (obj: QomObject) => Date): ObjectProperty {
  return {
    name,
    type: "struct tm",
    get: (obj) => {
      const d = get(obj);
      return {
        tm_year: d.getUTCFullYear() - 1900,
        tm_mon: d.getUTCMonth(),
        tm_mday: d.getUTCDate(),
        tm_hour: d.getUTCHours(),
        tm_min: d.getUTCMinutes(),
        tm_sec: d.getUTCSeconds(),
      };
    },
  };
}
