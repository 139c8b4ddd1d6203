/**
 * The accelerator interface: what a machine needs from whatever runs its vCPUs (QEMU's
 * AccelClass + AccelOpsClass, shaped like cloud-hypervisor's Vm/Vcpu traits). Both backends,
 * the interpreter (`tcg`) and /dev/kvm (`kvm`), implement it.
 *
 * I/O is served inside `Vcpu.run()` through the injected `VmOps`, so the vCPU loop only sees the
 * exits that need a decision (halt, reset, stop, errors).
 */
import type { CpuState } from "../target/i386/tcg/state.js";
import { loadKvmAddon } from "./kvm/kvm-addon.js";

export type AccessSize = 1 | 2 | 4;

/** The machine as the vCPU sees it (≈ cloud-hypervisor VmOps); implemented by the board. */
export interface VmOps {
  pioRead(port: number, size: AccessSize): number;
  pioWrite(port: number, value: number, size: AccessSize): void;
  /** A guest-physical access that no RAM slot covers (MMIO, writes to ROM, holes). */
  mmioRead(gpa: number, size: AccessSize): number;
  mmioWrite(gpa: number, value: number, size: AccessSize): void;
  /**
   * The userspace interrupt controller, when the interrupt controller is not the accelerator's
   * (tcg; kvm with kernel-irqchip=off, and the 8259 with kernel-irqchip=split). True when a
   * maskable interrupt is pending.
   */
  hasInterrupt?(): boolean;
  /** INTA cycle: the vector of the interrupt being taken (called only when the vCPU takes it). */
  acknowledgeInterrupt?(): number;
  /**
   * The userspace local APIC (kvm with kernel-irqchip=off) raised an NMI: true once per NMI, which
   * the vCPU then queues (KVM_NMI). Under tcg the CPU takes NMIs itself.
   */
  takeNmi?(): boolean;
  /**
   * kvm with kernel-irqchip=split: a local APIC in the kernel retired level-triggered `vector`,
   * which the userspace IOAPIC sent (KVM_EXIT_IOAPIC_EOI; QEMU's ioapic_eoi_broadcast).
   */
  ioapicEoi?(vector: number): void;
}

/** Why `run()` returned: only what the vCPU loop must decide on. */
export type VcpuExit =
  /** `kick()`: pause/stop, a QMP request, a device asking for reset, the next timer deadline. */
  | { reason: "interrupted" }
  /** HLT with nothing pending (never with an in-kernel irqchip, which sleeps in the kernel). */
  | { reason: "halted" }
  /** The guest triple-faulted (KVM_EXIT_SHUTDOWN): a guest reset request, or shutdown with -no-reboot. */
  | { reason: "triple-fault" }
  /** The hypervisor reports a guest-initiated platform event (KVM_EXIT_SYSTEM_EVENT, e.g. PSCI-like resets). */
  | { reason: "system-event"; event: "shutdown" | "reset" | "crash" | "other" }
  /** The accelerator cannot go on (emulation failure, failed VM entry, unexpected exit). */
  | { reason: "internal-error"; detail: string };

/**
 * The 64-bit half of the architectural state, from backends that have it (kvm). Values that do
 * not fit a JavaScript number are decimal strings, like `CpuState.msrs`. Where a value here
 * overlaps a 32-bit field of `CpuState` (eax is the low half of rax), getState() fills both and
 * setState() takes the low 32 bits from the `CpuState` field and the upper 32 from here, so code
 * that edits eip or eax works on either backend, and a tcg state (no `long`) means zero upper
 * halves. EFER and the APIC base are also in `msrs`, which wins.
 */
export interface X86LongState {
  /** rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi, r8 … r15 (the tcg register order, then r8-r15). */
  gpr: string[];
  rip: string;
  /** Segment and descriptor-table bases that may exceed 32 bits. */
  fsBase: string;
  gsBase: string;
  ldtBase: string;
  trBase: string;
  gdtBase: string;
  idtBase: string;
  cr2: string;
  cr3: string;
  cr8: number;
  efer: string;
  apicBase: string;
  /** x87 registers exactly, in physical-register order (R0…R7): each the hex of its 10 little-endian bytes. */
  fpr: string[];
  /** Last x87 opcode, instruction and data pointers. */
  fop: number;
  fip: string;
  fdp: string;
  mxcsr: number;
  /** xmm0 … xmm15, 128 bits each as 32 hex digits (little-endian bytes: first byte first). */
  xmm: string[];
  /** Event state that is not a register: a pending exception/interrupt, the STI/MOV SS shadow, NMI. */
  events?: VcpuEventState;
}

export interface VcpuEventState {
  exception: { injected: boolean; nr: number; errorCode?: number };
  interrupt: { injected: boolean; nr: number; shadow: number };
  nmi: { injected: boolean; pending: boolean; masked: boolean };
}

/** The architectural state of an x86 vCPU: tcg's CpuState, plus the 64-bit half when known. */
export interface X86CpuState extends CpuState {
  long?: X86LongState;
}

/**
 * What another thread needs to kick a vCPU (structured-cloneable, so it can be posted to the
 * thread that serves QMP or timers): kvm's token for the addon's process-wide kick table, or the
 * interpreter's shared flag word.
 */
export type VcpuKickHandle = { kind: "kvm"; token: number } | { kind: "flag"; flag: Int32Array };

export interface Vcpu {
  readonly index: number;
  /** Runs the guest until an exit that needs a decision; I/O and MMIO are served inside. */
  run(): VcpuExit;
  /** Makes a running `run()` return "interrupted" soon, or the next one at once; any thread. */
  kick(): void;
  readonly kickHandle: VcpuKickHandle;
  /** Power-on/RESET# state (INIT for application processors is the machine's business). */
  reset(): void;
  /** Only while the vCPU is not running (Firecracker's rule). */
  getState(): X86CpuState;
  setState(s: X86CpuState): void;
  /** Host thread id of the thread that runs the vCPU (query-cpus-fast `thread-id`); 0 before the first run. */
  readonly threadId: number;
}

export interface MapMemoryOptions {
  /** Guest writes do not change the bytes; they reach `VmOps.mmioWrite` instead (ROM). */
  readonly?: boolean;
}

/** One accelerator instance for one machine (≈ KVMState / the TCG context). */
export interface AccelOps {
  readonly name: "kvm" | "tcg";
  /**
   * Makes `bytes` the guest memory at `gpa` (shared, never copied: devices and the guest see the
   * same bytes). Replaces any mapping at the same `gpa`. Unmapped addresses go to `VmOps.mmio*`.
   */
  mapMemory(gpa: number, bytes: Uint8Array, opts?: MapMemoryOptions): void;
  unmapMemory(gpa: number): void;
  createVcpu(index: number, ops: VmOps): Vcpu;
  /** Drive an input line of the accelerator's own interrupt controller (kvm in-kernel irqchip). */
  setIrq?(gsi: number, level: boolean): void;
  close(): void;
}

/**
 * Kicks a vCPU from any thread, given the handle its owner posted: the kvm addon's kick table,
 * or the interpreter's flag word (set non-zero, as X86CpuOptions.kick expects).
 */
export function kickByHandle(h: VcpuKickHandle): void {
  if (h.kind === "kvm") {
    loadKvmAddon().kick(h.token);
  } else {
    Atomics.store(h.flag, 0, 1);
    Atomics.notify(h.flag, 0);
  }
}
