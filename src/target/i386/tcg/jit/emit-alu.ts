/** Emitters for integer arithmetic: ADD..CMP, group 1, INC/DEC, TEST, and SHL/SHR/SAR by a constant. */
import { LAZY_ADD, LAZY_SUB } from "../cpu.js";
import { cfExpr } from "./flags.js";
import { Emitter, immOf, maskOf, signOf } from "./emitter.js";
import type { Width } from "./emitter.js";

export type OpEmitter = (x: Emitter) => boolean;

/**
 * ALU operation `kind` (ADD OR ADC SBB AND SUB XOR CMP) on values already in
 * temps or literals. Returns the result temp; `commit` records the flags and
 * must run after the result is stored (so a faulting store leaves them alone).
 */
function aluOp(x: Emitter, kind: number, width: Width, a: string, b: string): { res: string; commit: () => void } {
  const m = maskOf(width);
  const sign = signOf(width);
  const res = x.t();
  switch (kind) {
    case 0:
    case 5:
    case 7: {
      const op = kind === 0 ? LAZY_ADD : LAZY_SUB;
      x.emit(`${res} = (${a} ${kind === 0 ? "+" : "-"} ${b}) ${m};`);
      return { res, commit: () => x.setFlags({ kind: "arith", op, sign, a, b, res }) };
    }
    case 1:
    case 4:
    case 6: {
      const o = kind === 1 ? "|" : kind === 4 ? "&" : "^";
      x.emit(`${res} = ${a} ${o} ${b};`);
      return { res, commit: () => x.setFlags({ kind: "logic", sign, res }) };
    }
    default: {
      // ADC/SBB read CF, and which lazy operation describes the result depends on it at run time.
      x.readsFlags();
      const cf = x.t();
      x.emit(`${cf} = ${cfExpr(x.pending)} ? 1 : 0;`);
      const add = kind === 2;
      x.emit(`${res} = (${a} ${add ? "+" : "-"} ${b} ${add ? "+" : "-"} ${cf}) ${m};`);
      const base = add ? 0 : 2; // LAZY_ADD/LAZY_ADC, LAZY_SUB/LAZY_SBB
      return {
        res,
        commit: () => {
          x.emit(`c.lzOp = ${base} + ${cf}; c.lzSign = ${sign}; c.lzA = ${a}; c.lzB = ${b}; c.lzRes = ${res}; c.lzMask = 2261;`);
          x.pending = null;
        },
      };
    }
  }
}

/** A value in a temp (or a literal left as is). */
function snap(x: Emitter, v: string): string {
  if (/^-?\d+$/.test(v)) return v;
  const t = x.t();
  x.emit(`${t} = ${v};`);
  return t;
}

/** dst = dst OP src, where dst is the r/m operand (memory or register) and src an expression. */
function aluRm(x: Emitter, kind: number, width: Width, src: string): void {
  const i = x.i;
  if (i.mod === 3) {
    const a = snap(x, x.reg(width, i.rm));
    const b = snap(x, src);
    const { res, commit } = aluOp(x, kind, width, a, b);
    if (kind !== 7) x.setReg(width, i.rm, res);
    commit();
    return;
  }
  const b = snap(x, src);
  x.faultPoint();
  const off = x.eaTemp();
  const a = snap(x, x.read(width, off));
  const { res, commit } = aluOp(x, kind, width, a, b);
  if (kind !== 7) x.write(width, off, res);
  commit();
  if (kind !== 7) x.afterWrite();
}

/** reg = reg OP r/m. */
function aluReg(x: Emitter, kind: number, width: Width, reg: number): void {
  const i = x.i;
  let b: string;
  if (i.mod === 3) b = snap(x, x.reg(width, i.rm));
  else {
    x.faultPoint();
    b = snap(x, x.read(width, x.ea()));
  }
  const a = snap(x, x.reg(width, reg));
  const { res, commit } = aluOp(x, kind, width, a, b);
  if (kind !== 7) x.setReg(width, reg, res);
  commit();
}

function makeAlu(kind: number, form: number): OpEmitter {
  return (x) => {
    const i = x.i;
    switch (form) {
      case 0: aluRm(x, kind, 8, x.reg(8, i.reg)); return true;
      case 1: aluRm(x, kind, x.vWidth(), x.reg(x.vWidth(), i.reg)); return true;
      case 2: aluReg(x, kind, 8, i.reg); return true;
      case 3: aluReg(x, kind, x.vWidth(), i.reg); return true;
      case 4: {
        const a = snap(x, x.reg(8, 0));
        const { res, commit } = aluOp(x, kind, 8, a, immOf(8, i.imm));
        if (kind !== 7) x.setReg(8, 0, res);
        commit();
        return true;
      }
      default: {
        const wd = x.vWidth();
        const a = snap(x, x.reg(wd, 0));
        const { res, commit } = aluOp(x, kind, wd, a, immOf(wd, i.imm));
        if (kind !== 7) x.setReg(wd, 0, res);
        commit();
        return true;
      }
    }
  };
}

/** Group 1 (80-83): the ALU operation is the reg field. */
const grp1 = (byte: boolean): OpEmitter => (x) => {
  const wd: Width = byte ? 8 : x.vWidth();
  aluRm(x, x.i.reg, wd, immOf(wd, x.i.imm));
  return true;
};

function incDec(x: Emitter, width: Width, isDec: boolean, rm: boolean): void {
  const i = x.i;
  const p = x.pending;
  // CF survives: carry forward an expression for it (or "whatever the CPU object says").
  const cf = p === null ? null : cfExpr(p);
  const sign = signOf(width);
  const op = isDec ? LAZY_SUB : LAZY_ADD;
  const res = x.t();
  if (!rm || i.mod === 3) {
    const n = rm ? i.rm : i.op & 7;
    const a = snap(x, x.reg(width, n));
    x.emit(`${res} = (${a} ${isDec ? "-" : "+"} 1) ${maskOf(width)};`);
    x.setReg(width, n, res);
    x.setFlags({ kind: "incdec", op, sign, a, res, cf });
    return;
  }
  x.faultPoint();
  const off = x.eaTemp();
  const a = snap(x, x.read(width, off));
  x.emit(`${res} = (${a} ${isDec ? "-" : "+"} 1) ${maskOf(width)};`);
  x.write(width, off, res);
  x.setFlags({ kind: "incdec", op, sign, a, res, cf });
  x.afterWrite();
}

function test(x: Emitter, width: Width, src: string): void {
  const i = x.i;
  let a: string;
  if (i.mod === 3) a = snap(x, x.reg(width, i.rm));
  else {
    x.faultPoint();
    a = snap(x, x.read(width, x.ea()));
  }
  const b = snap(x, src);
  aluOp(x, 4, width, a, b).commit();
}

/** SHL/SHR/SAR by a constant count that is non-zero and below the width. */
function shiftConst(x: Emitter, width: Width, count: number): boolean {
  const i = x.i;
  let kind = i.reg;
  if (kind === 6) kind = 4; // another SHL from the 186 on
  if (kind < 4 || count === 0 || count >= width || x.level < 386) return false;
  let off = "";
  let a: string;
  if (i.mod === 3) a = snap(x, x.reg(width, i.rm));
  else {
    x.faultPoint();
    off = x.eaTemp();
    a = snap(x, x.read(width, off));
  }
  const res = x.t();
  const cfof = x.t();
  const sign = signOf(width);
  const top = width - 1;
  if (kind === 4) {
    x.emit(`${res} = (${a} << ${count}) ${maskOf(width)};`);
    x.emit(`${cfof} = (${a} >>> ${width - count}) & 1;`);
    x.emit(`${cfof} |= (((${res} >>> ${top}) & 1) ^ ${cfof}) << 11;`);
  } else if (kind === 5) {
    x.emit(`${res} = (${a} >>> ${count}) ${width === 32 ? "| 0" : ""};`);
    x.emit(`${cfof} = ((${a} >>> ${count - 1}) & 1) | (((${a} >>> ${top}) & 1) << 11);`);
  } else {
    const sv = width === 32 ? a : `((${a} << ${32 - width}) >> ${32 - width})`;
    x.emit(`${res} = (${sv} >> ${count}) ${maskOf(width)};`);
    x.emit(`${cfof} = (${sv} >> ${count - 1}) & 1;`);
  }
  if (i.mod === 3) x.setReg(width, i.rm, res);
  else x.write(width, off, res);
  x.setFlags({ kind: "shift", sign, res, cfof });
  if (i.mod !== 3) x.afterWrite();
  return true;
}

export function registerAluEmitters(e: (OpEmitter | undefined)[]): void {
  for (let kind = 0; kind < 8; kind++) {
    for (let form = 0; form < 6; form++) e[(kind << 3) + form] = makeAlu(kind, form);
  }
  e[0x80] = e[0x82] = grp1(true);
  e[0x81] = e[0x83] = grp1(false);
  for (let r = 0; r < 8; r++) {
    e[0x40 + r] = (x) => (incDec(x, x.vWidth(), false, false), true);
    e[0x48 + r] = (x) => (incDec(x, x.vWidth(), true, false), true);
  }
  e[0xfe] = (x) => {
    if (x.i.reg > 1) return false;
    incDec(x, 8, x.i.reg === 1, true);
    return true;
  };
  e[0x84] = (x) => (test(x, 8, x.reg(8, x.i.reg)), true);
  e[0x85] = (x) => (test(x, x.vWidth(), x.reg(x.vWidth(), x.i.reg)), true);
  e[0xa8] = (x) => (aluOp(x, 4, 8, snap(x, x.reg(8, 0)), immOf(8, x.i.imm)).commit(), true);
  e[0xa9] = (x) => (aluOp(x, 4, x.vWidth(), snap(x, x.reg(x.vWidth(), 0)), immOf(x.vWidth(), x.i.imm)).commit(), true);
  e[0xf6] = (x) => {
    if (x.i.reg !== 0) return false;
    test(x, 8, immOf(8, x.i.imm));
    return true;
  };
  e[0xc0] = (x) => shiftConst(x, 8, x.i.imm & 31);
  e[0xc1] = (x) => shiftConst(x, x.vWidth(), x.i.imm & 31);
  e[0xd0] = (x) => shiftConst(x, 8, 1);
  e[0xd1] = (x) => shiftConst(x, x.vWidth(), 1);
}

/** FF /0 /1 and F7 /0 live in the move table's group handlers; exported for it. */
export function emitGrp5IncDec(x: Emitter): boolean {
  if (x.i.reg > 1) return false;
  incDec(x, x.vWidth(), x.i.reg === 1, true);
  return true;
}

export function emitGrp3Test(x: Emitter): boolean {
  if (x.i.reg !== 0) return false;
  test(x, x.vWidth(), immOf(x.vWidth(), x.i.imm));
  return true;
}
