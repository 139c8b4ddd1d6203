/**
 * Descriptor tables and segment-register loads with the protected-mode type,
 * privilege and presence checks (and their fault codes).
 */
import type { X86Cpu } from "./cpu.js";
import { AR_P, AR_S, CS, EXC_GP, EXC_NP, EXC_SS, EXC_TS, SS, VM } from "./constants.js";

/** The last descriptor read by readDescriptor (kept here so nothing is allocated). */
export const desc = { lo: 0, hi: 0, addr: 0 };

export function descBase(lo: number, hi: number): number {
  return ((lo >>> 16) | ((hi & 0xff) << 16) | (hi & 0xff000000)) >>> 0;
}
export function descLimit(lo: number, hi: number): number {
  let l = (lo & 0xffff) | (hi & 0xf0000);
  if ((hi & 0x800000) !== 0) l = (l << 12) | 0xfff;
  return l >>> 0;
}
/** Attribute word (type, S, DPL, P, AVL, L, D/B, G) as kept in the descriptor cache. */
export function descAr(hi: number): number {
  return (hi >>> 8) & 0xf0ff;
}

/**
 * Read the descriptor `sel` names from the GDT or LDT into `desc`.
 * Returns false when the selector lies beyond the table's limit.
 */
export function readDescriptor(c: X86Cpu, sel: number): boolean {
  let base: number, limit: number;
  if ((sel & 4) !== 0) {
    if ((c.ldtAr & AR_P) === 0 || (c.ldtSel & 0xfffc) === 0) return false;
    base = c.ldtBase;
    limit = c.ldtLimit;
  } else {
    base = c.gdtBase;
    limit = c.gdtLimit;
  }
  const idx = sel & 0xfff8;
  if (idx + 7 > limit) return false;
  desc.addr = (base + idx) >>> 0;
  desc.lo = c.srd32(desc.addr);
  desc.hi = c.srd32(desc.addr + 4);
  // The 286 has no upper word: base bits 24-31 and the G/D bits do not exist.
  if (c.level === 286) desc.hi &= 0xffff;
  return true;
}

/** Set the accessed bit of the descriptor last read, if it is clear. */
export function markAccessed(c: X86Cpu): void {
  if ((desc.hi & 0x100) === 0) {
    desc.hi |= 0x100;
    c.swr8(desc.addr + 5, (desc.hi >>> 8) & 0xff);
  }
}

/** Load the cache of segment `s` from the descriptor in `desc`. */
export function loadCacheFromDesc(c: X86Cpu, s: number, sel: number): void {
  c.setSegCache(s, sel, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAr(desc.hi));
}

/** MOV/POP/LxS to a data segment register or SS, with all the mode's checks. */
export function loadSeg(c: X86Cpu, s: number, sel: number): void {
  sel &= 0xffff;
  if (!c.protectedMode() || (c.flags & VM) !== 0) {
    c.loadRealSeg(s, sel);
    return;
  }
  const rpl = sel & 3;
  const cpl = c.cpl;
  if ((sel & 0xfffc) === 0) {
    if (s === SS) c.raise(EXC_GP, 0);
    c.setSegCache(s, sel, 0, 0, 0);
    return;
  }
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, sel & 0xfffc);
  const ar = descAr(desc.hi);
  const dpl = (ar >> 5) & 3;
  const isCode = (ar & 0x18) === 0x18;
  if (s === SS) {
    if (rpl !== cpl || dpl !== cpl || (ar & AR_S) === 0 || isCode || (ar & 2) === 0) c.raise(EXC_GP, sel & 0xfffc);
    if ((ar & AR_P) === 0) c.raise(EXC_SS, sel & 0xfffc);
  } else {
    if ((ar & AR_S) === 0 || (isCode && (ar & 2) === 0)) c.raise(EXC_GP, sel & 0xfffc);
    const conforming = isCode && (ar & 4) !== 0;
    if (!conforming && (rpl > dpl || cpl > dpl)) c.raise(EXC_GP, sel & 0xfffc);
    if ((ar & AR_P) === 0) c.raise(EXC_NP, sel & 0xfffc);
  }
  markAccessed(c);
  loadCacheFromDesc(c, s, sel);
}

/**
 * After a privilege drop (RET/IRET to an outer level): data segment registers
 * the new CPL may not use become null.
 */
export function invalidateSegsForCpl(c: X86Cpu): void {
  for (const s of [0, 3, 4, 5]) {
    const ar = c.segAr[s];
    if ((c.segSel[s] & 0xfffc) === 0 && (ar & AR_P) === 0) continue;
    const dpl = (ar >> 5) & 3;
    const conformingCode = (ar & 0x1c) === 0x1c;
    if ((ar & AR_S) === 0 || (!conformingCode && dpl < c.cpl)) c.setSegCache(s, 0, 0, 0, 0);
  }
}

/** Check a stack segment selector named by the TSS for privilege level `dpl`; raises #TS. */
export function loadStackForLevel(c: X86Cpu, sel: number, dpl: number): void {
  if ((sel & 0xfffc) === 0) c.raise(EXC_TS, sel & 0xfffc);
  if (!readDescriptor(c, sel)) c.raise(EXC_TS, sel & 0xfffc);
  const ar = descAr(desc.hi);
  if ((sel & 3) !== dpl || ((ar >> 5) & 3) !== dpl || (ar & 0x1a) !== 0x12) c.raise(EXC_TS, sel & 0xfffc);
  if ((ar & AR_P) === 0) c.raise(EXC_SS, sel & 0xfffc);
}

/** Load CS from `desc` for a transfer that lands at privilege `cpl`. */
export function loadCodeSeg(c: X86Cpu, sel: number, cpl: number): void {
  markAccessed(c);
  c.setSegCache(CS, (sel & 0xfffc) | cpl, descBase(desc.lo, desc.hi), descLimit(desc.lo, desc.hi), descAr(desc.hi));
  c.setCpl(cpl);
}
