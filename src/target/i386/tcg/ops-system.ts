/**
 * System instructions: descriptor-table registers, LLDT/LTR, LAR/LSL/VERR/VERW,
 * control and debug registers, CPUID, RDTSC, RDMSR/WRMSR, cache control.
 */
import type { X86Cpu } from "./cpu.js";
import {
  AR_P, AR_S, CR0_ET, CR0_MP, CR0_PE, CR0_PG, CR0_TS, CR0_WP, CR4_DE, CR4_PAE, CR4_PGE, CR4_PSE, CR4_TSD,
  EXC_DB, EXC_GP, EXC_NM, EXC_NP, EXC_UD, ZF,
} from "./constants.js";
import type { Handler, Insn } from "./insn.js";
import { deliverInterrupt, INT_HW } from "./interrupts.js";
import { ea, getRM16 } from "./operands.js";
import { flushTlbPage } from "./paging.js";
import { desc, descAr, descBase, descLimit, readDescriptor } from "./segments.js";
import { rsm } from "./smm.js";

/** Privileged instructions need CPL 0 in protected mode (and are not allowed in virtual-8086 mode). */
export function requireCpl0(c: X86Cpu): void {
  if (c.protectedMode() && (c.cpl !== 0 || c.v86Mode())) c.raise(EXC_GP, 0);
}
function requirePm(c: X86Cpu): void {
  if (!c.protectedMode() || c.v86Mode()) c.raise(EXC_UD);
}

// ---------------------------------------------------------------- 0F 00

function storeSel(c: X86Cpu, i: Insn, v: number): void {
  if (i.mod === 3) {
    if (i.o32) c.r32[i.rm] = v;
    else c.r16[i.rm << 1] = v;
  } else c.wr16(i.seg, ea(c, i), v);
}

const grp6: Handler = (c, i) => {
  requirePm(c);
  switch (i.reg) {
    case 0: storeSel(c, i, c.ldtSel); return;
    case 1: storeSel(c, i, c.trSel); return;
    case 2: lldt(c, getRM16(c, i)); return;
    case 3: ltr(c, getRM16(c, i)); return;
    case 4: verify(c, getRM16(c, i), false); return;
    case 5: verify(c, getRM16(c, i), true); return;
    default: c.raise(EXC_UD);
  }
};

function lldt(c: X86Cpu, sel: number): void {
  requireCpl0(c);
  if ((sel & 0xfffc) === 0) {
    c.ldtSel = sel;
    c.ldtBase = 0;
    c.ldtLimit = 0;
    c.ldtAr = 0;
    return;
  }
  if ((sel & 4) !== 0) c.raise(EXC_GP, sel & 0xfffc);
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, sel & 0xfffc);
  const ar = descAr(desc.hi);
  if ((ar & 0x1f) !== 2) c.raise(EXC_GP, sel & 0xfffc);
  if ((ar & AR_P) === 0) c.raise(EXC_NP, sel & 0xfffc);
  c.ldtSel = sel;
  c.ldtBase = descBase(desc.lo, desc.hi);
  c.ldtLimit = descLimit(desc.lo, desc.hi);
  c.ldtAr = ar;
}

function ltr(c: X86Cpu, sel: number): void {
  requireCpl0(c);
  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  if ((sel & 4) !== 0) c.raise(EXC_GP, sel & 0xfffc);
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, sel & 0xfffc);
  const ar = descAr(desc.hi);
  const type = ar & 0x1f;
  if (type !== 1 && type !== 9) c.raise(EXC_GP, sel & 0xfffc);
  if ((ar & AR_P) === 0) c.raise(EXC_NP, sel & 0xfffc);
  // Mark the TSS busy.
  desc.hi |= 0x200;
  c.swr8(desc.addr + 5, (desc.hi >>> 8) & 0xff);
  c.trSel = sel;
  c.trBase = descBase(desc.lo, desc.hi);
  c.trLimit = descLimit(desc.lo, desc.hi);
  c.trAr = ar | 2;
}

/** Is the descriptor `sel` visible at CPL/RPL (shared by VERR VERW LAR LSL)? Leaves it in `desc`. */
function visible(c: X86Cpu, sel: number, forLimit: boolean, forAr: boolean): boolean {
  if ((sel & 0xfffc) === 0 || !readDescriptor(c, sel)) return false;
  const ar = descAr(desc.hi);
  const dpl = (ar >> 5) & 3;
  if ((ar & AR_S) === 0) {
    const t = ar & 0xf;
    const okLimit = t === 1 || t === 2 || t === 3 || t === 9 || t === 0xb;
    const okAr = okLimit || t === 4 || t === 5 || t === 0xc;
    if (forLimit ? !okLimit : forAr ? !okAr : true) return false;
  } else if ((ar & 0x1c) === 0x1c) return true; // conforming code: no privilege check
  return dpl >= c.cpl && dpl >= (sel & 3);
}

function verify(c: X86Cpu, sel: number, write: boolean): void {
  let ok = visible(c, sel, false, false);
  if (ok) {
    const ar = descAr(desc.hi);
    const code = (ar & 0x18) === 0x18;
    ok = write ? !code && (ar & 2) !== 0 : !code || (ar & 2) !== 0;
  }
  c.putFlags(ZF, ok ? ZF : 0);
}

const lar: Handler = (c, i) => {
  requirePm(c);
  const sel = getRM16(c, i);
  if (!visible(c, sel, false, true)) {
    c.putFlags(ZF, 0);
    return;
  }
  const v = desc.hi & (i.o32 ? 0x00f0ff00 : 0xff00);
  if (i.o32) c.r32[i.reg] = v;
  else c.r16[i.reg << 1] = v;
  c.putFlags(ZF, ZF);
};
const lsl: Handler = (c, i) => {
  requirePm(c);
  const sel = getRM16(c, i);
  if (!visible(c, sel, true, false)) {
    c.putFlags(ZF, 0);
    return;
  }
  const v = descLimit(desc.lo, desc.hi);
  if (i.o32) c.r32[i.reg] = v;
  else c.r16[i.reg << 1] = v;
  c.putFlags(ZF, ZF);
};

// ---------------------------------------------------------------- 0F 01

const grp7: Handler = (c, i) => {
  switch (i.reg) {
    case 0:
    case 1: {
      if (i.mod === 3) c.raise(EXC_UD);
      const off = ea(c, i);
      const base = i.reg === 0 ? c.gdtBase : c.idtBase;
      const limit = i.reg === 0 ? c.gdtLimit : c.idtLimit;
      c.checkWrite(i.seg, off, 6);
      c.wr16(i.seg, off, limit);
      // With a 16-bit operand the 286 stores FF in the top byte; later CPUs store 0.
      const b = i.o32 ? base : c.level === 286 ? (base & 0xffffff) | 0xff000000 : base & 0xffffff;
      c.wr32(i.seg, i.a32 ? (off + 2) >>> 0 : (off + 2) & 0xffff, b);
      return;
    }
    case 2:
    case 3: {
      if (i.mod === 3) c.raise(EXC_UD);
      requireCpl0(c);
      const off = ea(c, i);
      const limit = c.rd16(i.seg, off);
      let base = c.rd32(i.seg, i.a32 ? (off + 2) >>> 0 : (off + 2) & 0xffff) >>> 0;
      if (!i.o32) base &= 0xffffff;
      if (i.reg === 2) {
        c.gdtBase = base;
        c.gdtLimit = limit;
      } else {
        c.idtBase = base;
        c.idtLimit = limit;
      }
      return;
    }
    case 4: {
      const v = c.level === 286 ? c.cr0 | 0xfff0 : c.cr0;
      if (i.mod === 3 && i.o32) c.r32[i.rm] = v;
      else storeSel(c, i, v & 0xffff);
      return;
    }
    case 6: {
      requireCpl0(c);
      const v = getRM16(c, i);
      // LMSW can set PE but not clear it, and touches only MP EM TS.
      const keepPe = c.cr0 & CR0_PE;
      writeCr0(c, (c.cr0 & ~0xe) | (v & 0xf) | keepPe);
      return;
    }
    case 7:
      if (i.mod === 3 || c.level < 486) c.raise(EXC_UD);
      requireCpl0(c);
      flushTlbPage(c, (c.segBase[i.seg] + ea(c, i)) >>> 0);
      return;
    default:
      c.raise(EXC_UD);
  }
};

// ---------------------------------------------------------------- control / debug registers

export function writeCr0(c: X86Cpu, v: number): void {
  if (c.level === 286) {
    // The 286 MSW: only PE MP EM TS; PE cannot be cleared.
    c.cr0 = (c.cr0 & ~0xf) | (v & 0xf) | (c.cr0 & CR0_PE) | 0xfff0;
    for (let s = 0; s < 6; s++) c.updateSegBounds(s);
    return;
  }
  v |= 0;
  if ((v & CR0_PG) !== 0 && (v & CR0_PE) === 0) c.raise(EXC_GP, 0);
  if (c.level >= 486) v |= CR0_ET;
  const changed = c.cr0 ^ v;
  c.cr0 = v;
  if ((changed & (CR0_PG | CR0_WP | CR0_PE)) !== 0) c.flushTlb(true);
  if ((changed & CR0_PE) !== 0) {
    if ((v & CR0_PE) === 0) c.setCpl(0);
    for (let s = 0; s < 6; s++) c.updateSegBounds(s);
  }
}

const movFromCr: Handler = (c, i) => {
  requireCpl0(c);
  let v: number;
  switch (i.reg) {
    case 0: v = c.cr0; break;
    case 2: v = c.cr2; break;
    case 3: v = c.cr3; break;
    case 4: if (c.level >= 586) { v = c.cr4; break; } return c.raise(EXC_UD);
    default: return c.raise(EXC_UD);
  }
  c.r32[i.rm] = v;
};
const movToCr: Handler = (c, i) => {
  requireCpl0(c);
  const v = c.r32[i.rm];
  switch (i.reg) {
    case 0: writeCr0(c, v); return;
    case 2: c.cr2 = v; return;
    case 3:
      c.cr3 = v;
      c.flushTlb(false);
      return;
    case 4: {
      if (c.level < 586) c.raise(EXC_UD);
      // No PAE, VMX or other long-mode machinery on this CPU.
      if ((v & (CR4_PAE | ~0x7ff)) !== 0) c.raise(EXC_GP, 0);
      if (((c.cr4 ^ v) & (CR4_PGE | CR4_PSE)) !== 0) c.flushTlb(true);
      c.cr4 = v;
      return;
    }
    default: c.raise(EXC_UD);
  }
};
function drIndex(c: X86Cpu, r: number): number {
  if (r === 4 || r === 5) {
    if ((c.cr4 & CR4_DE) !== 0) c.raise(EXC_UD);
    return r + 2;
  }
  return r;
}
const movFromDr: Handler = (c, i) => {
  requireCpl0(c);
  c.r32[i.rm] = c.dr[drIndex(c, i.reg)];
};
const movToDr: Handler = (c, i) => {
  requireCpl0(c);
  const r = drIndex(c, i.reg);
  let v = c.r32[i.rm];
  if (r === 6) v = (v | 0xffff0ff0) & ~0x1000;
  else if (r === 7) v = (v | 0x400) & ~0xd800;
  c.dr[r] = v;
};

const clts: Handler = (c) => {
  requireCpl0(c);
  c.cr0 &= ~CR0_TS;
};
const invd: Handler = (c) => requireCpl0(c);
const ud: Handler = (c) => c.raise(EXC_UD);
/** F1 (ICEBP/INT1): a debug trap delivered like a hardware event. */
const icebp: Handler = (c) => deliverInterrupt(c, EXC_DB, INT_HW, -1);
/** 9B WAIT/FWAIT: #NM when the FPU context belongs to another task. */
const wait: Handler = (c) => {
  if ((c.cr0 & (CR0_TS | CR0_MP)) === (CR0_TS | CR0_MP)) c.raise(EXC_NM);
};

// ---------------------------------------------------------------- CPUID, TSC, MSRs

const cpuid: Handler = (c) => {
  const leaf = c.r32[0] >>> 0, sub = c.r32[1] >>> 0;
  let r: [number, number, number, number];
  if (c.cpuidFn) r = c.cpuidFn(leaf, sub);
  else if (leaf === 0) r = [1, 0x756e6547, 0x6c65746e, 0x49656e69]; // "GenuineIntel"
  else if (leaf === 1) r = [c.level === 686 ? 0x663 : 0x543, 0, 0, 0x0000813f | (c.level >= 686 ? 0x8000 : 0)];
  else r = [0, 0, 0, 0];
  c.r32[0] = r[0];
  c.r32[3] = r[1];
  c.r32[1] = r[2];
  c.r32[2] = r[3];
};

export function readTsc(c: X86Cpu): number {
  return c.readTsc ? c.readTsc() : c.instructions + c.tscOffset;
}

const rdtsc: Handler = (c) => {
  if ((c.cr4 & CR4_TSD) !== 0 && c.cpl !== 0 && c.protectedMode()) c.raise(EXC_GP, 0);
  const t = readTsc(c);
  c.r32[0] = t % 4294967296;
  c.r32[2] = Math.floor(t / 4294967296);
};

const MSR_TSC = 0x10, MSR_APIC_BASE = 0x1b, MSR_SMI_COUNT = 0x34;

const rdmsr: Handler = (c) => {
  requireCpl0(c);
  const idx = c.r32[1] >>> 0;
  let v: bigint;
  if (idx === MSR_TSC) v = BigInt(Math.floor(readTsc(c)));
  else if (idx === MSR_SMI_COUNT) v = BigInt(c.smiCount);
  else v = c.msrs.get(idx) ?? (idx === MSR_APIC_BASE ? 0xfee00900n : 0n);
  c.r32[0] = Number(v & 0xffffffffn);
  c.r32[2] = Number((v >> 32n) & 0xffffffffn);
};
const wrmsr: Handler = (c) => {
  requireCpl0(c);
  const idx = c.r32[1] >>> 0;
  const v = (BigInt(c.r32[2] >>> 0) << 32n) | BigInt(c.r32[0] >>> 0);
  if (idx === MSR_TSC) {
    c.tscOffset += Number(v) - readTsc(c);
    return;
  }
  c.msrs.set(idx, v);
};

export function registerSystem(h: Handler[]): void {
  h[0x100] = grp6;
  h[0x101] = grp7;
  h[0x102] = lar;
  h[0x103] = lsl;
  h[0x106] = clts;
  h[0x108] = h[0x109] = invd;
  h[0x10b] = h[0x1b9] = h[0x1ff] = ud;
  h[0x120] = movFromCr;
  h[0x122] = movToCr;
  h[0x121] = movFromDr;
  h[0x123] = movToDr;
  h[0x1a2] = cpuid;
  h[0x1aa] = (c) => rsm(c);
  h[0x131] = rdtsc;
  h[0x132] = rdmsr;
  h[0x130] = wrmsr;
  h[0xf1] = icebp;
  h[0x9b] = wait;
}

