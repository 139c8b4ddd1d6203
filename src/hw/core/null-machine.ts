/** The `none` machine (QEMU's hw/core/null-machine.c): no devices, no RAM unless -m asks for it. */
import type { TypeInfo } from "../../qom/type.js";
import { TYPE_MACHINE, type MachineClass, type MachineState } from "./machine.js";

export const nullMachineTypeInfo: TypeInfo<MachineState, MachineClass> = {
  name: "none-machine",
  parent: TYPE_MACHINE,
  classInit: (mc) => {
    Object.assign(mc, {
      name: "none",
      desc: "empty machine",
      maxCpus: 1,
      defaultRamSize: 0,
      defaultRamId: "ram",
      noSerial: true,
      noParallel: true,
      noFloppy: true,
      noCdrom: true,
      noSdcard: true,
    } satisfies Partial<MachineClass>);
  },
};
