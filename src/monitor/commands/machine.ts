/** machine.json: what the machine is and its CPUs (run-state changes are in run-state.ts). */
import { kvmSupportPresent } from "../../accel/kvm/kvm-available.js";
import { QmpError } from "../../qapi/error.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import { queryCpusFast, queryHotpluggableCpus } from "../../hw/i386/x86-cpu.js";
import { TYPE_X86_MACHINE } from "../../hw/i386/x86.js";
import { queryMachines } from "../../hw/core/machine-select.js";
import type { MachineClass, MachineState } from "../../hw/core/machine.js";
import type { MachineCommandHandler, MachineContext, RegistryCommandHandler } from "../machine-context.js";

/**
 * Every machine type the registry has, Ubuntu's distribution types (pc-i440fx-jammy …) included,
 * although Debian's QEMU 7.2 has none of them. libvirt 9 (virQEMUCapsProbeQMPMachineTypes) adds
 * every entry but "none" to its capabilities, so they show up as extra <machine> elements and are
 * accepted in domain XML; its default is chosen by the "pc" alias and is-default, which these
 * types do not carry, so nothing else changes (test/integration/libvirt-probe.test.ts).
 */
export const queryMachinesCmd: RegistryCommandHandler = (_args, ctx) => queryMachines(ctx.registry);

export const queryTargetCmd: RegistryCommandHandler = () => ({ arch: "x86_64" });

export const queryUuidCmd: MachineCommandHandler = (_args, ctx) => ({ UUID: ctx.instance.uuid });

/** QEMU's TYPE_VMGENID; qomd does not model the device, so the lookup finds nothing. */
const TYPE_VMGENID = "vmgenid";

/** GuidInfo of the machine's only vmgenid device (none, or several, is QEMU's error). */
export const queryVmGenerationIdCmd: MachineCommandHandler = (_args, ctx) => {
  const { obj } = resolvePathType(objectGetRoot(ctx.registry), "", TYPE_VMGENID);
  if (!obj) throw new QmpError("GenericError", "VM Generation ID device not found");
  return { guid: obj.getProperty("guid") };
};

function machineClass(ctx: MachineContext): Partial<MachineClass> {
  return ctx.instance.machine.klass as Partial<MachineClass>;
}


export const queryCurrentMachineCmd: MachineCommandHandler = (_args, ctx) => ({
  "wakeup-suspend-support": machineClass(ctx).wakeupSuspendSupport === true,
});

/**
 * KvmInfo: enabled when the machine runs on KVM; present when KVM support is built in, as in
 * QEMU (accel_find("kvm")) — for qomd, when the KVM addon is built and loads.
 */
export const queryKvmCmd: MachineCommandHandler = (_args, ctx) => ({
  enabled: ctx.instance.accel === "kvm",
  present: kvmSupportPresent(),
});

/** The machine as an x86 machine, when it is one (its CPU slots give the topology of each CPU). */
export function x86Machine(ctx: MachineContext): MachineState | undefined {
  return ctx.instance.machine.dynamicCast<MachineState>(TYPE_X86_MACHINE) ?? undefined;
}

/** CpuInfoFast of every realized CPU; thread-id is the host thread that runs it (see CPUState.threadId). */
export const queryCpusFastCmd: MachineCommandHandler = (_args, ctx) => queryCpusFast(ctx.registry, x86Machine(ctx));

/** Every CPU slot of the machine, or QEMU's error on machines without hotpluggable CPUs (-M none). */
export const queryHotpluggableCpusCmd: MachineCommandHandler = (_args, ctx) => {
  const machine = x86Machine(ctx);
  if (!machine) {
    if (machineClass(ctx).hasHotpluggableCpus !== true) {
      throw new QmpError("GenericError", "The feature 'query-hotpluggable-cpus' is not enabled");
    }
    return [];
  }
  return queryHotpluggableCpus(machine);
};

export const queryBalloonCmd: MachineCommandHandler = () => {
  throw new QmpError("DeviceNotActive", "No balloon device has been activated");
};
