/** qdev.json: device-list-properties, device_add, device_del (QEMU's softmmu/qdev-monitor.c). */
import type { JsonObject } from "../../qobject/json-value.js";
import { QmpError } from "../../qapi/error.js";
import { deviceListProperties, DeviceState, TYPE_DEVICE } from "../../hw/core/qdev.js";
import { hotplugHandlerFor } from "../../hw/core/qdev.js";
import { hotplugHandlerClass } from "../../hw/core/hotplug.js";
import { containerGet } from "../../qom/container.js";
import { resolvePathAt } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import type { MachineCommandHandler, MachineContext, RegistryCommandHandler } from "../machine-context.js";

export const deviceListPropertiesCmd: RegistryCommandHandler = (args, ctx) =>
  deviceListProperties(ctx.registry, args["typename"] as string);

/** device_add: the arguments go unchecked to the machine's qdev_device_add (QEMU's 'gen': false). */
export const deviceAddCmd: MachineCommandHandler = (args, ctx) => {
  ctx.deviceAdd(args);
  return undefined;
};

/** Devices whose unplug request is pending (QEMU's pending_deleted_event for device_del). */
const unplugRequested = new WeakSet<DeviceState>();

/** find_device_state(): an id under /machine/peripheral, or any QOM path. */
function findDeviceState(ctx: MachineContext, id: string): DeviceState {
  const peripheral = containerGet(objectGetRoot(ctx.registry), "/machine/peripheral");
  const obj = resolvePathAt(objectGetRoot(ctx.registry), peripheral, id);
  if (!obj) throw new QmpError("DeviceNotFound", `Device '${id}' not found`);
  const dev = obj.dynamicCast(TYPE_DEVICE);
  if (!dev) throw new QmpError("GenericError", `${id} is not a hotpluggable device`);
  return dev as DeviceState;
}

/** Buses are hotpluggable when they have a hotplug handler (qbus_is_hotpluggable). */
function busIsHotpluggable(dev: DeviceState): boolean {
  return dev.parentBus === undefined || dev.parentBus.hotplugHandler !== undefined;
}

/** qdev_unplug(): ask the hotplug handler; completion is signalled by DEVICE_DELETED. */
export const deviceDelCmd: MachineCommandHandler = (args, ctx) => {
  const id = args["id"] as string;
  const dev = findDeviceState(ctx, id);
  if (unplugRequested.has(dev) && dev.realized) {
    throw new QmpError("GenericError", `Device ${id} is already in the process of unplug`);
  }
  if (!busIsHotpluggable(dev)) {
    throw new QmpError("GenericError", `Bus '${dev.parentBus!.name}' does not support hotplugging`);
  }
  if (!dev.deviceClass.hotpluggable) {
    throw new QmpError("GenericError", `Device '${dev.typeName}' does not support hotplugging`);
  }
  const handler = hotplugHandlerFor(dev);
  if (!handler) throw new QmpError("GenericError", `Bus '${dev.parentBus?.name ?? ""}' does not support hotplugging`);
  const hdc = hotplugHandlerClass(handler);
  if (hdc.unplugRequest) {
    hdc.unplugRequest(handler, dev);
    unplugRequested.add(dev);
  } else {
    hdc.unplug?.(handler, dev);
    dev.unparent();
  }
  return undefined;
};

export type DeviceAddOptions = JsonObject;
