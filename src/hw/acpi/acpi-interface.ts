/** The `acpi-device-interface` interface (QEMU's hw/acpi/acpi_interface.c): devices that run ACPI. */
import { TYPE_INTERFACE, type TypeInfo } from "../../qom/type.js";

export const TYPE_ACPI_DEVICE_IF = "acpi-device-interface";

export const acpiDeviceInterfaceInfo: TypeInfo = {
  name: TYPE_ACPI_DEVICE_IF,
  parent: TYPE_INTERFACE,
};
