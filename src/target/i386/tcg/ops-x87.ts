/**
 * x87 escape opcodes D8-DF. The 8086 and 286 have no FPU here: the escape
 * only forms its memory operand's address. Later levels get enough of an
 * FPU for a kernel's probe and simple use: control/status/tag words,
 * FNINIT/FNCLEX/FNSAVE/FRSTOR/FNSTENV/FLDENV, loads and stores of integers
 * and reals, the basic arithmetic on a double-precision stack, compares.
 * Values are held as IEEE doubles, not 80-bit extended reals.
 */
import type { X86Cpu } from "./cpu.js";
import { CR0_EM, CR0_TS, EXC_NM, EXC_UD } from "./constants.js";
import type { Handler, Insn } from "./insn.js";
import { ea } from "./operands.js";

const C0 = 0x100, C1 = 0x200, C2 = 0x400, C3 = 0x4000;
const scratch = new DataView(new ArrayBuffer(8));

function top(c: X86Cpu): number {
  return c.fpuTop;
}
function st(c: X86Cpu, k: number): number {
  return c.fpuRegs[(top(c) + k) & 7];
}
function setSt(c: X86Cpu, k: number, v: number): void {
  const r = (top(c) + k) & 7;
  c.fpuRegs[r] = v;
  c.fpuTw &= ~(3 << (r * 2));
}
function push(c: X86Cpu, v: number): void {
  c.fpuTop = (c.fpuTop - 1) & 7;
  const r = c.fpuTop;
  if (((c.fpuTw >> (r * 2)) & 3) !== 3) c.fpuSw |= 0x41 | C1; // stack overflow: IE + SF
  c.fpuRegs[r] = v;
  c.fpuTw &= ~(3 << (r * 2));
}
function pop(c: X86Cpu): void {
  c.fpuTw |= 3 << (c.fpuTop * 2);
  c.fpuTop = (c.fpuTop + 1) & 7;
}
function statusWord(c: X86Cpu): number {
  return (c.fpuSw & ~0x3800) | (c.fpuTop << 11);
}
function fninit(c: X86Cpu): void {
  c.fpuCw = 0x37f;
  c.fpuSw = 0;
  c.fpuTw = 0xffff;
  c.fpuTop = 0;
  c.fpuIp = c.fpuDp = 0;
}
function compare(c: X86Cpu, a: number, b: number): void {
  let cc: number;
  if (Number.isNaN(a) || Number.isNaN(b)) cc = C0 | C2 | C3;
  else if (a > b) cc = 0;
  else if (a < b) cc = C0;
  else cc = C3;
  c.fpuSw = (c.fpuSw & ~(C0 | C1 | C2 | C3)) | cc;
}
/** Round as the control word's RC field says. */
function round(c: X86Cpu, v: number): number {
  switch ((c.fpuCw >> 10) & 3) {
    case 0: {
      const f = Math.floor(v);
      const d = v - f;
      if (d > 0.5) return f + 1;
      if (d < 0.5) return f;
      return f % 2 === 0 ? f : f + 1;
    }
    case 1: return Math.floor(v);
    case 2: return Math.ceil(v);
    default: return Math.trunc(v);
  }
}

function readReal(c: X86Cpu, i: Insn, off: number, kind: number): number {
  switch (kind) {
    case 0: scratch.setInt32(0, c.rd32(i.seg, off), true); return scratch.getFloat32(0, true);
    case 1: return c.rd32(i.seg, off) | 0;
    case 2:
      scratch.setInt32(0, c.rd32(i.seg, off), true);
      scratch.setInt32(4, c.rd32(i.seg, off + 4), true);
      return scratch.getFloat64(0, true);
    default: return (c.rd16(i.seg, off) << 16) >> 16;
  }
}

/** D8/DC/DA/DE arithmetic: op 0 add 1 mul 2 com 3 comp 4 sub 5 subr 6 div 7 divr. */
function arith(c: X86Cpu, op: number, a: number, b: number): number {
  switch (op) {
    case 0: return a + b;
    case 1: return a * b;
    case 4: return a - b;
    case 5: return b - a;
    case 6:
      if (b === 0) c.fpuSw |= 4;
      return a / b;
    default:
      if (a === 0) c.fpuSw |= 4;
      return b / a;
  }
}

function storeEnv(c: X86Cpu, i: Insn, off: number): number {
  if (i.o32) {
    c.wr32(i.seg, off, c.fpuCw | 0xffff0000);
    c.wr32(i.seg, off + 4, statusWord(c) | 0xffff0000);
    c.wr32(i.seg, off + 8, c.fpuTw | 0xffff0000);
    c.wr32(i.seg, off + 12, c.fpuIp);
    c.wr32(i.seg, off + 16, 0);
    c.wr32(i.seg, off + 20, c.fpuDp);
    c.wr32(i.seg, off + 24, 0);
    return 28;
  }
  c.wr16(i.seg, off, c.fpuCw);
  c.wr16(i.seg, off + 2, statusWord(c));
  c.wr16(i.seg, off + 4, c.fpuTw);
  c.wr16(i.seg, off + 6, c.fpuIp);
  c.wr16(i.seg, off + 8, 0);
  c.wr16(i.seg, off + 10, c.fpuDp);
  c.wr16(i.seg, off + 12, 0);
  return 14;
}
function loadEnv(c: X86Cpu, i: Insn, off: number): number {
  const step = i.o32 ? 4 : 2;
  const rd = (k: number): number => c.rd16(i.seg, off + k * step);
  c.fpuCw = rd(0);
  const sw = rd(1);
  c.fpuSw = sw & ~0x3800;
  c.fpuTop = (sw >> 11) & 7;
  c.fpuTw = rd(2);
  return i.o32 ? 28 : 14;
}
/** 80-bit extended real ↔ double, for FSAVE/FRSTOR and FLD/FSTP m80. */
function writeExt(c: X86Cpu, i: Insn, off: number, v: number): void {
  scratch.setFloat64(0, v, true);
  const hi = scratch.getUint32(4, true), lo = scratch.getUint32(0, true);
  const sign = hi >>> 31;
  let exp = (hi >>> 20) & 0x7ff;
  let mantHi = 0, mantLo = 0;
  if (exp === 0 && (hi & 0xfffff) === 0 && lo === 0) exp = 0;
  else if (exp === 0x7ff) {
    exp = 0x7fff;
    mantHi = 0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21);
    mantLo = lo << 11;
  } else {
    exp = exp - 1023 + 16383;
    mantHi = 0x80000000 | ((hi & 0xfffff) << 11) | (lo >>> 21);
    mantLo = lo << 11;
  }
  c.wr32(i.seg, off, mantLo);
  c.wr32(i.seg, off + 4, mantHi);
  c.wr16(i.seg, off + 8, (sign << 15) | exp);
}
function readExt(c: X86Cpu, i: Insn, off: number): number {
  const mantLo = c.rd32(i.seg, off) >>> 0;
  const mantHi = c.rd32(i.seg, off + 4) >>> 0;
  const se = c.rd16(i.seg, off + 8);
  const sign = se & 0x8000 ? -1 : 1;
  const exp = se & 0x7fff;
  if (exp === 0 && mantHi === 0 && mantLo === 0) return sign * 0;
  if (exp === 0x7fff) return (mantHi & 0x7fffffff) === 0 && mantLo === 0 ? sign * Infinity : NaN;
  const mant = mantHi * 4294967296 + mantLo;
  return sign * mant * Math.pow(2, exp - 16383 - 63);
}

const esc: Handler = (c, i) => {
  if (c.level <= 286) {
    // No coprocessor: the 8086 only computes the operand address; the 286 also reads it.
    if (i.mod !== 3) {
      const off = ea(c, i);
      if (c.level === 286) c.rd16(i.seg, off);
    }
    return;
  }
  if ((c.cr0 & (CR0_EM | CR0_TS)) !== 0) c.raise(EXC_NM);
  const op = i.op & 7;
  const r = i.reg;
  if (i.mod !== 3) {
    const off = ea(c, i);
    switch (op) {
      case 0: arithMem(c, r, readReal(c, i, off, 0)); return;
      case 2: arithMem(c, r, readReal(c, i, off, 1)); return;
      case 4: arithMem(c, r, readReal(c, i, off, 2)); return;
      case 6: arithMem(c, r, readReal(c, i, off, 3)); return;
      case 1:
        switch (r) {
          case 0: push(c, readReal(c, i, off, 0)); return;
          case 2:
          case 3:
            scratch.setFloat32(0, st(c, 0), true);
            c.wr32(i.seg, off, scratch.getInt32(0, true));
            if (r === 3) pop(c);
            return;
          case 4: loadEnv(c, i, off); return;
          case 5: c.fpuCw = c.rd16(i.seg, off); return;
          case 6: storeEnv(c, i, off); return;
          case 7: c.wr16(i.seg, off, c.fpuCw); return;
          default: c.raise(EXC_UD);
        }
        return;
      case 3:
        switch (r) {
          case 0: push(c, readReal(c, i, off, 1)); return;
          case 1:
          case 2:
          case 3: {
            const v = r === 1 ? Math.trunc(st(c, 0)) : round(c, st(c, 0));
            c.wr32(i.seg, off, v >= 2147483648 || v < -2147483648 || Number.isNaN(v) ? 0x80000000 | 0 : v);
            if (r !== 2) pop(c);
            return;
          }
          case 5: push(c, readExt(c, i, off)); return;
          case 7: writeExt(c, i, off, st(c, 0)); pop(c); return;
          default: c.raise(EXC_UD);
        }
        return;
      case 5:
        switch (r) {
          case 0: push(c, readReal(c, i, off, 2)); return;
          case 1:
          case 2:
          case 3: {
            if (r === 1) {
              const v = Math.trunc(st(c, 0));
              writeInt64(c, i, off, v);
            } else {
              scratch.setFloat64(0, st(c, 0), true);
              c.wr32(i.seg, off, scratch.getInt32(0, true));
              c.wr32(i.seg, off + 4, scratch.getInt32(4, true));
            }
            if (r !== 2) pop(c);
            return;
          }
          case 4: {
            const n = loadEnv(c, i, off);
            for (let k = 0; k < 8; k++) c.fpuRegs[(c.fpuTop + k) & 7] = readExt(c, i, off + n + k * 10);
            return;
          }
          case 6: {
            const n = storeEnv(c, i, off);
            for (let k = 0; k < 8; k++) writeExt(c, i, off + n + k * 10, c.fpuRegs[(c.fpuTop + k) & 7]);
            fninit(c);
            return;
          }
          case 7: c.wr16(i.seg, off, statusWord(c)); return;
          default: c.raise(EXC_UD);
        }
        return;
      default: // DF
        switch (r) {
          case 0: push(c, readReal(c, i, off, 3)); return;
          case 1:
          case 2:
          case 3: {
            const v = r === 1 ? Math.trunc(st(c, 0)) : round(c, st(c, 0));
            c.wr16(i.seg, off, v >= 32768 || v < -32768 || Number.isNaN(v) ? 0x8000 : v);
            if (r !== 2) pop(c);
            return;
          }
          case 5: {
            const lo = c.rd32(i.seg, off) >>> 0, hi = c.rd32(i.seg, off + 4);
            push(c, hi * 4294967296 + lo);
            return;
          }
          case 7: writeInt64(c, i, off, round(c, st(c, 0))); pop(c); return;
          default: c.raise(EXC_UD);
        }
        return;
    }
  }
  // Register forms.
  const k = i.rm;
  switch (op) {
    case 0: {
      const v = arith(c, r, st(c, 0), st(c, k));
      if (r === 2 || r === 3) {
        compare(c, st(c, 0), st(c, k));
        if (r === 3) pop(c);
      } else setSt(c, 0, v);
      return;
    }
    case 4:
    case 6: {
      if (r === 2 || r === 3) {
        compare(c, st(c, 0), st(c, k));
        if (r === 3) pop(c);
        if (op === 6 && r === 3) pop(c);
        return;
      }
      // Destination ST(k); the reversed forms swap sub/subr and div/divr.
      const rr = r >= 4 ? r ^ 1 : r;
      setSt(c, k, arith(c, rr, st(c, k), st(c, 0)));
      if (op === 6) pop(c);
      return;
    }
    case 1:
      switch (r) {
        case 0: push(c, st(c, k)); return;
        case 1: {
          const t = st(c, 0);
          setSt(c, 0, st(c, k));
          setSt(c, k, t);
          return;
        }
        case 2: return; // FNOP
        case 4:
          switch (k) {
            case 0: setSt(c, 0, -st(c, 0)); return;
            case 1: setSt(c, 0, Math.abs(st(c, 0))); return;
            case 4: compare(c, st(c, 0), 0); return;
            case 5: {
              const v = st(c, 0);
              const empty = ((c.fpuTw >> (((c.fpuTop) & 7) * 2)) & 3) === 3;
              let cc = empty ? C3 | C0 : Number.isNaN(v) ? C0 : !Number.isFinite(v) ? C2 | C0 : v === 0 ? C3 : C2;
              if (v < 0 || Object.is(v, -0)) cc |= C1;
              c.fpuSw = (c.fpuSw & ~(C0 | C1 | C2 | C3)) | cc;
              return;
            }
            default: c.raise(EXC_UD);
          }
          return;
        case 5: {
          const consts = [1, Math.log2(10), Math.LOG2E, Math.PI, Math.log10(2), Math.LN2, 0];
          if (k === 7) c.raise(EXC_UD);
          push(c, consts[k]);
          return;
        }
        case 6:
        case 7: {
          const v = st(c, 0);
          switch (k + (r === 7 ? 8 : 0)) {
            case 6: c.fpuTop = (c.fpuTop - 1) & 7; return; // FDECSTP
            case 7: c.fpuTop = (c.fpuTop + 1) & 7; return; // FINCSTP
            case 10: setSt(c, 0, Math.sqrt(v)); return;
            case 12: setSt(c, 0, round(c, v)); return;
            case 14: setSt(c, 0, Math.sin(v)); c.fpuSw &= ~C2; return;
            case 15: setSt(c, 0, Math.cos(v)); c.fpuSw &= ~C2; return;
            case 8: { // FPREM
              const q = Math.trunc(v / st(c, 1));
              setSt(c, 0, v - q * st(c, 1));
              c.fpuSw &= ~C2;
              return;
            }
            case 13: setSt(c, 0, v * Math.pow(2, Math.trunc(st(c, 1)))); return; // FSCALE
            default: c.raise(EXC_UD);
          }
          return;
        }
        default: c.raise(EXC_UD);
      }
      return;
    case 2:
      if (r === 5 && k === 1) {
        compare(c, st(c, 0), st(c, 1));
        pop(c);
        pop(c);
        return;
      }
      c.raise(EXC_UD);
      return;
    case 3:
      if (r === 4) {
        if (k === 2) c.fpuSw &= ~0x80ff; // FNCLEX
        else if (k === 3) fninit(c);
        else if (k === 0 || k === 1 || k === 4) return; // FENI/FDISI/FSETPM: no-ops after the 8087/287
        else c.raise(EXC_UD);
        return;
      }
      c.raise(EXC_UD);
      return;
    case 5:
      switch (r) {
        case 0: c.fpuTw |= 3 << (((c.fpuTop + k) & 7) * 2); return; // FFREE
        case 2: setSt(c, k, st(c, 0)); return;
        case 3: setSt(c, k, st(c, 0)); pop(c); return;
        case 4: case 5: compare(c, st(c, 0), st(c, k)); if (r === 5) pop(c); return;
        default: c.raise(EXC_UD);
      }
      return;
    default: // DF
      if (r === 4 && k === 0) {
        c.r16[0] = statusWord(c);
        return;
      }
      c.raise(EXC_UD);
  }
};

function arithMem(c: X86Cpu, r: number, v: number): void {
  if (r === 2 || r === 3) {
    compare(c, st(c, 0), v);
    if (r === 3) pop(c);
    return;
  }
  setSt(c, 0, arith(c, r, st(c, 0), v));
}

function writeInt64(c: X86Cpu, i: Insn, off: number, v: number): void {
  if (!Number.isFinite(v) || Math.abs(v) >= 9.2e18) {
    c.wr32(i.seg, off, 0);
    c.wr32(i.seg, off + 4, 0x80000000 | 0);
    return;
  }
  const b = BigInt(v);
  c.wr32(i.seg, off, Number(b & 0xffffffffn));
  c.wr32(i.seg, off + 4, Number((b >> 32n) & 0xffffffffn));
}

export function registerX87(h: Handler[]): void {
  for (let op = 0xd8; op <= 0xdf; op++) h[op] = esc;
}
