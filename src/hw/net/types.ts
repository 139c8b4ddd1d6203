/** Network cards on PCI. */
import type { TypeRegistry } from "../../qom/type.js";
import { e1000BaseTypeInfo, e1000TypeInfo } from "./e1000.js";
import { e1000eTypeInfo } from "./e1000e.js";

export function registerNetTypes(types: TypeRegistry): void {
  types.register(e1000BaseTypeInfo);
  types.register(e1000TypeInfo);
  types.register(e1000eTypeInfo);
}
