/**
 * I2C (QEMU 7.2's hw/i2c/core.c): the `i2c-bus` and the abstract `i2c-slave` with its 7-bit
 * `address`.
 */
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import { BusState, qbusCreate, TYPE_BUS } from "../core/bus.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";

export const TYPE_I2C_BUS = "i2c-bus";
export const TYPE_I2C_SLAVE = "i2c-slave";

export class I2CBus extends BusState {
  /** The slave addressed by the current transfer, if any. */
  current: I2CSlave | undefined;

  /** The slave answering at `address`. */
  find(address: number): I2CSlave | undefined {
    return this.devices().find((d) => (d as I2CSlave).address === address) as I2CSlave | undefined;
  }
}

export class I2CSlave extends DeviceState {
  address = 0;
}

export const i2cBusTypeInfo: TypeInfo<I2CBus> = {
  name: TYPE_I2C_BUS,
  parent: TYPE_BUS,
  instance: I2CBus,
};

export const i2cSlaveTypeInfo: TypeInfo<I2CSlave> = {
  name: TYPE_I2C_SLAVE,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: I2CSlave,
  classInit: (k: ObjectClass) => {
    (k as DeviceClass).busType = TYPE_I2C_BUS;
    deviceClassSetProps(k, [defineProp("address", "address", propKinds.uint8, 0)]);
  },
};

/** QEMU's i2c_init_bus: a bus named `name` on `parent`. */
export function i2cInitBus(registry: TypeRegistry, parent: DeviceState, name: string): I2CBus {
  return qbusCreate<I2CBus>(registry, TYPE_I2C_BUS, parent, name);
}
