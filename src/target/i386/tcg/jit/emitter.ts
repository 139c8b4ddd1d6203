/**
 * The state of one block being compiled to JavaScript source, and the
 * operand helpers the instruction emitters share.
 *
 * Conventions of the generated function `(c, budget) => instructions run`:
 *   r, w, y   the register file as Int32Array / Uint16Array / Uint8Array
 *   start     EIP at entry (a block may be entered at several EIPs for one physical address)
 *   done      instructions completed in earlier iterations of a self-loop
 *   k         index of the instruction that may fault next (read by the catch)
 *   t0, t1 …  temporaries, each assigned once per iteration
 *   H, I      the interpreter's handler and the decoded Insn of each instruction (fallback calls)
 *   B         the Block (its `valid` flag says whether a write hit the block's own code)
 *   P         the parity table
 */
import { R8 } from "../constants.js";
import type { Insn } from "../insn.js";
import { flushCode } from "./flags.js";
import type { Pending } from "./flags.js";

export type Width = 8 | 16 | 32;

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

  /** The current instruction may raise an exception from here on. */
  faultPoint(): void {
    this.events.push("R");
    if (this.catchCases.has(this.k)) return;
    this.out.push(`k = ${this.k};`);
    this.catchCases.set(this.k, this.flushText());
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
    return `{ ${this.flushText()} c.eip = ${this.nextEip()}; return ${this.doneExpr()}; }`;
  }

  /** After a memory write: if it hit this block's code, the rest of the block is stale. */
  afterWrite(): void {
    if (!this.last) this.out.push(`if (!B.valid) ${this.exitText()}`);
  }

  // ---------------------------------------------------------------- operands

  reg(width: Width, n: number): string {
    return width === 32 ? `r[${n}]` : width === 16 ? `w[${n << 1}]` : `y[${R8[n]}]`;
  }

  setReg(width: Width, n: number, v: string): void {
    this.out.push(`${this.reg(width, n)} = ${v};`);
  }

  /** The effective address of the memory operand, as an expression (not yet wrapped in a temp). */
  ea(): string {
    const i = this.i;
    const parts: string[] = [];
    if (i.base >= 0) parts.push(`r[${i.base}]`);
    if (i.index >= 0) parts.push(i.scale === 0 ? `r[${i.index}]` : `(r[${i.index}] << ${i.scale})`);
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
