/**
 * query-cpu-model-expansion for the x86 target (QEMU 7.2, TCG or KVM): a
 * CPU of the named model is created with the given properties (on KVM with
 * KVM's instance defaults: the host's vendor, max/host as the host CPU) and
 * expanded (not filtered) against what the accelerator supports, then
 * described either "static"-ally (as "base" plus the properties that define a
 * model: levels, identity, every feature) or in "full" (every readable and
 * writable property, on top of the model name).
 */

import type { JsonObject, JsonValue } from "../../qobject/json-value.js";
import { QomError } from "../../qom/error.js";
import { JsonInputVisitor } from "../../qom/visitor.js";
import { featurePropertyNames } from "./cpu-features.js";
import { createX86CpuConfig, x86CpuFeaturePropertyNames, X86_CPU_PROPERTIES, X86_CPU_PROPERTY_ALIASES } from "./cpu-config.js";
import { findX86CpuModel } from "./cpu-models.js";
import { expandX86CpuFeatures, type PlusMinusFeatures } from "./cpu-realize.js";
import type { X86KvmFeatures } from "./cpu-accel-features.js";

export type CpuModelExpansionType = "static" | "full";

export interface CpuModelInfo {
  readonly name: string;
  readonly props?: JsonObject;
}

export interface X86ExpansionOptions {
  readonly defaultVersion?: number | "latest";
  /** The `-cpu` command line's +feat/-feat lists: QEMU applies them to
   * every CPU it expands, whatever the model asked about. */
  readonly plusMinus?: PlusMinusFeatures;
  /** Values of the generic device/CPU properties a full expansion lists
   * too (QEMU: "realized", "start-powered-off", "memory"). */
  readonly genericProps?: JsonObject;
  /** The machine runs on KVM: what it supports and its instance defaults. */
  readonly accel?: X86KvmFeatures;
}

/** Properties a static expansion reports, in QEMU's list order. */
export function x86StaticPropertyNames(): string[] {
  return ["min-level", "min-xlevel", "family", "model", "stepping", "model-id", "vendor", "lmce", ...featurePropertyNames()];
}

/** Every writable property of a CPU of that kind, for full expansion. */
function fullPropertyNames(kind: string): string[] {
  const own = X86_CPU_PROPERTIES.filter((p) => p.set !== undefined).map((p) => p.name);
  return [
    ...own.filter((n) => (n !== "migratable" && n !== "host-cache-info") || kind === "max" || kind === "host"),
    ...Object.keys(X86_CPU_PROPERTY_ALIASES),
    ...x86CpuFeaturePropertyNames(),
  ];
}

/**
 * The return value of query-cpu-model-expansion. Throws QomError with
 * QEMU's texts ("CPU model 'X' not found", property errors). Keys come in
 * qomd's order, not in the order of QEMU's hash table.
 */
export function queryX86CpuModelExpansion(
  type: CpuModelExpansionType,
  model: CpuModelInfo,
  opts: X86ExpansionOptions = {},
): { model: { name: string; props: JsonObject } } {
  const m = findX86CpuModel(model.name);
  if (!m) throw new QomError(`CPU model '${model.name}' not found`);
  const defaultVersion = opts.defaultVersion ?? 1;
  const cfg = createX86CpuConfig(m, opts.accel ? { defaultVersion, kvm: opts.accel } : { defaultVersion });
  for (const [name, value] of Object.entries(model.props ?? {})) {
    cfg.setProperty(name, new JsonInputVisitor(value as JsonValue));
  }
  expandX86CpuFeatures(cfg, opts.plusMinus, undefined, undefined, opts.accel);

  const props: JsonObject = {};
  if (type === "full") {
    Object.assign(props, opts.genericProps ?? {});
    for (const name of fullPropertyNames(m.kind)) props[name] = cfg.getProperty(name);
  }
  for (const name of x86StaticPropertyNames()) props[name] = cfg.getProperty(name);
  return { model: { name: type === "static" ? "base" : model.name, props } };
}
