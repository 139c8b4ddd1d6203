/**
 * query-cpu-definitions for the x86 target: one CpuDefinitionInfo per CPU
 * type, listed in the reverse of `-cpu help` order, with the features the
 * accelerator (TCG, or KVM when given what it supports) would have to drop
 * ("unavailable-features").
 */

import type { JsonObject } from "../../qobject/json-value.js";
import { featureNamesOf } from "./cpu-features.js";
import { createX86CpuConfig } from "./cpu-config.js";
import { expandX86CpuFeatures, filterX86CpuFeatures } from "./cpu-realize.js";
import { x86CpuAliasOf, x86CpuModelsSorted, CPU_VERSION_LEGACY, type X86CpuModel } from "./cpu-models.js";
import type { X86KvmFeatures } from "./cpu-accel-features.js";
import { applyX86CpuGlobals, type CpuGlobalProperty } from "./cpu-parse.js";

/**
 * Features a model would lose under TCG (or KVM, given `accel`), as QEMU
 * computes them for query-cpu-definitions: a fresh CPU (with the
 * accelerator's defaults and any matching global properties), expanded, then
 * filtered silently. Models that need KVM report ["kvm"] on TCG.
 */
export function x86CpuUnavailableFeatures(
  model: X86CpuModel,
  defaultVersion: number | "latest" = 1,
  globals: readonly CpuGlobalProperty[] = [],
  accel?: X86KvmFeatures,
): string[] {
  if (model.hostCpuidRequired && !accel) return ["kvm"];
  const cfg = createX86CpuConfig(model, accel ? { defaultVersion, kvm: accel } : { defaultVersion });
  try {
    applyX86CpuGlobals(cfg, globals);
    expandX86CpuFeatures(cfg, undefined, undefined, undefined, accel);
  } catch {
    // QEMU reports a model it cannot even expand as missing "type".
    return ["type"];
  }
  filterX86CpuFeatures(cfg, false, undefined, accel);
  return featureNamesOf(cfg.filteredFeatures);
}

/** One CpuDefinitionInfo, keys in QEMU's output order. */
export function x86CpuDefinitionInfo(
  model: X86CpuModel,
  defaultVersion: number | "latest" = 1,
  globals: readonly CpuGlobalProperty[] = [],
  accel?: X86KvmFeatures,
): JsonObject {
  const info: JsonObject = {
    name: model.name,
    typename: model.typeName,
    "unavailable-features": x86CpuUnavailableFeatures(model, defaultVersion, globals, accel),
  };
  // Machine types from before versioned models report no aliases.
  if (defaultVersion !== CPU_VERSION_LEGACY) {
    const aliasOf = x86CpuAliasOf(model, defaultVersion);
    if (aliasOf !== undefined) info["alias-of"] = aliasOf;
  }
  info.static = model.staticModel;
  info["migration-safe"] = model.migrationSafe;
  info.deprecated = model.def?.deprecationNote !== undefined;
  return info;
}

/** The return value of query-cpu-definitions (132 entries). */
export function queryX86CpuDefinitions(
  defaultVersion: number | "latest" = 1,
  globals: readonly CpuGlobalProperty[] = [],
  accel?: X86KvmFeatures,
): JsonObject[] {
  return x86CpuModelsSorted()
    .reverse()
    .map((m) => x86CpuDefinitionInfo(m, defaultVersion, globals, accel));
}
