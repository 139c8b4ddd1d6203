/** The whole architectural state as a plain, JSON-serialisable object (for `info registers`, migration, tests). */
import type { X86Cpu } from "./cpu.js";
import { SEG_NAMES } from "./constants.js";

export interface SegmentState {
  selector: number;
  base: number;
  limit: number;
  /** Attribute word: type, S, DPL, P in bits 0-7; AVL, L, D/B, G in bits 12-15. */
  flags: number;
}

export interface TableState {
  base: number;
  limit: number;
}

export interface CpuState {
  eax: number; ecx: number; edx: number; ebx: number; esp: number; ebp: number; esi: number; edi: number;
  eip: number;
  eflags: number;
  es: SegmentState; cs: SegmentState; ss: SegmentState; ds: SegmentState; fs: SegmentState; gs: SegmentState;
  ldt: SegmentState;
  tr: SegmentState;
  gdt: TableState;
  idt: TableState;
  cr0: number; cr2: number; cr3: number; cr4: number;
  dr: number[];
  cpl: number;
  halted: boolean;
  a20: boolean;
  /** In System Management Mode (read-only here: `info registers` shows it; restoring ignores it). */
  smm?: boolean;
  /** MSR index → value as a decimal string (bigint is not JSON). */
  msrs: Record<string, string>;
  fpu: { cw: number; sw: number; tw: number; top: number; regs: number[] };
  tsc: number;
}

const REG_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;

export function captureState(c: X86Cpu): CpuState {
  const seg = (s: number): SegmentState => ({
    selector: c.segSel[s], base: c.segBase[s] >>> 0, limit: c.segLimit[s] >>> 0, flags: c.segAr[s],
  });
  const msrs: Record<string, string> = {};
  for (const [k, v] of c.msrs) msrs[String(k)] = v.toString();
  return {
    eax: c.r32[0] >>> 0, ecx: c.r32[1] >>> 0, edx: c.r32[2] >>> 0, ebx: c.r32[3] >>> 0,
    esp: c.r32[4] >>> 0, ebp: c.r32[5] >>> 0, esi: c.r32[6] >>> 0, edi: c.r32[7] >>> 0,
    eip: c.eip >>> 0,
    eflags: c.getFlags() >>> 0,
    es: seg(0), cs: seg(1), ss: seg(2), ds: seg(3), fs: seg(4), gs: seg(5),
    ldt: { selector: c.ldtSel, base: c.ldtBase >>> 0, limit: c.ldtLimit >>> 0, flags: c.ldtAr },
    tr: { selector: c.trSel, base: c.trBase >>> 0, limit: c.trLimit >>> 0, flags: c.trAr },
    gdt: { base: c.gdtBase >>> 0, limit: c.gdtLimit },
    idt: { base: c.idtBase >>> 0, limit: c.idtLimit },
    cr0: c.cr0 >>> 0, cr2: c.cr2 >>> 0, cr3: c.cr3 >>> 0, cr4: c.cr4 >>> 0,
    dr: Array.from(c.dr, (v) => v >>> 0),
    cpl: c.cpl,
    halted: c.halted,
    a20: c.a20Enabled,
    smm: c.inSmm,
    msrs,
    fpu: { cw: c.fpuCw, sw: c.fpuSw, tw: c.fpuTw, top: c.fpuTop, regs: Array.from(c.fpuRegs) },
    tsc: c.instructions + c.tscOffset,
  };
}

export function restoreState(c: X86Cpu, s: CpuState): void {
  REG_NAMES.forEach((n, k) => (c.r32[k] = s[n]));
  c.eip = s.eip >>> 0;
  c.cr0 = s.cr0 | 0;
  c.cr2 = s.cr2 | 0;
  c.cr3 = s.cr3 | 0;
  c.cr4 = s.cr4 | 0;
  c.setFlags(s.eflags);
  SEG_NAMES.forEach((n, k) => c.setSegCache(k, s[n].selector, s[n].base, s[n].limit, s[n].flags));
  c.ldtSel = s.ldt.selector; c.ldtBase = s.ldt.base; c.ldtLimit = s.ldt.limit; c.ldtAr = s.ldt.flags;
  c.trSel = s.tr.selector; c.trBase = s.tr.base; c.trLimit = s.tr.limit; c.trAr = s.tr.flags;
  c.gdtBase = s.gdt.base; c.gdtLimit = s.gdt.limit;
  c.idtBase = s.idt.base; c.idtLimit = s.idt.limit;
  s.dr.forEach((v, k) => (c.dr[k] = v));
  c.cpl = s.cpl;
  c.halted = s.halted;
  c.setA20(s.a20);
  c.msrs.clear();
  for (const [k, v] of Object.entries(s.msrs)) c.msrs.set(Number(k), BigInt(v));
  c.fpuCw = s.fpu.cw; c.fpuSw = s.fpu.sw; c.fpuTw = s.fpu.tw; c.fpuTop = s.fpu.top;
  s.fpu.regs.forEach((v, k) => (c.fpuRegs[k] = v));
  c.tscOffset = s.tsc - c.instructions;
}
