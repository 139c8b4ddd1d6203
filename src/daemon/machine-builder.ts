/**
 * How qomd builds a machine: QEMU's command line through src/softmmu/vl.ts
 * (createMachine), and device_add through qdev-monitor's qdev_device_add
 * with the QMP arguments as typed JSON, hotplugged.
 */
import type { JsonObject } from "../qobject/json-value.js";
import type { MachineInstance } from "../monitor/machine-context.js";
import { qdevDeviceAdd } from "../softmmu/qdev-monitor.js";
import { createMachine } from "../softmmu/vl.js";

export interface MachineBuilder {
  createMachine(argv: string[], opts: { prog: string }): Promise<MachineInstance>;
  /** device_add with QMP arguments. */
  deviceAdd(instance: MachineInstance, opts: JsonObject): void;
}

const builder: MachineBuilder = {
  createMachine: (argv, opts) => createMachine(argv, opts),
  deviceAdd: (instance, opts) => {
    qdevDeviceAdd(instance.registry, opts, { hotplug: true, source: "json" });
  },
};

export function loadMachineBuilder(): Promise<MachineBuilder> {
  return Promise.resolve(builder);
}
