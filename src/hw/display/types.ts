/** The display cards: the standard PCI VGA and the Cirrus CLGD 5446. */
import type { TypeRegistry } from "../../qom/type.js";
import { cirrusVgaTypeInfo } from "./cirrus_vga.js";
import { pciVgaTypeInfo, vgaTypeInfo } from "./vga-pci.js";

export function registerDisplayTypes(types: TypeRegistry): void {
  types.register(pciVgaTypeInfo);
  types.register(vgaTypeInfo);
  types.register(cirrusVgaTypeInfo);
}
