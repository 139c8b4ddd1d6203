/**
 * The text `qemu-system-x86_64 -cpu help` prints (QEMU 7.2, TCG build):
 * one line per CPU type, then every recognised feature flag name.
 */

import { recognizedFlagNames } from "./cpu-features.js";
import {
  CPU_VERSION_AUTO,
  x86CpuAliasOf,
  x86CpuModelId,
  x86CpuModelsSorted,
  type X86CpuModel,
} from "./cpu-models.js";

/** Description column of one model's line. */
export function x86CpuHelpDescription(model: X86CpuModel, defaultVersion: number | "latest" = 1): string {
  let desc = model.description;
  const aliasOf = x86CpuAliasOf(model, defaultVersion);
  if (desc === undefined && aliasOf !== undefined) {
    desc = model.version === CPU_VERSION_AUTO ? "(alias configured by machine type)" : `(alias of ${aliasOf})`;
  }
  if (desc === undefined && model.note !== undefined) {
    desc = `${x86CpuModelId(model, defaultVersion)} [${model.note}]`;
  }
  desc ??= x86CpuModelId(model, defaultVersion);
  if (model.def?.deprecationNote !== undefined) desc += " (deprecated)";
  return desc;
}

/** One "x86 NAME  DESCRIPTION" line: the name is padded to 20 columns but
 * never cut, so long names push the description right. */
export function x86CpuHelpLine(model: X86CpuModel, defaultVersion: number | "latest" = 1): string {
  return `x86 ${model.name.padEnd(20)}  ${x86CpuHelpDescription(model, defaultVersion)}`;
}

/** Wraps names the way QEMU does: two leading spaces, one between names,
 * a new line whenever the next name would reach column 75 of the count. */
export function wrapFlagNames(names: readonly string[]): string {
  let out = "";
  let len = 0;
  for (const name of names) {
    if (len + name.length + 1 >= 75) {
      out += "\n";
      len = 0;
    }
    out += (len === 0 ? "  " : " ") + name;
    len += name.length + 1;
  }
  return out + "\n";
}

/** Full `-cpu help` output, ending in a blank line, as QEMU prints it. */
export function x86CpuHelpText(models: readonly X86CpuModel[] = x86CpuModelsSorted()): string {
  let out = "Available CPUs:\n";
  for (const m of models) out += x86CpuHelpLine(m) + "\n";
  out += "\nRecognized CPUID flags:\n";
  out += wrapFlagNames(recognizedFlagNames());
  out += "\n";
  return out;
}
