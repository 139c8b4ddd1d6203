/**
 * `-cpu MODEL[,+feat][,-feat][,feat=on|off][,prop=value]…` as QEMU 7.2's
 * x86 target reads it.
 *
 * The model name picks the CPU type. Of the rest, `key=value` items (and a
 * bare `key`, meaning `key=on`) become global properties of that type,
 * applied to every CPU of it when created; `+feat`/`-feat` are kept aside
 * and applied at realize time, after the globals, so the legacy form wins
 * over `feat=on|off` whatever the order ("-x2apic,x2apic=on" leaves x2apic
 * off). Mixing both forms for one feature draws QEMU's warnings.
 */

import { QomError } from "../../qom/error.js";
import { qemuStrtoszMetric } from "../../util/cutils.js";
import { createX86CpuConfig, type X86CpuConfig, type X86CpuConfigOptions } from "./cpu-config.js";
import { findX86CpuModel, type X86CpuModel } from "./cpu-models.js";
import type { PlusMinusFeatures } from "./cpu-realize.js";

/** A `-global`-style property setting: driver.property=value. */
export interface CpuGlobalProperty {
  readonly driver: string;
  readonly property: string;
  readonly value: string;
}

export interface ParsedX86CpuFeatures extends PlusMinusFeatures {
  readonly plus: string[];
  readonly minus: string[];
  /** key=value items, in order, "_" already turned into "-" in keys. */
  readonly globals: CpuGlobalProperty[];
  /** Warning texts (without "warning: "). */
  readonly warnings: string[];
}

export interface ParsedX86CpuOption extends ParsedX86CpuFeatures {
  readonly model: X86CpuModel;
  readonly typeName: string;
}

const INT64_MAX = 2n ** 63n - 1n;

/** QEMU's x86_cpu_parse_featurestr on the text after the model name. */
export function parseX86CpuFeatures(typeName: string, features: string | undefined): ParsedX86CpuFeatures {
  const out: ParsedX86CpuFeatures = { plus: [], minus: [], globals: [], warnings: [] };
  if (features === undefined) return out;
  let ambiguous = false;
  // strtok: empty items between commas are skipped.
  for (const item of features.split(",").filter((s) => s !== "")) {
    if (item.startsWith("+")) {
      out.plus.push(item.slice(1));
      continue;
    }
    if (item.startsWith("-")) {
      out.minus.push(item.slice(1));
      continue;
    }
    const eq = item.indexOf("=");
    let name = (eq >= 0 ? item.slice(0, eq) : item).replaceAll("_", "-");
    let value = eq >= 0 ? item.slice(eq + 1) : "on";

    if (out.plus.includes(name)) {
      out.warnings.push(`Ambiguous CPU model string. Don't mix both "+${name}" and "${name}=${value}"`);
      ambiguous = true;
    }
    if (out.minus.includes(name)) {
      out.warnings.push(`Ambiguous CPU model string. Don't mix both "-${name}" and "${name}=${value}"`);
      ambiguous = true;
    }

    if (name === "tsc-freq") {
      const r = qemuStrtoszMetric(value);
      if (r.err || r.value > INT64_MAX) throw new QomError(`bad numerical value ${value}`);
      value = r.value.toString();
      name = "tsc-frequency";
    }
    out.globals.push({ driver: typeName, property: name, value });
  }
  if (ambiguous) out.warnings.push("Compatibility of ambiguous CPU model strings won't be kept on future QEMU versions");
  return out;
}

/**
 * QEMU's parse_cpu_option for x86: find the model (exact, case-sensitive
 * name), then parse the features. Throws QomError with QEMU's texts:
 * "-cpu option cannot be empty", "unable to find CPU model 'X'",
 * "bad numerical value X".
 */
export function parseX86CpuOption(optarg: string): ParsedX86CpuOption {
  if (optarg === "") throw new QomError("-cpu option cannot be empty");
  const comma = optarg.indexOf(",");
  const name = comma < 0 ? optarg : optarg.slice(0, comma);
  const model = findX86CpuModel(name);
  if (!model) throw new QomError(`unable to find CPU model '${name}'`);
  const features = parseX86CpuFeatures(model.typeName, comma < 0 ? undefined : optarg.slice(comma + 1));
  return { model, typeName: model.typeName, ...features };
}

/**
 * Apply global properties to a new CPU the way qdev does when it creates a
 * device: in order, each failure reported as
 * "can't apply global DRIVER.PROP=VALUE: <reason>".
 */
export function applyX86CpuGlobals(cfg: X86CpuConfig, globals: readonly CpuGlobalProperty[]): void {
  for (const g of globals) {
    if (g.driver !== cfg.typeName) continue;
    try {
      cfg.setPropertyFromString(g.property, g.value);
    } catch (e) {
      if (!(e instanceof QomError)) throw e;
      throw new QomError(`can't apply global ${g.driver}.${g.property}=${g.value}: ${e.message}`);
    }
  }
}

/** Convenience: a CPU configuration for `-cpu optarg`, globals applied,
 * with the +/- lists to hand to realizeX86Cpu. */
export function x86CpuConfigFromOption(
  optarg: string,
  opts: X86CpuConfigOptions = {},
): { config: X86CpuConfig; parsed: ParsedX86CpuOption } {
  const parsed = parseX86CpuOption(optarg);
  const config = createX86CpuConfig(parsed.model, opts);
  applyX86CpuGlobals(config, parsed.globals);
  return { config, parsed };
}
