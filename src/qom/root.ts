/** The composition tree's root and its well-known containers. */
import { containerGet, TYPE_CONTAINER } from "./container.js";
import { objectNew, type QomObject } from "./object.js";
import type { TypeRegistry } from "./type.js";

/** QEMU's object_get_root: the root container, created on first use. */
export function objectGetRoot(registry: TypeRegistry): QomObject {
  if (!registry.rootObject) {
    const root = objectNew(registry, TYPE_CONTAINER);
    root.isRoot = true;
    registry.rootObject = root;
  }
  return registry.rootObject;
}

/** QEMU's object_get_objects_root: `/objects`, where `-object`/`object-add` objects live. */
export function objectGetObjectsRoot(registry: TypeRegistry): QomObject {
  return containerGet(objectGetRoot(registry), "/objects");
}
