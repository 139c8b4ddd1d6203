/** ACPI: the device interface and the PIIX4 power management function. */
import type { TypeRegistry } from "../../qom/type.js";
import { acpiDeviceInterfaceInfo } from "./acpi-interface.js";
import { piix4PmTypeInfo } from "./piix4.js";

export function registerAcpiTypes(types: TypeRegistry): void {
  types.register(acpiDeviceInterfaceInfo);
  types.register(piix4PmTypeInfo);
}
