/**
 * The i440FX + PIIX3 PC machine types (QEMU's hw/i386/pc_piix.c): `pc-i440fx-1.4` … `-7.2`
 * (alias `pc`, the default), `isapc`, and the Ubuntu distribution types (`pc-i440fx-trusty` …)
 * that Ubuntu's QEMU defines on top of the upstream versions.
 */
import type { TypeInfo } from "../../qom/type.js";
import { TYPE_MACHINE_SUFFIX } from "../core/machine.js";
import { TYPE_PC_MACHINE, type PCMachineClass, type PCMachineState } from "./pc.js";
import { pcInit1 } from "./pc-init.js";
import { defineVersionedMachines, notNewest, pcVersions, type VersionedMachine } from "./pc-versions.js";

export const TYPE_I440FX_MACHINE_PREFIX = "pc-i440fx-";
const I440FX_DESC = "Standard PC (i440FX + PIIX, 1996)";
const DEPRECATED_PC = "old and unattended - use a newer version instead";

function i440fxBaseOptions(mc: PCMachineClass): void {
  mc.family = "pc_piix";
  mc.desc = I440FX_DESC;
  mc.defaultMachineOpts = "firmware=bios-256k.bin";
  mc.defaultDisplay = "std";
  mc.init = (ms) => pcInit1(ms as PCMachineState, "i440FX-pcihost", "i440FX");
}

/** Newest first; each version applies what its release changed relative to the one after it. */
const I440FX_VERSIONS: VersionedMachine[] = pcVersions(
  ["7.2", "7.1", "7.0", "6.2", "6.1", "6.0", "5.2", "5.1", "5.0", "4.2", "4.1", "4.0", "3.1", "3.0", "2.12", "2.11",
   "2.10", "2.9", "2.8", "2.7", "2.6", "2.5", "2.4", "2.3", "2.2", "2.1", "2.0", "1.7", "1.6", "1.5", "1.4"],
  {
    "7.2": (mc) => {
      mc.alias = "pc";
      mc.isDefault = true;
      mc.defaultCpuVersion = 1;
    },
    "1.7": (mc) => {
      mc.deprecationReason = DEPRECATED_PC;
    },
  },
);

/** Ubuntu's distribution types: a release codename on top of the upstream version it shipped. */
const UBUNTU_RELEASES: ReadonlyArray<{ codename: string; ubuntu: string; base: string; hpb: boolean }> = [
  { codename: "trusty", ubuntu: "14.04", base: "2.0", hpb: false },
  { codename: "utopic", ubuntu: "14.10", base: "2.1", hpb: false },
  { codename: "vivid", ubuntu: "15.04", base: "2.2", hpb: false },
  { codename: "wily", ubuntu: "15.10", base: "2.3", hpb: false },
  { codename: "xenial", ubuntu: "16.04", base: "2.5", hpb: false },
  { codename: "yakkety", ubuntu: "16.10", base: "2.6", hpb: false },
  { codename: "zesty", ubuntu: "17.04", base: "2.8", hpb: false },
  { codename: "artful", ubuntu: "17.10", base: "2.10", hpb: false },
  { codename: "bionic", ubuntu: "18.04", base: "2.11", hpb: true },
  { codename: "cosmic", ubuntu: "18.10", base: "2.12", hpb: true },
  { codename: "disco", ubuntu: "19.04", base: "3.1", hpb: true },
  { codename: "eoan", ubuntu: "19.10", base: "4.0", hpb: true },
  { codename: "focal", ubuntu: "20.04", base: "4.2", hpb: true },
  { codename: "groovy", ubuntu: "20.10", base: "5.0", hpb: true },
  { codename: "hirsute", ubuntu: "21.04", base: "5.2", hpb: true },
  { codename: "impish", ubuntu: "21.10", base: "6.0", hpb: true },
  { codename: "jammy", ubuntu: "22.04", base: "6.2", hpb: true },
  { codename: "kinetic", ubuntu: "22.10", base: "7.0", hpb: true },
  { codename: "lunar", ubuntu: "23.04", base: "7.2", hpb: true },
];

export const UBUNTU_CODENAMES = UBUNTU_RELEASES;

/**
 * Ubuntu types derive from the upstream type of the version they shipped, so they inherit its
 * compatibility; the `-hpb` variants also pass the host's physical address width to guests.
 */
function ubuntuTypes(family: "i440fx" | "q35"): TypeInfo<PCMachineState, PCMachineClass>[] {
  const prefix = family === "i440fx" ? TYPE_I440FX_MACHINE_PREFIX : "pc-q35-";
  const chipset = family === "i440fx" ? "i440FX + PIIX" : "Q35 + ICH9";
  const year = family === "i440fx" ? "1996" : "2009";
  const out: TypeInfo<PCMachineState, PCMachineClass>[] = [];
  for (const r of UBUNTU_RELEASES) {
    if (family === "q35" && (r.base === "2.0" || r.base === "2.1" || r.base === "2.2" || r.base === "2.3")) continue;
    const variants = r.hpb ? ["", "-hpb"] : [""];
    for (const suffix of variants) {
      const name = `${prefix}${r.codename}${suffix}`;
      out.push({
        name: `${name}${TYPE_MACHINE_SUFFIX}`,
        parent: `${prefix}${r.base}${TYPE_MACHINE_SUFFIX}`,
        classInit: (mc) => {
          notNewest(mc);
          delete mc.deprecationReason;
          mc.name = name;
          mc.desc = suffix
            ? `Ubuntu ${r.ubuntu} PC (${chipset}, +host-phys-bits=true, ${year})`
            : `Ubuntu ${r.ubuntu} PC (${chipset}, ${year})`;
          if (suffix) mc.compatProps = [...mc.compatProps, { driver: "x86_64-cpu", property: "host-phys-bits", value: "on" }];
        },
      });
    }
  }
  return out;
}

export const ubuntuI440fxMachineTypes = (): TypeInfo<PCMachineState, PCMachineClass>[] => ubuntuTypes("i440fx");
export const ubuntuQ35MachineTypes = (): TypeInfo<PCMachineState, PCMachineClass>[] => ubuntuTypes("q35");

export const i440fxMachineTypes = (): TypeInfo<PCMachineState, PCMachineClass>[] =>
  defineVersionedMachines(TYPE_I440FX_MACHINE_PREFIX, TYPE_PC_MACHINE, I440FX_VERSIONS, i440fxBaseOptions);

/** `isapc`: a PC without PCI (QEMU's pc_init_isa). */
export const isapcMachineTypeInfo: TypeInfo<PCMachineState, PCMachineClass> = {
  name: `isapc${TYPE_MACHINE_SUFFIX}`,
  parent: TYPE_PC_MACHINE,
  classInit: (mc) => {
    mc.name = "isapc";
    mc.desc = "ISA-only PC";
    mc.maxCpus = 1;
    mc.defaultCpuType = "486-x86_64-cpu";
    mc.defaultNicModel = "ne2k_isa";
    mc.pciEnabled = false;
    mc.defaultCpuVersion = 1;
    mc.init = (ms) => pcInit1(ms as PCMachineState, undefined, undefined);
  },
};
