/**
 * The x86 interpreter's CPU: architectural state, the memory fast paths, lazy
 * flags and the run loop. Decoding lives in decode.ts, instruction semantics
 * in ops-*.ts, protected-mode machinery in segments.ts / interrupts.ts /
 * paging.ts, and the decoded-block cache in blocks.ts.
 */
import type { CpuBus } from "./bus.js";
import {
  AC, AF, AR_DB, AR_REAL_CODE, AR_REAL_DATA, ARITH, CF, CR0_ET, CR0_PE, CS, EXC_DB, EXC_GP, EXC_SS, ID, IF,
  OF, PARITY, PF, SF, SS, TF, VM, ZF,
} from "./constants.js";
import type { CpuGen, CpuLevel } from "./constants.js";
import { BlockCache } from "./blocks.js";
import type { Block } from "./blocks.js";
import { deliverInterrupt, handleFault, INT_HW } from "./interrupts.js";
import { flushTlb, TLB_RAMR, TLB_RAMW, TLB_USER, TLB_VALID, TLB_WSUP, TLB_WUSER, translate } from "./paging.js";
import type { CpuState } from "./state.js";
import { captureState, restoreState } from "./state.js";
import { compileBlock, jitStats } from "./jit/compile.js";
import { SMBASE_RESET, smmEnter } from "./smm.js";

/**
 * How blocks run: "on" compiles a block to JavaScript once it has run
 * `jitThreshold` times; "off" only interprets (the reference); "eager"
 * compiles every block before its first run and lets compiled code stop
 * after any instruction, so single-instruction tests go through the compiler.
 */
export type JitMode = "off" | "on" | "eager";

/** Default number of interpreted runs before a block is compiled. */
export const DEFAULT_JIT_THRESHOLD = 64;

/** Why `run()` returned. */
export type RunExit = "budget" | "hlt" | "shutdown" | "kick";

/** `cpuid(leaf, subleaf)` → [eax, ebx, ecx, edx], supplied by the machine for the CPU model. */
export type CpuidFn = (leaf: number, subleaf: number) => [number, number, number, number];

export interface X86CpuOptions {
  bus: CpuBus;
  /** Which generation to imitate (default 686: Pentium Pro/II integer set with cmov). */
  level?: CpuLevel;
  cpuid?: CpuidFn;
  /** A shared word another thread sets non-zero to make `run()` return "kick" promptly. */
  kick?: Int32Array;
  /** EDX after reset: family/model/stepping (default from `cpuid(1)` or the level). */
  resetEdx?: number;
  /** Time-stamp counter source; default: instructions executed. */
  readTsc?: () => number;
  /** Block compilation (default "on"; the environment variable QOMD_TCG_JIT=off|on|eager overrides the default). */
  jit?: JitMode;
  /** Interpreted runs before a block is compiled (default DEFAULT_JIT_THRESHOLD). */
  jitThreshold?: number;
}

function defaultJitMode(): JitMode {
  const v = typeof process !== "undefined" ? process.env.QOMD_TCG_JIT : undefined;
  return v === "off" || v === "eager" ? v : "on";
}

/** Thrown (one shared instance, no allocation) to abandon an instruction that faulted. */
export class CpuFault {
  readonly isCpuFault = true;
}
export const FAULT = new CpuFault();

const LAZY_ADD = 0, LAZY_ADC = 1, LAZY_SUB = 2, LAZY_SBB = 3, LAZY_LOGIC = 4;
export { LAZY_ADD, LAZY_ADC, LAZY_SUB, LAZY_SBB, LAZY_LOGIC };

const NO_KICK = new Int32Array(1);

export class X86Cpu {
  readonly bus: CpuBus;
  /** CPU generation: 86 for the 8086, then 286 … 686. */
  readonly level: CpuGen;
  ram: Uint8Array;
  /** The same RAM as aligned 16- and 32-bit words (little-endian host), for the aligned fast paths. */
  ram16: Uint16Array;
  ram32: Int32Array;
  /** 0 when the word views are usable; 1 makes every alignment test fail (RAM not 4-byte aligned in its buffer). */
  private ramWordBlock = 0;
  readonly jitMode: JitMode;
  readonly jitThreshold: number;
  /** Set by compiled code when it faults: the instruction index and instructions completed before its iteration. */
  jitK = -1;
  jitDone = 0;
  readonly kick: Int32Array;
  readonly cpuidFn: CpuidFn | undefined;
  readonly readTsc: (() => number) | undefined;

  // General registers: one buffer seen as 32-, 16- and 8-bit registers.
  readonly regBuf = new ArrayBuffer(32);
  readonly r32 = new Int32Array(this.regBuf);
  readonly r16 = new Uint16Array(this.regBuf);
  readonly r8 = new Uint8Array(this.regBuf);
  /** Instruction pointer (unsigned). While a handler runs it already points past the instruction. */
  eip = 0;

  /** EFLAGS bits except those the lazy state currently supplies (see `lzMask`). */
  flags = 2;
  /** Which arithmetic flags are to be computed from the lazy state rather than read from `flags`. */
  lzMask = 0;
  lzOp = 0;
  /** Sign bit of the lazy operation's width: 0x80, 0x8000 or 0x80000000|0. */
  lzSign = 0x80;
  lzA = 0;
  lzB = 0;
  /** Result, masked to the operation width (int32 for 32-bit). */
  lzRes = 0;

  // Segment registers and their descriptor caches, indexed ES CS SS DS FS GS.
  readonly segSel = new Uint16Array(6);
  readonly segBase = new Int32Array(6);
  /** Effective limit (byte granular). */
  readonly segLimit = new Float64Array(6);
  readonly segAr = new Uint16Array(6);
  /** Valid offsets for reads are [segLo, segRdHi], for writes [segLo, segWrHi]; -1 forbids the access. */
  readonly segLo = new Float64Array(6);
  readonly segRdHi = new Float64Array(6);
  readonly segWrHi = new Float64Array(6);
  /** Current privilege level. */
  cpl = 0;
  /** CS.D: 32-bit default operand/address size. */
  cs32 = false;
  /** SS.B: 32-bit stack pointer. */
  ss32 = false;

  cr0 = 0;
  cr2 = 0;
  cr3 = 0;
  cr4 = 0;
  readonly dr = new Int32Array(8);
  gdtBase = 0;
  gdtLimit = 0;
  idtBase = 0;
  idtLimit = 0x3ff;
  ldtSel = 0;
  ldtBase = 0;
  ldtLimit = 0;
  ldtAr = 0;
  trSel = 0;
  trBase = 0;
  trLimit = 0;
  trAr = 0;
  /** Model-specific registers that were written (and the few with reset values). */
  readonly msrs = new Map<number, bigint>();
  /** x87 state for the kernel's FPU probe and simple use (see ops-x87.ts). */
  fpuCw = 0x37f;
  fpuSw = 0;
  fpuTw = 0xffff;
  fpuTop = 0;
  readonly fpuRegs = new Float64Array(8);
  fpuIp = 0;
  fpuDp = 0;

  halted = false;
  shutdownPending = false;
  /**
   * PAUSE ran: end this slice so the other vCPUs run (QEMU's helper_pause leaves the CPU loop).
   * A spin-wait on a lock another vCPU must take would otherwise hold its slice to the end and,
   * when the lock is free only between two instructions of one block, never let the other in.
   */
  yieldPending = false;
  /** Other vCPUs share this one's thread (SMP): only then is PAUSE worth ending the slice for. */
  yieldOnPause = false;
  /** The instruction just run (STI, MOV SS) holds off interrupts for one more instruction. */
  inhibitIrq = false;
  nmiPending = false;
  nmiBlocked = false;
  /** System Management Mode (see smm.ts): an SMI is latched until the CPU is out of SMM. */
  smiPending = false;
  inSmm = false;
  /** The SMI came while NMIs were already blocked, so RSM leaves them blocked. */
  smmInsideNmi = false;
  smbase = SMBASE_RESET;
  /** MSR_SMI_COUNT. */
  smiCount = 0;
  /** Instructions retired since creation (the default TSC and -icount source). */
  instructions = 0;
  tscOffset = 0;

  /** Physical address mask: A20 gate and the bus width (20 bits on the 8086, 24 on the 286). */
  physMask = -1;
  a20Enabled = true;

  // TLB: one Int32Array entry per linear page: physical page << 12 | TLB_* bits.
  readonly tlb = new Int32Array(1 << 20);
  readonly tlbUsed = new Int32Array(4096);
  tlbUsedCount = 0;
  /** Permission bits an entry needs for a fast read / write at the current CPL. */
  rdMask = TLB_VALID | TLB_RAMR;
  wrMask = TLB_WSUP | TLB_RAMW;

  readonly blocks: BlockCache;

  // Fault being raised (see raise()).
  excVec = 0;
  excErr = -1;

  constructor(opts: X86CpuOptions) {
    this.bus = opts.bus;
    this.ram = opts.bus.ram;
    this.ram16 = new Uint16Array(0);
    this.ram32 = new Int32Array(0);
    this.makeWordViews();
    this.jitMode = opts.jit ?? defaultJitMode();
    this.jitThreshold = this.jitMode === "eager" ? 0 : this.jitMode === "off" ? -1 : Math.max(1, opts.jitThreshold ?? DEFAULT_JIT_THRESHOLD);
    const level: CpuLevel = opts.level ?? 686;
    this.level = level === 8086 ? 86 : level;
    this.kick = opts.kick ?? NO_KICK;
    this.cpuidFn = opts.cpuid;
    this.readTsc = opts.readTsc;
    this.blocks = new BlockCache(this);
    this.resetEdx = opts.resetEdx;
    this.reset();
  }

  private readonly resetEdx: number | undefined;

  // ---------------------------------------------------------------- reset / state

  /** Power-on / RESET# state. */
  reset(): void {
    this.r32.fill(0);
    this.r32[2] = this.resetEdx ?? this.defaultSignature();
    this.eip = 0xfff0;
    this.flags = this.level === 86 ? 0xf002 : 2;
    this.lzMask = 0;
    this.cr0 = this.level >= 386 ? CR0_ET | 0x60000000 : 0;
    if (this.level === 286) this.cr0 = 0xfff0;
    this.cr2 = this.cr3 = this.cr4 = 0;
    this.dr.fill(0);
    this.dr[6] = 0xffff0ff0 | 0;
    this.dr[7] = 0x400;
    this.gdtBase = this.idtBase = 0;
    this.gdtLimit = this.idtLimit = 0xffff;
    if (this.level <= 286) this.idtLimit = 0x3ff;
    // After RESET, LDTR and TR have base 0 and limit 0xffff (Intel SDM table 9-1; QEMU's x86_cpu_reset).
    this.ldtSel = this.ldtBase = 0;
    this.ldtLimit = 0xffff;
    this.ldtAr = 0x82;
    this.trSel = this.trBase = 0;
    this.trLimit = 0xffff;
    this.trAr = 0x8b;
    this.cpl = 0;
    for (let s = 0; s < 6; s++) this.setSegCache(s, 0, 0, 0xffff, AR_REAL_DATA);
    if (this.level <= 286) {
      this.setSegCache(CS, 0xf000, 0xf0000, 0xffff, AR_REAL_CODE);
      this.physMask = this.level === 86 ? 0xfffff : 0xffffff;
    } else {
      this.setSegCache(CS, 0xf000, 0xffff0000 | 0, 0xffff, AR_REAL_CODE);
      this.physMask = this.a20Enabled ? -1 : ~0x100000;
    }
    this.msrs.clear();
    this.fpuCw = 0x37f;
    this.fpuSw = 0;
    this.fpuTw = 0xffff;
    this.fpuTop = 0;
    this.fpuRegs.fill(0);
    this.halted = false;
    this.shutdownPending = false;
    this.yieldPending = false;
    this.inhibitIrq = false;
    this.nmiPending = false;
    this.nmiBlocked = false;
    this.smiPending = false;
    this.smmInsideNmi = false;
    this.smbase = SMBASE_RESET;
    this.smiCount = 0;
    if (this.inSmm) {
      this.inSmm = false;
      this.bus.setSmm?.(false);
      this.ram = this.bus.ram;
      this.makeWordViews();
    }
    this.tscOffset = -this.instructions;
    this.updateCplMasks();
    this.flushTlb(true);
    this.blocks.clear();
  }

  private defaultSignature(): number {
    if (this.cpuidFn && this.level >= 486) return this.cpuidFn(1, 0)[0];
    switch (this.level) {
      case 386: return 0x0308;
      case 486: return 0x0402;
      case 586: return 0x0543;
      case 686: return 0x0663;
      default: return 0;
    }
  }

  getState(): CpuState {
    return captureState(this);
  }

  setState(s: CpuState): void {
    restoreState(this, s);
    this.updateCplMasks();
    this.flushTlb(true);
    this.blocks.clear();
  }

  /** The machine changed what is RAM / ROM / MMIO (PAM, BARs): drop all cached translations and code. */
  memoryMapChanged(): void {
    this.ram = this.bus.ram;
    this.makeWordViews();
    this.flushTlb(true);
    this.blocks.clear();
  }

  private makeWordViews(): void {
    const m = this.ram;
    const little = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
    if (little && m.byteOffset % 4 === 0) {
      this.ram16 = new Uint16Array(m.buffer, m.byteOffset, m.length >>> 1);
      this.ram32 = new Int32Array(m.buffer, m.byteOffset, m.length >>> 2);
      this.ramWordBlock = 0;
    } else {
      this.ram16 = new Uint16Array(0);
      this.ram32 = new Int32Array(0);
      this.ramWordBlock = 1;
    }
  }

  /** Gate A20 (port 0x92, the i8042 output port). */
  setA20(enabled: boolean): void {
    if (this.level <= 286) return;
    if (enabled === this.a20Enabled) return;
    this.a20Enabled = enabled;
    this.physMask = enabled ? -1 : ~0x100000;
    this.flushTlb(true);
  }

  /** Raise the NMI line (edge). */
  injectNmi(): void {
    this.nmiPending = true;
  }

  /** A System Management Interrupt (QEMU's CPU_INTERRUPT_SMI): taken at the next boundary outside SMM. */
  injectSmi(): void {
    this.smiPending = true;
    this.eventPending = true;
  }

  // ---------------------------------------------------------------- segments

  /** Fill a segment's descriptor cache and derive its access bounds. */
  setSegCache(s: number, sel: number, base: number, limit: number, ar: number): void {
    this.segSel[s] = sel;
    this.segBase[s] = base | 0;
    this.segLimit[s] = limit >>> 0;
    this.segAr[s] = ar;
    this.updateSegBounds(s);
    // The D/B bits act from the descriptor cache in any mode (that is what makes "unreal" mode work).
    if (s === CS) this.cs32 = (ar & AR_DB) !== 0;
    else if (s === SS) this.ss32 = (ar & AR_DB) !== 0;
  }

  /** Recompute the fast-path bounds of segment `s` from its cache. */
  updateSegBounds(s: number): void {
    const ar = this.segAr[s];
    const limit = this.segLimit[s];
    if (this.level === 86) {
      // No limit checks; a word at offset 0xffff takes the slow path, which wraps it.
      this.segLo[s] = 0;
      this.segRdHi[s] = this.segWrHi[s] = 0xffff;
      return;
    }
    if ((ar & 0x80) === 0) {
      // Unusable (null selector loaded in protected mode): every access faults.
      this.segLo[s] = 0;
      this.segRdHi[s] = this.segWrHi[s] = -1;
      return;
    }
    const code = (ar & 0x18) === 0x18;
    const data = (ar & 0x18) === 0x10;
    let lo = 0;
    let hi = limit;
    if (data && (ar & 4) !== 0) {
      // Expand-down: valid offsets lie above the limit.
      lo = limit + 1;
      hi = (ar & AR_DB) !== 0 ? 0xffffffff : 0xffff;
    }
    this.segLo[s] = lo;
    const readable = data || (code && (ar & 2) !== 0) || !this.protectedMode();
    const writable = (data && (ar & 2) !== 0) || !this.protectedMode();
    this.segRdHi[s] = readable ? hi : -1;
    this.segWrHi[s] = writable ? hi : -1;
  }

  protectedMode(): boolean {
    return (this.cr0 & CR0_PE) !== 0;
  }

  v86Mode(): boolean {
    return (this.flags & VM) !== 0;
  }

  /** Refresh the TLB permission masks after CPL changes. */
  updateCplMasks(): void {
    if (this.cpl === 3) {
      this.rdMask = TLB_VALID | TLB_USER | TLB_RAMR;
      this.wrMask = TLB_WUSER | TLB_RAMW;
    } else {
      this.rdMask = TLB_VALID | TLB_RAMR;
      this.wrMask = TLB_WSUP | TLB_RAMW;
    }
  }

  setCpl(cpl: number): void {
    this.cpl = cpl;
    this.updateCplMasks();
  }

  // ---------------------------------------------------------------- faults

  /** Abandon the current instruction with exception `vec` (error code `err`, -1 for none). */
  raise(vec: number, err = -1): never {
    this.excVec = vec;
    this.excErr = err;
    throw FAULT;
  }

  gp(err = 0): never {
    return this.raise(EXC_GP, err);
  }

  /**
   * The fault for a bad access through segment `s`: #SS for the stack in
   * protected mode, #GP otherwise (a real-mode overrun is #GP even through SS).
   */
  segFault(s: number): never {
    return this.raise(s === SS && this.protectedMode() ? EXC_SS : EXC_GP, 0);
  }

  // ---------------------------------------------------------------- segmented memory access

  rd8(s: number, off: number): number {
    if (off < this.segLo[s] || off > this.segRdHi[s]) return this.rdSegSlow(s, off, 1);
    return this.lrd8((this.segBase[s] + off) | 0);
  }

  rd16(s: number, off: number): number {
    if (off < this.segLo[s] || off + 1 > this.segRdHi[s]) return this.rdSegSlow(s, off, 2);
    return this.lrd16((this.segBase[s] + off) | 0);
  }

  rd32(s: number, off: number): number {
    if (off < this.segLo[s] || off + 3 > this.segRdHi[s]) return this.rdSegSlow(s, off, 4);
    return this.lrd32((this.segBase[s] + off) | 0);
  }

  wr8(s: number, off: number, v: number): void {
    if (off < this.segLo[s] || off > this.segWrHi[s]) return this.wrSegSlow(s, off, v, 1);
    this.lwr8((this.segBase[s] + off) | 0, v);
  }

  wr16(s: number, off: number, v: number): void {
    if (off < this.segLo[s] || off + 1 > this.segWrHi[s]) return this.wrSegSlow(s, off, v, 2);
    this.lwr16((this.segBase[s] + off) | 0, v);
  }

  wr32(s: number, off: number, v: number): void {
    if (off < this.segLo[s] || off + 3 > this.segWrHi[s]) return this.wrSegSlow(s, off, v, 4);
    this.lwr32((this.segBase[s] + off) | 0, v);
  }

  /** Check that a write of `size` bytes at `off` through `s` would pass segmentation (for RMW / multi-part writes). */
  checkWrite(s: number, off: number, size: number): void {
    if (this.level === 86) return;
    if (off < this.segLo[s] || off + size - 1 > this.segWrHi[s]) this.segFault(s);
  }

  private rdSegSlow(s: number, off: number, size: number): number {
    if (this.level === 86) {
      // The 8086 wraps multi-byte operands within the segment.
      let v = 0;
      for (let k = 0; k < size; k++) v |= this.lrd8((this.segBase[s] + ((off + k) & 0xffff)) | 0) << (8 * k);
      return v;
    }
    return this.segFault(s);
  }

  private wrSegSlow(s: number, off: number, v: number, size: number): void {
    if (this.level === 86) {
      for (let k = 0; k < size; k++) this.lwr8((this.segBase[s] + ((off + k) & 0xffff)) | 0, v >>> (8 * k));
      return;
    }
    this.segFault(s);
  }

  // ---------------------------------------------------------------- linear memory access (current privilege)

  lrd8(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.rdMask) === this.rdMask) return this.ram[(e & ~0xfff) | (lin & 0xfff)];
    return this.lrdSlow(lin >>> 0, 1, this.cpl === 3);
  }

  lrd16(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.rdMask) === this.rdMask && (lin & 0xfff) !== 0xfff) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      if (((p | this.ramWordBlock) & 1) === 0) return this.ram16[p >> 1];
      return this.ram[p] | (this.ram[p + 1] << 8);
    }
    return this.lrdSlow(lin >>> 0, 2, this.cpl === 3);
  }

  lrd32(lin: number): number {
    const e = this.tlb[lin >>> 12];
    if ((e & this.rdMask) === this.rdMask && (lin & 0xfff) <= 0xffc) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      if (((p | this.ramWordBlock) & 3) === 0) return this.ram32[p >> 2];
      const m = this.ram;
      return m[p] | (m[p + 1] << 8) | (m[p + 2] << 16) | (m[p + 3] << 24);
    }
    return this.lrdSlow(lin >>> 0, 4, this.cpl === 3);
  }

  lwr8(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wrMask) === this.wrMask) {
      this.ram[(e & ~0xfff) | (lin & 0xfff)] = v;
      return;
    }
    this.lwrSlow(lin >>> 0, v, 1, this.cpl === 3);
  }

  lwr16(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wrMask) === this.wrMask && (lin & 0xfff) !== 0xfff) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      if (((p | this.ramWordBlock) & 1) === 0) {
        this.ram16[p >> 1] = v;
        return;
      }
      this.ram[p] = v;
      this.ram[p + 1] = v >> 8;
      return;
    }
    this.lwrSlow(lin >>> 0, v, 2, this.cpl === 3);
  }

  lwr32(lin: number, v: number): void {
    const e = this.tlb[lin >>> 12];
    if ((e & this.wrMask) === this.wrMask && (lin & 0xfff) <= 0xffc) {
      const p = (e & ~0xfff) | (lin & 0xfff);
      if (((p | this.ramWordBlock) & 3) === 0) {
        this.ram32[p >> 2] = v;
        return;
      }
      const m = this.ram;
      m[p] = v;
      m[p + 1] = v >> 8;
      m[p + 2] = v >> 16;
      m[p + 3] = v >> 24;
      return;
    }
    this.lwrSlow(lin >>> 0, v, 4, this.cpl === 3);
  }

  /** Linear read with explicit privilege (`user` false for descriptor tables, TSS, IDT). */
  lrdSlow(lin: number, size: number, user: boolean): number {
    if ((lin & 0xfff) + size > 0x1000) {
      // Straddles two pages: translate both before reading either.
      const p0 = translate(this, lin, false, user);
      const p1 = translate(this, (lin + size - 1) >>> 0, false, user);
      const first = 0x1000 - (lin & 0xfff);
      let v = 0;
      for (let k = 0; k < size; k++) {
        const p = k < first ? p0 + k : p1 - (size - 1) + k;
        v |= this.physRead(p, 1) << (8 * k);
      }
      return v;
    }
    return this.physRead(translate(this, lin, false, user), size);
  }

  lwrSlow(lin: number, v: number, size: number, user: boolean): void {
    if ((lin & 0xfff) + size > 0x1000) {
      const p0 = translate(this, lin, true, user);
      const p1 = translate(this, (lin + size - 1) >>> 0, true, user);
      const first = 0x1000 - (lin & 0xfff);
      for (let k = 0; k < size; k++) {
        const p = k < first ? p0 + k : p1 - (size - 1) + k;
        this.physWrite(p, (v >>> (8 * k)) & 0xff, 1);
      }
      return;
    }
    this.physWrite(translate(this, lin, true, user), v, size);
  }

  /** Supervisor-privilege linear accesses (system structures). */
  srd8(lin: number): number {
    return this.lrdSlow(lin >>> 0, 1, false);
  }
  srd16(lin: number): number {
    return this.lrdSlow(lin >>> 0, 2, false);
  }
  srd32(lin: number): number {
    return this.lrdSlow(lin >>> 0, 4, false);
  }
  swr8(lin: number, v: number): void {
    this.lwrSlow(lin >>> 0, v, 1, false);
  }
  swr16(lin: number, v: number): void {
    this.lwrSlow(lin >>> 0, v, 2, false);
  }
  swr32(lin: number, v: number): void {
    this.lwrSlow(lin >>> 0, v, 4, false);
  }

  // ---------------------------------------------------------------- physical memory

  /** Is physical page `page` plain RAM in direction bit (1 read, 2 write)? */
  ramPage(page: number, dir: number): boolean {
    if (page >= this.ram.length >>> 12) return false;
    const pf = this.bus.pageFlags;
    return pf === undefined || (pf[page] & dir) !== 0;
  }

  physRead(p: number, size: number): number {
    const m = this.ram;
    if (p + size <= m.length && this.ramPage(p >>> 12, 1)) {
      if (size === 1) return m[p];
      if (size === 2) return m[p] | (m[p + 1] << 8);
      return m[p] | (m[p + 1] << 8) | (m[p + 2] << 16) | (m[p + 3] << 24);
    }
    this.eventPending = true;
    const v = this.bus.readSlow(p, size as 1 | 2 | 4);
    return size === 4 ? v | 0 : v & (size === 1 ? 0xff : 0xffff);
  }

  physWrite(p: number, v: number, size: number): void {
    this.blocks.noteWrite(p, size);
    const m = this.ram;
    if (p + size <= m.length && this.ramPage(p >>> 12, 2)) {
      m[p] = v;
      if (size > 1) {
        m[p + 1] = v >> 8;
        if (size > 2) {
          m[p + 2] = v >> 16;
          m[p + 3] = v >> 24;
        }
      }
      return;
    }
    this.eventPending = true;
    this.bus.writeSlow(p, size === 4 ? v | 0 : v & (size === 1 ? 0xff : 0xffff), size as 1 | 2 | 4);
  }

  flushTlb(all: boolean): void {
    flushTlb(this, all);
  }

  // ---------------------------------------------------------------- instruction fetch (decoder)

  /** Physical address of the last byte `fetchCode` returned (for block bookkeeping). */
  lastFetchPhys = 0;

  /** Read a code byte at CS offset `off` (already wrapped to the code size). */
  fetchCode(off: number): number {
    if (this.level !== 86 && off > this.segLimit[CS]) this.gp(0);
    const lin = (this.segBase[CS] + off) >>> 0;
    const p = translate(this, lin, false, this.cpl === 3);
    this.lastFetchPhys = p;
    return this.physRead(p, 1);
  }

  // ---------------------------------------------------------------- stack

  push16(v: number): void {
    if (this.ss32) {
      const sp = (this.r32[4] - 2) >>> 0;
      this.wr16(SS, sp, v);
      this.r32[4] = sp;
    } else {
      const sp = (this.r16[8] - 2) & 0xffff;
      this.wr16(SS, sp, v);
      this.r16[8] = sp;
    }
  }

  push32(v: number): void {
    if (this.ss32) {
      const sp = (this.r32[4] - 4) >>> 0;
      this.wr32(SS, sp, v);
      this.r32[4] = sp;
    } else {
      const sp = (this.r16[8] - 4) & 0xffff;
      this.wr32(SS, sp, v);
      this.r16[8] = sp;
    }
  }

  pop16(): number {
    if (this.ss32) {
      const sp = this.r32[4] >>> 0;
      const v = this.rd16(SS, sp);
      this.r32[4] = sp + 2;
      return v;
    }
    const sp = this.r16[8];
    const v = this.rd16(SS, sp);
    this.r16[8] = sp + 2;
    return v;
  }

  pop32(): number {
    if (this.ss32) {
      const sp = this.r32[4] >>> 0;
      const v = this.rd32(SS, sp);
      this.r32[4] = sp + 4;
      return v;
    }
    const sp = this.r16[8];
    const v = this.rd32(SS, sp);
    this.r16[8] = sp + 4;
    return v;
  }

  /** Read the stack at SP + `k` without popping. */
  peek16(k: number): number {
    return this.ss32 ? this.rd16(SS, (this.r32[4] + k) >>> 0) : this.rd16(SS, (this.r16[8] + k) & 0xffff);
  }
  peek32(k: number): number {
    return this.ss32 ? this.rd32(SS, (this.r32[4] + k) >>> 0) : this.rd32(SS, (this.r16[8] + k) & 0xffff);
  }
  /** Add to the stack pointer in its width. */
  addSp(n: number): void {
    if (this.ss32) this.r32[4] = this.r32[4] + n;
    else this.r16[8] = this.r16[8] + n;
  }
  sp(): number {
    return this.ss32 ? this.r32[4] >>> 0 : this.r16[8];
  }
  setSp(v: number): void {
    if (this.ss32) this.r32[4] = v;
    else this.r16[8] = v;
  }

  // ---------------------------------------------------------------- lazy flags

  /** Record an arithmetic result whose six flags will be derived when asked for. */
  setLazy(op: number, sign: number, a: number, b: number, res: number): void {
    this.lzOp = op;
    this.lzSign = sign;
    this.lzA = a;
    this.lzB = b;
    this.lzRes = res;
    this.lzMask = ARITH;
  }

  /** Like setLazy but CF keeps its current value (INC, DEC). */
  setLazyKeepCF(op: number, sign: number, a: number, b: number, res: number): void {
    if (this.lzMask & CF) this.flags = (this.flags & ~CF) | this.getCF();
    this.lzOp = op;
    this.lzSign = sign;
    this.lzA = a;
    this.lzB = b;
    this.lzRes = res;
    this.lzMask = ARITH & ~CF;
  }

  /** Logical result: CF=OF=0, AF=0, SF/ZF/PF from the result. */
  setLogic(sign: number, res: number): void {
    this.lzOp = LAZY_LOGIC;
    this.lzSign = sign;
    this.lzRes = res;
    this.lzMask = ARITH;
  }

  getCF(): number {
    if ((this.lzMask & CF) === 0) return this.flags & CF;
    switch (this.lzOp) {
      case LAZY_ADD: return (this.lzRes >>> 0) < (this.lzA >>> 0) ? 1 : 0;
      case LAZY_ADC: return (this.lzRes >>> 0) <= (this.lzA >>> 0) ? 1 : 0;
      case LAZY_SUB: return (this.lzA >>> 0) < (this.lzB >>> 0) ? 1 : 0;
      case LAZY_SBB: return (this.lzA >>> 0) <= (this.lzB >>> 0) ? 1 : 0;
      default: return 0;
    }
  }

  getZF(): boolean {
    return (this.lzMask & ZF) !== 0 ? this.lzRes === 0 : (this.flags & ZF) !== 0;
  }

  getSF(): boolean {
    return (this.lzMask & SF) !== 0 ? (this.lzRes & this.lzSign) !== 0 : (this.flags & SF) !== 0;
  }

  getPF(): boolean {
    return (this.lzMask & PF) !== 0 ? PARITY[this.lzRes & 0xff] !== 0 : (this.flags & PF) !== 0;
  }

  getAF(): boolean {
    if ((this.lzMask & AF) === 0) return (this.flags & AF) !== 0;
    if (this.lzOp === LAZY_LOGIC) return false;
    return ((this.lzA ^ this.lzB ^ this.lzRes) & 0x10) !== 0;
  }

  getOF(): boolean {
    if ((this.lzMask & OF) === 0) return (this.flags & OF) !== 0;
    const a = this.lzA, b = this.lzB, r = this.lzRes;
    switch (this.lzOp) {
      case LAZY_ADD:
      case LAZY_ADC:
        return ((a ^ r) & (b ^ r) & this.lzSign) !== 0;
      case LAZY_SUB:
      case LAZY_SBB:
        return ((a ^ b) & (a ^ r) & this.lzSign) !== 0;
      default:
        return false;
    }
  }

  /** Full EFLAGS value. */
  getFlags(): number {
    const m = this.lzMask;
    if (m === 0) return this.flags;
    let f = this.flags & ~m;
    if (m & CF) f |= this.getCF();
    if (m & PF && this.getPF()) f |= PF;
    if (m & AF && this.getAF()) f |= AF;
    if (m & ZF && this.getZF()) f |= ZF;
    if (m & SF && this.getSF()) f |= SF;
    if (m & OF && this.getOF()) f |= OF;
    return f;
  }

  /** Set EFLAGS outright (bits the level has fixed are forced). */
  setFlags(v: number): void {
    this.eventPending = true;
    this.lzMask = 0;
    let f = (v & 0x3f7fd5) | 2;
    if (this.level === 86) f = (f & 0xfff) | 0xf000;
    else if (this.level === 286) f &= this.protectedMode() ? 0x7fff : 0x0fff;
    else if (this.level === 386) f &= ~(AC | ID | 0x1c0000);
    else if (this.level === 486) f &= ~(ID | 0x180000) | (this.cpuidFn ? ID : 0);
    this.flags = f;
  }

  /** Change some flag bits, leaving the others (and their laziness) alone. */
  putFlags(mask: number, value: number): void {
    this.flags = (this.flags & ~mask) | (value & mask);
    this.lzMask &= ~mask;
  }

  setCFOF(cf: boolean, of: boolean): void {
    this.flags = (this.flags & ~(CF | OF)) | (cf ? CF : 0) | (of ? OF : 0);
    this.lzMask &= ~(CF | OF);
  }

  /** Condition code 0-15 as in Jcc/SETcc/CMOVcc. */
  cond(cc: number): boolean {
    let r: boolean;
    switch (cc >> 1) {
      case 0: r = this.getOF(); break;
      case 1: r = this.getCF() !== 0; break;
      case 2: r = this.getZF(); break;
      case 3: r = this.getCF() !== 0 || this.getZF(); break;
      case 4: r = this.getSF(); break;
      case 5: r = this.getPF(); break;
      case 6: r = this.getSF() !== this.getOF(); break;
      default: r = this.getZF() || this.getSF() !== this.getOF(); break;
    }
    return (cc & 1) !== 0 ? !r : r;
  }

  // ---------------------------------------------------------------- run loop

  /**
   * Something may have changed what the run loop must look at between blocks
   * (IF, a device's interrupt line after port or MMIO I/O, HLT, a fault,
   * shutdown). Set by whoever changes it; cleared when the loop has looked.
   */
  eventPending = true;

  /**
   * Execute up to `maxInstructions` instructions (a REP string instruction
   * counts once per chunk of iterations). Returns why it stopped.
   */
  run(maxInstructions: number): RunExit {
    let done = 0;
    this.eventPending = true;
    for (;;) {
      if (this.eventPending) {
        this.eventPending = false;
        if (this.shutdownPending) return "shutdown";
        if (this.yieldPending) {
          this.yieldPending = false;
          this.eventPending = true;
          if (done > 0) return "budget";
        }
        if (this.smiPending && !this.inSmm) {
          // QEMU's x86_cpu_exec_interrupt: an SMI comes first and ignores the STI/MOV SS shadow.
          this.smiPending = false;
          smmEnter(this);
          this.eventPending = true;
          continue;
        }
        if (this.inhibitIrq) {
          // STI / MOV SS: one more instruction before interrupts are looked at.
          this.inhibitIrq = false;
          this.eventPending = true;
        } else if (this.nmiPending && !this.nmiBlocked) {
          this.nmiPending = false;
          this.halted = false;
          this.externalInterrupt(2, true);
          this.eventPending = true;
          continue;
        } else if ((this.flags & IF) !== 0 && this.bus.hasInterrupt()) {
          this.halted = false;
          this.externalInterrupt(this.bus.acknowledgeInterrupt() & 0xff, false);
          this.eventPending = true;
          continue;
        }
        if (this.halted) {
          this.eventPending = true;
          return "hlt";
        }
      }
      if (this.kick[0] !== 0) return "kick";
      if (done >= maxInstructions) return "budget";
      if ((this.flags & TF) !== 0) {
        // TF at the start of an instruction means a debug trap once it completes.
        const n = this.execBlocks(1);
        done += n;
        this.instructions += n;
        if (!this.faulted) {
          this.dr[6] |= 0x4000;
          this.externalInterruptVector(EXC_DB);
        }
        this.eventPending = true;
        continue;
      }
      const n = this.execBlocks(maxInstructions - done);
      done += n;
      this.instructions += n;
    }
  }

  /** The last execBlocks ended in a fault. */
  private faulted = false;

  private externalInterrupt(vec: number, nmi: boolean): void {
    if (nmi) this.nmiBlocked = true;
    this.externalInterruptVector(vec);
  }

  private externalInterruptVector(vec: number): void {
    try {
      deliverInterrupt(this, vec, INT_HW, -1);
    } catch (e) {
      if (e !== FAULT) throw e;
      handleFault(this);
    }
  }

  /**
   * Run decoded blocks from CS:EIP until `budget` instructions ran, an event
   * needs the outer loop, or a fault. Consecutive blocks are chained so a hot
   * loop skips the translation and cache lookup. Returns instructions run.
   */
  private execBlocks(budget: number): number {
    let done = 0;
    let k = -1;
    let b: Block | undefined;
    let start = this.eip;
    let mask = this.cs32 ? -1 : 0xffff;
    let prev: Block | undefined;
    this.faulted = false;
    let jitRunning = false;
    const cache = this.blocks;
    try {
      for (;;) {
        start = this.eip;
        mask = this.cs32 ? -1 : 0xffff;
        k = -1;
        b = undefined;
        const csBase = this.segBase[CS];
        if (
          prev !== undefined && prev.link !== undefined && prev.linkEip === start && prev.linkCsBase === csBase &&
          prev.linkEpoch === cache.epoch && prev.link.valid && prev.link.code32 === this.cs32
        ) {
          b = prev.link;
        } else {
          b = cache.lookup(start);
          if (prev !== undefined) {
            prev.link = b;
            prev.linkEip = start;
            prev.linkCsBase = csBase;
            prev.linkEpoch = cache.epoch;
          }
        }
        if (b.jit === undefined && this.jitThreshold >= 0 && !b.jitFailed && ++b.hits > this.jitThreshold) {
          this.compile(b, budget - done);
        }
        const f = b.jit;
        if (f !== undefined && budget - done >= (this.jitThreshold === 0 ? 1 : b.insns.length)) {
          jitRunning = true;
          done += f(this, budget - done);
          jitRunning = false;
          if (done >= budget || this.eventPending || this.kick[0] !== 0) return done;
          prev = b;
          continue;
        }
        const insns = b.insns;
        let n = insns.length;
        if (n > budget - done) n = budget - done;
        // Only the last instruction of a block can read EIP (everything that does ends a block),
        // so EIP is stored once per block rather than once per instruction.
        const last = n - 1;
        for (k = 0; k < last; k++) {
          const i = insns[k];
          i.h(this, i);
          if (!b.valid) {
            this.eip = ((start + i.next) & mask) >>> 0;
            done += k + 1;
            return done;
          }
        }
        const i = insns[last];
        this.eip = ((start + i.next) & mask) >>> 0;
        i.h(this, i);
        k = n;
        done += n;
        if (done >= budget || this.eventPending || this.kick[0] !== 0) return done;
        prev = b;
      }
    } catch (e) {
      if (e !== FAULT) throw e;
      this.faulted = true;
      if (jitRunning) {
        done += this.jitDone;
        k = this.jitK;
      }
      if (b !== undefined && k >= 0) {
        const i = b.insns[k];
        // The 8086 pushes the address after a dividing instruction; everyone else the faulting one.
        this.eip = this.level === 86 && this.excVec === 0 ? ((start + i.next) & mask) >>> 0 : ((start + i.delta) & mask) >>> 0;
      } else {
        this.eip = start;
      }
      handleFault(this);
      this.eventPending = true;
      return done + (k < 0 ? 1 : k + 1);
    }
  }

  /**
   * Compile block `b`. In "eager" mode only as many instructions as the budget
   * allows are compiled (the function then ends there, which is still correct
   * for any later run), so single-instruction tests compile one instruction.
   */
  private compile(b: Block, budget: number): void {
    const eager = this.jitMode === "eager";
    const insns = eager && budget < b.insns.length ? b.insns.slice(0, budget) : b.insns;
    try {
      b.jit = compileBlock(insns, b.code32, this.level, b, eager);
    } catch (e) {
      // A compiler bug must not stop the guest: the interpreter runs the block instead.
      b.jitFailed = true;
      jitStats.failed++;
      if (this.jitMode === "eager") throw e;
    }
  }

  /** Called by handlers of instructions that leave the processor halted. */
  halt(): void {
    this.halted = true;
    this.eventPending = true;
  }

  /** A segment load in real or virtual-8086 mode: the selector sets the base; real mode keeps the cached limit and attributes. */
  loadRealSeg(s: number, sel: number): void {
    if ((this.flags & VM) !== 0) {
      this.setSegCache(s, sel, sel << 4, 0xffff, (s === CS ? AR_REAL_CODE : AR_REAL_DATA) | 0x60);
      return;
    }
    this.segSel[s] = sel;
    this.segBase[s] = sel << 4;
  }

}
