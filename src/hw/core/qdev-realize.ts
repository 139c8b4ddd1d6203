/** Plugging a device into a bus and realizing it (QEMU's qdev_realize / qdev_realize_and_unref). */
import { QomBug, QomError } from "../../qom/error.js";
import type { BusState } from "./bus.js";
import type { DeviceState } from "./qdev.js";

/** QEMU's qdev_set_parent_bus: checks the bus type and address, then adds the device. */
export function qdevSetParentBus(dev: DeviceState, bus: BusState): void {
  const busType = dev.deviceClass.busType;
  if (!busType || !bus.isA(busType)) {
    throw new QomBug(`device '${dev.typeName}' cannot go on bus '${bus.name}' (${bus.typeName})`);
  }
  bus.busClass.checkAddress?.(bus, dev);
  bus.addDevice(dev);
}

/** QEMU's qdev_realize: attach to `bus` (when given), then realize; on failure, detach again. */
export function qdevRealize(dev: DeviceState, bus?: BusState): void {
  if (dev.parentBus) throw new QomBug(`device '${dev.typeName}' already has a bus`);
  if (bus) {
    qdevSetParentBus(dev, bus);
  } else if (dev.deviceClass.busType) {
    throw new QomError(`Device '${dev.typeName}' needs a bus of type '${dev.deviceClass.busType}'`);
  }
  try {
    dev.setRealized(true);
  } catch (err) {
    if (bus) bus.removeChild(dev);
    throw err;
  }
}

/** QEMU's qdev_realize_and_unref: the device ends up owned by its parent (the tree). */
export function qdevRealizeAndUnref(dev: DeviceState, bus?: BusState): void {
  try {
    qdevRealize(dev, bus);
  } finally {
    dev.unref();
  }
}
