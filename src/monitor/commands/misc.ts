/** misc.json: query-name, query-iothreads and human-monitor-command (stop and cont are in run-state.ts). */
import type { JsonObject } from "../../qobject/json-value.js";
import { QmpError } from "../../qapi/error.js";
import { runHmpCommand } from "../hmp/hmp.js";
import type { MachineCommandHandler } from "../machine-context.js";
import { qemuGetCpu } from "../../hw/core/cpu.js";

/** NameInfo: {} without -name. */
export const queryNameCmd: MachineCommandHandler = (_args, ctx) => {
  const info: JsonObject = {};
  if (ctx.instance.name !== undefined) info["name"] = ctx.instance.name;
  return info;
};

/**
 * IOThreadInfo of every iothread object under /objects. qomd has no iothread type (object-add
 * refuses it as any unknown type), so there are none, as in QEMU without -object iothread.
 */
export const queryIothreadsCmd: MachineCommandHandler = () => [];

export const humanMonitorCommandCmd: MachineCommandHandler = (args, ctx) => {
  const cpuIndex = args["cpu-index"] as number | undefined;
  // monitor_set_cpu(): the index must name a CPU; it becomes the HMP monitor's current CPU.
  if (cpuIndex !== undefined && !qemuGetCpu(ctx.registry, cpuIndex)) {
    throw new QmpError("GenericError", "Parameter 'cpu-index' expects a CPU number");
  }
  return runHmpCommand(args["command-line"] as string, ctx, cpuIndex);
};
