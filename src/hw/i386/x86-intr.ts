/**
 * The CPU's side of interrupt delivery on the PC (QEMU 7.2's interrupt_request handling for x86:
 * hw/i386/x86.c pic_irq_request and cpu_get_pic_interrupt, target/i386 x86_cpu_pending_interrupt
 * and x86_cpu_exec_interrupt).
 *
 * Each vCPU has an `X86CpuInterrupts`: the request bits devices set (INTR, NMI, SMI, INIT, SIPI)
 * and the answers the interpreter's bus needs: `hasInterrupt()` (a maskable interrupt is
 * requested; the CPU checks IF and the STI/MOV SS shadow itself) and `acknowledgeInterrupt()`
 * (the INTA cycle: the local APIC's vector, else the 8259's). The master 8259's output reaches
 * the CPUs through `picIrqRequest`, via each local APIC's LINT0 or directly when there is none.
 */
import { kvmIrqchipInKernel } from "../../accel/kvm/kvm-machine.js";
import type { TypeRegistry } from "../../qom/type.js";
import { allocateIrq, type IrqState } from "../core/irq.js";
import {
  apicAcceptPicIntr,
  apicDeliverPicIntr,
  apicGetInterrupt,
  apicInitReset,
  apicSetCurrent,
  apicSipi,
  type ApicCommonState,
} from "../intc/apic.js";
import {
  CPU_INTERRUPT_HARD,
  CPU_INTERRUPT_INIT,
  CPU_INTERRUPT_MCE,
  CPU_INTERRUPT_NMI,
  CPU_INTERRUPT_POLL,
  CPU_INTERRUPT_SIPI,
  CPU_INTERRUPT_SMI,
  CPU_INTERRUPT_TPR,
  type CpuInterruptLines,
} from "../intc/cpu-interrupt.js";
import { picReadIrq } from "../intc/i8259.js";

export {
  CPU_INTERRUPT_HARD,
  CPU_INTERRUPT_INIT,
  CPU_INTERRUPT_MCE,
  CPU_INTERRUPT_NMI,
  CPU_INTERRUPT_POLL,
  CPU_INTERRUPT_SIPI,
  CPU_INTERRUPT_SMI,
  CPU_INTERRUPT_TPR,
};

export class X86CpuInterrupts implements CpuInterruptLines {
  /** QEMU's CPUState.interrupt_request. */
  interruptRequest = 0;
  /**
   * Called with the bits just set (QEMU's cpu_interrupt kicking the vCPU). The run loop makes its
   * CPU look at events again (`cpu.eventPending = true`), leaves HLT, and maps NMI/INIT/SIPI/SMI.
   */
  onInterrupt: ((mask: number) => void) | undefined;

  constructor(
    readonly registry: TypeRegistry,
    /** The CPU's local APIC, if it has one. */
    readonly apic: ApicCommonState | undefined,
  ) {
    if (apic) apic.cpuIntr = this;
  }

  interrupt(mask: number): void {
    this.interruptRequest |= mask;
    this.onInterrupt?.(mask);
  }

  resetInterrupt(mask: number): void {
    this.interruptRequest &= ~mask;
  }

  /** A maskable (INTR) interrupt is requested (CPU_INTERRUPT_HARD). */
  hasInterrupt(): boolean {
    return (this.interruptRequest & CPU_INTERRUPT_HARD) !== 0;
  }

  /**
   * The INTA cycle for a HARD request the CPU takes (QEMU clears HARD, then asks
   * cpu_get_pic_interrupt): the local APIC's highest deliverable vector, else the 8259's (with
   * its spurious IRQ 7/15 vectors), else -1 when neither has anything after all (possible only if
   * the request went stale; the CPU then takes nothing).
   */
  acknowledgeInterrupt(): number {
    this.interruptRequest &= ~CPU_INTERRUPT_HARD;
    const apic = this.apic;
    // With the kernel's local APIC (kvm split irqchip) only the 8259 asks here; the kernel's
    // LAPIC decides on LINT0 whether it takes the ExtINT.
    if (apic && !kvmIrqchipInKernel(this.registry)) {
      const intno = apicGetInterrupt(apic);
      if (intno >= 0) return intno;
      if (!apicAcceptPicIntr(apic)) return -1;
    }
    return picReadIrq(this.registry);
  }

  /** Takes a pending NMI request (the CPU then raises vector 2 unless NMIs are blocked). */
  takeNmi(): boolean {
    if (!(this.interruptRequest & CPU_INTERRUPT_NMI)) return false;
    this.interruptRequest &= ~CPU_INTERRUPT_NMI;
    return true;
  }

  /** Takes a pending SMI request. */
  takeSmi(): boolean {
    if (!(this.interruptRequest & CPU_INTERRUPT_SMI)) return false;
    this.interruptRequest &= ~CPU_INTERRUPT_SMI;
    return true;
  }

  /**
   * Takes a pending INIT (QEMU's do_cpu_init, interrupt side): clears every request but a
   * pending SIPI and puts the APIC in its INIT state. The caller resets the CPU's registers and
   * halts it unless it is the bootstrap processor.
   */
  takeInit(): boolean {
    if (!(this.interruptRequest & CPU_INTERRUPT_INIT)) return false;
    this.interruptRequest &= CPU_INTERRUPT_SIPI;
    apicInitReset(this.apic);
    return true;
  }

  /**
   * Takes a pending SIPI (QEMU's do_cpu_sipi): the start-up vector if the CPU was waiting for
   * one (the caller sets CS = vector << 8, base vector << 12, IP = 0, and unhalts), else -1.
   */
  takeSipi(): number {
    if (!(this.interruptRequest & CPU_INTERRUPT_SIPI)) return -1;
    this.interruptRequest &= ~CPU_INTERRUPT_SIPI;
    return apicSipi(this.apic);
  }

  /** The run loop is about to run this vCPU: APIC MMIO accesses now reach its APIC. */
  makeCurrent(): void {
    apicSetCurrent(this.registry, this.apic);
  }
}

/** The machine's vCPUs' interrupt states, in CPU index order (QEMU's CPU_FOREACH for pic_irq_request). */
const machineCpus = new WeakMap<TypeRegistry, X86CpuInterrupts[]>();

/** Creates a vCPU's interrupt state and adds it to the machine's list. */
export function x86CpuInterruptsNew(registry: TypeRegistry, apic: ApicCommonState | undefined): X86CpuInterrupts {
  const intr = new X86CpuInterrupts(registry, apic);
  const list = machineCpus.get(registry) ?? [];
  list.push(intr);
  machineCpus.set(registry, list);
  return intr;
}

export function x86CpuInterruptsList(registry: TypeRegistry): readonly X86CpuInterrupts[] {
  return machineCpus.get(registry) ?? [];
}

/**
 * QEMU's pic_irq_request: the master 8259's INT output changed. With userspace local APICs it
 * goes to each CPU whose APIC accepts it on LINT0; without them (none, or the kernel's with a kvm
 * split irqchip), straight to the first CPU's INTR.
 */
export function picIrqRequest(registry: TypeRegistry, level: number): void {
  const cpus = machineCpus.get(registry) ?? [];
  const first = cpus[0];
  if (!first) return;
  if (first.apic && !kvmIrqchipInKernel(registry)) {
    for (const c of cpus) {
      if (c.apic && apicAcceptPicIntr(c.apic)) apicDeliverPicIntr(c.apic, level);
    }
  } else if (level) {
    first.interrupt(CPU_INTERRUPT_HARD);
  } else {
    first.resetInterrupt(CPU_INTERRUPT_HARD);
  }
}

/** QEMU's x86_allocate_cpu_irq: the line the board connects the master 8259's output to. */
export function x86AllocateCpuIrq(registry: TypeRegistry): IrqState {
  return allocateIrq(registry, (_n, level) => picIrqRequest(registry, level), 0);
}
