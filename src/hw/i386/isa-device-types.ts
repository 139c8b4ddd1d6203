/** The PC's ISA devices that QEMU keeps in hw/i386: vmport, vmmouse, port92. */
import type { TypeRegistry } from "../../qom/type.js";
import { port92TypeInfo } from "./port92.js";
import { vmmouseTypeInfo } from "./vmmouse.js";
import { vmportTypeInfo } from "./vmport.js";

export function registerI386IsaDeviceTypes(types: TypeRegistry): void {
  types.register(vmportTypeInfo);
  types.register(vmmouseTypeInfo);
  types.register(port92TypeInfo);
}
