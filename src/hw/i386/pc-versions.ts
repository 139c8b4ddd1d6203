/**
 * How versioned PC machine types are defined (QEMU's DEFINE_I440FX_MACHINE / DEFINE_Q35_MACHINE):
 * every version applies the options of the next newer version and then undoes what changed
 * since, so `pc-i440fx-2.0` is `pc-i440fx-7.2` with each release's changes taken back in turn.
 */
import type { TypeInfo } from "../../qom/type.js";
import { TYPE_MACHINE_SUFFIX } from "../core/machine.js";
import type { PCMachineClass, PCMachineState } from "./pc.js";

/** A release's changes to the machine class, applied after the newer release's. */
export type VersionOptions = (mc: PCMachineClass) => void;

export interface VersionedMachine {
  /** Version as it appears in the type name (`7.2`, `4.0.1`). */
  version: string;
  options: VersionOptions;
}

/** The CPU model version a machine picks when -cpu names a model without a version. */
export const CPU_VERSION_LEGACY = 0;

/**
 * Builds the TypeInfo of every version, newest first. `versions` is ordered newest first; a
 * version's class runs the options of all newer versions first.
 */
export function defineVersionedMachines(
  prefix: string,
  parent: string,
  versions: readonly VersionedMachine[],
  base: VersionOptions,
): TypeInfo<PCMachineState, PCMachineClass>[] {
  return versions.map((v, i) => ({
    name: `${prefix}${v.version}${TYPE_MACHINE_SUFFIX}`,
    parent,
    classInit: (mc: PCMachineClass) => {
      base(mc);
      for (let j = 0; j <= i; j++) versions[j]!.options(mc);
      mc.name = `${prefix}${v.version}`;
    },
  }));
}

/** Options every version older than the newest applies: no alias, not the default. */
export function notNewest(mc: PCMachineClass): void {
  delete mc.alias;
  mc.isDefault = false;
}
