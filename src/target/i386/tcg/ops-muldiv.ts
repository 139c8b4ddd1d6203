/** Group 3 (TEST NOT NEG MUL IMUL DIV IDIV), IMUL forms, decimal adjust, CBW/CWD. */
import type { X86Cpu } from "./cpu.js";
import { LAZY_SUB } from "./cpu.js";
import { AF, CF, EXC_DE, OF, R8 } from "./constants.js";
import type { Handler, Insn } from "./insn.js";
import { ea, getRM16, getRM32, getRM8, SIGN16, SIGN32, SIGN8 } from "./operands.js";

/** High 32 bits of the unsigned 64-bit product of two unsigned 32-bit values. */
export function umulHi(a: number, b: number): number {
  const al = a & 0xffff, ah = a >>> 16, bl = b & 0xffff, bh = b >>> 16;
  const ll = al * bl;
  const lh = al * bh;
  const hl = ah * bl;
  const mid = (ll >>> 16) + (lh & 0xffff) + (hl & 0xffff);
  return (ah * bh + Math.floor(lh / 65536) + Math.floor(hl / 65536) + Math.floor(mid / 65536)) >>> 0;
}

/** MUL/IMUL flags: CF=OF=high half significant; SF/ZF/PF from the low half (as QEMU derives them). */
function mulFlags(c: X86Cpu, sign: number, low: number, overflow: boolean): void {
  c.setLogic(sign, low);
  c.putFlags(CF | OF | AF, overflow ? CF | OF : 0);
}

function divide(c: X86Cpu, i: Insn, byte: boolean, signed: boolean): void {
  const src = byte ? getRM8(c, i) : i.o32 ? getRM32(c, i) : getRM16(c, i);
  if (src === 0) c.raise(EXC_DE);
  // The 8086 negates the quotient when the instruction carries a REP prefix (microcode reuses the flag).
  const negate = c.level === 86 && i.rep !== 0 && signed;
  // The 8086 cannot produce the most negative quotient; later CPUs can.
  const minQ = c.level === 86 ? 1 : 0;
  if (byte) {
    const n = c.r16[0];
    let q: number, r: number;
    if (signed) {
      const dv = (n << 16) >> 16, ds = (src << 24) >> 24;
      q = Math.trunc(dv / ds);
      r = dv - q * ds;
      if (negate) q = -q;
      if (q > 127 || q < -128 + minQ) c.raise(EXC_DE);
    } else {
      q = Math.floor(n / src);
      r = n % src;
      if (q > 0xff) c.raise(EXC_DE);
    }
    c.r8[0] = q;
    c.r8[1] = r;
  } else if (!i.o32) {
    const n = ((c.r16[4] << 16) | c.r16[0]) >>> 0;
    let q: number, r: number;
    if (signed) {
      const dv = n | 0, ds = (src << 16) >> 16;
      q = Math.trunc(dv / ds);
      r = dv - q * ds;
      if (negate) q = -q;
      if (q > 32767 || q < -32768 + minQ) c.raise(EXC_DE);
    } else {
      q = Math.floor(n / src);
      r = n % src;
      if (q > 0xffff) c.raise(EXC_DE);
    }
    c.r16[0] = q;
    c.r16[4] = r;
  } else {
    const hi = c.r32[2], lo = c.r32[0] >>> 0;
    if (signed) {
      const dv = (BigInt(hi) << 32n) | BigInt(lo);
      const ds = BigInt(src | 0);
      const q = dv / ds;
      if (q > 0x7fffffffn || q < -0x80000000n) c.raise(EXC_DE);
      c.r32[0] = Number(q);
      c.r32[2] = Number(dv - q * ds);
    } else {
      const d = src >>> 0;
      if (hi === 0) {
        c.r32[0] = Math.floor(lo / d);
        c.r32[2] = lo % d;
      } else {
        const dv = (BigInt(hi >>> 0) << 32n) | BigInt(lo);
        const q = dv / BigInt(d);
        if (q > 0xffffffffn) c.raise(EXC_DE);
        c.r32[0] = Number(q);
        c.r32[2] = Number(dv % BigInt(d));
      }
    }
  }
}

function multiply(c: X86Cpu, i: Insn, byte: boolean, signed: boolean): void {
  const negate = c.level === 86 && i.rep !== 0 && signed;
  if (byte) {
    const s = getRM8(c, i);
    let p = signed ? ((c.r8[0] << 24) >> 24) * ((s << 24) >> 24) : c.r8[0] * s;
    if (negate) p = -p;
    c.r16[0] = p;
    mulFlags(c, SIGN8, p & 0xff, signed ? p !== (p << 24) >> 24 : p > 0xff);
  } else if (!i.o32) {
    const s = getRM16(c, i);
    let p = signed ? ((c.r16[0] << 16) >> 16) * ((s << 16) >> 16) : c.r16[0] * s;
    if (negate) p = -p;
    c.r16[0] = p;
    c.r16[4] = p >> 16;
    mulFlags(c, SIGN16, p & 0xffff, signed ? p !== (p << 16) >> 16 : p > 0xffff);
  } else {
    const a = c.r32[0], s = getRM32(c, i);
    const lo = Math.imul(a, s);
    let hi = umulHi(a >>> 0, s >>> 0);
    if (signed) {
      if (a < 0) hi = (hi - s) | 0;
      if (s < 0) hi = (hi - a) | 0;
      c.r32[2] = hi;
      c.r32[0] = lo;
      mulFlags(c, SIGN32, lo, hi !== lo >> 31);
    } else {
      c.r32[2] = hi;
      c.r32[0] = lo;
      mulFlags(c, SIGN32, lo, hi !== 0);
    }
  }
}

function grp3(c: X86Cpu, i: Insn, byte: boolean): void {
  const sign = byte ? SIGN8 : i.o32 ? SIGN32 : SIGN16;
  const mask = byte ? 0xff : i.o32 ? -1 : 0xffff;
  switch (i.reg) {
    case 0:
    case 1: { // TEST r/m, imm
      const v = byte ? getRM8(c, i) : i.o32 ? getRM32(c, i) : getRM16(c, i);
      c.setLogic(sign, v & i.imm & mask);
      return;
    }
    case 2: // NOT
    case 3: { // NEG
      const off = i.mod === 3 ? 0 : ea(c, i);
      let v: number;
      if (i.mod === 3) v = byte ? c.r8[R8[i.rm]] : i.o32 ? c.r32[i.rm] : c.r16[i.rm << 1];
      else v = byte ? c.rd8(i.seg, off) : i.o32 ? c.rd32(i.seg, off) : c.rd16(i.seg, off);
      let r: number;
      if (i.reg === 2) r = ~v & mask;
      else {
        r = -v & mask;
        c.setLazy(LAZY_SUB, sign, 0, v, r);
      }
      if (i.mod === 3) {
        if (byte) c.r8[R8[i.rm]] = r;
        else if (i.o32) c.r32[i.rm] = r;
        else c.r16[i.rm << 1] = r;
      } else if (byte) c.wr8(i.seg, off, r);
      else if (i.o32) c.wr32(i.seg, off, r);
      else c.wr16(i.seg, off, r);
      return;
    }
    case 4: multiply(c, i, byte, false); return;
    case 5: multiply(c, i, byte, true); return;
    case 6: divide(c, i, byte, false); return;
    default: divide(c, i, byte, true); return;
  }
}
const grp3Eb: Handler = (c, i) => grp3(c, i, true);
const grp3Ev: Handler = (c, i) => grp3(c, i, false);

/** IMUL Gv, Ev, imm (69 6B) and IMUL Gv, Ev (0F AF). */
function imul3(c: X86Cpu, i: Insn, b: number): void {
  if (i.o32) {
    const a = getRM32(c, i);
    const lo = Math.imul(a, b);
    let hi = umulHi(a >>> 0, b >>> 0);
    if (a < 0) hi = (hi - b) | 0;
    if (b < 0) hi = (hi - a) | 0;
    c.r32[i.reg] = lo;
    mulFlags(c, SIGN32, lo, hi !== lo >> 31);
  } else {
    const p = ((getRM16(c, i) << 16) >> 16) * ((b << 16) >> 16);
    c.r16[i.reg << 1] = p;
    mulFlags(c, SIGN16, p & 0xffff, p !== (p << 16) >> 16);
  }
}
const imulGvEvIz: Handler = (c, i) => imul3(c, i, i.imm);
const imulGvEv: Handler = (c, i) => imul3(c, i, i.o32 ? c.r32[i.reg] : c.r16[i.reg << 1]);

// ---------------------------------------------------------------- decimal adjust

const daa: Handler = (c) => {
  const old = c.r8[0], oldCF = c.getCF();
  const af = c.getAF();
  let al = old, cf = 0, a = false;
  if ((al & 0xf) > 9 || af) {
    al = (al + 6) & 0xff;
    a = true;
    cf = oldCF | (old > 0xf9 ? 1 : 0);
  }
  // The 8086 tests the high digit against 9F when AF was set; later CPUs against 99.
  const limit = c.level === 86 && af ? 0x9f : 0x99;
  if (old > limit || oldCF) {
    al = (al + 0x60) & 0xff;
    cf = 1;
  } else cf = 0;
  c.r8[0] = al;
  c.setLogic(SIGN8, al);
  c.putFlags(CF | AF | OF, (cf ? CF : 0) | (a ? AF : 0));
};

const das: Handler = (c) => {
  const old = c.r8[0], oldCF = c.getCF();
  const af = c.getAF();
  let al = old, cf = 0, a = false;
  if ((al & 0xf) > 9 || af) {
    al = (al - 6) & 0xff;
    a = true;
    // The borrow out of the low digit sets CF from the 286 on; the 8086 keeps the old CF.
    cf = oldCF | (old < 6 && c.level !== 86 ? 1 : 0);
  }
  const limit = c.level === 86 && af ? 0x9f : 0x99;
  if (old > limit || oldCF) {
    al = (al - 0x60) & 0xff;
    cf = 1;
  }
  c.r8[0] = al;
  c.setLogic(SIGN8, al);
  c.putFlags(CF | AF | OF, (cf ? CF : 0) | (a ? AF : 0));
};

const aaa: Handler = (c) => {
  const adjust = (c.r8[0] & 0xf) > 9 || c.getAF();
  if (adjust) {
    if (c.level === 86) {
      c.r8[0] = c.r8[0] + 6;
      c.r8[1] = c.r8[1] + 1;
    } else c.r16[0] = c.r16[0] + 0x106;
  }
  c.r8[0] &= 0xf;
  c.setLogic(SIGN8, c.r8[0]);
  c.putFlags(CF | AF | OF, adjust ? CF | AF : 0);
};

const aas: Handler = (c) => {
  const adjust = (c.r8[0] & 0xf) > 9 || c.getAF();
  if (adjust) {
    if (c.level === 86) {
      c.r8[0] = c.r8[0] - 6;
      c.r8[1] = c.r8[1] - 1;
    } else {
      c.r16[0] = c.r16[0] - 6;
      c.r8[1] = c.r8[1] - 1;
    }
  }
  c.r8[0] &= 0xf;
  c.setLogic(SIGN8, c.r8[0]);
  c.putFlags(CF | AF | OF, adjust ? CF | AF : 0);
};

const aam: Handler = (c, i) => {
  const base = i.imm & 0xff;
  if (base === 0) c.raise(EXC_DE);
  const al = c.r8[0];
  c.r8[1] = Math.floor(al / base);
  c.r8[0] = al % base;
  c.setLogic(SIGN8, c.r8[0]);
};

const aad: Handler = (c, i) => {
  const al = (c.r8[0] + c.r8[1] * (i.imm & 0xff)) & 0xff;
  c.r16[0] = al;
  c.setLogic(SIGN8, al);
};

const cbw: Handler = (c, i) => {
  if (i.o32) c.r32[0] = (c.r32[0] << 16) >> 16;
  else c.r16[0] = (c.r8[0] << 24) >> 24;
};
const cwd: Handler = (c, i) => {
  if (i.o32) c.r32[2] = c.r32[0] >> 31;
  else c.r16[4] = (c.r16[0] & 0x8000) !== 0 ? 0xffff : 0;
};
/** SALC (D6): AL = CF ? FF : 00. */
const salc: Handler = (c) => {
  c.r8[0] = c.getCF() ? 0xff : 0;
};

export function registerMulDiv(h: Handler[]): void {
  h[0xf6] = grp3Eb;
  h[0xf7] = grp3Ev;
  h[0x69] = h[0x6b] = imulGvEvIz;
  h[0x1af] = imulGvEv;
  h[0x27] = daa;
  h[0x2f] = das;
  h[0x37] = aaa;
  h[0x3f] = aas;
  h[0xd4] = aam;
  h[0xd5] = aad;
  h[0x98] = cbw;
  h[0x99] = cwd;
  h[0xd6] = salc;
}
