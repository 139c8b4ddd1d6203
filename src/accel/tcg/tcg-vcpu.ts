/**
 * A tcg vCPU: the x86 interpreter (src/target/i386/tcg) behind the accelerator's Vcpu
 * interface. `run()` executes at most `budget` instructions and reports why it stopped in the
 * accelerator's terms; `kick()` may come from any thread through a shared flag word.
 */
import { X86Cpu, type CpuidFn, type JitMode } from "../../target/i386/tcg/cpu.js";
import type { CpuLevel } from "../../target/i386/tcg/constants.js";
import type { Vcpu, VcpuExit, VcpuKickHandle, X86CpuState } from "../accel-ops.js";
import type { TcgBus } from "./tcg-bus.js";

export interface TcgCpuOptions {
  level?: CpuLevel;
  cpuid?: CpuidFn;
  /** EDX after reset (family/model/stepping); default from cpuid(1). */
  resetEdx?: number;
  /** The time-stamp counter (QEMU's cpu_get_tsc); default: instructions executed. */
  readTsc?: () => number;
  jit?: JitMode;
}

/** Instructions a `run()` may execute when the loop does not say otherwise. */
export const DEFAULT_TCG_BUDGET = 100_000;

const INTERRUPTED: VcpuExit = { reason: "interrupted" };
const HALTED: VcpuExit = { reason: "halted" };
const TRIPLE_FAULT: VcpuExit = { reason: "triple-fault" };

export class TcgVcpu implements Vcpu {
  readonly cpu: X86Cpu;
  /** Non-zero asks `run()` to return "interrupted"; shared so other threads can set it. */
  readonly kickFlag = new Int32Array(new SharedArrayBuffer(4));
  /** How many instructions the next `run()` may execute before it returns "interrupted". */
  budget = DEFAULT_TCG_BUDGET;
  /** Instructions the last `run()` executed (the icount and the loop's speed estimate use it). */
  lastExecuted = 0;
  private ranOnce = false;
  private readonly unsubscribe: Array<() => void> = [];

  constructor(
    readonly index: number,
    readonly bus: TcgBus,
    opts: TcgCpuOptions = {},
  ) {
    this.cpu = new X86Cpu({
      bus,
      kick: this.kickFlag,
      ...(opts.level !== undefined ? { level: opts.level } : {}),
      ...(opts.cpuid ? { cpuid: opts.cpuid } : {}),
      ...(opts.resetEdx !== undefined ? { resetEdx: opts.resetEdx } : {}),
      ...(opts.readTsc ? { readTsc: opts.readTsc } : {}),
      ...(opts.jit ? { jit: opts.jit } : {}),
    });
  }

  get kickHandle(): VcpuKickHandle {
    return { kind: "flag", flag: this.kickFlag };
  }

  /** QEMU's TCG runs vCPUs in the thread that runs the machine; this is that process. */
  get threadId(): number {
    return this.ranOnce ? process.pid : 0;
  }

  run(): VcpuExit {
    this.ranOnce = true;
    const cpu = this.cpu;
    const before = cpu.instructions;
    const why = cpu.run(this.budget);
    this.lastExecuted = cpu.instructions - before;
    switch (why) {
      case "hlt":
        return HALTED;
      case "shutdown":
        return TRIPLE_FAULT;
      case "kick":
        Atomics.store(this.kickFlag, 0, 0);
        return INTERRUPTED;
      default:
        return INTERRUPTED;
    }
  }

  kick(): void {
    Atomics.store(this.kickFlag, 0, 1);
  }

  reset(): void {
    this.cpu.reset();
  }

  getState(): X86CpuState {
    return this.cpu.getState();
  }

  setState(s: X86CpuState): void {
    this.cpu.setState(s);
  }

  /** The memory map changed: new RAM permissions, no stale translations or decoded code. */
  memoryMapChanged(): void {
    this.bus.refresh();
    this.cpu.memoryMapChanged();
  }

  /** Guest RAM changed behind the CPU's back (DMA, loaders): drop code decoded from it. */
  ramWritten(addr: number, length: number): void {
    // noteWrite looks at the pages of the first and last byte: feed it a page at a time.
    const end = addr + length;
    for (let a = addr; a < end; ) {
      const next = Math.min(end, (Math.floor(a / 4096) + 1) * 4096);
      this.cpu.blocks.noteWrite(a, next - a);
      a = next;
    }
  }

  /** Keeps `fn` (an unsubscribe function) to call on `close()`. */
  own(fn: () => void): void {
    this.unsubscribe.push(fn);
  }

  close(): void {
    for (const fn of this.unsubscribe.splice(0)) fn();
  }
}
