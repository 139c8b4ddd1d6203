/** `-machine TYPE,help`: the machine type's settable class properties (QEMU's machine_help_func). */
import type { TypeRegistry } from "../qom/type.js";
import { findMachine, machineHelpText } from "../hw/core/machine-select.js";
import { typeClassPropertiesHelp } from "./object-help.js";

export function machineOptionsHelpText(types: TypeRegistry, type: string): string {
  const mc = findMachine(types, type);
  return (mc && typeClassPropertiesHelp(types, mc.type.name)) ?? machineHelpText(types);
}
