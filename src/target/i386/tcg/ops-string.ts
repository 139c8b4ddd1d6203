/** String instructions (MOVS CMPS STOS LODS SCAS INS OUTS) with REP prefixes, and port I/O. */
import type { X86Cpu } from "./cpu.js";
import { FAULT } from "./cpu.js";
import { DF, ES, EXC_GP, IOPL, VM } from "./constants.js";
import type { Handler, Insn } from "./insn.js";
import { alu } from "./ops-alu.js";

const MOVS = 0, CMPS = 1, STOS = 2, LODS = 3, SCAS = 4, INS = 5, OUTS = 6;
/** Iterations of a REP string instruction per handler call, so interrupts and kicks are not held off. */
const REP_CHUNK = 16384;

/**
 * Port access check: allowed when CPL <= IOPL (outside virtual-8086 mode),
 * otherwise every bit of the TSS I/O permission bitmap for the ports must be 0.
 */
export function checkIo(c: X86Cpu, port: number, size: number): void {
  if (!c.protectedMode()) return;
  if ((c.flags & VM) === 0 && c.cpl <= (c.flags & IOPL) >> 12) return;
  const tss32 = (c.trAr & 0xf) === 9 || (c.trAr & 0xf) === 0xb;
  if (!tss32 || c.trLimit < 0x67) c.raise(EXC_GP, 0);
  const mapBase = c.srd16(c.trBase + 0x66);
  const at = mapBase + (port >> 3);
  if (at + 1 > c.trLimit) c.raise(EXC_GP, 0);
  const bits = c.srd16(c.trBase + at);
  if (((bits >> (port & 7)) & ((1 << size) - 1)) !== 0) c.raise(EXC_GP, 0);
}

export function ioIn(c: X86Cpu, port: number, size: 1 | 2 | 4): number {
  checkIo(c, port, size);
  c.eventPending = true;
  const v = c.bus.ioRead(port, size);
  return size === 4 ? v | 0 : v & (size === 1 ? 0xff : 0xffff);
}
export function ioOut(c: X86Cpu, port: number, v: number, size: 1 | 2 | 4): void {
  checkIo(c, port, size);
  c.eventPending = true;
  c.bus.ioWrite(port, size === 4 ? v | 0 : v & (size === 1 ? 0xff : 0xffff), size);
}

function rd(c: X86Cpu, s: number, off: number, size: number): number {
  return size === 1 ? c.rd8(s, off) : size === 2 ? c.rd16(s, off) : c.rd32(s, off);
}
function wr(c: X86Cpu, s: number, off: number, v: number, size: number): void {
  if (size === 1) c.wr8(s, off, v);
  else if (size === 2) c.wr16(s, off, v);
  else c.wr32(s, off, v);
}

function once(c: X86Cpu, i: Insn, kind: number, size: number): void {
  const a32 = i.a32;
  const si = a32 ? c.r32[6] >>> 0 : c.r16[12];
  const di = a32 ? c.r32[7] >>> 0 : c.r16[14];
  const sign = size === 1 ? 0x80 : size === 2 ? 0x8000 : 0x80000000 | 0;
  const mask = size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  const acc = size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : c.r32[0];
  switch (kind) {
    case MOVS:
      wr(c, ES, di, rd(c, i.seg, si, size), size);
      break;
    case CMPS:
      alu(c, 7, rd(c, i.seg, si, size), rd(c, ES, di, size), sign, mask);
      break;
    case STOS:
      wr(c, ES, di, acc, size);
      break;
    case LODS: {
      const v = rd(c, i.seg, si, size);
      if (size === 1) c.r8[0] = v;
      else if (size === 2) c.r16[0] = v;
      else c.r32[0] = v;
      break;
    }
    case SCAS:
      alu(c, 7, acc, rd(c, ES, di, size), sign, mask);
      break;
    case INS: {
      const port = c.r16[4];
      checkIo(c, port, size);
      c.eventPending = true;
      // The destination must be writable before the port is read (reads can have side effects).
      c.checkWrite(ES, di, size);
      wr(c, ES, di, c.bus.ioRead(port, size as 1 | 2 | 4), size);
      break;
    }
    default:
      ioOut(c, c.r16[4], rd(c, i.seg, si, size), size as 1 | 2 | 4);
      break;
  }
  advance(c, i, kind, size);
}

/** Step SI and/or DI past the element just processed. */
function advance(c: X86Cpu, i: Insn, kind: number, size: number): void {
  const a32 = i.a32;
  const d = (c.flags & DF) !== 0 ? -size : size;
  const movesSi = kind === MOVS || kind === CMPS || kind === LODS || kind === OUTS;
  const movesDi = kind !== LODS && kind !== OUTS;
  if (a32) {
    if (movesSi) c.r32[6] = c.r32[6] + d;
    if (movesDi) c.r32[7] = c.r32[7] + d;
  } else {
    if (movesSi) c.r16[12] = c.r16[12] + d;
    if (movesDi) c.r16[14] = c.r16[14] + d;
  }
}

/**
 * One element on the 286. Its microcode steps SI/DI right after each access,
 * and a word overrunning offset FFFF is reported after that step, so the
 * register that faulted (and any stepped before it) has already moved; the
 * count of a REP has been taken too. Other CPUs leave everything unchanged.
 */
function once286(c: X86Cpu, i: Insn, kind: number, size: number, counted: boolean): void {
  if (c.level !== 286) {
    once(c, i, kind, size);
    return;
  }
  const d = (c.flags & DF) !== 0 ? -size : size;
  const step = (reg: number, s: number, write: boolean, v: number): number => {
    const off = c.r16[reg << 1];
    c.r16[reg << 1] = off + d;
    try {
      if (write) {
        wr(c, s, off, v, size);
        return 0;
      }
      return rd(c, s, off, size);
    } catch (e) {
      if (counted && e === FAULT) c.r16[2] = c.r16[2] - 1;
      throw e;
    }
  };
  const sign = size === 1 ? 0x80 : 0x8000, mask = size === 1 ? 0xff : 0xffff;
  const acc = size === 1 ? c.r8[0] : c.r16[0];
  switch (kind) {
    case MOVS: step(7, ES, true, step(6, i.seg, false, 0)); break;
    case CMPS: {
      const b = step(7, ES, false, 0);
      alu(c, 7, step(6, i.seg, false, 0), b, sign, mask);
      break;
    }
    case STOS: step(7, ES, true, acc); break;
    case LODS: {
      const v = step(6, i.seg, false, 0);
      if (size === 1) c.r8[0] = v;
      else c.r16[0] = v;
      break;
    }
    case SCAS: alu(c, 7, acc, step(7, ES, false, 0), sign, mask); break;
    case INS: c.eventPending = true; step(7, ES, true, c.bus.ioRead(c.r16[4], size as 1 | 2 | 4)); break;
    default: c.eventPending = true; c.bus.ioWrite(c.r16[4], step(6, i.seg, false, 0), size as 1 | 2 | 4); break;
  }
}

function stringOp(c: X86Cpu, i: Insn, kind: number, size: number): void {
  if (i.rep === 0) {
    once286(c, i, kind, size, false);
    return;
  }
  const compare = kind === CMPS || kind === SCAS;
  for (let n = 0; ; n++) {
    const cnt = i.a32 ? c.r32[1] : c.r16[2];
    if (cnt === 0) return;
    if (n === REP_CHUNK) {
      // Come back to this instruction after giving interrupts a chance.
      c.eip = i.o32 || c.cs32 ? (c.eip - i.len) >>> 0 : (c.eip - i.len) & 0xffff;
      c.eip = c.cs32 ? c.eip : c.eip & 0xffff;
      return;
    }
    once286(c, i, kind, size, true);
    if (i.a32) c.r32[1] = cnt - 1;
    else c.r16[2] = cnt - 1;
    if (compare && (i.rep === 1 ? !c.getZF() : c.getZF())) return;
  }
}

function sizeOf(i: Insn): number {
  return (i.op & 1) === 0 ? 1 : i.o32 ? 4 : 2;
}
const movs: Handler = (c, i) => stringOp(c, i, MOVS, sizeOf(i));
const cmps: Handler = (c, i) => stringOp(c, i, CMPS, sizeOf(i));
const stos: Handler = (c, i) => stringOp(c, i, STOS, sizeOf(i));
const lods: Handler = (c, i) => stringOp(c, i, LODS, sizeOf(i));
const scas: Handler = (c, i) => stringOp(c, i, SCAS, sizeOf(i));
const ins: Handler = (c, i) => stringOp(c, i, INS, sizeOf(i));
const outs: Handler = (c, i) => stringOp(c, i, OUTS, sizeOf(i));

const inImm: Handler = (c, i) => {
  const size = sizeOf(i) as 1 | 2 | 4;
  const v = ioIn(c, i.imm & 0xff, size);
  if (size === 1) c.r8[0] = v;
  else if (size === 2) c.r16[0] = v;
  else c.r32[0] = v;
};
const outImm: Handler = (c, i) => {
  const size = sizeOf(i) as 1 | 2 | 4;
  ioOut(c, i.imm & 0xff, size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : c.r32[0], size);
};
const inDx: Handler = (c, i) => {
  const size = sizeOf(i) as 1 | 2 | 4;
  const v = ioIn(c, c.r16[4], size);
  if (size === 1) c.r8[0] = v;
  else if (size === 2) c.r16[0] = v;
  else c.r32[0] = v;
};
const outDx: Handler = (c, i) => {
  const size = sizeOf(i) as 1 | 2 | 4;
  ioOut(c, c.r16[4], size === 1 ? c.r8[0] : size === 2 ? c.r16[0] : c.r32[0], size);
};

export function registerString(h: Handler[]): void {
  h[0xa4] = h[0xa5] = movs;
  h[0xa6] = h[0xa7] = cmps;
  h[0xaa] = h[0xab] = stos;
  h[0xac] = h[0xad] = lods;
  h[0xae] = h[0xaf] = scas;
  h[0x6c] = h[0x6d] = ins;
  h[0x6e] = h[0x6f] = outs;
  h[0xe4] = h[0xe5] = inImm;
  h[0xe6] = h[0xe7] = outImm;
  h[0xec] = h[0xed] = inDx;
  h[0xee] = h[0xef] = outDx;
}
