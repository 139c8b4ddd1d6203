/**
 * What KVM gives the CPUs of one machine (QEMU reads it through kvm_state, which belongs to the
 * machine): the VM's supported feature words and host data, for the machine's irqchip mode.
 */
import type { TypeRegistry } from "../../qom/type.js";
import type { X86KvmFeatures } from "../../target/i386/cpu-accel-features.js";
import { kvmFeaturesForIrqchip } from "./kvm-cpu-features.js";
import { kvmMachineOf } from "./kvm-machine.js";

/** Per VM: a machine that is closed and built again gets a new VM and reads again. */
const cache = new WeakMap<object, X86KvmFeatures>();

/** The machine's KVM CPU features, or undefined when it does not run on kvm. */
export function kvmMachineCpuFeatures(registry: TypeRegistry): X86KvmFeatures | undefined {
  const m = kvmMachineOf(registry);
  if (!m) return undefined;
  let f = cache.get(m.accel);
  if (!f) {
    f = kvmFeaturesForIrqchip(m.accel.cpuFeatures(), m.kernelIrqchip);
    cache.set(m.accel, f);
  }
  return f;
}
