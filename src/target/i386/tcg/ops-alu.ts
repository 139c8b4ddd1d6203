/** Integer arithmetic and logic: ADD..CMP, INC/DEC, TEST/NOT/NEG, shifts and rotates. */
import type { X86Cpu } from "./cpu.js";
import { LAZY_ADC, LAZY_ADD, LAZY_SBB, LAZY_SUB } from "./cpu.js";
import { AF, CF, OF, R8 } from "./constants.js";
import type { Handler, Insn } from "./insn.js";
import { ea, getRM16, getRM32, getRM8, MASK16, MASK32, MASK8, SIGN16, SIGN32, SIGN8 } from "./operands.js";

/** The eight ALU operations of opcodes 00-3F and group 1: ADD OR ADC SBB AND SUB XOR CMP. */
export function alu(c: X86Cpu, kind: number, a: number, b: number, sign: number, mask: number): number {
  let r: number;
  switch (kind) {
    case 0:
      r = (a + b) & mask;
      c.setLazy(LAZY_ADD, sign, a, b, r);
      return r;
    case 1:
      r = (a | b) & mask;
      c.setLogic(sign, r);
      return r;
    case 2: {
      const cf = c.getCF();
      r = (a + b + cf) & mask;
      c.setLazy(cf ? LAZY_ADC : LAZY_ADD, sign, a, b, r);
      return r;
    }
    case 3: {
      const cf = c.getCF();
      r = (a - b - cf) & mask;
      c.setLazy(cf ? LAZY_SBB : LAZY_SUB, sign, a, b, r);
      return r;
    }
    case 4:
      r = a & b & mask;
      c.setLogic(sign, r);
      return r;
    case 6:
      r = (a ^ b) & mask;
      c.setLogic(sign, r);
      return r;
    default:
      r = (a - b) & mask;
      c.setLazy(LAZY_SUB, sign, a, b, r);
      return r;
  }
}

// 00-3F forms: op & 7 = 0 Eb,Gb  1 Ev,Gv  2 Gb,Eb  3 Gv,Ev  4 AL,Ib  5 eAX,Iz; kind = op >> 3.
// Each (form, kind) pair gets its own closure so the engine can specialise `alu` for a constant kind.
function makeEbGb(k: number): Handler {
  return (c, i) => {
    const b = c.r8[R8[i.reg]];
    if (i.mod === 3) {
      const d = R8[i.rm];
      const r = alu(c, k, c.r8[d], b, SIGN8, MASK8);
      if (k !== 7) c.r8[d] = r;
    } else {
      const off = ea(c, i);
      const r = alu(c, k, c.rd8(i.seg, off), b, SIGN8, MASK8);
      if (k !== 7) c.wr8(i.seg, off, r);
    }
  };
}
function makeEvGv(k: number): Handler {
  return (c, i) => {
    if (i.o32) {
      const b = c.r32[i.reg];
      if (i.mod === 3) {
        const r = alu(c, k, c.r32[i.rm], b, SIGN32, MASK32);
        if (k !== 7) c.r32[i.rm] = r;
      } else {
        const off = ea(c, i);
        const r = alu(c, k, c.rd32(i.seg, off), b, SIGN32, MASK32);
        if (k !== 7) c.wr32(i.seg, off, r);
      }
    } else {
      const b = c.r16[i.reg << 1];
      if (i.mod === 3) {
        const r = alu(c, k, c.r16[i.rm << 1], b, SIGN16, MASK16);
        if (k !== 7) c.r16[i.rm << 1] = r;
      } else {
        const off = ea(c, i);
        const r = alu(c, k, c.rd16(i.seg, off), b, SIGN16, MASK16);
        if (k !== 7) c.wr16(i.seg, off, r);
      }
    }
  };
}
function makeGbEb(k: number): Handler {
  return (c, i) => {
    const d = R8[i.reg];
    const r = alu(c, k, c.r8[d], getRM8(c, i), SIGN8, MASK8);
    if (k !== 7) c.r8[d] = r;
  };
}
function makeGvEv(k: number): Handler {
  return (c, i) => {
    if (i.o32) {
      const r = alu(c, k, c.r32[i.reg], getRM32(c, i), SIGN32, MASK32);
      if (k !== 7) c.r32[i.reg] = r;
    } else {
      const r = alu(c, k, c.r16[i.reg << 1], getRM16(c, i), SIGN16, MASK16);
      if (k !== 7) c.r16[i.reg << 1] = r;
    }
  };
}
function makeALIb(k: number): Handler {
  return (c, i) => {
    const r = alu(c, k, c.r8[0], i.imm & 0xff, SIGN8, MASK8);
    if (k !== 7) c.r8[0] = r;
  };
}
function makeAXIz(k: number): Handler {
  return (c, i) => {
    if (i.o32) {
      const r = alu(c, k, c.r32[0], i.imm | 0, SIGN32, MASK32);
      if (k !== 7) c.r32[0] = r;
    } else {
      const r = alu(c, k, c.r16[0], i.imm & 0xffff, SIGN16, MASK16);
      if (k !== 7) c.r16[0] = r;
    }
  };
}

/** Group 1 (80 81 82 83): ALU op `reg` with an immediate; one handler per (width, op), chosen by the decoder. */
function makeGrp1Eb(k: number): Handler {
  return (c, i) => {
    if (i.mod === 3) {
      const d = R8[i.rm];
      const r = alu(c, k, c.r8[d], i.imm & 0xff, SIGN8, MASK8);
      if (k !== 7) c.r8[d] = r;
    } else {
      const off = ea(c, i);
      const r = alu(c, k, c.rd8(i.seg, off), i.imm & 0xff, SIGN8, MASK8);
      if (k !== 7) c.wr8(i.seg, off, r);
    }
  };
}
function makeGrp1Ev(k: number): Handler {
  return (c, i) => {
    if (i.o32) {
      if (i.mod === 3) {
        const r = alu(c, k, c.r32[i.rm], i.imm | 0, SIGN32, MASK32);
        if (k !== 7) c.r32[i.rm] = r;
      } else {
        const off = ea(c, i);
        const r = alu(c, k, c.rd32(i.seg, off), i.imm | 0, SIGN32, MASK32);
        if (k !== 7) c.wr32(i.seg, off, r);
      }
    } else if (i.mod === 3) {
      const r = alu(c, k, c.r16[i.rm << 1], i.imm & 0xffff, SIGN16, MASK16);
      if (k !== 7) c.r16[i.rm << 1] = r;
    } else {
      const off = ea(c, i);
      const r = alu(c, k, c.rd16(i.seg, off), i.imm & 0xffff, SIGN16, MASK16);
      if (k !== 7) c.wr16(i.seg, off, r);
    }
  };
}
export const GRP1_EB: Handler[] = [0, 1, 2, 3, 4, 5, 6, 7].map(makeGrp1Eb);
export const GRP1_EV: Handler[] = [0, 1, 2, 3, 4, 5, 6, 7].map(makeGrp1Ev);
const grp1Eb: Handler = (c, i) => GRP1_EB[i.reg](c, i);
const grp1Ev: Handler = (c, i) => GRP1_EV[i.reg](c, i);

// INC/DEC: CF is kept.
function inc(c: X86Cpu, a: number, sign: number, mask: number): number {
  const r = (a + 1) & mask;
  c.setLazyKeepCF(LAZY_ADD, sign, a, 1, r);
  return r;
}
function dec(c: X86Cpu, a: number, sign: number, mask: number): number {
  const r = (a - 1) & mask;
  c.setLazyKeepCF(LAZY_SUB, sign, a, 1, r);
  return r;
}
const incReg: Handler = (c, i) => {
  const r = i.op & 7;
  if (i.o32) c.r32[r] = inc(c, c.r32[r], SIGN32, MASK32);
  else c.r16[r << 1] = inc(c, c.r16[r << 1], SIGN16, MASK16);
};
const decReg: Handler = (c, i) => {
  const r = i.op & 7;
  if (i.o32) c.r32[r] = dec(c, c.r32[r], SIGN32, MASK32);
  else c.r16[r << 1] = dec(c, c.r16[r << 1], SIGN16, MASK16);
};

/** INC/DEC of a memory or register operand (FE /0 /1, FF /0 /1). */
export function incDecRM(c: X86Cpu, i: Insn, byte: boolean, isDec: boolean): void {
  const f = isDec ? dec : inc;
  if (byte) {
    if (i.mod === 3) c.r8[R8[i.rm]] = f(c, c.r8[R8[i.rm]], SIGN8, MASK8);
    else {
      const off = ea(c, i);
      c.wr8(i.seg, off, f(c, c.rd8(i.seg, off), SIGN8, MASK8));
    }
  } else if (i.o32) {
    if (i.mod === 3) c.r32[i.rm] = f(c, c.r32[i.rm], SIGN32, MASK32);
    else {
      const off = ea(c, i);
      c.wr32(i.seg, off, f(c, c.rd32(i.seg, off), SIGN32, MASK32));
    }
  } else if (i.mod === 3) c.r16[i.rm << 1] = f(c, c.r16[i.rm << 1], SIGN16, MASK16);
  else {
    const off = ea(c, i);
    c.wr16(i.seg, off, f(c, c.rd16(i.seg, off), SIGN16, MASK16));
  }
}

// TEST
const testEbGb: Handler = (c, i) => c.setLogic(SIGN8, getRM8(c, i) & c.r8[R8[i.reg]]);
const testEvGv: Handler = (c, i) => {
  if (i.o32) c.setLogic(SIGN32, getRM32(c, i) & c.r32[i.reg]);
  else c.setLogic(SIGN16, getRM16(c, i) & c.r16[i.reg << 1]);
};
const testALIb: Handler = (c, i) => c.setLogic(SIGN8, c.r8[0] & i.imm);
const testAXIz: Handler = (c, i) => {
  if (i.o32) c.setLogic(SIGN32, c.r32[0] & i.imm);
  else c.setLogic(SIGN16, c.r16[0] & i.imm & 0xffff);
};

// ---------------------------------------------------------------- shifts and rotates

/**
 * Shift/rotate `v` (unsigned, `bits` wide) by `count` (already masked as the
 * CPU level does) with group-2 operation `kind`. Returns the result; sets flags.
 */
export function shift(c: X86Cpu, kind: number, v: number, count: number, bits: number): number {
  const mask = bits === 32 ? -1 : (1 << bits) - 1;
  const sign = bits === 32 ? SIGN32 : 1 << (bits - 1);
  v = bits === 32 ? v >>> 0 : v & mask;
  let r: number, cf: number, of: boolean;
  if (kind === 6) {
    if (c.level === 86) {
      // SETMO / SETMOC: the operand becomes all ones.
      c.setLogic(sign, mask);
      return mask;
    }
    kind = 4; // on the 186 and later /6 is another SHL
  }
  switch (kind) {
    case 0: { // ROL
      const n = count % bits;
      r = n === 0 ? v : ((v << n) | (v >>> (bits - n))) & mask;
      cf = r & 1;
      of = ((r & sign) !== 0) !== (cf !== 0);
      c.setCFOF(cf !== 0, of);
      return r;
    }
    case 1: { // ROR
      const n = count % bits;
      r = n === 0 ? v : ((v >>> n) | (v << (bits - n))) & mask;
      cf = (r & sign) !== 0 ? 1 : 0;
      of = ((r & sign) !== 0) !== ((r & (sign >>> 1)) !== 0);
      c.setCFOF(cf !== 0, of);
      return r;
    }
    case 2: { // RCL
      cf = c.getCF();
      r = v;
      const n = bits === 32 ? count : count % (bits + 1);
      for (let k = 0; k < n; k++) {
        const out = (r & sign) !== 0 ? 1 : 0;
        r = ((r << 1) | cf) & mask;
        cf = out;
      }
      of = ((r & sign) !== 0) !== (cf !== 0);
      c.setCFOF(cf !== 0, of);
      return r;
    }
    case 3: { // RCR
      cf = c.getCF();
      r = bits === 32 ? v | 0 : v;
      const n = bits === 32 ? count : count % (bits + 1);
      for (let k = 0; k < n; k++) {
        const out = r & 1;
        r = ((r >>> 1) | (cf ? sign : 0)) & mask;
        cf = out;
      }
      of = ((r & sign) !== 0) !== ((r & (sign >>> 1)) !== 0);
      c.setCFOF(cf !== 0, of);
      return r;
    }
    case 4: { // SHL
      r = count >= 32 ? 0 : (v << count) & mask;
      cf = count <= bits ? (v >>> (bits - count)) & 1 : 0;
      of = ((r & sign) !== 0) !== (cf !== 0);
      c.setLogic(sign, r);
      c.putFlags(CF | OF | AF, (cf ? CF : 0) | (of ? OF : 0));
      return r;
    }
    case 5: { // SHR
      r = count >= bits ? 0 : v >>> count;
      cf = count <= bits ? (v >>> (count - 1)) & 1 : 0;
      if (bits === 32) r |= 0;
      // OF is the operand's old sign for a one-bit shift; the 286 clears it for longer ones.
      of = count === 1 || c.level !== 286 ? (v & sign) !== 0 : false;
      c.setLogic(sign, r);
      c.putFlags(CF | OF | AF, (cf ? CF : 0) | (of ? OF : 0));
      return r;
    }
    default: { // SAR
      const sv = bits === 32 ? v | 0 : (v << (32 - bits)) >> (32 - bits);
      const n = count >= bits ? bits - 1 : count;
      r = (sv >> n) & mask;
      cf = count >= bits ? (sv < 0 ? 1 : 0) : (sv >> (count - 1)) & 1;
      c.setLogic(sign, r);
      c.putFlags(CF | OF | AF, cf ? CF : 0);
      return r;
    }
  }
}

/** Mask a shift count as the CPU level does (the 8086 uses all of CL, later CPUs the low five bits). */
export function shiftCount(c: X86Cpu, n: number): number {
  return c.level === 86 ? n & 0xff : n & 31;
}

function grp2(c: X86Cpu, i: Insn, count: number, byte: boolean): void {
  count = shiftCount(c, count);
  if (count === 0) {
    // Nothing changes, but a memory operand is still read (and must be accessible).
    if (i.mod !== 3) {
      if (byte) c.rd8(i.seg, ea(c, i));
      else if (i.o32) c.rd32(i.seg, ea(c, i));
      else c.rd16(i.seg, ea(c, i));
    }
    return;
  }
  if (byte) {
    if (i.mod === 3) c.r8[R8[i.rm]] = shift(c, i.reg, c.r8[R8[i.rm]], count, 8);
    else {
      const off = ea(c, i);
      c.wr8(i.seg, off, shift(c, i.reg, c.rd8(i.seg, off), count, 8));
    }
  } else if (i.o32) {
    if (i.mod === 3) c.r32[i.rm] = shift(c, i.reg, c.r32[i.rm], count, 32);
    else {
      const off = ea(c, i);
      c.wr32(i.seg, off, shift(c, i.reg, c.rd32(i.seg, off), count, 32));
    }
  } else if (i.mod === 3) c.r16[i.rm << 1] = shift(c, i.reg, c.r16[i.rm << 1], count, 16);
  else {
    const off = ea(c, i);
    c.wr16(i.seg, off, shift(c, i.reg, c.rd16(i.seg, off), count, 16));
  }
}

const grp2EbIb: Handler = (c, i) => grp2(c, i, i.imm & 0xff, true);
const grp2EvIb: Handler = (c, i) => grp2(c, i, i.imm & 0xff, false);
const grp2Eb1: Handler = (c, i) => grp2(c, i, 1, true);
const grp2Ev1: Handler = (c, i) => grp2(c, i, 1, false);
const grp2EbCL: Handler = (c, i) => grp2(c, i, c.r8[4], true);
const grp2EvCL: Handler = (c, i) => grp2(c, i, c.r8[4], false);

/** SHLD/SHRD (0F A4 A5 AC AD). */
function shiftDouble(c: X86Cpu, i: Insn, count: number, left: boolean): void {
  count &= 31;
  if (count === 0) return;
  const bits = i.o32 ? 32 : 16;
  const sign = i.o32 ? SIGN32 : SIGN16;
  const src = i.o32 ? c.r32[i.reg] >>> 0 : c.r16[i.reg << 1];
  const off = i.mod === 3 ? 0 : ea(c, i);
  const d = i.mod === 3 ? (i.o32 ? c.r32[i.rm] >>> 0 : c.r16[i.rm << 1]) : i.o32 ? c.rd32(i.seg, off) >>> 0 : c.rd16(i.seg, off);
  let r: number, cf: number;
  if (bits === 32) {
    if (left) {
      r = ((d << count) | (src >>> (32 - count))) | 0;
      cf = (d >>> (32 - count)) & 1;
    } else {
      r = ((d >>> count) | (src << (32 - count))) | 0;
      cf = (d >>> (count - 1)) & 1;
    }
  } else {
    // 16-bit with counts above 16 shifts through a 32-bit concatenation, as Intel CPUs do.
    if (left) {
      const wide = (d << 16) | src;
      const big = count <= 16 ? wide : (wide << 16) | d;
      const n = count <= 16 ? count : count - 16;
      r = ((count <= 16 ? (wide << n) : big << n) >>> 16) & 0xffff;
      cf = count <= 16 ? (d >>> (16 - count)) & 1 : (src >>> (32 - count)) & 1;
    } else {
      const wide = (src << 16) | d;
      const n = count;
      if (n <= 16) {
        r = (wide >>> n) & 0xffff;
        cf = (d >>> (n - 1)) & 1;
      } else {
        const ext = (d << 16) | src;
        r = (ext >>> (n - 16)) & 0xffff;
        cf = (src >>> (n - 17)) & 1;
      }
    }
  }
  const of = ((r ^ (bits === 32 ? d | 0 : d)) & sign) !== 0;
  c.setLogic(sign, r);
  c.putFlags(CF | OF | AF, (cf ? CF : 0) | (of ? OF : 0));
  if (i.mod === 3) {
    if (i.o32) c.r32[i.rm] = r;
    else c.r16[i.rm << 1] = r;
  } else if (i.o32) c.wr32(i.seg, off, r);
  else c.wr16(i.seg, off, r);
}
const shldIb: Handler = (c, i) => shiftDouble(c, i, i.imm, true);
const shldCL: Handler = (c, i) => shiftDouble(c, i, c.r8[4], true);
const shrdIb: Handler = (c, i) => shiftDouble(c, i, i.imm, false);
const shrdCL: Handler = (c, i) => shiftDouble(c, i, c.r8[4], false);

export function registerAlu(h: Handler[]): void {
  for (let k = 0; k < 8; k++) {
    const b = k << 3;
    h[b] = makeEbGb(k);
    h[b + 1] = makeEvGv(k);
    h[b + 2] = makeGbEb(k);
    h[b + 3] = makeGvEv(k);
    h[b + 4] = makeALIb(k);
    h[b + 5] = makeAXIz(k);
  }
  h[0x80] = h[0x82] = grp1Eb;
  h[0x81] = h[0x83] = grp1Ev;
  for (let r = 0; r < 8; r++) {
    h[0x40 + r] = incReg;
    h[0x48 + r] = decReg;
  }
  h[0x84] = testEbGb;
  h[0x85] = testEvGv;
  h[0xa8] = testALIb;
  h[0xa9] = testAXIz;
  h[0xc0] = grp2EbIb;
  h[0xc1] = grp2EvIb;
  h[0xd0] = grp2Eb1;
  h[0xd1] = grp2Ev1;
  h[0xd2] = grp2EbCL;
  h[0xd3] = grp2EvCL;
  h[0x1a4] = shldIb;
  h[0x1a5] = shldCL;
  h[0x1ac] = shrdIb;
  h[0x1ad] = shrdCL;
}

