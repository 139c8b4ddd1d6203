/**
 * A KVM vCPU as the machine's vCPU loop (softmmu/cpus.ts) runs it: the loop thinks in bounded
 * chunks, KVM_RUN in "until something happens". Each run() is bounded in time instead of
 * instructions: a helper thread kicks the vCPU at the next timer deadline or at the end of the
 * slice, so timers, QMP and chardevs get their turn even when the guest never exits.
 */
import type { VcpuExit, VcpuKickHandle, X86CpuState } from "../accel-ops.js";
import type { SlicedVcpu } from "../../softmmu/cpus.js";
import type { QemuClocks } from "../../util/qemu-timer.js";
import type { KvmRunTimer } from "./kvm-run-timer.js";
import type { KvmVcpu } from "./kvm-vcpu.js";

/** The longest one KVM_RUN may block before the event loop gets a turn. */
export const KVM_SLICE_MS = 10;

export class KvmSlicedVcpu implements SlicedVcpu {
  /** Unused: KVM cannot count instructions; the slice is time. */
  budget = 0;
  /** 1 when the last run() ran guest code, 0 when it returned halted (the loop may sleep). */
  lastExecuted = 0;
  /** KVM_RUN calls and their total time (figures). */
  runs = 0;

  constructor(
    readonly kvm: KvmVcpu,
    private readonly timer: KvmRunTimer,
    private readonly clocks: QemuClocks,
    private readonly sliceMs = KVM_SLICE_MS,
  ) {}

  get index(): number {
    return this.kvm.index;
  }

  get kickHandle(): VcpuKickHandle {
    return this.kvm.kickHandle;
  }

  get threadId(): number {
    return this.kvm.threadId;
  }

  run(): VcpuExit {
    const d = this.clocks.deadlineNs();
    const ms = d < 0 ? this.sliceMs : Math.min(this.sliceMs, d / 1e6);
    this.timer.arm(this.kvm.kickHandle.kind === "kvm" ? this.kvm.kickHandle.token : 0, ms);
    let exit: VcpuExit;
    try {
      exit = this.kvm.run();
    } finally {
      this.timer.disarm();
    }
    this.runs++;
    this.lastExecuted = exit.reason === "halted" ? 0 : 1;
    return exit;
  }

  kick(): void {
    this.kvm.kick();
  }

  reset(): void {
    this.kvm.reset();
  }

  getState(): X86CpuState {
    return this.kvm.getState();
  }

  setState(s: X86CpuState): void {
    this.kvm.setState(s);
  }
}
