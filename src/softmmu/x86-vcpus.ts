/**
 * tcg vCPUs for the CPUs of an x86 machine (QEMU's tcg_init_vcpu_thread with x86_cpu_realizefn's
 * run-time half): one interpreter per realized `X86CPU`, answering CPUID from that CPU's model,
 * taking interrupts from its X86CpuInterrupts (the PIC through LINT0, the local APIC), with the
 * board's A20 line, and reset as QEMU resets an x86 CPU (registers, then its local APIC; the
 * application processors wait for INIT/SIPI).
 */
import { addressSpaceIo, addressSpaceMemory } from "../exec/memory.js";
import type { TypeRegistry } from "../qom/type.js";
import type { MachineState } from "../hw/core/machine.js";
import { TYPE_X86_MACHINE } from "../hw/i386/x86.js";
import { TYPE_PC_MACHINE, type PCMachineState } from "../hw/i386/pc.js";
import { x86PossibleCpuArchIds } from "../hw/i386/x86-cpu.js";
import {
  CPU_INTERRUPT_INIT,
  CPU_INTERRUPT_NMI,
  CPU_INTERRUPT_SIPI,
  CPU_INTERRUPT_SMI,
  x86CpuInterruptsList,
  x86CpuInterruptsNew,
  type X86CpuInterrupts,
} from "../hw/i386/x86-intr.js";
import type { X86CPU } from "../target/i386/cpu.js";
import { cpuid } from "../target/i386/cpuid.js";
import { TcgAccel } from "../accel/tcg/tcg-accel.js";
import { addressSpaceVmOps } from "../accel/tcg/tcg-bus.js";
import type { TcgVcpu } from "../accel/tcg/tcg-vcpu.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf } from "../util/qemu-timer.js";
import type { AccelOps } from "../accel/accel-ops.js";
import { createX86KvmVcpus, resetX86KvmVcpu, type X86KvmVcpu } from "../accel/kvm/x86-kvm-vcpus.js";
import { KvmSlicedVcpu } from "../accel/kvm/kvm-sliced-vcpu.js";

/** One CPU of the machine with its interpreter and interrupt lines. */
export interface X86Vcpu {
  readonly cpu: X86CPU;
  readonly vcpu: TcgVcpu;
  readonly intr: X86CpuInterrupts;
  readonly bsp: boolean;
}

/** The machine's realized CPUs in cpu-index order (none for machines without x86 CPUs). */
export function machineX86Cpus(machine: MachineState): X86CPU[] {
  if (!machine.dynamicCast(TYPE_X86_MACHINE)) return [];
  const cpus: X86CPU[] = [];
  for (const slot of x86PossibleCpuArchIds(machine)) if (slot.cpu?.realized) cpus.push(slot.cpu);
  return cpus.sort((a, b) => a.cpuIndex - b.cpuIndex);
}

export interface X86VcpusOptions {
  /** Called when an interrupt request may have made a halted vCPU runnable. */
  wake(): void;
}

/**
 * Creates the tcg vCPUs of `machine`. The X86CpuInterrupts list of the machine is reused when
 * the board already made one per CPU, so the PIC's output reaches these vCPUs.
 */
export function createX86Vcpus(
  registry: TypeRegistry,
  machine: MachineState,
  opts: X86VcpusOptions,
): { accel: AccelOps; vcpus: Array<X86Vcpu | X86KvmVcpu> } {
  const cpus = machineX86Cpus(machine);
  if (machine.accel === "kvm") {
    const k = createX86KvmVcpus(registry, machine, cpus, opts);
    return { accel: k.ops, vcpus: k.vcpus };
  }
  const clocks = qemuClocksOf(registry);
  const accel = new TcgAccel({
    memory: addressSpaceMemory(registry),
    cpuOptions: (index) => {
      const cpu = cpus[index]!;
      return {
        cpuid: (leaf, subleaf) => {
          const st = cpu.state;
          if (!st) return [0, 0, 0, 0];
          const r = cpuid(st, leaf, subleaf, { cr4: vcpus[index]?.vcpu.cpu.cr4 ?? 0 });
          return [r.eax, r.ebx, r.ecx, r.edx];
        },
        // QEMU's TCG TSC runs with the virtual clock (one tick per nanosecond here).
        readTsc: () => clocks.getNs(QEMU_CLOCK_VIRTUAL),
      };
    },
    // tcg_cpu_realizefn made `cpu-smm-N` second: SMRAM over the CPU's memory, seen in SMM.
    smmMemory: (index) => cpus[index]?.addressSpaces[1],
  });
  const existing = x86CpuInterruptsList(registry);
  const vcpus: X86Vcpu[] = [];
  const io = addressSpaceIo(registry);
  const memory = addressSpaceMemory(registry);
  cpus.forEach((cpu, index) => {
    const intr = existing[index] ?? x86CpuInterruptsNew(registry, cpu.apic);
    const vcpu = accel.createVcpu(index, addressSpaceVmOps(memory, io, intr));
    // Round-robin vCPUs: a spin-wait (PAUSE) lets the others in (see X86Cpu.yieldPending).
    vcpu.cpu.yieldOnPause = cpus.length > 1;
    const v: X86Vcpu = { cpu, vcpu, intr, bsp: index === 0 };
    intr.onInterrupt = (mask) => {
      const c = vcpu.cpu;
      if (mask & CPU_INTERRUPT_NMI && intr.takeNmi()) c.injectNmi();
      if (mask & CPU_INTERRUPT_SMI && intr.takeSmi()) c.injectSmi();
      if (mask & (CPU_INTERRUPT_INIT | CPU_INTERRUPT_SIPI)) serviceInitSipi(v);
      c.eventPending = true;
      opts.wake();
    };
    vcpus.push(v);
  });
  // The board's A20 line gates the first CPU's address bit 20 (QEMU's handle_a20_line_change).
  if (machine.dynamicCast(TYPE_PC_MACHINE) && vcpus[0]) {
    const pcms = machine as PCMachineState;
    const first = vcpus[0].vcpu.cpu;
    pcms.onA20Change = (enabled) => first.setA20(enabled);
  }
  return { accel, vcpus };
}

/** QEMU's x86_cpu_reset for one vCPU: registers, A20 open, then its local APIC; APs wait for SIPI. */
export function resetX86Vcpu(v: X86Vcpu | X86KvmVcpu): void {
  if (v.vcpu instanceof KvmSlicedVcpu) {
    resetX86KvmVcpu(v as X86KvmVcpu);
    return;
  }
  v = v as X86Vcpu;
  const c = v.vcpu.cpu;
  c.setA20(true);
  v.vcpu.reset();
  v.cpu.apic?.reset();
  v.intr.interruptRequest = 0;
  if (!v.bsp) c.halted = true;
}

/** INIT puts a CPU in its reset state waiting for SIPI; SIPI starts it at vector << 12. */
function serviceInitSipi(v: X86Vcpu): void {
  const c = v.vcpu.cpu;
  if (v.intr.takeInit()) {
    // INIT keeps A20 and SMBASE (QEMU's do_cpu_init keeps the fields from start_init_save on).
    const a20 = c.a20Enabled;
    const { smbase, smiCount } = c;
    v.vcpu.reset();
    c.setA20(a20);
    c.smbase = smbase;
    c.smiCount = smiCount;
    c.halted = !v.bsp;
  }
  const vector = v.intr.takeSipi();
  if (vector >= 0) {
    const s = v.vcpu.getState();
    s.cs = { ...s.cs, selector: vector << 8, base: vector << 12 };
    s.eip = 0;
    s.halted = false;
    v.vcpu.setState(s);
  }
}
