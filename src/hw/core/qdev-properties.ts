/**
 * Device properties (QEMU's qdev static properties, hw/core/qdev-properties.c): typed class
 * properties with defaults that can be set only until the device is realized.
 *
 * A property is declared once, with where its value lives (`field`) and its kind; the kind
 * fixes the type string, the description and the parsing that management tools see in
 * `device-list-properties`.
 */
import type { JsonValue } from "../../qobject/json-value.js";
import { QomError } from "../../qom/error.js";
import { addClassProperty, type QomObject } from "../../qom/object.js";
import type { ObjectProperty } from "../../qom/property.js";
import type { ObjectClass } from "../../qom/type.js";
import type { IntTypeName, IntValue, Visitor } from "../../qom/visitor.js";
import type { DeviceState } from "./qdev.js";

/** How one kind of property reads, writes and describes its value. */
export interface PropertyKind<T> {
  readonly type: string;
  readonly description?: string;
  read(v: Visitor, name: string, dev: DeviceState): T;
  write(value: T): JsonValue;
}

export interface DeviceProperty<T = unknown> {
  readonly name: string;
  readonly kind: PropertyKind<T>;
  /** The instance field the value is stored in. */
  readonly field: string;
  /** Absent: no default is applied or reported (strings, links). */
  readonly defval?: T;
}

function intKind(type: IntTypeName): PropertyKind<IntValue> {
  return { type, read: (v, n) => v.typeInt(n, type), write: (x) => x };
}

export const propKinds = {
  bool: { type: "bool", description: "on/off", read: (v, n) => v.typeBool(n), write: (x) => x } as PropertyKind<boolean>,
  uint8: intKind("uint8"),
  uint16: intKind("uint16"),
  uint32: intKind("uint32"),
  uint64: intKind("uint64"),
  int8: intKind("int8"),
  int16: intKind("int16"),
  int32: intKind("int32"),
  int64: intKind("int64"),
  size: { type: "size", read: (v, n) => v.typeSize(n), write: (x) => x } as PropertyKind<IntValue>,
  string: { type: "str", read: (v, n) => v.typeStr(n), write: (x) => x } as PropertyKind<string>,
  onOffAuto: enumKind("OnOffAuto", ["on", "off", "auto"], "on/off/auto"),
} as const;

export function enumKind(type: string, values: readonly string[], description?: string): PropertyKind<string> {
  const kind: PropertyKind<string> = { type, read: (v, n) => v.typeEnum(n, values), write: (x) => x };
  return description === undefined ? kind : { ...kind, description };
}

/** A string-valued property with a fixed description (chardev, netdev, drive, mac, …). */
export function describedStringKind(description: string, check?: (value: string, name: string) => string): PropertyKind<string> {
  return {
    type: "str",
    description,
    read: (v, n) => (check ? check(v.typeStr(n), n) : v.typeStr(n)),
    write: (x) => x,
  };
}

export function defineProp<T>(name: string, field: string, kind: PropertyKind<T>, defval?: T): DeviceProperty<T> {
  return defval === undefined ? { name, field, kind } : { name, field, kind, defval };
}

function fieldsOf(dev: QomObject): Record<string, unknown> {
  return dev as unknown as Record<string, unknown>;
}

/** The error QEMU gives when a property changes after realize. */
export function setAfterRealizeError(dev: DeviceState, name: string): QomError {
  return dev.id !== undefined
    ? new QomError(`Attempt to set property '${name}' on device '${dev.id}' (type '${dev.typeName}') after it was realized`)
    : new QomError(`Attempt to set property '${name}' on anonymous device (type '${dev.typeName}') after it was realized`);
}

/**
 * The declaration behind a class property made from one (QEMU's Property of a qdev property).
 * A symbol-keyed member, so that it survives `{ ...prop }` copies that adjust getters.
 */
const QDEV_DECLARATION = Symbol("qdev property declaration");

type DeclaredProperty = ObjectProperty & { [QDEV_DECLARATION]?: DeviceProperty<unknown> };

/** The qdev (static) property declaration a class property was made from, if it was. */
export function qdevPropertyDeclaration(prop: ObjectProperty): DeviceProperty<unknown> | undefined {
  return (prop as DeclaredProperty)[QDEV_DECLARATION];
}

/** Turns a declaration into the class property QEMU's device_class_set_props would add. */
export function devicePropertyToObjectProperty<T>(p: DeviceProperty<T>): ObjectProperty {
  const prop: ObjectProperty = {
    name: p.name,
    type: p.kind.type,
    get: (obj) => {
      const value = fieldsOf(obj)[p.field] as T | undefined;
      return value === undefined ? (p.kind.type === "str" ? "" : null) : p.kind.write(value);
    },
    set: (obj, v) => {
      const dev = obj as DeviceState;
      if (dev.realized) throw setAfterRealizeError(dev, p.name);
      fieldsOf(obj)[p.field] = p.kind.read(v, p.name, dev);
    },
  };
  if (p.kind.description !== undefined) prop.description = p.kind.description;
  if (p.defval !== undefined) {
    const defval = p.defval;
    prop.defval = p.kind.write(defval);
    prop.init = (obj) => {
      fieldsOf(obj)[p.field] = defval;
    };
  }
  (prop as DeclaredProperty)[QDEV_DECLARATION] = p as DeviceProperty<unknown>;
  return prop;
}

/** QEMU's device_class_set_props: adds each declaration as a class property. */
export function deviceClassSetProps(klass: ObjectClass, props: readonly DeviceProperty<unknown>[]): void {
  for (const p of props) addClassProperty(klass, devicePropertyToObjectProperty(p));
}
