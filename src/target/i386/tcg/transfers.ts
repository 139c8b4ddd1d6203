/**
 * Far control transfers in every mode: JMP/CALL far (direct and through call
 * gates, with the inner-stack switch and parameter copy), RET far to the same
 * or an outer level, IRET (real, protected, to and from virtual-8086), and the
 * EFLAGS write rules POPF and IRET share.
 */
import type { X86Cpu } from "./cpu.js";
import {
  AC, AF, AR_DB, AR_P, CF, CS, DF, DS, ES, EXC_GP, EXC_NP, EXC_SS, EXC_TS, FS, GS, ID, IF, IOPL, NT, OF, PF,
  RF, SF, SS, TF, VIF, VIP, VM, ZF,
} from "./constants.js";
import { stackRangeOk } from "./interrupts.js";
import {
  desc, descAr, descBase, descLimit, invalidateSegsForCpl, loadCodeSeg, loadStackForLevel, markAccessed,
  readDescriptor,
} from "./segments.js";

/** Which EFLAGS bits POPF / IRET may change at the current privilege. */
export function flagsWriteMask(c: X86Cpu, o32: boolean): number {
  let m = CF | PF | AF | ZF | SF | TF | DF | OF | NT;
  if (o32) m |= AC | ID;
  const pm = c.protectedMode();
  const iopl = (c.flags & IOPL) >> 12;
  if (!pm || c.cpl === 0) m |= IOPL;
  if (!pm || c.cpl <= iopl) m |= IF;
  return o32 ? m : m & 0xffff;
}

export function writeFlags(c: X86Cpu, v: number, mask: number): void {
  c.setFlags((c.getFlags() & ~mask) | (v & mask));
}

// ---------------------------------------------------------------- JMP / CALL far

/** Check the code-segment descriptor in `desc` for a direct JMP/CALL; raises #GP/#NP. */
function checkDirectCode(c: X86Cpu, sel: number): void {
  const ar = descAr(desc.hi);
  const dpl = (ar >> 5) & 3;
  const rpl = sel & 3;
  if ((ar & 4) !== 0) {
    if (dpl > c.cpl) c.raise(EXC_GP, sel & 0xfffc);
  } else if (rpl > c.cpl || dpl !== c.cpl) c.raise(EXC_GP, sel & 0xfffc);
  if ((ar & AR_P) === 0) c.raise(EXC_NP, sel & 0xfffc);
}

export function jmpFar(c: X86Cpu, sel: number, off: number, o32: boolean): void {
  if (!c.protectedMode() || (c.flags & VM) !== 0) {
    c.loadRealSeg(CS, sel);
    c.eip = o32 ? off >>> 0 : off & 0xffff;
    return;
  }
  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, sel & 0xfffc);
  const ar = descAr(desc.hi);
  if ((ar & 0x18) === 0x18) {
    checkDirectCode(c, sel);
    if (off > descLimit(desc.lo, desc.hi)) c.raise(EXC_GP, 0);
    loadCodeSeg(c, sel, c.cpl);
    c.eip = off;
    return;
  }
  const type = ar & 0x1f;
  if (type === 4 || type === 0xc) {
    const gate = gateTarget(c, sel, ar);
    if (!readDescriptor(c, gate.sel)) c.raise(EXC_GP, gate.sel & 0xfffc);
    const car = descAr(desc.hi);
    const dpl = (car >> 5) & 3;
    if ((car & 0x18) !== 0x18 || ((car & 4) !== 0 ? dpl > c.cpl : dpl !== c.cpl)) c.raise(EXC_GP, gate.sel & 0xfffc);
    if ((car & AR_P) === 0) c.raise(EXC_NP, gate.sel & 0xfffc);
    if (gate.off > descLimit(desc.lo, desc.hi)) c.raise(EXC_GP, 0);
    loadCodeSeg(c, gate.sel, c.cpl);
    c.eip = gate.off;
    return;
  }
  // TSS descriptors and task gates would switch tasks, which this CPU does not implement.
  c.raise(EXC_GP, sel & 0xfffc);
}

const gateInfo = { sel: 0, off: 0, params: 0, is32: false };
/** Decode and check the call gate in `desc` (selector `sel`, attributes `ar`). */
function gateTarget(c: X86Cpu, sel: number, ar: number): typeof gateInfo {
  const dpl = (ar >> 5) & 3;
  if (dpl < c.cpl || dpl < (sel & 3)) c.raise(EXC_GP, sel & 0xfffc);
  if ((ar & AR_P) === 0) c.raise(EXC_NP, sel & 0xfffc);
  gateInfo.is32 = (ar & 0x1f) === 0xc;
  gateInfo.sel = desc.lo >>> 16;
  gateInfo.off = gateInfo.is32 ? ((desc.hi & 0xffff0000) | (desc.lo & 0xffff)) >>> 0 : desc.lo & 0xffff;
  gateInfo.params = desc.hi & 0x1f;
  if ((gateInfo.sel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  return gateInfo;
}

/** Pushes the far return address; a fault while pushing leaves ESP as it was before the CALL. */
function pushReturnAddress(c: X86Cpu, wide: boolean, retCs: number, retIp: number, savedSp: number): void {
  try {
    if (wide) {
      c.push32(retCs);
      c.push32(retIp);
    } else {
      c.push16(retCs);
      c.push16(retIp);
    }
  } catch (e) {
    c.r32[4] = savedSp;
    throw e;
  }
}

export function callFar(c: X86Cpu, sel: number, off: number, o32: boolean): void {
  const retCs = c.segSel[CS];
  const retIp = c.eip;
  if (!c.protectedMode() || (c.flags & VM) !== 0) {
    const sp = c.r32[4];
    try {
      if (o32) {
        c.push32(retCs);
        c.push32(retIp);
      } else {
        c.push16(retCs);
        c.push16(retIp);
      }
    } catch (e) {
      c.r32[4] = sp;
      throw e;
    }
    c.loadRealSeg(CS, sel);
    c.eip = o32 ? off >>> 0 : off & 0xffff;
    return;
  }
  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, sel & 0xfffc);
  const ar = descAr(desc.hi);
  const savedSp = c.r32[4];
  if ((ar & 0x18) === 0x18) {
    checkDirectCode(c, sel);
    if (off > descLimit(desc.lo, desc.hi)) c.raise(EXC_GP, 0);
    const lo = desc.lo, hi = desc.hi, addr = desc.addr;
    pushReturnAddress(c, o32, retCs, retIp, savedSp);
    desc.lo = lo;
    desc.hi = hi;
    desc.addr = addr;
    loadCodeSeg(c, sel, c.cpl);
    c.eip = off;
    return;
  }
  const type = ar & 0x1f;
  if (type !== 4 && type !== 0xc) c.raise(EXC_GP, sel & 0xfffc);
  const g = gateTarget(c, sel, ar);
  const gSel = g.sel, gOff = g.off, gParams = g.params, g32 = g.is32;
  if (!readDescriptor(c, gSel)) c.raise(EXC_GP, gSel & 0xfffc);
  const car = descAr(desc.hi);
  const dpl = (car >> 5) & 3;
  if ((car & 0x18) !== 0x18 || dpl > c.cpl) c.raise(EXC_GP, gSel & 0xfffc);
  if ((car & AR_P) === 0) c.raise(EXC_NP, gSel & 0xfffc);
  if (gOff > descLimit(desc.lo, desc.hi)) c.raise(EXC_GP, 0);
  const csLo = desc.lo, csHi = desc.hi, csAddr = desc.addr;
  const size = g32 ? 4 : 2;
  if ((car & 4) === 0 && dpl < c.cpl) {
    // More privileged: switch to the TSS stack for `dpl` and copy the parameters.
    const tss32 = (c.trAr & 0xf) === 9 || (c.trAr & 0xf) === 0xb;
    let newSs: number, newEsp: number;
    if (tss32) {
      const at = 4 + dpl * 8;
      if (at + 5 > c.trLimit) c.raise(EXC_TS, c.trSel & 0xfffc);
      newEsp = c.srd32(c.trBase + at) >>> 0;
      newSs = c.srd16(c.trBase + at + 4);
    } else {
      const at = 2 + dpl * 4;
      if (at + 3 > c.trLimit) c.raise(EXC_TS, c.trSel & 0xfffc);
      newEsp = c.srd16(c.trBase + at);
      newSs = c.srd16(c.trBase + at + 2);
    }
    loadStackForLevel(c, newSs, dpl);
    markAccessed(c);
    const ssBase = descBase(desc.lo, desc.hi), ssLimit = descLimit(desc.lo, desc.hi), ssAr = descAr(desc.hi);
    const ss32 = (ssAr & AR_DB) !== 0;
    const params: number[] = [];
    for (let k = gParams - 1; k >= 0; k--) params.push(g32 ? c.peek32(k * 4) : c.peek16(k * 2));
    const words = [c.segSel[SS], c.r32[4], ...params, retCs, retIp];
    let sp = ss32 ? newEsp : newEsp & 0xffff;
    const total = words.length * size;
    const low = ss32 ? (sp - total) >>> 0 : (sp - total) & 0xffff;
    if (!stackRangeOk(ssAr, ssLimit, low, total)) c.raise(EXC_SS, newSs & 0xfffc);
    for (const w of words) {
      sp = ss32 ? (sp - size) >>> 0 : (sp - size) & 0xffff;
      if (size === 4) c.swr32(ssBase + sp, w);
      else c.swr16(ssBase + sp, w);
    }
    c.setSegCache(SS, (newSs & 0xfffc) | dpl, ssBase, ssLimit, ssAr);
    if (ss32) c.r32[4] = sp;
    else c.r16[8] = sp;
    desc.lo = csLo;
    desc.hi = csHi;
    desc.addr = csAddr;
    loadCodeSeg(c, gSel, dpl);
  } else {
    pushReturnAddress(c, size === 4, retCs, retIp, savedSp);
    desc.lo = csLo;
    desc.hi = csHi;
    desc.addr = csAddr;
    loadCodeSeg(c, gSel, c.cpl);
  }
  c.eip = gOff;
}

// ---------------------------------------------------------------- RET far / IRET

/** Check the code segment a RET/IRET returns to (descriptor in `desc`). */
function checkReturnCode(c: X86Cpu, sel: number): void {
  const ar = descAr(desc.hi);
  const dpl = (ar >> 5) & 3;
  const rpl = sel & 3;
  if ((ar & 0x18) !== 0x18 || rpl < c.cpl) c.raise(EXC_GP, sel & 0xfffc);
  if ((ar & 4) !== 0 ? dpl > rpl : dpl !== rpl) c.raise(EXC_GP, sel & 0xfffc);
  if ((ar & AR_P) === 0) c.raise(EXC_NP, sel & 0xfffc);
}

export function retFar(c: X86Cpu, o32: boolean, extra: number): void {
  const size = o32 ? 4 : 2;
  const ip = o32 ? c.peek32(0) >>> 0 : c.peek16(0);
  const sel = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
  if (!c.protectedMode() || (c.flags & VM) !== 0) {
    c.addSp(2 * size + extra);
    c.loadRealSeg(CS, sel);
    c.eip = ip;
    return;
  }
  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, sel & 0xfffc);
  checkReturnCode(c, sel);
  if (ip > descLimit(desc.lo, desc.hi)) c.raise(EXC_GP, 0);
  const rpl = sel & 3;
  if (rpl === c.cpl) {
    loadCodeSeg(c, sel, c.cpl);
    c.addSp(2 * size + extra);
    c.eip = ip;
    return;
  }
  // Outer level: the caller's SS:ESP sits above the parameters.
  const csLo = desc.lo, csHi = desc.hi, csAddr = desc.addr;
  const sp = o32 ? c.peek32(2 * size + extra) >>> 0 : c.peek16(2 * size + extra);
  const ss = o32 ? c.peek32(3 * size + extra) & 0xffff : c.peek16(3 * size + extra);
  checkOuterStack(c, ss, rpl);
  const ssLo = desc.lo, ssHi = desc.hi, ssAddr = desc.addr;
  desc.lo = csLo;
  desc.hi = csHi;
  desc.addr = csAddr;
  loadCodeSeg(c, sel, rpl);
  desc.lo = ssLo;
  desc.hi = ssHi;
  desc.addr = ssAddr;
  markAccessed(c);
  c.setSegCache(SS, ss, descBase(ssLo, ssHi), descLimit(ssLo, ssHi), descAr(ssHi));
  const spv = sp + extra;
  if (c.ss32) c.r32[4] = spv;
  else c.r16[8] = spv;
  c.eip = ip;
  invalidateSegsForCpl(c);
}

function checkOuterStack(c: X86Cpu, ss: number, rpl: number): void {
  if ((ss & 0xfffc) === 0) c.raise(EXC_GP, 0);
  if (!readDescriptor(c, ss)) c.raise(EXC_GP, ss & 0xfffc);
  const ar = descAr(desc.hi);
  if ((ss & 3) !== rpl || ((ar >> 5) & 3) !== rpl || (ar & 0x1a) !== 0x12) c.raise(EXC_GP, ss & 0xfffc);
  if ((ar & AR_P) === 0) c.raise(EXC_SS, ss & 0xfffc);
}

export function iret(c: X86Cpu, o32: boolean): void {
  const size = o32 ? 4 : 2;
  c.nmiBlocked = false;
  if (!c.protectedMode()) {
    const ip = o32 ? c.peek32(0) >>> 0 : c.peek16(0);
    const cs = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
    const fl = o32 ? c.peek32(8) : c.peek16(4);
    c.addSp(3 * size);
    c.loadRealSeg(CS, cs);
    c.eip = ip;
    writeFlags(c, fl, flagsWriteMask(c, o32) | (o32 ? RF : 0));
    return;
  }
  if ((c.flags & VM) !== 0) {
    // Virtual-8086 IRET needs IOPL 3 (no VME support).
    if ((c.flags & IOPL) !== IOPL) c.raise(EXC_GP, 0);
    const ip = o32 ? c.peek32(0) >>> 0 : c.peek16(0);
    const cs = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
    const fl = o32 ? c.peek32(8) : c.peek16(4);
    c.addSp(3 * size);
    c.loadRealSeg(CS, cs);
    c.eip = ip & 0xffff;
    writeFlags(c, fl, (flagsWriteMask(c, o32) & ~IOPL) | (o32 ? RF : 0));
    return;
  }
  if ((c.flags & NT) !== 0) {
    // Return from a nested task: needs hardware task switching, which is not implemented.
    c.raise(EXC_TS, c.trSel & 0xfffc);
  }
  const ip = o32 ? c.peek32(0) >>> 0 : c.peek16(0);
  const sel = o32 ? c.peek32(4) & 0xffff : c.peek16(2);
  const fl = o32 ? c.peek32(8) : c.peek16(4);
  if (o32 && (fl & VM) !== 0 && c.cpl === 0) {
    iretToV86(c, ip, sel, fl);
    return;
  }
  if ((sel & 0xfffc) === 0) c.raise(EXC_GP, 0);
  if (!readDescriptor(c, sel)) c.raise(EXC_GP, sel & 0xfffc);
  checkReturnCode(c, sel);
  if (ip > descLimit(desc.lo, desc.hi)) c.raise(EXC_GP, 0);
  const rpl = sel & 3;
  const oldCpl = c.cpl;
  const mask = flagsWriteMask(c, o32) | (o32 ? RF : 0);
  if (rpl === c.cpl) {
    loadCodeSeg(c, sel, c.cpl);
    c.addSp(3 * size);
    c.eip = ip;
    writeFlags(c, fl, mask);
    return;
  }
  const csLo = desc.lo, csHi = desc.hi, csAddr = desc.addr;
  const sp = o32 ? c.peek32(3 * size) >>> 0 : c.peek16(3 * size);
  const ss = o32 ? c.peek32(4 * size) & 0xffff : c.peek16(4 * size);
  checkOuterStack(c, ss, rpl);
  const ssLo = desc.lo, ssHi = desc.hi, ssAddr = desc.addr;
  desc.lo = csLo;
  desc.hi = csHi;
  desc.addr = csAddr;
  // Flags first, with the old privilege's rights.
  writeFlags(c, fl, mask);
  loadCodeSeg(c, sel, rpl);
  desc.lo = ssLo;
  desc.hi = ssHi;
  desc.addr = ssAddr;
  markAccessed(c);
  c.setSegCache(SS, ss, descBase(ssLo, ssHi), descLimit(ssLo, ssHi), descAr(ssHi));
  if (c.ss32) c.r32[4] = sp;
  else c.r16[8] = sp;
  c.eip = ip;
  if (oldCpl !== c.cpl) invalidateSegsForCpl(c);
}

function iretToV86(c: X86Cpu, ip: number, cs: number, fl: number): void {
  const esp = c.peek32(12) >>> 0;
  const ss = c.peek32(16) & 0xffff;
  const es = c.peek32(20) & 0xffff;
  const ds = c.peek32(24) & 0xffff;
  const fs = c.peek32(28) & 0xffff;
  const gs = c.peek32(32) & 0xffff;
  c.setFlags((fl & ~(VIP | VIF)) | VM);
  c.setCpl(3);
  for (const [s, v] of [[CS, cs], [SS, ss], [ES, es], [DS, ds], [FS, fs], [GS, gs]] as const) c.loadRealSeg(s, v);
  c.r32[4] = esp;
  c.eip = ip & 0xffff;
}

