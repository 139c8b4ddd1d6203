/** Data movement: MOV forms, XCHG, LEA, stack, segment loads, MOVZX/MOVSX, CMOV/SETcc, bit ops, XADD/CMPXCHG. */
import type { X86Cpu } from "./cpu.js";
import { CF, CS, DS, ES, EXC_UD, FS, GS, R8, SS, ZF } from "./constants.js";
import type { Handler, Insn } from "./insn.js";
import { alu, incDecRM } from "./ops-alu.js";
import { callFarRM, callNearRM, jmpFarRM, jmpNearRM } from "./ops-control.js";
import { ea, getRM16, getRM32, getRM8, MASK16, MASK32, MASK8, setRM16, setRM32, setRM8, SIGN16, SIGN32, SIGN8 } from "./operands.js";
import { loadSeg } from "./segments.js";

const movEbGb: Handler = (c, i) => setRM8(c, i, c.r8[R8[i.reg]]);
const movEvGv: Handler = (c, i) => {
  if (i.o32) setRM32(c, i, c.r32[i.reg]);
  else setRM16(c, i, c.r16[i.reg << 1]);
};
const movGbEb: Handler = (c, i) => {
  c.r8[R8[i.reg]] = getRM8(c, i);
};
const movGvEv: Handler = (c, i) => {
  if (i.o32) c.r32[i.reg] = getRM32(c, i);
  else c.r16[i.reg << 1] = getRM16(c, i);
};
const movEbIb: Handler = (c, i) => setRM8(c, i, i.imm);
const movEvIz: Handler = (c, i) => {
  if (i.o32) setRM32(c, i, i.imm);
  else setRM16(c, i, i.imm);
};
const movRegIb: Handler = (c, i) => {
  c.r8[R8[i.op & 7]] = i.imm;
};
const movRegIz: Handler = (c, i) => {
  if (i.o32) c.r32[i.op & 7] = i.imm;
  else c.r16[(i.op & 7) << 1] = i.imm;
};
// A0-A3: the offset sits in disp with no base/index.
const movALmoffs: Handler = (c, i) => {
  c.r8[0] = c.rd8(i.seg, ea(c, i));
};
const movAXmoffs: Handler = (c, i) => {
  if (i.o32) c.r32[0] = c.rd32(i.seg, ea(c, i));
  else c.r16[0] = c.rd16(i.seg, ea(c, i));
};
const movmoffsAL: Handler = (c, i) => c.wr8(i.seg, ea(c, i), c.r8[0]);
const movmoffsAX: Handler = (c, i) => {
  if (i.o32) c.wr32(i.seg, ea(c, i), c.r32[0]);
  else c.wr16(i.seg, ea(c, i), c.r16[0]);
};

const lea: Handler = (c, i) => {
  if (i.mod === 3) {
    if (c.level === 86) return; // the 8086 leaves the register alone
    c.raise(EXC_UD);
  }
  const a = ea(c, i);
  if (i.o32) c.r32[i.reg] = a;
  else c.r16[i.reg << 1] = a;
};

const xchgEbGb: Handler = (c, i) => {
  const r = R8[i.reg];
  if (i.mod === 3) {
    const m = R8[i.rm];
    const t = c.r8[m];
    c.r8[m] = c.r8[r];
    c.r8[r] = t;
  } else {
    const off = ea(c, i);
    const t = c.rd8(i.seg, off);
    c.wr8(i.seg, off, c.r8[r]);
    c.r8[r] = t;
  }
};
const xchgEvGv: Handler = (c, i) => {
  if (i.o32) {
    if (i.mod === 3) {
      const t = c.r32[i.rm];
      c.r32[i.rm] = c.r32[i.reg];
      c.r32[i.reg] = t;
    } else {
      const off = ea(c, i);
      const t = c.rd32(i.seg, off);
      c.wr32(i.seg, off, c.r32[i.reg]);
      c.r32[i.reg] = t;
    }
  } else if (i.mod === 3) {
    const t = c.r16[i.rm << 1];
    c.r16[i.rm << 1] = c.r16[i.reg << 1];
    c.r16[i.reg << 1] = t;
  } else {
    const off = ea(c, i);
    const t = c.rd16(i.seg, off);
    c.wr16(i.seg, off, c.r16[i.reg << 1]);
    c.r16[i.reg << 1] = t;
  }
};
const xchgAX: Handler = (c, i) => {
  const r = i.op & 7;
  if (i.o32) {
    const t = c.r32[r];
    c.r32[r] = c.r32[0];
    c.r32[0] = t;
  } else {
    const t = c.r16[r << 1];
    c.r16[r << 1] = c.r16[0];
    c.r16[0] = t;
  }
};
const nop: Handler = () => {};

// ---------------------------------------------------------------- stack

const pushReg: Handler = (c, i) => {
  const r = i.op & 7;
  if (i.o32) c.push32(c.r32[r]);
  else if (r === 4 && c.level === 86) c.push16((c.r16[8] - 2) & 0xffff); // the 8086 pushes the decremented SP
  else c.push16(c.r16[r << 1]);
};
const popReg: Handler = (c, i) => {
  const r = i.op & 7;
  if (i.o32) {
    const v = c.peek32(0);
    c.addSp(4);
    c.r32[r] = v;
  } else {
    const v = c.peek16(0);
    c.addSp(2);
    c.r16[r << 1] = v;
  }
};
const pushImm: Handler = (c, i) => {
  if (i.o32) c.push32(i.imm);
  else c.push16(i.imm);
};
const pushSeg: Handler = (c, i) => {
  const s = segOfPushPop(i.op);
  if (i.o32) {
    // A 32-bit push of a segment register writes only the low word on modern CPUs.
    const sp = c.ss32 ? (c.r32[4] - 4) >>> 0 : (c.r16[8] - 4) & 0xffff;
    c.wr16(SS, sp, c.segSel[s]);
    c.checkWrite(SS, sp, 4);
    c.setSp(sp);
  } else c.push16(c.segSel[s]);
};
const popSeg: Handler = (c, i) => {
  const s = segOfPushPop(i.op);
  const v = i.o32 ? c.peek32(0) & 0xffff : c.peek16(0);
  loadSeg(c, s, v);
  c.addSp(i.o32 ? 4 : 2);
  if (s === SS) {
    c.inhibitIrq = true;
    c.eventPending = true;
  }
};
function segOfPushPop(op: number): number {
  switch (op) {
    case 0x06: case 0x07: return ES;
    case 0x0e: case 0x0f: return CS;
    case 0x16: case 0x17: return SS;
    case 0x1e: case 0x1f: return DS;
    case 0x1a0: case 0x1a1: return FS;
    default: return GS;
  }
}
/** 8086 0F: POP CS. */
const popCs: Handler = (c) => {
  const v = c.pop16();
  c.loadRealSeg(CS, v);
};
const popEv: Handler = (c, i) => {
  // The operand's address is computed with ESP already incremented.
  if (i.o32) {
    const v = c.peek32(0);
    const old = c.r32[4];
    c.addSp(4);
    try {
      setRM32(c, i, v);
    } catch (e) {
      c.r32[4] = old;
      throw e;
    }
  } else {
    const v = c.peek16(0);
    const old = c.r32[4];
    c.addSp(2);
    try {
      setRM16(c, i, v);
    } catch (e) {
      c.r32[4] = old;
      throw e;
    }
  }
};
const pusha: Handler = (c, i) => {
  const size = i.o32 ? 4 : 2;
  const start = c.sp();
  const old = c.r32[4];
  try {
    for (let r = 0; r < 8; r++) {
      if (i.o32) c.push32(r === 4 ? start : c.r32[r]);
      else c.push16(r === 4 ? start : c.r16[r << 1]);
    }
  } catch (e) {
    c.r32[4] = old;
    throw e;
  }
  void size;
};
const popa: Handler = (c, i) => {
  const size = i.o32 ? 4 : 2;
  const vals = [0, 0, 0, 0, 0, 0, 0, 0];
  for (let r = 7; r >= 0; r--) vals[r] = i.o32 ? c.peek32((7 - r) * size) : c.peek16((7 - r) * size);
  for (let r = 0; r < 8; r++) {
    if (r === 4) continue;
    if (i.o32) c.r32[r] = vals[r];
    else c.r16[r << 1] = vals[r];
  }
  c.addSp(8 * size);
};

// ---------------------------------------------------------------- segment registers

/** The segment register a MOV Sw form names: the 8086 ignores bit 2; later CPUs have no registers 6 and 7 (and the 286 none past DS). */
function sregOf(c: X86Cpu, reg: number): number {
  if (c.level === 86) return reg & 3;
  if (reg > (c.level === 286 ? 3 : 5)) c.raise(EXC_UD);
  return reg;
}
const movEwSw: Handler = (c, i) => {
  const v = c.segSel[sregOf(c, i.reg)];
  if (i.mod === 3) {
    if (i.o32) c.r32[i.rm] = v;
    else c.r16[i.rm << 1] = v;
  } else c.wr16(i.seg, ea(c, i), v);
};
const movSwEw: Handler = (c, i) => {
  const s = sregOf(c, i.reg);
  if (s === CS && c.level !== 86) c.raise(EXC_UD);
  const v = getRM16(c, i);
  if (s === CS) c.loadRealSeg(CS, v);
  else loadSeg(c, s, v);
  if (s === SS) {
    c.inhibitIrq = true;
    c.eventPending = true;
  }
};
/** LES LDS LSS LFS LGS: load a far pointer. */
function loadFarPointer(c: X86Cpu, i: Insn, s: number): void {
  if (i.mod === 3) {
    if (c.level === 86) return;
    c.raise(EXC_UD);
  }
  const off = ea(c, i);
  if (i.o32) {
    const v = c.rd32(i.seg, off);
    const sel = c.rd16(i.seg, (off + 4) >>> 0);
    loadSeg(c, s, sel);
    c.r32[i.reg] = v;
  } else {
    const v = c.rd16(i.seg, off);
    const sel = c.rd16(i.seg, i.a32 ? (off + 2) >>> 0 : (off + 2) & 0xffff);
    loadSeg(c, s, sel);
    c.r16[i.reg << 1] = v;
  }
}
const les: Handler = (c, i) => loadFarPointer(c, i, ES);
const lds: Handler = (c, i) => loadFarPointer(c, i, DS);
const lss: Handler = (c, i) => loadFarPointer(c, i, SS);
const lfs: Handler = (c, i) => loadFarPointer(c, i, FS);
const lgs: Handler = (c, i) => loadFarPointer(c, i, GS);

// ---------------------------------------------------------------- 8F, FE, FF groups

const grp4: Handler = (c, i) => {
  if (i.reg === 0 || i.reg === 1) {
    incDecRM(c, i, true, i.reg === 1);
    return;
  }
  c.raise(EXC_UD);
};
const grp5: Handler = (c, i) => {
  switch (i.reg) {
    case 0: incDecRM(c, i, false, false); return;
    case 1: incDecRM(c, i, false, true); return;
    case 2: callNearRM(c, i); return;
    case 3: callFarRM(c, i); return;
    case 4: jmpNearRM(c, i); return;
    case 5: jmpFarRM(c, i); return;
    case 6: pushRM(c, i); return;
    default:
      if (c.level === 86) pushRM(c, i);
      else c.raise(EXC_UD);
  }
};
function pushRM(c: X86Cpu, i: Insn): void {
  if (i.o32) c.push32(getRM32(c, i));
  else if (c.level === 86 && i.mod === 3 && i.rm === 4) c.push16((c.r16[8] - 2) & 0xffff);
  else c.push16(getRM16(c, i));
}

// ---------------------------------------------------------------- 0F moves

const movzxB: Handler = (c, i) => {
  const v = getRM8(c, i);
  if (i.o32) c.r32[i.reg] = v;
  else c.r16[i.reg << 1] = v;
};
const movzxW: Handler = (c, i) => {
  const v = getRM16(c, i);
  if (i.o32) c.r32[i.reg] = v;
  else c.r16[i.reg << 1] = v;
};
const movsxB: Handler = (c, i) => {
  const v = (getRM8(c, i) << 24) >> 24;
  if (i.o32) c.r32[i.reg] = v;
  else c.r16[i.reg << 1] = v;
};
const movsxW: Handler = (c, i) => {
  const v = (getRM16(c, i) << 16) >> 16;
  if (i.o32) c.r32[i.reg] = v;
  else c.r16[i.reg << 1] = v;
};
const cmov: Handler = (c, i) => {
  // The source is read (and may fault) whether or not the move happens.
  if (i.o32) {
    const v = getRM32(c, i);
    if (c.cond(i.op & 15)) c.r32[i.reg] = v;
  } else {
    const v = getRM16(c, i);
    if (c.cond(i.op & 15)) c.r16[i.reg << 1] = v;
  }
};
const setcc: Handler = (c, i) => setRM8(c, i, c.cond(i.op & 15) ? 1 : 0);
const bswap: Handler = (c, i) => {
  const r = i.op & 7;
  const v = c.r32[r];
  c.r32[r] = ((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24);
};
const xlat: Handler = (c, i) => {
  const off = i.a32 ? (c.r32[3] + c.r8[0]) >>> 0 : (c.r16[6] + c.r8[0]) & 0xffff;
  c.r8[0] = c.rd8(i.seg, off);
};

// XADD / CMPXCHG
const xaddB: Handler = (c, i) => {
  const r = R8[i.reg];
  const off = i.mod === 3 ? 0 : ea(c, i);
  const d = i.mod === 3 ? c.r8[R8[i.rm]] : c.rd8(i.seg, off);
  const sum = alu(c, 0, d, c.r8[r], SIGN8, MASK8);
  if (i.mod === 3) {
    c.r8[r] = d;
    c.r8[R8[i.rm]] = sum;
  } else {
    c.wr8(i.seg, off, sum);
    c.r8[r] = d;
  }
};
const xaddV: Handler = (c, i) => {
  const off = i.mod === 3 ? 0 : ea(c, i);
  if (i.o32) {
    const d = i.mod === 3 ? c.r32[i.rm] : c.rd32(i.seg, off);
    const sum = alu(c, 0, d, c.r32[i.reg], SIGN32, MASK32);
    if (i.mod === 3) {
      c.r32[i.reg] = d;
      c.r32[i.rm] = sum;
    } else {
      c.wr32(i.seg, off, sum);
      c.r32[i.reg] = d;
    }
  } else {
    const d = i.mod === 3 ? c.r16[i.rm << 1] : c.rd16(i.seg, off);
    const sum = alu(c, 0, d, c.r16[i.reg << 1], SIGN16, MASK16);
    if (i.mod === 3) {
      c.r16[i.reg << 1] = d;
      c.r16[i.rm << 1] = sum;
    } else {
      c.wr16(i.seg, off, sum);
      c.r16[i.reg << 1] = d;
    }
  }
};
const cmpxchgB: Handler = (c, i) => {
  const off = i.mod === 3 ? 0 : ea(c, i);
  const d = i.mod === 3 ? c.r8[R8[i.rm]] : c.rd8(i.seg, off);
  alu(c, 7, c.r8[0], d, SIGN8, MASK8);
  if (c.r8[0] === d) {
    if (i.mod === 3) c.r8[R8[i.rm]] = c.r8[R8[i.reg]];
    else c.wr8(i.seg, off, c.r8[R8[i.reg]]);
  } else {
    // The destination is written back unchanged (a locked RMW cycle).
    if (i.mod !== 3) c.wr8(i.seg, off, d);
    c.r8[0] = d;
  }
};
const cmpxchgV: Handler = (c, i) => {
  const off = i.mod === 3 ? 0 : ea(c, i);
  if (i.o32) {
    const d = i.mod === 3 ? c.r32[i.rm] : c.rd32(i.seg, off);
    alu(c, 7, c.r32[0], d, SIGN32, MASK32);
    if (c.r32[0] === d) {
      if (i.mod === 3) c.r32[i.rm] = c.r32[i.reg];
      else c.wr32(i.seg, off, c.r32[i.reg]);
    } else {
      if (i.mod !== 3) c.wr32(i.seg, off, d);
      c.r32[0] = d;
    }
  } else {
    const d = i.mod === 3 ? c.r16[i.rm << 1] : c.rd16(i.seg, off);
    alu(c, 7, c.r16[0], d, SIGN16, MASK16);
    if (c.r16[0] === d) {
      if (i.mod === 3) c.r16[i.rm << 1] = c.r16[i.reg << 1];
      else c.wr16(i.seg, off, c.r16[i.reg << 1]);
    } else {
      if (i.mod !== 3) c.wr16(i.seg, off, d);
      c.r16[0] = d;
    }
  }
};
/** CMPXCHG8B m64 (0F C7 /1). */
const grp9: Handler = (c, i) => {
  if (i.reg !== 1 || i.mod === 3) c.raise(EXC_UD);
  const off = ea(c, i);
  const lo = c.rd32(i.seg, off), hi = c.rd32(i.seg, (off + 4) >>> 0);
  c.checkWrite(i.seg, off, 8);
  if (lo === c.r32[0] && hi === c.r32[2]) {
    c.wr32(i.seg, off, c.r32[3]);
    c.wr32(i.seg, (off + 4) >>> 0, c.r32[1]);
    c.putFlags(ZF, ZF);
  } else {
    c.wr32(i.seg, off, lo);
    c.wr32(i.seg, (off + 4) >>> 0, hi);
    c.r32[0] = lo;
    c.r32[2] = hi;
    c.putFlags(ZF, 0);
  }
};

// ---------------------------------------------------------------- bit test / scan

/** BT BTS BTR BTC: kind 0-3. A register bit offset reaches beyond a memory operand. */
function bitOp(c: X86Cpu, i: Insn, bitOff: number, kind: number, immediate: boolean): void {
  const bits = i.o32 ? 32 : 16;
  if (i.mod === 3) {
    const n = bitOff & (bits - 1);
    const v = i.o32 ? c.r32[i.rm] : c.r16[i.rm << 1];
    const bit = (v >>> n) & 1;
    c.putFlags(CF, bit);
    if (kind === 0) return;
    const m = 1 << n;
    const r = kind === 1 ? v | m : kind === 2 ? v & ~m : v ^ m;
    if (i.o32) c.r32[i.rm] = r;
    else c.r16[i.rm << 1] = r;
    return;
  }
  let off = ea(c, i);
  let n: number;
  if (immediate) n = bitOff & (bits - 1);
  else {
    const s = i.o32 ? bitOff | 0 : (bitOff << 16) >> 16;
    const words = Math.floor(s / bits);
    off = i.a32 ? (off + words * (bits >> 3)) >>> 0 : (off + words * (bits >> 3)) & 0xffff;
    n = s - words * bits;
  }
  const v = i.o32 ? c.rd32(i.seg, off) : c.rd16(i.seg, off);
  c.putFlags(CF, (v >>> n) & 1);
  if (kind === 0) return;
  const m = 1 << n;
  const r = kind === 1 ? v | m : kind === 2 ? v & ~m : v ^ m;
  if (i.o32) c.wr32(i.seg, off, r);
  else c.wr16(i.seg, off, r);
}
const bt: Handler = (c, i) => bitOp(c, i, i.o32 ? c.r32[i.reg] : c.r16[i.reg << 1], 0, false);
const bts: Handler = (c, i) => bitOp(c, i, i.o32 ? c.r32[i.reg] : c.r16[i.reg << 1], 1, false);
const btr: Handler = (c, i) => bitOp(c, i, i.o32 ? c.r32[i.reg] : c.r16[i.reg << 1], 2, false);
const btc: Handler = (c, i) => bitOp(c, i, i.o32 ? c.r32[i.reg] : c.r16[i.reg << 1], 3, false);
const grp8: Handler = (c, i) => {
  if (i.reg < 4) c.raise(EXC_UD);
  bitOp(c, i, i.imm & 0xff, i.reg - 4, true);
};
const bsf: Handler = (c, i) => {
  const v = i.o32 ? getRM32(c, i) : getRM16(c, i);
  if (v === 0) {
    c.setLogic(i.o32 ? SIGN32 : SIGN16, 0);
    return;
  }
  const n = 31 - Math.clz32(v & -v);
  if (i.o32) c.r32[i.reg] = n;
  else c.r16[i.reg << 1] = n;
  c.setLogic(i.o32 ? SIGN32 : SIGN16, 1);
};
const bsr: Handler = (c, i) => {
  const v = i.o32 ? getRM32(c, i) : getRM16(c, i);
  if (v === 0) {
    c.setLogic(i.o32 ? SIGN32 : SIGN16, 0);
    return;
  }
  const n = 31 - Math.clz32(v);
  if (i.o32) c.r32[i.reg] = n;
  else c.r16[i.reg << 1] = n;
  c.setLogic(i.o32 ? SIGN32 : SIGN16, 1);
};

/** ARPL Ew, Gw (protected mode only). */
const arpl: Handler = (c, i) => {
  if (!c.protectedMode() || c.v86Mode()) c.raise(EXC_UD);
  const off = i.mod === 3 ? 0 : ea(c, i);
  const d = i.mod === 3 ? c.r16[i.rm << 1] : c.rd16(i.seg, off);
  const s = c.r16[i.reg << 1];
  if ((d & 3) < (s & 3)) {
    const r = (d & ~3) | (s & 3);
    if (i.mod === 3) c.r16[i.rm << 1] = r;
    else c.wr16(i.seg, off, r);
    c.putFlags(ZF, ZF);
  } else c.putFlags(ZF, 0);
};

export function registerMove(h: Handler[]): void {
  h[0x88] = movEbGb;
  h[0x89] = movEvGv;
  h[0x8a] = movGbEb;
  h[0x8b] = movGvEv;
  h[0xc6] = movEbIb;
  h[0xc7] = movEvIz;
  for (let r = 0; r < 8; r++) {
    h[0xb0 + r] = movRegIb;
    h[0xb8 + r] = movRegIz;
    h[0x50 + r] = pushReg;
    h[0x58 + r] = popReg;
    h[0x91 + r - 1] = r === 0 ? nop : xchgAX;
    h[0x1c8 + r] = bswap;
  }
  h[0xa0] = movALmoffs;
  h[0xa1] = movAXmoffs;
  h[0xa2] = movmoffsAL;
  h[0xa3] = movmoffsAX;
  h[0x8d] = lea;
  h[0x86] = xchgEbGb;
  h[0x87] = xchgEvGv;
  h[0x68] = h[0x6a] = pushImm;
  for (const op of [0x06, 0x0e, 0x16, 0x1e, 0x1a0, 0x1a8]) h[op] = pushSeg;
  for (const op of [0x07, 0x17, 0x1f, 0x1a1, 0x1a9]) h[op] = popSeg;
  h[0x0f] = popCs;
  h[0x8f] = popEv;
  h[0x60] = pusha;
  h[0x61] = popa;
  h[0x8c] = movEwSw;
  h[0x8e] = movSwEw;
  h[0xc4] = les;
  h[0xc5] = lds;
  h[0x1b2] = lss;
  h[0x1b4] = lfs;
  h[0x1b5] = lgs;
  h[0xfe] = grp4;
  h[0xff] = grp5;
  h[0x1b6] = movzxB;
  h[0x1b7] = movzxW;
  h[0x1be] = movsxB;
  h[0x1bf] = movsxW;
  for (let k = 0; k < 16; k++) {
    h[0x140 + k] = cmov;
    h[0x190 + k] = setcc;
  }
  h[0xd7] = xlat;
  h[0x1c0] = xaddB;
  h[0x1c1] = xaddV;
  h[0x1b0] = cmpxchgB;
  h[0x1b1] = cmpxchgV;
  h[0x1c7] = grp9;
  h[0x1a3] = bt;
  h[0x1ab] = bts;
  h[0x1b3] = btr;
  h[0x1bb] = btc;
  h[0x1ba] = grp8;
  h[0x1bc] = bsf;
  h[0x1bd] = bsr;
  h[0x63] = arpl;
  h[0x11f] = nop; // multi-byte NOP Ev
  for (let k = 0x118; k < 0x11f; k++) h[k] = nop; // hint NOPs / prefetch
  h[0x10d] = nop;
}

