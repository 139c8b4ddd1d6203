/**
 * The KVM side of one machine (QEMU's kvm_state for the machine being built): the VM that
 * `kvm-accel` created when the machine chose it, and the irqchip setting, kept by registry so
 * the vCPU set-up finds them later. Choosing kvm also makes the machine's RAM blocks KVM-mappable.
 */
import type { TypeRegistry } from "../../qom/type.js";
import { setRamBlockAllocator } from "../../exec/ram-block.js";
import { allocateGuestMemory } from "./guest-memory.js";
import { KvmAccel } from "./kvm-accel.js";
import { loadKvmAddon } from "./kvm-addon.js";

export type KernelIrqchip = "on" | "off" | "split";

export interface KvmMachine {
  readonly accel: KvmAccel;
  readonly kernelIrqchip: KernelIrqchip;
}

const machines = new WeakMap<TypeRegistry, KvmMachine>();

/** The VM of the machine in `registry`, when it runs on kvm. */
export function kvmMachineOf(registry: TypeRegistry): KvmMachine | undefined {
  return machines.get(registry);
}

/**
 * Whether the machine of `registry` runs on kvm with its local APICs in the kernel (QEMU's
 * kvm_irqchip_in_kernel: kernel-irqchip=on or split): its CPUs get `kvm-apic`.
 */
export function kvmIrqchipInKernel(registry: TypeRegistry): boolean {
  return machines.get(registry)?.accel.inKernelIrqchip === true;
}

/**
 * Whether the PIC, IOAPIC and PIT are the kernel's too (QEMU's kvm_pic_in_kernel,
 * kvm_ioapic_in_kernel and kvm_pit_in_kernel: kernel-irqchip=on, not split): the board builds
 * their kvm-* models.
 */
export function kvmPicInKernel(registry: TypeRegistry): boolean {
  const accel = machines.get(registry)?.accel;
  return accel !== undefined && accel.inKernelIrqchip && !accel.irqchipSplit;
}

/** kernel-irqchip=split (QEMU's kvm_irqchip_is_split): local APICs in the kernel, PIC, IOAPIC and PIT in qomd. */
export function kvmIrqchipIsSplit(registry: TypeRegistry): boolean {
  return machines.get(registry)?.accel.irqchipSplit === true;
}

/** Whether the machine of `registry` runs on kvm (QEMU's kvm_enabled). */
export function kvmEnabled(registry: TypeRegistry): boolean {
  return machines.has(registry);
}

/**
 * Page-aligned, whole-page memory for a RAM block of any size (option ROMs are not page
 * multiples): the view is `size` bytes, the pages behind it are whole.
 */
export function allocateMappableBlock(size: number): Uint8Array {
  const page = loadKvmAddon().pageSize;
  const whole = Math.max(page, Math.ceil(size / page) * page);
  return allocateGuestMemory(whole).subarray(0, size);
}

/** kvm_init for a machine: creates the VM (throws KvmInitError) and sets up its memory allocation. */
export function kvmMachineInit(registry: TypeRegistry, kernelIrqchip: KernelIrqchip): KvmMachine {
  const accel = KvmAccel.create({ kernelIrqchip });
  const m: KvmMachine = { accel, kernelIrqchip };
  machines.set(registry, m);
  setRamBlockAllocator(registry, allocateMappableBlock);
  return m;
}

/** The machine is going away: the VM closes. */
export function kvmMachineClose(registry: TypeRegistry): void {
  const m = machines.get(registry);
  if (!m) return;
  machines.delete(registry);
  m.accel.close();
}
