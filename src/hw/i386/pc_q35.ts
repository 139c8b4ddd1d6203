/** The Q35 + ICH9 PC machine types (QEMU's hw/i386/pc_q35.c): `pc-q35-2.4` … `-7.2` (alias `q35`). */
import type { TypeInfo } from "../../qom/type.js";
import { TYPE_PC_MACHINE, type PCMachineClass, type PCMachineState } from "./pc.js";
import { pcQ35Init } from "./pc-init.js";
import { CPU_VERSION_LEGACY, defineVersionedMachines, notNewest, type VersionedMachine } from "./pc-versions.js";

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

const Q35_VERSIONS: VersionedMachine[] = [
  { version: "7.2", options: (mc) => { mc.alias = "q35"; mc.defaultCpuVersion = 1; } },
  { version: "7.1", options: notNewest },
  { version: "7.0", options: () => {} },
  { version: "6.2", options: () => {} },
  { version: "6.1", options: (mc) => { mc.smpProps = { ...mc.smpProps, preferSockets: true }; } },
  { version: "6.0", options: () => {} },
  { version: "5.2", options: () => {} },
  { version: "5.1", options: () => {} },
  { version: "5.0", options: (mc) => { mc.numaMemSupported = true; } },
  { version: "4.2", options: () => {} },
  { version: "4.1", options: () => {} },
  { version: "4.0.1", options: () => {} },
  { version: "4.0", options: (mc) => { mc.defaultCpuVersion = CPU_VERSION_LEGACY; } },
  { version: "3.1", options: () => {} },
  { version: "3.0", options: () => {} },
  { version: "2.12", options: () => {} },
  { version: "2.11", options: () => {} },
  { version: "2.10", options: () => {} },
  { version: "2.9", options: () => {} },
  { version: "2.8", options: () => {} },
  { version: "2.7", options: (mc) => { mc.maxCpus = 255; } },
  { version: "2.6", options: () => {} },
  { version: "2.5", options: () => {} },
  { version: "2.4", options: () => {} },
];

export const q35MachineTypes = (): TypeInfo<PCMachineState, PCMachineClass>[] =>
  defineVersionedMachines(TYPE_Q35_MACHINE_PREFIX, TYPE_PC_MACHINE, Q35_VERSIONS, q35BaseOptions);
