/** The core hardware types: device, bus, irq, hotplug handler, system bus, machine, the none machine. */
import type { TypeRegistry } from "../../qom/type.js";
import { busTypeInfo } from "./bus.js";
import { hotplugHandlerTypeInfo } from "./hotplug.js";
import { irqTypeInfo } from "./irq.js";
import { machineTypeInfo } from "./machine.js";
import { nullMachineTypeInfo } from "./null-machine.js";
import { deviceTypeInfo } from "./qdev.js";
import { sysBusDeviceTypeInfo, systemBusTypeInfo } from "./sysbus.js";

export function registerHwCoreTypes(types: TypeRegistry): void {
  types.register(irqTypeInfo);
  types.register(hotplugHandlerTypeInfo);
  types.register(deviceTypeInfo);
  types.register(busTypeInfo);
  types.register(systemBusTypeInfo);
  types.register(sysBusDeviceTypeInfo);
  types.register(machineTypeInfo);
  types.register(nullMachineTypeInfo);
}
