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

/**
 * What each release changed for both PC families (QEMU's pc_compat_X_Y tables and the
 * per-version options they share), keyed by the version that still has the old behaviour.
 */
const PC_RELEASE_CHANGES: Readonly<Record<string, VersionOptions>> = {
  "7.1": notNewest,
  "6.1": (mc) => {
    mc.smpProps = { ...mc.smpProps, preferSockets: true };
  },
  "5.0": (mc) => {
    mc.numaMemSupported = true;
  },
  "4.0": (mc) => {
    mc.defaultCpuVersion = CPU_VERSION_LEGACY;
  },
};

/**
 * A family's versions, newest first: each gets the changes shared by both PC families plus the
 * family's own (`extra`, keyed by version).
 */
export function pcVersions(versions: readonly string[], extra: Readonly<Record<string, VersionOptions>> = {}): VersionedMachine[] {
  return versions.map((version) => ({
    version,
    options: (mc) => {
      PC_RELEASE_CHANGES[version]?.(mc);
      extra[version]?.(mc);
    },
  }));
}
