/**
 * The bodies of the QOM QMP commands (QEMU's qom/qom-qmp-cmds.c), as plain functions over a
 * registry and a root. Result lists are built the way QEMU builds them, by prepending while
 * iterating, so they come out in reverse iteration order (`type` first in qom-list).
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { QomError } from "./error.js";
import { classPropertyIter, objectNew, type QomObject } from "./object.js";
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

export function qomList(registry: TypeRegistry, path: string): ObjectPropertyInfo[] {
  const obj = resolveForList(objectGetRoot(registry), path);
  return [...obj.propertyIter()].map((p) => ({ name: p.name, type: p.type })).reverse();
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
    return [...obj.propertyIter()].map(describe).reverse();
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
