/**
 * The interrupt requests a CPU can have pending (QEMU's CPUState.interrupt_request bits, with
 * the x86 names from target/i386/cpu.h), and what interrupt controllers need from a CPU to raise
 * and clear them (QEMU's cpu_interrupt / cpu_reset_interrupt).
 */
export const CPU_INTERRUPT_HARD = 0x0002;
export const CPU_INTERRUPT_POLL = 0x0010;
export const CPU_INTERRUPT_SMI = 0x0040;
export const CPU_INTERRUPT_NMI = 0x0200;
export const CPU_INTERRUPT_INIT = 0x0400;
export const CPU_INTERRUPT_SIPI = 0x0800;
export const CPU_INTERRUPT_MCE = 0x1000;
export const CPU_INTERRUPT_TPR = 0x2000;

export interface CpuInterruptLines {
  /** QEMU's cpu_interrupt: set request bits (and wake the vCPU). */
  interrupt(mask: number): void;
  /** QEMU's cpu_reset_interrupt: clear request bits. */
  resetInterrupt(mask: number): void;
}
