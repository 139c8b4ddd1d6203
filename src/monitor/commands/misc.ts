/** misc.json: query-name and human-monitor-command (stop and cont are in run-state.ts). */
import type { JsonObject } from "../../qobject/json-value.js";
import { QmpError } from "../../qapi/error.js";
import { runHmpCommand } from "../hmp/hmp.js";
import type { MachineCommandHandler } from "../machine-context.js";
import { machineCpus } from "./machine.js";

/** NameInfo: {} without -name. */
export const queryNameCmd: MachineCommandHandler = (_args, ctx) => {
  const info: JsonObject = {};
  if (ctx.instance.name !== undefined) info["name"] = ctx.instance.name;
  return info;
};

export const humanMonitorCommandCmd: MachineCommandHandler = (args, ctx) => {
  const cpuIndex = args["cpu-index"] as number | undefined;
  if (cpuIndex !== undefined && (cpuIndex < 0 || cpuIndex >= machineCpus(ctx).length)) {
    throw new QmpError("GenericError", "Parameter 'cpu-index' expects a CPU number");
  }
  return runHmpCommand(args["command-line"] as string, ctx);
};
