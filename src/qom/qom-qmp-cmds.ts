/**
 * The bodies of the QOM QMP commands (QEMU's qom/qom-qmp-cmds.c), as plain functions over a
 * registry and a root. Result lists are built the way QEMU builds them, by prepending while
 * iterating, so they come out in reverse iteration order (`type` first in qom-list).
 *
 * QEMU's property iterator walks the object's own property table first, then each class's
 * table from the object's class up to `object`. Those are GLib hash tables, so an object's own
 * properties come in GLib's hash order (src/util/ghash-order.ts). Class property tables are
 * hash tables too; qomd's classes add their properties in the order QEMU's tables yield them
 * (see setPropsInDisplayOrder in src/hw/pci/pci.ts), so they are walked as stored.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { QomError } from "./error.js";
import { classPropertyIter, isChildProperty, objectNew, type QomObject } from "./object.js";
import { resolvePath, resolvePathType } from "./path.js";
import type { ObjectProperty } from "./property.js";
import { objectGetRoot } from "./root.js";
import { TYPE_OBJECT, type TypeRegistry } from "./type.js";

export interface ObjectPropertyInfo extends JsonObject {
  name: string;
  type: string;
}

export interface ObjectTypeInfo extends JsonObject {
  name: string;
}

/** qom-list / qom-get / qom-set resolve their path with these errors. */
function resolveForList(root: QomObject, path: string): QomObject {
  const { obj, ambiguous } = resolvePath(root, path);
  if (obj) return obj;
  if (ambiguous) throw new QomError(`Path '${path}' is ambiguous`);
  throw new QomError(`Device '${path}' not found`, "DeviceNotFound");
}

function resolveForGetSet(root: QomObject, path: string): QomObject {
  const { obj } = resolvePath(root, path);
  if (!obj) throw new QomError(`Device '${path}' not found`, "DeviceNotFound");
  return obj;
}

/**
 * An object's own (instance) properties in the order QEMU's g_hash_table_iter visits its
 * property table.
 *
 * The object replays its own insertions and removals (QomObject.propertyNamesInHashOrder), so
 * tombstones and shrinking resizes after a removal land where QEMU's do.
 */
export function instancePropertiesInHashOrder(obj: QomObject): ObjectProperty[] {
  return obj.propertyNamesInHashOrder().map((name) => obj.properties.get(name)!);
}

/** QEMU's object_property_iter: own properties in hash order, then each class's, leaf class first. */
export function qemuPropertyIter(obj: QomObject): ObjectProperty[] {
  return [...instancePropertiesInHashOrder(obj), ...classPropertyIter(obj.klass)];
}

/** QEMU's object_child_foreach: the child<> properties of the own table, in hash order. */
export function childrenInHashOrder(obj: QomObject): [string, QomObject][] {
  return instancePropertiesInHashOrder(obj)
    .filter(isChildProperty)
    .map((p) => [p.name, p.opaque as QomObject]);
}

export function qomList(registry: TypeRegistry, path: string): ObjectPropertyInfo[] {
  const obj = resolveForList(objectGetRoot(registry), path);
  return qemuPropertyIter(obj)
    .map((p) => ({ name: p.name, type: p.type }))
    .reverse();
}

export function qomGet(registry: TypeRegistry, path: string, property: string): JsonValue {
  return resolveForGetSet(objectGetRoot(registry), path).getProperty(property);
}

export function qomSet(registry: TypeRegistry, path: string, property: string, value: JsonValue): void {
  resolveForGetSet(objectGetRoot(registry), path).setPropertyJson(property, value);
}

export function qomListTypes(registry: TypeRegistry, implementsType?: string, abstract = false): ObjectTypeInfo[] {
  return registry
    .classList(implementsType, abstract)
    .map((klass) => {
      const info: ObjectTypeInfo = { name: klass.type.name };
      if (klass.type.abstract) info["abstract"] = true;
      const parent = registry.classGetParent(klass);
      if (parent) info["parent"] = parent.type.name;
      return info;
    })
    .reverse();
}

function describe(prop: ObjectProperty): ObjectPropertyInfo {
  const info: ObjectPropertyInfo = { name: prop.name, type: prop.type };
  if (prop.description !== undefined) info["description"] = prop.description;
  return info;
}

/**
 * qom-list-properties: an abstract type lists its class properties; a concrete type is
 * instantiated for a moment so that instance properties show too.
 */
export function qomListProperties(registry: TypeRegistry, typename: string): ObjectPropertyInfo[] {
  const klass = registry.classByName(typename);
  if (!klass) throw new QomError(`Class '${typename}' not found`, "DeviceNotFound");
  if (!registry.classDynamicCast(klass, TYPE_OBJECT)) {
    throw new QomError("Parameter 'typename' expects a QOM type");
  }
  if (klass.type.abstract) return [...classPropertyIter(klass)].map(describe).reverse();
  const obj = objectNew(registry, typename);
  try {
    return qemuPropertyIter(obj).map(describe).reverse();
  } finally {
    obj.unref();
  }
}

/** Resolves a path to an object of a given type, with qom-get's error (used by HMP and tools). */
export function resolveTyped(registry: TypeRegistry, path: string, typename: string): QomObject {
  const { obj } = resolvePathType(objectGetRoot(registry), path, typename);
  if (!obj) throw new QomError(`Device '${path}' not found`, "DeviceNotFound");
  return obj;
}
