/**
 * SMBus EEPROMs (QEMU 7.2's hw/i2c/smbus_slave.c and smbus_eeprom.c): 256-byte serial EEPROMs
 * on the SMBus, such as the SPD chips the PC boards put at 0x50-0x57.
 */
import type { TypeInfo } from "../../qom/type.js";
import { objectNew } from "../../qom/object.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import type { DeviceClass } from "../core/qdev.js";
import { I2CSlave, TYPE_I2C_SLAVE, type I2CBus } from "./core.js";

export const TYPE_SMBUS_DEVICE = "smbus-device";
export const TYPE_SMBUS_EEPROM = "smbus-eeprom";
export const SMBUS_EEPROM_SIZE = 256;

export class SMBusEEPROMDevice extends I2CSlave {
  /** The chip's contents. */
  data = new Uint8Array(SMBUS_EEPROM_SIZE);
  /** What the board loads at reset (QEMU's init_data). */
  initData: Uint8Array | undefined;
  /** The byte offset the next read returns. */
  offset = 0;
}

export const smbusDeviceTypeInfo: TypeInfo<I2CSlave> = {
  name: TYPE_SMBUS_DEVICE,
  parent: TYPE_I2C_SLAVE,
  abstract: true,
};

export const smbusEepromTypeInfo: TypeInfo<SMBusEEPROMDevice, DeviceClass> = {
  name: TYPE_SMBUS_EEPROM,
  parent: TYPE_SMBUS_DEVICE,
  instance: SMBusEEPROMDevice,
  classInit: (k) => {
    k.realize = (d) => {
      const dev = d as SMBusEEPROMDevice;
      if (dev.initData) dev.data.set(dev.initData.subarray(0, SMBUS_EEPROM_SIZE));
      dev.offset = 0;
    };
    k.reset = (d) => {
      const dev = d as SMBusEEPROMDevice;
      if (dev.initData) dev.data.set(dev.initData.subarray(0, SMBUS_EEPROM_SIZE));
      dev.offset = 0;
    };
    // It carries board-provided contents, so only boards create it.
    k.userCreatable = false;
    k.hotpluggable = false;
  },
};

/**
 * QEMU's smbus_eeprom_init: `count` EEPROMs at 0x50, 0x51, …, each with its 256-byte slice of
 * `contents` (zeros when none is given).
 */
export function smbusEepromInit(bus: I2CBus, count: number, contents?: Uint8Array): SMBusEEPROMDevice[] {
  const out: SMBusEEPROMDevice[] = [];
  for (let i = 0; i < count; i++) {
    const dev = objectNew<SMBusEEPROMDevice>(bus.registry, TYPE_SMBUS_EEPROM);
    dev.address = 0x50 + i;
    dev.initData = contents?.subarray(i * SMBUS_EEPROM_SIZE, (i + 1) * SMBUS_EEPROM_SIZE) ?? new Uint8Array(SMBUS_EEPROM_SIZE);
    qdevRealizeAndUnref(dev, bus);
    out.push(dev);
  }
  return out;
}
