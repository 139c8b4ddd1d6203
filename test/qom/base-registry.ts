// QOM unit tests run against a registry with only the base QOM types, so that types other
// modules register cannot change what the tests enumerate.
import { TypeRegistry } from "../../src/qom/type.js";
import { registerQomBaseTypes } from "../../src/qom/types.js";

export function baseRegistry(): { types: TypeRegistry } {
  const types = new TypeRegistry();
  registerQomBaseTypes(types);
  return { types };
}
