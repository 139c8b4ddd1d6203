/** The Q35 + ICH9 PC machine types (QEMU's hw/i386/pc_q35.c): `pc-q35-2.4` … `-7.2` (alias `q35`). */
import type { TypeInfo } from "../../qom/type.js";
import { TYPE_PC_MACHINE, type PCMachineClass, type PCMachineState } from "./pc.js";
import { pcQ35Init } from "./pc-init.js";
import { defineVersionedMachines, pcVersions, type VersionedMachine } from "./pc-versions.js";

export const TYPE_Q35_MACHINE_PREFIX = "pc-q35-";

function q35BaseOptions(mc: PCMachineClass): void {
  mc.family = "pc_q35";
  mc.desc = "Standard PC (Q35 + ICH9, 2009)";
  mc.defaultMachineOpts = "firmware=bios-256k.bin";
  mc.defaultDisplay = "std";
  mc.defaultNicModel = "e1000e";
  mc.unitsPerDefaultBus = 1;
  mc.noFloppy = true;
  mc.maxCpus = 288;
  mc.defaultMaxRamBelow4g = 4 * 1024 * 1024 * 1024;
  mc.init = (ms) => pcQ35Init(ms as PCMachineState);
}

const Q35_VERSIONS: VersionedMachine[] = pcVersions(
  ["7.2", "7.1", "7.0", "6.2", "6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1", "4.0.1", "4.0", "3.1", "3.0",
   "2.12", "2.11", "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4"],
  {
    "7.2": (mc) => {
      mc.alias = "q35";
      mc.defaultCpuVersion = 1;
    },
    "2.7": (mc) => {
      mc.maxCpus = 255;
    },
  },
);

export const q35MachineTypes = (): TypeInfo<PCMachineState, PCMachineClass>[] =>
  defineVersionedMachines(TYPE_Q35_MACHINE_PREFIX, TYPE_PC_MACHINE, Q35_VERSIONS, q35BaseOptions);
