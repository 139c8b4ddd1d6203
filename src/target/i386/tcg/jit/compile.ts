/**
 * The block compiler: turns a decoded block into one JavaScript function
 * (source text → `new Function`), specialised for what decoding already knows
 * (operand sizes, register or memory operands, immediates, which flags a later
 * instruction overwrites). Instructions without an emitter call their
 * interpreter handler, so every instruction works compiled; the interpreter
 * stays the reference (see X86Cpu's `jit` option).
 *
 * A block whose final branch jumps back to its own first instruction loops
 * inside the function until the budget is used up or an event needs the run
 * loop, which is where tight guest loops spend their time.
 */
import { PARITY } from "../constants.js";
import type { Insn } from "../insn.js";
import { isUndefinedInsn } from "../decode.js";
import type { X86Cpu } from "../cpu.js";
import { condExpr } from "./flags.js";
import { Emitter, RELOAD, WB } from "./emitter.js";
import { registerAluEmitters } from "./emit-alu.js";
import type { OpEmitter } from "./emit-alu.js";
import { registerMoveEmitters } from "./emit-move.js";

/**
 * A compiled block: runs from EIP = the block's start with at least as many
 * instructions of budget as the block has; returns instructions completed and
 * leaves EIP at the next one. On a fault it stores the faulting instruction's
 * index in `c.jitK` and the earlier iterations' count in `c.jitDone`, brings
 * the flags up to date, and rethrows.
 */
export type JitFn = (c: X86Cpu, budget: number) => number;

const EMITTERS: (OpEmitter | undefined)[] = new Array<OpEmitter | undefined>(512).fill(undefined);
registerAluEmitters(EMITTERS);
registerMoveEmitters(EMITTERS);
registerControlEmitters(EMITTERS);

/** How often the native emitters were used (for tests and profiling). */
export const jitStats = { blocks: 0, native: 0, fallback: 0, failed: 0 };

/** The factory source for a block: `(I, B, P) => JitFn`. */
export function blockSource(insns: Insn[], code32: boolean, level: number, stepExits: boolean): string {
  const x = new Emitter(insns, code32, level, stepExits);
  const n = insns.length;
  const consts: string[] = [];
  let exited = false;
  for (let k = 0; k < n; k++) {
    const i = insns[k];
    x.k = k;
    x.i = i;
    exited = false;
    const e = isUndefinedInsn(i) ? undefined : EMITTERS[i.op];
    const before = x.out.length;
    let native = e !== undefined && e(x);
    if (native && i.terminates && !x.exitedHere) {
      // A terminating instruction whose emitter did not leave the block: not ours to compile.
      x.out.length = before;
      native = false;
    }
    if (native) {
      jitStats.native++;
      exited = x.exitedHere;
      x.exitedHere = false;
    } else {
      jitStats.fallback++;
      consts.push(`const i${k} = I[${k}], h${k} = i${k}.h;`);
      x.fallbackPoint();
      if (x.last) {
        // Only a block's last instruction may read EIP; it sees the address after itself.
        x.emit(`c.eip = ${x.nextEip()};`);
        x.emit(`h${k}(c, i${k});`);
        x.emit(`return ${x.doneExpr()};`);
        exited = true;
      } else {
        x.emit(`h${k}(c, i${k});`);
        x.emit(RELOAD);
        x.emit(`if (!B.valid) ${x.exitText()}`);
      }
    }
    if (!exited && !x.last && stepExits) x.emit(`if (${x.doneExpr()} >= budget) ${x.exitText()}`);
  }
  if (!exited) {
    x.flush();
    x.emit(WB);
    x.emit(`c.eip = ${x.nextEip()};`);
    x.emit(`return done + ${n};`);
  }
  const temps: string[] = [];
  for (let t = 0; t < x.tempCount(); t++) temps.push(`t${t} = 0`);
  const cases = [...x.catchCases].map(([k, s]) => `case ${k}: ${s} break;`).join(" ");
  const used = [...x.used].sort();
  const wb = [...x.written].sort().map((n) => `r[${n}] = e${n};`).join(" ");
  const reload = used.map((n) => `e${n} = r[${n}];`).join(" ");
  const fill = (s: string): string => s.split(WB).join(wb).split(RELOAD).join(reload);
  return [
    `"use strict";`,
    ...consts,
    `return function block(c, budget) {`,
    `const r = c.r32, w = c.r16, y = c.r8;`,
    `const start = c.eip;`,
    `let k = -1, done = 0${temps.length > 0 ? ", " + temps.join(", ") : ""};`,
    used.length > 0 ? `let ${used.map((n) => `e${n} = r[${n}]`).join(", ")};` : "",
    `try { for (;;) {`,
    ...x.out.map(fill),
    `} } catch (e) { c.jitK = k; c.jitDone = done; switch (k) { ${fill(cases)} } throw e; }`,
    `};`,
  ].join("\n");
}

type Factory = (I: Insn[], B: { valid: boolean }, P: Uint8Array) => JitFn;

/** Compile `insns` (a block's) into a function. */
export function compileBlock(insns: Insn[], code32: boolean, level: number, block: { valid: boolean }, stepExits: boolean): JitFn {
  const src = blockSource(insns, code32, level, stepExits);
  // Blocks with the same instructions (code copied or re-decoded after a write) share one
  // factory, so V8 parses it once and its closures share type feedback and optimised code.
  let factory = FACTORIES.get(src);
  if (factory === undefined) {
    if (FACTORIES.size >= MAX_FACTORIES) FACTORIES.clear();
    // The source is generated here from decoded instructions, never from guest-controlled text.
    factory = new Function("I", "B", "P", src) as Factory;
    FACTORIES.set(src, factory);
  }
  jitStats.blocks++;
  return factory(insns, block, PARITY);
}

const FACTORIES = new Map<string, Factory>();
const MAX_FACTORIES = 8192;

// ---------------------------------------------------------------- control flow

/**
 * A relative branch taken when `cond` (an expression; "true" for JMP) holds.
 * It is always the block's last instruction.
 */
function branch(x: Emitter, cond: string): void {
  const i = x.i;
  const n = x.n;
  const self = x.code32 === i.o32 && i.next + i.imm === 0;
  const taken: string[] = [];
  if (self) {
    // Loop in place: EIP is already the target, CS's limit was checked when the block was looked up.
    const backFlush = x.events[0] === "W" && !x.stepExits ? "" : x.flushText();
    taken.push(
      `done += ${n};`,
      `if (done + ${n} > budget || c.eventPending || c.kick[0] !== 0 || !B.valid) { ${x.flushText()} ${WB} c.eip = start; return done; }`,
      backFlush,
      `continue;`,
    );
  } else {
    x.faultPoint();
    const t = x.t();
    const target = `(${x.nextEip()} + ${i.imm | 0})`;
    taken.push(`${t} = ${i.o32 ? `${target} >>> 0` : `${target} & 0xffff`};`);
    if (x.level !== 86) taken.push(`if (${t} > c.segLimit[1]) c.raise(13, 0);`);
    taken.push(x.flushText(), WB, `c.eip = ${t};`, `return done + ${n};`);
  }
  if (cond === "true") x.emit(taken.join("\n"));
  else {
    x.emit(`if (${cond}) {`);
    x.emit(taken.join("\n"));
    x.emit(`}`);
    x.emit(`${x.flushText()} ${WB} c.eip = ${x.nextEip()}; return done + ${n};`);
  }
  x.exitedHere = true;
}

function registerControlEmitters(e: (OpEmitter | undefined)[]): void {
  const jcc: OpEmitter = (x) => {
    x.readsFlags();
    branch(x, condExpr(x.pending, x.i.op & 15));
    return true;
  };
  for (let cc = 0; cc < 16; cc++) {
    e[0x70 + cc] = jcc;
    e[0x180 + cc] = jcc;
  }
  e[0xeb] = e[0xe9] = (x) => (branch(x, "true"), true);
  /** LOOP/LOOPZ/LOOPNZ: the count register follows the address size. */
  const loop = (zf: number): OpEmitter => (x) => {
    const t = x.t();
    const wd = x.i.a32 ? 32 : 16;
    x.emit(`${t} = (${x.reg(wd, 1)} - 1) ${wd === 32 ? "| 0" : "& 0xffff"};`);
    x.setReg(wd, 1, t);
    let cond = `${t} !== 0`;
    if (zf >= 0) {
      x.readsFlags();
      cond += ` && ${condExpr(x.pending, zf === 1 ? 4 : 5)}`;
    }
    branch(x, cond);
    return true;
  };
  e[0xe0] = loop(0);
  e[0xe1] = loop(1);
  e[0xe2] = loop(-1);
  e[0xe3] = (x) => (branch(x, `${x.reg(x.i.a32 ? 32 : 16, 1)} === 0`), true);
}
