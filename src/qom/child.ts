/**
 * child<> properties: the composition tree. A parent holds one reference on each child; the
 * property's value is the child's canonical path and it cannot be set.
 */
import { QomBug } from "./error.js";
import type { QomObject } from "./object.js";

/** QEMU's object_property_add_child. Returns the final property name (after `[*]` indexing). */
export function addChild(parent: QomObject, name: string, child: QomObject): string {
  if (child.parent) {
    throw new QomBug(`'${child.typeName}' already has a parent; it cannot be added as '${name}'`);
  }
  const prop = parent.addProperty({
    name,
    type: `child<${child.typeName}>`,
    opaque: child,
    get: () => child.canonicalPath ?? "",
    resolve: () => child,
    release: () => {
      child.klass.unparent?.(child);
      child.parent = undefined;
      child.parentPropertyName = undefined;
      child.unref();
    },
  });
  child.ref();
  child.parent = parent;
  child.parentPropertyName = prop.name;
  return prop.name;
}

/**
 * Adds a freshly created object as a child and hands the caller's reference to the parent
 * (the `object_property_add_child` + `object_unref` idiom).
 */
export function adoptChild<T extends QomObject>(parent: QomObject, name: string, child: T): T {
  addChild(parent, name, child);
  child.unref();
  return child;
}
