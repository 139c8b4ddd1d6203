/** What the main thread keeps about a machine without asking its worker (machine-list). */
import type { MachineInstance } from "../monitor/machine-context.js";
import type { MachineSummary } from "./worker-protocol.js";

export function machineSummary(instance: MachineInstance): MachineSummary {
  return { runState: instance.runState, type: instance.machine.typeName, accel: instance.accel };
}
