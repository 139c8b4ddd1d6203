/** IDE: the bus, the drives, the PCI and ISA controllers. */
import type { TypeRegistry } from "../../qom/type.js";
import { ideBusTypeInfo } from "./ide-bus.js";
import { ideCdTypeInfo, ideDeviceTypeInfo, ideHdTypeInfo } from "./ide-dev.js";
import { pciIdeTypeInfo } from "./pci.js";
import { piix3IdeTypeInfo, piix4IdeTypeInfo } from "./piix.js";
import { isaIdeTypeInfo } from "./isa.js";
import { ich9AhciTypeInfo } from "./ich.js";

export function registerIdeTypes(types: TypeRegistry): void {
  types.register(ideBusTypeInfo);
  types.register(ideDeviceTypeInfo);
  types.register(ideHdTypeInfo);
  types.register(ideCdTypeInfo);
  types.register(pciIdeTypeInfo);
  types.register(piix3IdeTypeInfo);
  types.register(piix4IdeTypeInfo);
  types.register(isaIdeTypeInfo);
  types.register(ich9AhciTypeInfo);
}
