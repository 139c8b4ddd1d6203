/**
 * misc.json query-command-line-options: the option groups of
 * qemu-system-x86_64 with their parameters, as QEMU builds the answer —
 * groups in reverse registration order (each is prepended), the parameters
 * of each group in reverse declaration order, "drive" from the block layer's
 * merged lists, and the legacy "machine" list in front of everything.
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { QmpError } from "../../qapi/error.js";
import { QEMU_OPTION_GROUPS } from "../../softmmu/option-groups.js";
import type { QemuOptDesc, QemuOptType } from "../../util/qemu-option.js";
import type { RegistryCommandHandler } from "../machine-context.js";
import { DRIVE_PARAMETERS, LEGACY_MACHINE_PARAMETERS, type CommandLineParameterInfo } from "./command-line-parameters.js";

const PARAMETER_TYPE: Record<QemuOptType, CommandLineParameterInfo["type"]> = {
  string: "string",
  bool: "boolean",
  number: "number",
  size: "size",
};

/** CommandLineParameterInfo, members in schema order. */
function parameterInfo(p: CommandLineParameterInfo): JsonObject {
  const info: JsonObject = { name: p.name, type: p.type };
  if (p.help !== undefined) info["help"] = p.help;
  if (p.default !== undefined) info["default"] = p.default;
  return info;
}

function describe(desc: readonly QemuOptDesc[]): CommandLineParameterInfo[] {
  return desc
    .map((d) => ({
      name: d.name,
      type: PARAMETER_TYPE[d.type],
      ...(d.help !== undefined ? { help: d.help } : {}),
      ...(d.defValue !== undefined ? { default: d.defValue } : {}),
    }))
    .reverse();
}

export function queryCommandLineOptions(option: string | undefined): JsonObject[] {
  const out: JsonObject[] = [];
  for (const group of QEMU_OPTION_GROUPS) {
    if (option !== undefined && option !== group.name) continue;
    const params = group.name === "drive" ? DRIVE_PARAMETERS : describe(group.desc);
    out.unshift({ option: group.name, parameters: params.map(parameterInfo) });
  }
  if (option === undefined || option === "machine") {
    out.unshift({ option: "machine", parameters: LEGACY_MACHINE_PARAMETERS.map(parameterInfo) });
  }
  if (out.length === 0) throw new QmpError("GenericError", `invalid option name: ${option}`);
  return out;
}

export const queryCommandLineOptionsCmd: RegistryCommandHandler = (args) =>
  queryCommandLineOptions(args["option"] as string | undefined);
