/**
 * Interrupt and exception delivery: the real-mode IVT, protected-mode IDT
 * gates (interrupt/trap, 16/32-bit) with privilege checks and the TSS stack
 * switch, and the double-fault / triple-fault rules.
 */
import type { X86Cpu } from "./cpu.js";
import { FAULT } from "./cpu.js";
import {
  AC, AR_DB, AR_P, AR_S, CS, DS, ES, EXC_DF, EXC_GP, EXC_NP, EXC_SS, EXC_TS, FS, GS, IF, NT, RF, SS, TF, VM,
} from "./constants.js";
import { desc, descAr, descBase, descLimit, loadStackForLevel, markAccessed, readDescriptor } from "./segments.js";

/** External interrupt or exception raised by the CPU itself: no gate DPL check, EXT set in error codes. */
export const INT_HW = 0;
/** INT n / INT3 / INTO: the gate's DPL must allow the current privilege. */
export const INT_SOFT = 1;
/** A CPU exception (fault or trap). */
export const INT_EXC = 2;

function contributory(v: number): boolean {
  return v === 0 || (v >= 10 && v <= 13);
}

/**
 * Deliver the exception in `c.excVec` / `c.excErr` (EIP already names the
 * instruction to report), escalating to #DF and then shutdown as the CPU does
 * when delivery itself faults.
 */
export function handleFault(c: X86Cpu): void {
  let vec = c.excVec;
  let err = c.excErr;
  for (;;) {
    try {
      deliverInterrupt(c, vec, INT_EXC, err);
      return;
    } catch (e) {
      if (e !== FAULT) throw e;
      const nv = c.excVec;
      if (vec === EXC_DF) {
        c.shutdownPending = true;
        c.eventPending = true;
        return;
      }
      if ((contributory(vec) && contributory(nv)) || (vec === 14 && (nv === 14 || contributory(nv)))) {
        vec = EXC_DF;
        err = 0;
      } else {
        vec = nv;
        err = c.excErr;
      }
    }
  }
}

/** Deliver interrupt `vec` now. `err` is the error code to push (-1: none). */
export function deliverInterrupt(c: X86Cpu, vec: number, kind: number, err: number): void {
  c.halted = false;
  c.eventPending = true;
  if (!c.protectedMode()) {
    realModeInterrupt(c, vec);
    return;
  }
  const savedEsp = c.r32[4];
  try {
    protectedModeInterrupt(c, vec, kind, err);
  } catch (e) {
    c.r32[4] = savedEsp;
    throw e;
  }
}

function realModeInterrupt(c: X86Cpu, vec: number): void {
  const off = vec << 2;
  if (off + 3 > c.idtLimit) c.raise(EXC_GP, (vec << 3) + 2);
  const ip = c.srd16(c.idtBase + off);
  const cs = c.srd16(c.idtBase + off + 2);
  const savedSp = c.r32[4];
  try {
    c.push16(c.getFlags());
    c.push16(c.segSel[CS]);
    c.push16(c.eip);
  } catch (e) {
    c.r32[4] = savedSp;
    throw e;
  }
  c.putFlags(IF | TF | AC | RF, 0);
  c.loadRealSeg(CS, cs);
  c.eip = ip;
}

function protectedModeInterrupt(c: X86Cpu, vec: number, kind: number, err: number): void {
  const ext = kind === INT_SOFT ? 0 : 1;
  const gateOff = vec << 3;
  if (gateOff + 7 > c.idtLimit) c.raise(EXC_GP, gateOff + 2 + ext);
  const lo = c.srd32(c.idtBase + gateOff);
  const hi = c.srd32(c.idtBase + gateOff + 4);
  const type = (hi >>> 8) & 0x1f;
  if (type !== 6 && type !== 7 && type !== 0xe && type !== 0xf && type !== 5) c.raise(EXC_GP, gateOff + 2 + ext);
  const gateDpl = (hi >>> 13) & 3;
  if (kind === INT_SOFT && gateDpl < c.cpl) c.raise(EXC_GP, gateOff + 2);
  if ((hi & 0x8000) === 0) c.raise(EXC_NP, gateOff + 2 + ext);
  if (type === 5) c.raise(EXC_GP, gateOff + 2 + ext); // task gates: hardware task switching is not implemented
  const gate32 = (type & 8) !== 0;
  const trap = (type & 1) !== 0;
  const sel = lo >>> 16;
  const offset = gate32 ? ((hi & 0xffff0000) | (lo & 0xffff)) >>> 0 : lo & 0xffff;

  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, ext);
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, (sel & 0xfffc) + ext);
  const csAr = descAr(desc.hi);
  const csDpl = (csAr >> 5) & 3;
  if ((csAr & 0x18) !== 0x18 || csDpl > c.cpl) c.raise(EXC_GP, (sel & 0xfffc) + ext);
  if ((csAr & AR_P) === 0) c.raise(EXC_NP, (sel & 0xfffc) + ext);
  const csLo = desc.lo, csHi = desc.hi, csAddr = desc.addr;
  const conforming = (csAr & 4) !== 0;
  const newCpl = conforming ? c.cpl : csDpl;
  const csLimit = descLimit(csLo, csHi);
  if (offset > csLimit) c.raise(EXC_GP, ext);

  const oldFlags = c.getFlags();
  const v86 = (oldFlags & VM) !== 0;
  const size = gate32 ? 4 : 2;

  if (newCpl < c.cpl) {
    // Inner privilege: take SS:ESP for the new level from the TSS.
    let newSs: number, newEsp: number;
    const tss32 = (c.trAr & 0xf) === 9 || (c.trAr & 0xf) === 0xb;
    if (tss32) {
      const at = 4 + newCpl * 8;
      if (at + 5 > c.trLimit) c.raise(EXC_TS, c.trSel & 0xfffc);
      newEsp = c.srd32(c.trBase + at) >>> 0;
      newSs = c.srd16(c.trBase + at + 4);
    } else {
      const at = 2 + newCpl * 4;
      if (at + 3 > c.trLimit) c.raise(EXC_TS, c.trSel & 0xfffc);
      newEsp = c.srd16(c.trBase + at);
      newSs = c.srd16(c.trBase + at + 2);
    }
    loadStackForLevel(c, newSs, newCpl);
    markAccessed(c);
    const ssBase = descBase(desc.lo, desc.hi);
    const ssLimit = descLimit(desc.lo, desc.hi);
    const ssAr = descAr(desc.hi);
    const ss32 = (ssAr & AR_DB) !== 0;
    const words: number[] = [];
    if (v86) words.push(c.segSel[GS], c.segSel[FS], c.segSel[DS], c.segSel[ES]);
    words.push(c.segSel[SS], c.r32[4], oldFlags, c.segSel[CS], c.eip);
    if (err >= 0) words.push(err);
    const total = words.length * size;
    let sp = ss32 ? newEsp : newEsp & 0xffff;
    const low = ss32 ? (sp - total) >>> 0 : (sp - total) & 0xffff;
    if (!stackRangeOk(ssAr, ssLimit, low, total)) c.raise(EXC_SS, newSs & 0xfffc);
    for (const w of words) {
      sp = ss32 ? (sp - size) >>> 0 : (sp - size) & 0xffff;
      if (size === 4) c.swr32(ssBase + sp, w);
      else c.swr16(ssBase + sp, w);
    }
    // Commit: new stack, new code segment, privilege.
    c.setSegCache(SS, (newSs & 0xfffc) | newCpl, ssBase, ssLimit, ssAr);
    if (ss32) c.r32[4] = sp;
    else c.r16[8] = sp;
    if (v86) {
      for (const s of [ES, DS, FS, GS]) c.setSegCache(s, 0, 0, 0, 0);
    }
  } else {
    if (v86) c.raise(EXC_GP, (sel & 0xfffc) + ext);
    // Same privilege: push on the current stack.
    const values = [oldFlags, c.segSel[CS], c.eip];
    if (err >= 0) values.push(err);
    for (const w of values) {
      if (size === 4) c.push32(w);
      else c.push16(w);
    }
  }
  desc.lo = csLo;
  desc.hi = csHi;
  desc.addr = csAddr;
  markAccessed(c);
  c.setSegCache(CS, (sel & 0xfffc) | newCpl, descBase(csLo, csHi), csLimit, descAr(desc.hi));
  c.setCpl(newCpl);
  c.eip = offset;
  c.putFlags(TF | NT | VM | RF | (trap ? 0 : IF), 0);
}

/** Would `size` bytes starting at offset `low` fit in a stack segment with attributes `ar` and limit `limit`? */
export function stackRangeOk(ar: number, limit: number, low: number, size: number): boolean {
  const expandDown = (ar & 0x1c) === 0x14;
  const hiBound = expandDown ? ((ar & AR_DB) !== 0 ? 0xffffffff : 0xffff) : limit;
  const loBound = expandDown ? limit + 1 : 0;
  return low >= loBound && low + size - 1 <= hiBound && (ar & AR_S) !== 0;
}
