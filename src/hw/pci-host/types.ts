/** The PCI host bridges of the PC machines. */
import type { TypeRegistry } from "../../qom/type.js";
import { i440fxPcihostTypeInfo, i440fxTypeInfo } from "./i440fx.js";
import { mchTypeInfo, q35HostTypeInfo } from "./q35.js";

export function registerPciHostTypes(types: TypeRegistry): void {
  types.register(i440fxPcihostTypeInfo);
  types.register(i440fxTypeInfo);
  types.register(q35HostTypeInfo);
  types.register(mchTypeInfo);
}
