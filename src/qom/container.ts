/** The `container` type (QEMU's qom/container.c): a plain node of the composition tree. */
import { adoptChild } from "./child.js";
import { QomBug } from "./error.js";
import { objectNew, type QomObject } from "./object.js";
import { TYPE_OBJECT, type TypeInfo } from "./type.js";

export const TYPE_CONTAINER = "container";

export const containerTypeInfo: TypeInfo = {
  name: TYPE_CONTAINER,
  parent: TYPE_OBJECT,
};

/** QEMU's container_get: the object at an absolute path, creating missing containers on the way. */
export function containerGet(root: QomObject, path: string): QomObject {
  const parts = path.split("/");
  if (parts[0] !== "") throw new QomBug(`container path '${path}' is not absolute`);
  let obj = root;
  for (const part of parts.slice(1)) {
    if (part === "") continue;
    obj = obj.resolveComponent(part) ?? adoptChild(obj, part, objectNew(root.registry, TYPE_CONTAINER));
  }
  return obj;
}
