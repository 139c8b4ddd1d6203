/** The PCI host bridges of the PC machines. */
import type { TypeRegistry } from "../../qom/type.js";
import { i440fxPcihostTypeInfo, i440fxTypeInfo } from "./i440fx.js";

export function registerPciHostTypes(types: TypeRegistry): void {
  types.register(i440fxPcihostTypeInfo);
  types.register(i440fxTypeInfo);
}
