/**
 * KVM vCPUs for the CPUs of an x86 machine (QEMU's kvm_init_vcpu + kvm_arch_init_vcpu with the
 * board's irqchip choice): the VM `kvm-accel` created, its memory slots following the machine's
 * memory map, one KvmVcpu per realized X86CPU with CPUID from that CPU's model limited to what
 * KVM supports, and the interrupt path:
 *  - kernel-irqchip=on: the PIC, IOAPIC, PIT and local APICs are the kernel's; the board built
 *    their kvm-* models (src/hw/i386/kvm/kvm-irqchip.ts), whose input lines drive the kernel's
 *    controllers with KVM_IRQ_LINE.
 *  - kernel-irqchip=split: the local APICs are the kernel's; the userspace IOAPIC signals them
 *    through MSI routes (src/hw/intc/ioapic-kvm-split.ts) and hears their EOIs of its
 *    level-triggered vectors (KVM_EXIT_IOAPIC_EOI); the userspace 8259's vector is injected before
 *    entering the guest (KVM_INTERRUPT), as ExtINT through LINT0.
 *  - kernel-irqchip=off: the userspace PIC and local APIC decide, and the vCPU injects their
 *    vector before entering the guest (KVM_INTERRUPT).
 */
import { addressSpaceIo, addressSpaceMemory } from "../../exec/memory.js";
import type { MachineState } from "../../hw/core/machine.js";
import { CPU_INTERRUPT_INIT, CPU_INTERRUPT_SIPI, x86CpuInterruptsList, x86CpuInterruptsNew, type X86CpuInterrupts } from "../../hw/i386/x86-intr.js";
import type { TypeRegistry } from "../../qom/type.js";
import type { X86CPU } from "../../target/i386/cpu.js";
import { cpuid } from "../../target/i386/cpuid.js";
import { ioapicEoiBroadcast } from "../../hw/intc/ioapic.js";
import { qemuClocksOf } from "../../util/qemu-timer.js";
import type { AccelOps } from "../accel-ops.js";
import { addressSpaceVmOps } from "../tcg/tcg-bus.js";
import type { CpuidRegs, KvmAccel } from "./kvm-accel.js";
import { kvmMachineClose, kvmMachineOf } from "./kvm-machine.js";
import { KvmMemorySlots } from "./kvm-memory-slots.js";
import { KvmRunTimer } from "./kvm-run-timer.js";
import { KvmSlicedVcpu } from "./kvm-sliced-vcpu.js";
import { kvmVcpuTscKhz } from "./kvm-tsc.js";

/**
 * Registers whose bits are features (QEMU's kvm_arch_get_supported_cpuid filtering): the model's
 * bit stays only where KVM can provide it. [leaf, subleaf or -1 for any, register index 0-3].
 */
const FEATURE_WORDS: ReadonlyArray<readonly [number, number, number]> = [
  [1, -1, 2], [1, -1, 3],
  [6, -1, 0],
  [7, 0, 1], [7, 0, 2], [7, 0, 3], [7, 1, 0],
  [0xd, 1, 0],
  [0x14, 0, 1],
  [0x80000001, -1, 2], [0x80000001, -1, 3],
  [0x80000007, -1, 3],
  [0x80000008, -1, 1],
];

/** The model's CPUID answer for one leaf, limited to KVM's (the KVM paravirtual leaves stay KVM's). */
export function kvmCpuid(model: CpuidRegs, supported: CpuidRegs, leaf: number, subleaf: number): CpuidRegs {
  if (leaf >= 0x40000000 && leaf < 0x40000100) return supported;
  const r: CpuidRegs = [...model];
  for (const [l, s, reg] of FEATURE_WORDS) {
    if (l === leaf && (s < 0 || s === subleaf)) r[reg] = (model[reg] & supported[reg]) >>> 0;
  }
  return r;
}

export interface X86KvmVcpu {
  readonly cpu: X86CPU;
  readonly vcpu: KvmSlicedVcpu;
  readonly intr: X86CpuInterrupts;
  readonly bsp: boolean;
}

export interface X86KvmVcpus {
  readonly accel: KvmAccel;
  readonly vcpus: X86KvmVcpu[];
  readonly slots: KvmMemorySlots;
  /** The accelerator for the machine's run control: its close() also ends the slot updates and the run timer. */
  readonly ops: AccelOps;
}

/** Creates the KVM vCPUs of `machine`, whose registry's VM `kvm-accel` made. */
export function createX86KvmVcpus(registry: TypeRegistry, machine: MachineState, cpus: X86CPU[], opts: { wake(): void }): X86KvmVcpus {
  const km = kvmMachineOf(registry);
  if (!km) throw new Error("kvm: the machine has no VM (kvm-accel did not initialise it)");
  const accel = km.accel;
  const memory = addressSpaceMemory(registry);
  const io = addressSpaceIo(registry);
  const clocks = qemuClocksOf(registry);
  const slots = new KvmMemorySlots(memory, accel);
  const timer = new KvmRunTimer();
  accel.cpuidSource = (leaf, subleaf, regs, index) => {
    const st = cpus[index]?.state;
    if (!st) return regs;
    const m = cpuid(st, leaf, subleaf, {});
    return kvmCpuid([m.eax, m.ebx, m.ecx, m.edx], regs, leaf, subleaf);
  };
  // With the kernel's PIC and IOAPIC the board's GSI lines reach them through the kvm-i8259 and
  // kvm-ioapic models (src/hw/i386/pc-init.ts pcGsiCreate, QEMU's kvm_pc_gsi_handler).
  const picInKernel = accel.inKernelIrqchip && !accel.irqchipSplit;
  const existing = x86CpuInterruptsList(registry);
  const vcpus: X86KvmVcpu[] = cpus.map((cpu, index) => {
    const intr = existing[index] ?? x86CpuInterruptsNew(registry, cpu.apic);
    const ops = addressSpaceVmOps(memory, io, picInKernel ? undefined : intr);
    if (accel.irqchipSplit) ops.ioapicEoi = (vector) => ioapicEoiBroadcast(registry, vector);
    const kvm = accel.createVcpu(index, ops);
    // QEMU's kvm_arch_init_vcpu: the CPU's tsc-frequency goes to KVM, or, without one, the CPU
    // records KVM's rate, which qom-get then reports (and migration would carry).
    cpu.config.tscKhz = kvmVcpuTscKhz(accel, kvm.handle, index, cpu.config.tscKhz);
    const v: X86KvmVcpu = { cpu, vcpu: new KvmSlicedVcpu(kvm, timer, clocks), intr, bsp: index === 0 };
    intr.onInterrupt = (mask) => {
      // qomd's local APIC (kernel-irqchip=off) sends INIT and SIPI to the vCPU's state here.
      if (!accel.inKernelIrqchip && mask & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) serviceKvmInitSipi(v);
      // An interrupt request may end a userspace HLT: the loop must run the vCPU again.
      opts.wake();
    };
    return v;
  });
  void machine;
  const ops: AccelOps = {
    name: "kvm",
    mapMemory: (gpa, bytes, o) => accel.mapMemory(gpa, bytes, o),
    unmapMemory: (gpa) => accel.unmapMemory(gpa),
    createVcpu: (index, vmOps) => accel.createVcpu(index, vmOps),
    setIrq: (gsi, level) => accel.setIrq(gsi, level),
    close: () => {
      slots.close();
      timer.close();
      kvmMachineClose(registry);
    },
  };
  return { accel, vcpus, slots, ops };
}

/**
 * QEMU's do_cpu_init and do_cpu_sipi for a KVM vCPU with qomd's local APIC: INIT resets the
 * registers (an application processor then waits for SIPI), SIPI starts it at vector << 12.
 */
function serviceKvmInitSipi(v: X86KvmVcpu): void {
  if (v.intr.takeInit()) {
    v.vcpu.reset();
    if (v.bsp) {
      const s = v.vcpu.getState();
      v.vcpu.setState({ ...s, halted: false });
    }
  }
  const vector = v.intr.takeSipi();
  if (vector >= 0) {
    const s = v.vcpu.getState();
    v.vcpu.setState({ ...s, cs: { ...s.cs, selector: vector << 8, base: vector << 12 }, eip: 0, halted: false });
  }
}

/** QEMU's x86_cpu_reset under kvm: the registers (KVM state), then the userspace local APIC if any. */
export function resetX86KvmVcpu(v: X86KvmVcpu): void {
  v.vcpu.reset();
  v.cpu.apic?.reset();
  v.intr.interruptRequest = 0;
}
