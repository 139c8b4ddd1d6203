/**
 * The state of one block being compiled to JavaScript source, and the
 * operand helpers the instruction emitters share.
 *
 * Conventions of the generated function `(c, budget) => instructions run`:
 *   e0 … e7   the general registers the block uses, in locals (not ESP, which the
 *             stack helpers use in place); loaded at entry, written back to `r`
 *             at every exit, before an interpreter fallback (and reloaded after
 *             it) and when native code faults (markers WB / RELOAD, filled in
 *             once the block is done, when the sets are known)
 *   r, w, y   the register file as Int32Array / Uint16Array / Uint8Array
 *   start     EIP at entry (a block may be entered at several EIPs for one physical address)
 *   done      instructions completed in earlier iterations of a self-loop
 *   k         index of the instruction that may fault next (read by the catch)
 *   t0, t1 …  temporaries, each assigned once per iteration
 *   H, I      the interpreter's handler and the decoded Insn of each instruction (fallback calls)
 *   B         the Block (its `valid` flag says whether a write hit the block's own code)
 *   P         the parity table
 */
import type { Insn } from "../insn.js";
import { flushCode } from "./flags.js";
import type { Pending } from "./flags.js";

export type Width = 8 | 16 | 32;

/** Placeholders in the generated text for "write back dirty registers" and "reload registers". */
export const WB = "/*WB*/";
export const RELOAD = "/*RELOAD*/";

export class Emitter {
  readonly out: string[] = [];
  pending: Pending | null = null;
  /** Flag events in order: "W" a full flag write, "R" anything that may observe flags (read, fault, call). */
  readonly events: ("W" | "R")[] = [];
  /** catch-clause cases: statements that flush the flags pending at each fault point. */
  readonly catchCases = new Map<number, string>();
  private temps = 0;
  /** Index and decoded form of the instruction being emitted. */
  k = 0;
  i!: Insn;
  /** Instructions in the block. */
  readonly n: number;
  /** Set by an emitter that generated the block's exits itself (branches). */
  exitedHere = false;
  /** Registers (0-7, not 4) held in locals, and those written. */
  readonly used = new Set<number>();
  readonly written = new Set<number>();

  constructor(
    readonly insns: Insn[],
    readonly code32: boolean,
    readonly level: number,
    /** Leave after every instruction once the budget is used up (tests run single instructions this way). */
    readonly stepExits: boolean,
  ) {
    this.n = insns.length;
  }

  get last(): boolean {
    return this.k === this.n - 1;
  }

  /** A fresh temporary. */
  t(): string {
    return `t${this.temps++}`;
  }

  tempCount(): number {
    return this.temps;
  }

  emit(s: string): void {
    this.out.push(s);
  }

  /** Write the pending flags to the CPU object (in straight-line code). */
  flush(): void {
    if (this.pending !== null) {
      this.out.push(flushCode(this.pending));
      this.pending = null;
    }
  }

  /** The flush statements for the current pending flags, without forgetting them (for side exits). */
  flushText(): string {
    return this.pending === null ? "" : flushCode(this.pending);
  }

  /** The current instruction may raise an exception from here on (native code: registers are in locals). */
  faultPoint(): void {
    this.events.push("R");
    if (this.catchCases.has(this.k)) return;
    this.out.push(`k = ${this.k};`);
    this.catchCases.set(this.k, `${this.flushText()} ${WB}`);
  }

  /**
   * An interpreter handler is about to run: flags and registers are written
   * back first, and if it faults its own register changes stand (a REP string
   * instruction stops part way), so the catch must not write locals back.
   */
  fallbackPoint(): void {
    this.flush();
    this.events.push("R");
    this.out.push(WB, `k = ${this.k};`);
    this.catchCases.set(this.k, "");
  }

  /** Flags are read by generated code. */
  readsFlags(): void {
    this.events.push("R");
  }

  /** The instruction sets flags as `p` describes. */
  setFlags(p: Pending): void {
    this.events.push(p.kind === "incdec" ? "R" : "W");
    this.pending = p;
  }

  /** EIP of the instruction after the current one, as an expression. */
  nextEip(): string {
    return this.eipExpr(this.i.next);
  }

  eipExpr(delta: number): string {
    return this.code32 ? `((start + ${delta}) >>> 0)` : `((start + ${delta}) & 0xffff)`;
  }

  /** Instructions completed once the current one has. */
  doneExpr(): string {
    return `done + ${this.k + 1}`;
  }

  /** Statements leaving the block after the current instruction (flags flushed, EIP set). */
  exitText(): string {
    return `{ ${this.flushText()} ${WB} c.eip = ${this.nextEip()}; return ${this.doneExpr()}; }`;
  }

  /** After a memory write: if it hit this block's code, the rest of the block is stale. */
  afterWrite(): void {
    if (!this.last) this.out.push(`if (!B.valid) ${this.exitText()}`);
  }

  // ---------------------------------------------------------------- operands

  /** Register `n` of `width` as an expression (8-bit numbers 4-7 are AH CH DH BH). */
  reg(width: Width, n: number): string {
    if (width === 8) {
      const l = this.local(n & 3);
      return n < 4 ? `(${l} & 0xff)` : `((${l} >> 8) & 0xff)`;
    }
    if (n === 4) return width === 32 ? "r[4]" : "w[8]";
    const l = this.local(n);
    return width === 32 ? l : `(${l} & 0xffff)`;
  }

  setReg(width: Width, n: number, v: string): void {
    this.out.push(this.setRegText(width, n, v));
  }

  /** The statement that stores `v` (an expression, taken modulo the width) into register `n`. */
  setRegText(width: Width, n: number, v: string): string {
    if (width === 8) {
      const l = this.local(n & 3, true);
      return n < 4 ? `${l} = (${l} & -256) | ((${v}) & 0xff);` : `${l} = (${l} & -65281) | (((${v}) & 0xff) << 8);`;
    }
    if (n === 4) return width === 32 ? `r[4] = ${v};` : `w[8] = ${v};`;
    const l = this.local(n, true);
    return width === 32 ? `${l} = (${v}) | 0;` : `${l} = (${l} & -65536) | ((${v}) & 0xffff);`;
  }

  private local(n: number, write = false): string {
    this.used.add(n);
    if (write) this.written.add(n);
    return `e${n}`;
  }

  /** The effective address of the memory operand, as an expression (not yet wrapped in a temp). */
  ea(): string {
    const i = this.i;
    const parts: string[] = [];
    if (i.base >= 0) parts.push(this.reg(32, i.base));
    if (i.index >= 0) parts.push(i.scale === 0 ? this.reg(32, i.index) : `(${this.reg(32, i.index)} << ${i.scale})`);
    if (parts.length === 0) return String(i.a32 ? i.disp >>> 0 : i.disp & 0xffff);
    if (i.disp !== 0) parts.unshift(String(i.disp | 0));
    return i.a32 ? `((${parts.join(" + ")}) >>> 0)` : `((${parts.join(" + ")}) & 0xffff)`;
  }

  /** Evaluate the effective address into a temp. */
  eaTemp(): string {
    const off = this.t();
    this.out.push(`${off} = ${this.ea()};`);
    return off;
  }

  read(width: Width, off: string): string {
    return `c.rd${width}(${this.i.seg}, ${off})`;
  }

  write(width: Width, off: string, v: string): void {
    this.out.push(`c.wr${width}(${this.i.seg}, ${off}, ${v});`);
  }

  /** Operand width of a "v" (word/dword) operand. */
  vWidth(): Width {
    return this.i.o32 ? 32 : 16;
  }
}

export function maskOf(width: Width): string {
  return width === 32 ? "| 0" : width === 16 ? "& 0xffff" : "& 0xff";
}

export function signOf(width: Width): number {
  return width === 32 ? -2147483648 : width === 16 ? 0x8000 : 0x80;
}

/** An immediate as the interpreter sees it at this width. */
export function immOf(width: Width, imm: number): string {
  return String(width === 32 ? imm | 0 : width === 16 ? imm & 0xffff : imm & 0xff);
}
