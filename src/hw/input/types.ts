/** The input device types: PS/2 keyboard and mouse, and the i8042 that hosts them. */
import type { TypeRegistry } from "../../qom/type.js";
import { i8042TypeInfo } from "./pckbd.js";
import { ps2DeviceTypeInfo, ps2KbdTypeInfo, ps2MouseTypeInfo } from "./ps2.js";

export function registerInputTypes(types: TypeRegistry): void {
  types.register(ps2DeviceTypeInfo);
  types.register(ps2KbdTypeInfo);
  types.register(ps2MouseTypeInfo);
  types.register(i8042TypeInfo);
}
