/** The PCI-to-ISA bridges of the PC machines (PIIX3 here; ICH9's LPC in lpc_ich9.ts). */
import type { TypeRegistry } from "../../qom/type.js";
import { piix3PciDeviceTypeInfo, piix3TypeInfo } from "./piix3.js";
import { ich9LpcTypeInfo } from "./lpc_ich9.js";

export function registerPciIsaBridgeTypes(types: TypeRegistry): void {
  types.register(piix3PciDeviceTypeInfo);
  types.register(piix3TypeInfo);
  types.register(ich9LpcTypeInfo);
}
