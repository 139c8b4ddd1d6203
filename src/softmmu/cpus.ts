/**
 * The vCPU loop of one machine (QEMU's softmmu/cpus.c with the round-robin TCG thread of
 * accel/tcg/tcg-accel-ops-rr.c), run on the thread that owns the machine.
 *
 * The loop is cooperative: each turn of the event loop runs the vCPUs, round robin, in chunks
 * of a few thousand instructions for a few milliseconds, firing due timers between chunks, and
 * then yields (setImmediate) so QMP requests, chardev input and host timers are served. When
 * every vCPU is halted it sleeps until the next timer deadline or until something wakes it (an
 * interrupt request, an earlier timer). So `stop` takes effect within one turn even while the
 * guest spins in a tight loop, and an idle guest costs no host CPU.
 *
 * Requests the guest makes from inside an instruction (reset, shutdown, debug exit) are not acted
 * on there: the requester kicks the vCPU and the loop hands them to its owner between chunks
 * (QEMU's cpu_stop_current + main_loop_should_exit).
 */
import { QEMU_CLOCK_VIRTUAL, type QemuClocks } from "../util/qemu-timer.js";
import type { Vcpu, VcpuExit } from "../accel/accel-ops.js";

/** A vCPU the loop can run in bounded chunks (tcg). */
export interface SlicedVcpu extends Vcpu {
  /** Instructions the next run() may execute. */
  budget: number;
  /** Instructions the last run() executed. */
  readonly lastExecuted: number;
}

export interface VcpuLoopHooks {
  /** Called before a vCPU runs (the APIC MMIO window follows the running vCPU). */
  beforeRun?(vcpu: SlicedVcpu): void;
  /** A vCPU triple-faulted. */
  tripleFault(vcpu: SlicedVcpu): void;
  /** The accelerator cannot continue. */
  internalError(vcpu: SlicedVcpu, detail: string): void;
  /** Between chunks: requests made from inside the guest's instructions are handled here. */
  service(): void;
}

export interface VcpuLoopOptions {
  /** Instructions per chunk (between timer checks); default 20 000. */
  chunk?: number;
  /** Milliseconds of guest execution per event-loop turn; default 4. */
  sliceMs?: number;
}

const now = (): number => performance.now();

export class VcpuLoop {
  /** The loop runs guest code (QEMU's "vCPUs not stopped"). */
  private running = false;
  private scheduled: NodeJS.Immediate | undefined;
  private sleeping: NodeJS.Timeout | undefined;
  /** Sleeping with no deadline at all: only wake() resumes. */
  private idle = false;
  /** Set while a vCPU's run() is on the stack. */
  private current: SlicedVcpu | undefined;
  private next = 0;
  private readonly chunk: number;
  private readonly sliceMs: number;
  /** Instructions executed by all vCPUs (figures and tests). */
  executed = 0;

  constructor(
    readonly vcpus: readonly SlicedVcpu[],
    private readonly clocks: QemuClocks,
    private readonly hooks: VcpuLoopHooks,
    opts: VcpuLoopOptions = {},
  ) {
    this.chunk = opts.chunk ?? 20_000;
    this.sliceMs = opts.sliceMs ?? 4;
  }

  get isRunning(): boolean {
    return this.running;
  }

  /** True while called from inside a vCPU's run() (device callbacks of guest I/O). */
  get inVcpu(): boolean {
    return this.current !== undefined;
  }

  /** The vCPU whose run() is on the stack, if any. */
  get currentVcpu(): SlicedVcpu | undefined {
    return this.current;
  }

  /** QEMU's resume_all_vcpus: guest code runs from the next turn. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule();
  }

  /** QEMU's pause_all_vcpus: no guest code runs after the current instruction. */
  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.cancel();
    this.kickCurrent();
  }

  /** Makes the running vCPU return to the loop after its current instruction (QEMU's cpu_exit). */
  kickCurrent(): void {
    this.current?.kick();
  }

  /**
   * Something may have made a vCPU runnable (an interrupt request) or a timer due earlier:
   * a sleeping loop turns again now. A running loop looks at both between chunks anyway.
   */
  wake(): void {
    if (!this.running || (this.sleeping === undefined && !this.idle)) return;
    this.cancel();
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled === undefined) this.scheduled = setImmediate(this.turn);
  }

  private cancel(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    if (this.sleeping !== undefined) clearTimeout(this.sleeping);
    this.scheduled = undefined;
    this.sleeping = undefined;
    this.idle = false;
  }

  private readonly turn = (): void => {
    this.scheduled = undefined;
    if (!this.running) return;
    const start = now();
    for (;;) {
      this.clocks.runAllTimers();
      if (!this.running) return;
      const ran = this.runChunk();
      this.hooks.service();
      if (!this.running) return;
      if (!ran) {
        this.sleep();
        return;
      }
      if (now() - start >= this.sliceMs) break;
    }
    this.schedule();
  };

  /** One chunk for each vCPU in turn; false when all of them are halted. */
  private runChunk(): boolean {
    const clocks = this.clocks;
    const budget = clocks.icountEnabled ? Math.max(1, clocks.icountBudget(this.chunk)) : this.chunk;
    let ran = false;
    const n = this.vcpus.length;
    for (let k = 0; k < n; k++) {
      const vcpu = this.vcpus[(this.next + k) % n]!;
      vcpu.budget = budget;
      this.hooks.beforeRun?.(vcpu);
      let exit: VcpuExit;
      this.current = vcpu;
      try {
        exit = vcpu.run();
      } finally {
        this.current = undefined;
      }
      this.executed += vcpu.lastExecuted;
      if (clocks.icountEnabled) clocks.icountAdd(vcpu.lastExecuted);
      switch (exit.reason) {
        case "halted":
          if (vcpu.lastExecuted > 0) ran = true;
          break;
        case "triple-fault":
          this.hooks.tripleFault(vcpu);
          ran = true;
          break;
        case "internal-error":
          this.hooks.internalError(vcpu, exit.detail);
          return true;
        default:
          ran = true;
      }
      if (!this.running) break;
    }
    this.next = (this.next + 1) % Math.max(1, n);
    return ran;
  }

  /** Every vCPU is halted: wait for the next timer, or for wake(). */
  private sleep(): void {
    const clocks = this.clocks;
    if (clocks.icountEnabled) {
      // Nothing runs, so instruction-driven time would stand still: jump to the next virtual timer.
      const d = clocks.clockDeadlineNs(QEMU_CLOCK_VIRTUAL);
      if (d >= 0) {
        clocks.icountWarp(d);
        this.schedule();
        return;
      }
    }
    const d = clocks.deadlineNs();
    if (d < 0) {
      this.idle = true;
      return;
    }
    this.sleeping = setTimeout(() => {
      this.sleeping = undefined;
      this.schedule();
    }, Math.ceil(d / 1e6));
  }
}
