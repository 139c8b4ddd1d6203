/** The x86 machine types: the abstract x86 and PC machines, i440FX and Q35 versions, isapc, microvm, Ubuntu's. */
import type { TypeRegistry } from "../../qom/type.js";
import { microvmMachineTypeInfo } from "./microvm.js";
import { pcMachineTypeInfo } from "./pc.js";
import { i440fxMachineTypes, isapcMachineTypeInfo, ubuntuI440fxMachineTypes, ubuntuQ35MachineTypes } from "./pc_piix.js";
import { q35MachineTypes } from "./pc_q35.js";
import { x86MachineTypeInfo } from "./x86.js";

export function registerX86MachineTypes(types: TypeRegistry): void {
  types.register(x86MachineTypeInfo);
  types.register(pcMachineTypeInfo);
  for (const info of i440fxMachineTypes()) types.register(info);
  for (const info of q35MachineTypes()) types.register(info);
  types.register(isapcMachineTypeInfo);
  types.register(microvmMachineTypeInfo);
  for (const info of ubuntuI440fxMachineTypes()) types.register(info);
  for (const info of ubuntuQ35MachineTypes()) types.register(info);
}
