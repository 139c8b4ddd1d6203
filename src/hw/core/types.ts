/** The core hardware types: device, bus, irq, hotplug handler, system bus. */
import type { TypeRegistry } from "../../qom/type.js";
import { busTypeInfo } from "./bus.js";
import { hotplugHandlerTypeInfo } from "./hotplug.js";
import { irqTypeInfo } from "./irq.js";
import { deviceTypeInfo } from "./qdev.js";
import { sysBusDeviceTypeInfo, systemBusTypeInfo } from "./sysbus.js";

export function registerHwCoreTypes(types: TypeRegistry): void {
  types.register(irqTypeInfo);
  types.register(hotplugHandlerTypeInfo);
  types.register(deviceTypeInfo);
  types.register(busTypeInfo);
  types.register(systemBusTypeInfo);
  types.register(sysBusDeviceTypeInfo);
}
