/** I2C/SMBus: the bus, slaves, EEPROMs and the ICH9 SMBus controller. */
import type { TypeRegistry } from "../../qom/type.js";
import { i2cBusTypeInfo, i2cSlaveTypeInfo } from "./core.js";
import { smbusDeviceTypeInfo, smbusEepromTypeInfo } from "./smbus-eeprom.js";
import { ich9SmbTypeInfo } from "./smbus_ich9.js";

export function registerI2cTypes(types: TypeRegistry): void {
  types.register(i2cBusTypeInfo);
  types.register(i2cSlaveTypeInfo);
  types.register(smbusDeviceTypeInfo);
  types.register(smbusEepromTypeInfo);
  types.register(ich9SmbTypeInfo);
}
