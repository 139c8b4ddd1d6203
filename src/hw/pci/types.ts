/** The PCI core types: buses, the abstract device and its interfaces, host bridges. */
import type { TypeRegistry } from "../../qom/type.js";
import { pciBusTypeInfo, pcieBusTypeInfo } from "./pci-bus.js";
import { pciHostBridgeTypeInfo, pcieHostBridgeTypeInfo } from "./pci-host.js";
import {
  conventionalPciDeviceInterfaceInfo,
  cxlDeviceInterfaceInfo,
  pciDeviceTypeInfo,
  pcieDeviceInterfaceInfo,
} from "./pci.js";

export function registerPciTypes(types: TypeRegistry): void {
  types.register(pciBusTypeInfo);
  types.register(pcieBusTypeInfo);
  types.register(conventionalPciDeviceInterfaceInfo);
  types.register(pcieDeviceInterfaceInfo);
  types.register(cxlDeviceInterfaceInfo);
  types.register(pciDeviceTypeInfo);
  types.register(pciHostBridgeTypeInfo);
  types.register(pcieHostBridgeTypeInfo);
}
