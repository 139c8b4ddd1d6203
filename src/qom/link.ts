/**
 * link<> and alias properties. A link's value is the canonical path of its target, or "" when
 * unset; it can be set only when the property has a check, and setting resolves a path.
 */
import { QomError } from "./error.js";
import type { QomObject } from "./object.js";
import { isChildProperty } from "./object.js";
import { resolvePathType } from "./path.js";
import { objectGetRoot } from "./root.js";
import type { ObjectProperty } from "./property.js";

export interface LinkAccessors {
  get(obj: QomObject): QomObject | undefined;
  set(obj: QomObject, target: QomObject | undefined): void;
}

export interface LinkOptions {
  /** Decides whether the link may change to `target`; throws a QomError to refuse. Without it, the link is read-only. */
  check?: (obj: QomObject, name: string, target: QomObject | undefined) => void;
  /** A strong link holds a reference on its target (OBJ_PROP_LINK_STRONG). */
  strong?: boolean;
  description?: string;
}

/** Any target is acceptable (QEMU's object_property_allow_set_link). */
export function allowSetLink(): void {}

/** QEMU's object_resolve_link: the path a link is set to, resolved with QEMU's error texts. */
function resolveLinkTarget(obj: QomObject, name: string, targetType: string, path: string): QomObject {
  const root = objectGetRoot(obj.registry);
  const typed = resolvePathType(root, path, targetType);
  if (typed.ambiguous) throw new QomError(`Path '${path}' does not uniquely identify an object`);
  if (typed.obj) return typed.obj;
  const any = resolvePathType(root, path, "object");
  if (any.obj || any.ambiguous) {
    throw new QomError(`Invalid parameter type for '${name}', expected: ${targetType}`);
  }
  throw new QomError(`Device '${path}' not found`, "DeviceNotFound");
}

/** A link<T> property over some storage; usable as an instance or a class property. */
export function linkProperty(
  name: string,
  targetType: string,
  acc: LinkAccessors,
  opts: LinkOptions = {},
): ObjectProperty {
  const prop: ObjectProperty = {
    name,
    type: `link<${targetType}>`,
    get: (obj) => acc.get(obj)?.canonicalPath ?? "",
    resolve: (obj) => acc.get(obj),
  };
  if (opts.description !== undefined) prop.description = opts.description;
  const check = opts.check;
  if (check) {
    prop.set = (obj, v) => {
      const path = v.typeStr(name);
      const target = path === "" ? undefined : resolveLinkTarget(obj, name, targetType, path);
      check(obj, name, target);
      const old = acc.get(obj);
      acc.set(obj, target);
      if (opts.strong) {
        target?.ref();
        old?.unref();
      }
    };
  }
  if (opts.strong) {
    prop.release = (obj) => {
      const target = acc.get(obj);
      if (target) {
        acc.set(obj, undefined);
        target.unref();
      }
    };
  }
  return prop;
}

/** Adds a link<T> instance property whose target lives in a slot of its own. */
export function addLink(
  obj: QomObject,
  name: string,
  targetType: string,
  opts: LinkOptions = {},
  initial?: QomObject,
): { readonly prop: ObjectProperty; target(): QomObject | undefined } {
  let target = initial;
  if (initial && opts.strong) initial.ref();
  const prop = obj.addProperty(
    linkProperty(name, targetType, { get: () => target, set: (_o, t) => (target = t) }, opts),
  );
  return { prop, target: () => target };
}

/** QEMU's object_property_add_const_link: a read-only link to a fixed object. */
export function addConstLink(obj: QomObject, name: string, target: QomObject): ObjectProperty {
  return obj.addProperty(linkProperty(name, target.typeName, { get: () => target, set: () => {} }));
}

/**
 * QEMU's object_property_add_alias: `name` on `obj` forwards to `targetName` on `target`. An
 * alias of a child<T> is reported as link<T>, since the alias does not own the child.
 */
export function addAlias(obj: QomObject, name: string, target: QomObject, targetName: string): ObjectProperty {
  const targetProp = target.requireProperty(targetName);
  const type = isChildProperty(targetProp) ? "link" + targetProp.type.slice("child".length) : targetProp.type;
  const prop: ObjectProperty = {
    name,
    type,
    get: () => target.getProperty(targetName),
    set: (_obj, v) => target.setProperty(targetName, v),
    resolve: () => target.resolveComponent(targetName),
  };
  if (targetProp.defval !== undefined) prop.defval = targetProp.defval;
  if (targetProp.description !== undefined) prop.description = targetProp.description;
  return obj.addProperty(prop);
}
