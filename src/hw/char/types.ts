/** The character device frontends: 16550A core, ISA serial and parallel ports, debug console. */
import type { TypeRegistry } from "../../qom/type.js";
import { debugconTypeInfo } from "./debugcon.js";
import { parallelIsaTypeInfo } from "./parallel.js";
import { serialTypeInfo } from "./serial.js";
import { serialIsaTypeInfo } from "./serial-isa.js";

export function registerCharTypes(types: TypeRegistry): void {
  types.register(serialTypeInfo);
  types.register(serialIsaTypeInfo);
  types.register(parallelIsaTypeInfo);
  types.register(debugconTypeInfo);
}
