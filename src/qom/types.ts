/** The base types every QOM instance has: object, interface, container, user-creatable. */
import { containerTypeInfo } from "./container.js";
import { objectTypeInfo } from "./object.js";
import { TYPE_INTERFACE, type TypeRegistry } from "./type.js";
import { userCreatableTypeInfo } from "./user-creatable.js";

export function registerQomBaseTypes(types: TypeRegistry): void {
  types.register(objectTypeInfo);
  types.register({ name: TYPE_INTERFACE, abstract: true });
  types.register(containerTypeInfo);
  types.register(userCreatableTypeInfo);
}
