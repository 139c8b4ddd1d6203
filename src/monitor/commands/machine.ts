/** machine.json: what the machine is and its CPUs (run-state changes are in run-state.ts). */
import { existsSync } from "node:fs";
import type { JsonObject } from "../../qobject/json-value.js";
import { QmpError } from "../../qapi/error.js";
import type { QomObject } from "../../qom/object.js";
import { objectGetRoot } from "../../qom/root.js";
import { isChildProperty } from "../../qom/object.js";
import { queryMachines } from "../../hw/core/machine-select.js";
import type { MachineClass } from "../../hw/core/machine.js";
import type { MachineCommandHandler, MachineContext, RegistryCommandHandler } from "../machine-context.js";

export const queryMachinesCmd: RegistryCommandHandler = (_args, ctx) => queryMachines(ctx.registry);

export const queryTargetCmd: RegistryCommandHandler = () => ({ arch: "x86_64" });

export const queryUuidCmd: MachineCommandHandler = (_args, ctx) => ({ UUID: ctx.instance.uuid });

function machineClass(ctx: MachineContext): Partial<MachineClass> {
  return ctx.instance.machine.klass as Partial<MachineClass>;
}


export const queryCurrentMachineCmd: MachineCommandHandler = (_args, ctx) => ({
  "wakeup-suspend-support": machineClass(ctx).wakeupSuspendSupport === true,
});

/** KvmInfo: enabled when the machine runs on KVM; present when the host has /dev/kvm. */
export const queryKvmCmd: MachineCommandHandler = (_args, ctx) => ({
  enabled: ctx.instance.accel === "kvm",
  present: existsSync("/dev/kvm"),
});

/** The machine's CPUs: objects of type "cpu" in the composition tree, in creation order of their paths. */
export function machineCpus(ctx: MachineContext): QomObject[] {
  const registry = ctx.registry;
  if (!registry.classByName("cpu")) return [];
  const found: QomObject[] = [];
  const walk = (obj: QomObject) => {
    if (obj.dynamicCast("cpu")) found.push(obj);
    for (const prop of obj.properties.values()) if (isChildProperty(prop)) walk(prop.opaque as QomObject);
  };
  walk(objectGetRoot(registry));
  return found.sort((a, b) => cpuIndex(a) - cpuIndex(b));
}

function intProp(obj: QomObject, name: string): number | undefined {
  if (!obj.findProperty(name)) return undefined;
  const v = obj.getProperty(name);
  return typeof v === "number" ? v : undefined;
}

function cpuIndex(cpu: QomObject): number {
  return (cpu as QomObject & { cpuIndex?: number }).cpuIndex ?? 0;
}

/** CpuInstanceProperties of an x86 CPU, members in schema order. */
function cpuProps(cpu: QomObject): JsonObject {
  const props: JsonObject = {};
  for (const name of ["node-id", "socket-id", "die-id", "cluster-id", "core-id", "thread-id"]) {
    const v = intProp(cpu, name);
    if (v !== undefined && v >= 0 && !(name === "node-id") && !(name === "die-id" && v === 0)) props[name] = v;
  }
  return props;
}

export const queryCpusFastCmd: MachineCommandHandler = (_args, ctx) =>
  machineCpus(ctx).map((cpu, i) => ({
    "cpu-index": cpuIndex(cpu) || i,
    "qom-path": cpu.canonicalPath ?? "",
    // vCPUs do not have host threads of their own yet; the machine's thread stands in.
    "thread-id": process.pid,
    props: cpuProps(cpu),
    target: "x86_64",
  }));

export const queryHotpluggableCpusCmd: MachineCommandHandler = (_args, ctx) => {
  if (machineClass(ctx).hasHotpluggableCpus !== true) {
    throw new QmpError("GenericError", "The feature 'query-hotpluggable-cpus' is not enabled");
  }
  return machineCpus(ctx).map((cpu) => ({
    type: cpu.typeName,
    "vcpus-count": 1,
    props: cpuProps(cpu),
    "qom-path": cpu.canonicalPath ?? "",
  }));
};

export const queryBalloonCmd: MachineCommandHandler = () => {
  throw new QmpError("DeviceNotActive", "No balloon device has been activated");
};
