/** Operand access shared by the instruction handlers. */
import type { X86Cpu } from "./cpu.js";
import { R8 } from "./constants.js";
import type { Insn } from "./insn.js";

/** Effective address (segment offset) of a memory operand, wrapped to the address size. */
export function ea(c: X86Cpu, i: Insn): number {
  let a = i.disp;
  if (i.base >= 0) a += c.r32[i.base];
  if (i.index >= 0) a += c.r32[i.index] << i.scale;
  return i.a32 ? a >>> 0 : a & 0xffff;
}

export function getRM8(c: X86Cpu, i: Insn): number {
  return i.mod === 3 ? c.r8[R8[i.rm]] : c.rd8(i.seg, ea(c, i));
}
export function getRM16(c: X86Cpu, i: Insn): number {
  return i.mod === 3 ? c.r16[i.rm << 1] : c.rd16(i.seg, ea(c, i));
}
export function getRM32(c: X86Cpu, i: Insn): number {
  return i.mod === 3 ? c.r32[i.rm] : c.rd32(i.seg, ea(c, i));
}
export function setRM8(c: X86Cpu, i: Insn, v: number): void {
  if (i.mod === 3) c.r8[R8[i.rm]] = v;
  else c.wr8(i.seg, ea(c, i), v);
}
export function setRM16(c: X86Cpu, i: Insn, v: number): void {
  if (i.mod === 3) c.r16[i.rm << 1] = v;
  else c.wr16(i.seg, ea(c, i), v);
}
export function setRM32(c: X86Cpu, i: Insn, v: number): void {
  if (i.mod === 3) c.r32[i.rm] = v;
  else c.wr32(i.seg, ea(c, i), v);
}

export function getReg8(c: X86Cpu, r: number): number {
  return c.r8[R8[r]];
}
export function setReg8(c: X86Cpu, r: number, v: number): void {
  c.r8[R8[r]] = v;
}

/** Width descriptors: value mask and sign bit. */
export const MASK8 = 0xff, MASK16 = 0xffff, MASK32 = -1;
export const SIGN8 = 0x80, SIGN16 = 0x8000, SIGN32 = 0x80000000 | 0;
