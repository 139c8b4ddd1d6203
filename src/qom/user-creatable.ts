/**
 * The `user-creatable` interface (QEMU's qom/object_interfaces.c): objects that `-object` and
 * `object-add` may create under `/objects/<id>`, with a `complete` step after their properties
 * are set, and `object-del` asking them whether they may go.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { addChild } from "./child.js";
import { QomError } from "./error.js";
import { objectNew, type QomObject } from "./object.js";
import { objectGetObjectsRoot } from "./root.js";
import { TYPE_INTERFACE, type InterfaceClass, type TypeInfo, type TypeRegistry } from "./type.js";
import { JsonInputVisitor, KeyvalInputVisitor, type Visitor } from "./visitor.js";

export const TYPE_USER_CREATABLE = "user-creatable";

export interface UserCreatableClass extends InterfaceClass {
  /** Finishes creation once every property is set; throws to refuse. */
  complete?: (obj: QomObject) => void;
  /** Whether `object-del` may remove the object now. */
  canBeDeleted?: (obj: QomObject) => boolean;
}

export const userCreatableTypeInfo: TypeInfo = {
  name: TYPE_USER_CREATABLE,
  parent: TYPE_INTERFACE,
};

/** QEMU's id_wellformed: a letter, then letters, digits, '-', '.', '_'. */
export function idWellFormed(id: string): boolean {
  return /^[A-Za-z][A-Za-z0-9._-]*$/.test(id);
}

export const ID_HINT = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.";

function userCreatableClass(obj: QomObject): UserCreatableClass | undefined {
  return obj.registry.classDynamicCast(obj.klass, TYPE_USER_CREATABLE) as UserCreatableClass | undefined;
}

export function userCreatableComplete(obj: QomObject): void {
  userCreatableClass(obj)?.complete?.(obj);
}

/**
 * QEMU's user_creatable_add_type: validate, create, set each property, attach under
 * `/objects/<id>`, complete. `props` come from QMP (strictly typed JSON) or from a keyval
 * option string (text values parsed per property type). The returned object is owned by
 * `/objects`.
 */
export function userCreatableAdd(
  registry: TypeRegistry,
  type: string,
  id: string | undefined,
  props: JsonObject,
  source: "json" | "keyval",
): QomObject {
  if (id !== undefined && !idWellFormed(id)) {
    throw new QomError("Parameter 'id' expects an identifier", "GenericError", ID_HINT);
  }
  const klass = registry.classByName(type);
  if (!klass) throw new QomError(`invalid object type: ${type}`);
  if (!registry.classDynamicCast(klass, TYPE_USER_CREATABLE)) {
    throw new QomError(`object type '${type}' isn't supported by object-add`);
  }
  if (klass.type.abstract) throw new QomError(`object type '${type}' is abstract`);

  const obj = objectNew(registry, type);
  const objects = objectGetObjectsRoot(registry);
  let attached = false;
  try {
    for (const [name, value] of Object.entries(props)) {
      const v: Visitor = source === "json" ? new JsonInputVisitor(value) : new KeyvalInputVisitor(value);
      obj.setProperty(name, v);
    }
    if (id !== undefined) {
      addChild(objects, id, obj);
      attached = true;
    }
    userCreatableComplete(obj);
  } catch (err) {
    if (attached && id !== undefined) objects.deleteProperty(id);
    obj.unref();
    throw err;
  }
  obj.unref();
  return obj;
}

/** QEMU's user_creatable_del. */
export function userCreatableDel(registry: TypeRegistry, id: string): void {
  const objects = objectGetObjectsRoot(registry);
  const obj = objects.resolveComponent(id);
  if (!obj) throw new QomError(`object '${id}' not found`);
  const ucc = userCreatableClass(obj);
  if (ucc?.canBeDeleted && !ucc.canBeDeleted(obj)) {
    throw new QomError(`object '${id}' is in use, can not be deleted`);
  }
  obj.unparent();
}
