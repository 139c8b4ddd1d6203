/** The `hotplug-handler` interface (QEMU's hw/core/hotplug.c). */
import type { QomObject } from "../../qom/object.js";
import { TYPE_INTERFACE, type InterfaceClass, type TypeInfo } from "../../qom/type.js";
import type { DeviceState } from "./qdev.js";

export const TYPE_HOTPLUG_HANDLER = "hotplug-handler";

export interface HotplugHandlerClass extends InterfaceClass {
  prePlug?: (handler: QomObject, dev: DeviceState) => void;
  plug?: (handler: QomObject, dev: DeviceState) => void;
  /** Starts an unplug that completes later (ACPI asks the guest); the device stays until then. */
  unplugRequest?: (handler: QomObject, dev: DeviceState) => void;
  /** Removes the device now. */
  unplug?: (handler: QomObject, dev: DeviceState) => void;
}

export const hotplugHandlerTypeInfo: TypeInfo = {
  name: TYPE_HOTPLUG_HANDLER,
  parent: TYPE_INTERFACE,
};

export function hotplugHandlerClass(handler: QomObject): HotplugHandlerClass {
  return handler.classAs<HotplugHandlerClass>(TYPE_HOTPLUG_HANDLER);
}
