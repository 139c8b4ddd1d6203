/**
 * Turns a property table (device-prop-tables.ts) into class properties: the kind follows the
 * reported type and description, values live in `dev.tableValues`. Special kinds (drive,
 * netdev, mac, links) are passed in by name.
 */
import { QomError } from "../../qom/error.js";
import { addClassProperty, type QomObject } from "../../qom/object.js";
import type { ObjectProperty } from "../../qom/property.js";
import type { ObjectClass } from "../../qom/type.js";
import type { IntTypeName } from "../../qom/visitor.js";
import { devicePropertyToObjectProperty, enumKind, propKinds, setAfterRealizeError, type PropertyKind } from "../core/qdev-properties.js";
import type { DeviceState } from "../core/qdev.js";
import type { PropRow } from "./device-prop-tables.js";
import { biosAtaTranslationKind, blockdevOnErrorKind, blocksizeKind, plainBool } from "./prop-kinds.js";

/** Instances keep table-driven values here, by property name. */
export interface HasTableValues {
  tableValues: Map<string, unknown>;
}

export function tableValue<T>(dev: QomObject, name: string): T | undefined {
  return (dev as unknown as HasTableValues).tableValues?.get(name) as T | undefined;
}

function kindFor(row: PropRow): PropertyKind<unknown> {
  const [, type, , description] = row;
  switch (type) {
    case "bool":
      return (description === "on/off" ? propKinds.bool : plainBool) as PropertyKind<unknown>;
    case "uint8":
    case "uint16":
    case "uint32":
    case "uint64":
    case "int8":
    case "int16":
    case "int32":
    case "int64":
      return propKinds[type as IntTypeName] as PropertyKind<unknown>;
    case "size":
      return (description ? blocksizeKind : propKinds.size) as PropertyKind<unknown>;
    case "str":
      return propKinds.string as PropertyKind<unknown>;
    case "OnOffAuto":
      return propKinds.onOffAuto as PropertyKind<unknown>;
    case "BlockdevOnError":
      return blockdevOnErrorKind as PropertyKind<unknown>;
    case "BiosAtaTranslation":
      return biosAtaTranslationKind as PropertyKind<unknown>;
    default:
      return enumKind(type, [], description ?? undefined) as PropertyKind<unknown>;
  }
}

/** A settable-before-realize link<T> class property with no default. */
function linkRow(name: string, type: string): ObjectProperty {
  return {
    name,
    type,
    get: (obj) => {
      const v = tableValue<QomObject>(obj, name);
      return v?.canonicalPath ?? "";
    },
    set: (obj, v) => {
      const dev = obj as DeviceState;
      if (dev.realized) throw setAfterRealizeError(dev, name);
      const path = v.typeStr(name);
      if (path === "") {
        (dev as unknown as HasTableValues).tableValues.delete(name);
        return;
      }
      throw new QomError(`Device '${path}' not found`, "DeviceNotFound");
    },
  };
}

/**
 * Adds a class's table properties (display order in, QEMU's insertion order out). Values live in
 * the instance's `tableValues` map (which the instance class must create).
 */
export function addTableProps(
  klass: ObjectClass,
  rows: readonly PropRow[],
  special: Readonly<Record<string, PropertyKind<unknown>>> = {},
): void {
  const props: ObjectProperty[] = rows.map((row) => {
    const [name, type, defval] = row;
    if (type.startsWith("link<")) return linkRow(name, type);
    const kind = special[name] ?? kindFor(row);
    const base = devicePropertyToObjectProperty({ name, field: "__unused", kind, ...(defval !== null ? { defval } : {}) });
    const prop: ObjectProperty = {
      ...base,
      get: (obj) => {
        const values = (obj as unknown as HasTableValues).tableValues;
        const v = values.get(name);
        return v === undefined ? (kind.type === "str" ? "" : null) : kind.write(v);
      },
      set: (obj, v) => {
        const dev = obj as DeviceState;
        if (dev.realized) throw setAfterRealizeError(dev, name);
        (obj as unknown as HasTableValues).tableValues.set(name, kind.read(v, name, dev));
      },
    };
    if (defval !== null) prop.init = (obj) => void (obj as unknown as HasTableValues).tableValues.set(name, defval);
    else delete prop.init;
    return prop;
  });
  for (const p of props.reverse()) addClassProperty(klass, p);
}
