/** A fresh world with `/machine` for memory tests. */
import { qomInit } from "../../src/modules.js";
import { adoptChild } from "../../src/qom/child.js";
import { objectNew } from "../../src/qom/object.js";
import { objectGetRoot } from "../../src/qom/root.js";
import type { TypeRegistry } from "../../src/qom/type.js";

export function freshMachine(): TypeRegistry {
  const types = qomInit().types;
  adoptChild(objectGetRoot(types), "machine", objectNew(types, "container"));
  return types;
}

/** An owner object for device regions, attached at /machine/<name>. */
export function ownerAt(types: TypeRegistry, name: string) {
  return adoptChild(objectGetRoot(types).resolveComponent("machine")!, name, objectNew(types, "container"));
}
