/** Control flow: jumps, calls, returns, loops, INT/IRET, HLT and the flag instructions. */
import type { X86Cpu } from "./cpu.js";
import { CF, CS, DF, EXC_BP, EXC_BR, EXC_GP, EXC_OF, EXC_UD, IF, IOPL, RF, SS, VM } from "./constants.js";
import type { Handler, Insn } from "./insn.js";
import { deliverInterrupt, INT_SOFT } from "./interrupts.js";
import { ea, getRM16, getRM32 } from "./operands.js";
import { callFar, flagsWriteMask, iret, jmpFar, retFar, writeFlags } from "./transfers.js";

/** Set EIP to a near target, truncated to the operand size and checked against CS's limit. */
export function branch(c: X86Cpu, i: Insn, target: number): void {
  const t = i.o32 ? target >>> 0 : target & 0xffff;
  if (c.level !== 86 && t > c.segLimit[CS]) c.raise(EXC_GP, 0);
  c.eip = t;
}

/** One Jcc handler per condition, each testing its flags directly. */
function makeJcc(cc: number): Handler {
  const test = CONDITIONS[cc >> 1];
  if ((cc & 1) === 0) {
    return (c, i) => {
      if (test(c)) branch(c, i, c.eip + i.imm);
    };
  }
  return (c, i) => {
    if (!test(c)) branch(c, i, c.eip + i.imm);
  };
}
const CONDITIONS: ((c: X86Cpu) => boolean)[] = [
  (c) => c.getOF(),
  (c) => c.getCF() !== 0,
  (c) => c.getZF(),
  (c) => c.getCF() !== 0 || c.getZF(),
  (c) => c.getSF(),
  (c) => c.getPF(),
  (c) => c.getSF() !== c.getOF(),
  (c) => c.getZF() || c.getSF() !== c.getOF(),
];
const JCC: Handler[] = [];
for (let cc = 0; cc < 16; cc++) JCC.push(makeJcc(cc));
const jmpRel: Handler = (c, i) => branch(c, i, c.eip + i.imm);
const callRel: Handler = (c, i) => {
  const target = c.eip + i.imm;
  const t = i.o32 ? target >>> 0 : target & 0xffff;
  if (c.level !== 86 && t > c.segLimit[CS]) c.raise(EXC_GP, 0);
  if (i.o32) c.push32(c.eip);
  else c.push16(c.eip);
  c.eip = t;
};

/** The count register of LOOP/JCXZ follows the address size. */
function loopCount(c: X86Cpu, i: Insn): number {
  if (i.a32) return (c.r32[1] = c.r32[1] - 1);
  return (c.r16[2] = c.r16[2] - 1);
}
const loopnz: Handler = (c, i) => {
  const n = loopCount(c, i);
  if (n !== 0 && !c.getZF()) branch(c, i, c.eip + i.imm);
};
const loopz: Handler = (c, i) => {
  const n = loopCount(c, i);
  if (n !== 0 && c.getZF()) branch(c, i, c.eip + i.imm);
};
const loop: Handler = (c, i) => {
  if (loopCount(c, i) !== 0) branch(c, i, c.eip + i.imm);
};
const jcxz: Handler = (c, i) => {
  if ((i.a32 ? c.r32[1] : c.r16[2]) === 0) branch(c, i, c.eip + i.imm);
};

const retNear: Handler = (c, i) => {
  const ip = i.o32 ? c.peek32(0) >>> 0 : c.peek16(0);
  branch(c, i, ip);
  c.addSp((i.o32 ? 4 : 2) + (i.op === 0xc2 ? i.imm & 0xffff : 0));
};
const retFarH: Handler = (c, i) => retFar(c, i.o32, i.op === 0xca ? i.imm & 0xffff : 0);
const jmpFarH: Handler = (c, i) => jmpFar(c, i.imm2, i.imm, i.o32);
const callFarH: Handler = (c, i) => callFar(c, i.imm2, i.imm, i.o32);

/** Software interrupts in virtual-8086 mode need IOPL 3. */
function softInt(c: X86Cpu, vec: number): void {
  if ((c.flags & VM) !== 0 && (c.flags & IOPL) !== IOPL) c.raise(EXC_GP, 0);
  deliverInterrupt(c, vec, INT_SOFT, -1);
}
const int3: Handler = (c) => softInt(c, EXC_BP);
const intN: Handler = (c, i) => softInt(c, i.imm & 0xff);
const into: Handler = (c) => {
  if (c.getOF()) softInt(c, EXC_OF);
};
const iretH: Handler = (c, i) => iret(c, i.o32);

/**
 * PAUSE (F3 90): a spin-wait hint; with other vCPUs to run, this one gives up the rest of its
 * slice (see X86Cpu.yieldPending). Alone, it just goes on, as QEMU re-enters its only CPU at once.
 */
export const pause: Handler = (c) => {
  if (!c.yieldOnPause) return;
  c.yieldPending = true;
  c.eventPending = true;
};

const hlt: Handler = (c) => {
  if (c.protectedMode() && c.cpl !== 0) c.raise(EXC_GP, 0);
  c.halt();
};

/** CLI/STI are allowed when CPL <= IOPL (always in real mode). */
function checkIopl(c: X86Cpu): void {
  if (c.protectedMode() && c.cpl > (c.flags & IOPL) >> 12) c.raise(EXC_GP, 0);
}
const cli: Handler = (c) => {
  checkIopl(c);
  c.putFlags(IF, 0);
};
const sti: Handler = (c) => {
  checkIopl(c);
  if ((c.flags & IF) === 0) c.inhibitIrq = true;
  c.putFlags(IF, IF);
  c.eventPending = true;
};
const clc: Handler = (c) => c.putFlags(CF, 0);
const stc: Handler = (c) => c.putFlags(CF, CF);
const cmc: Handler = (c) => c.putFlags(CF, c.getCF() ^ 1);
const cld: Handler = (c) => c.putFlags(DF, 0);
const std: Handler = (c) => c.putFlags(DF, DF);

const pushf: Handler = (c, i) => {
  if ((c.flags & VM) !== 0 && (c.flags & IOPL) !== IOPL) c.raise(EXC_GP, 0);
  const f = c.getFlags();
  if (i.o32) c.push32(f & ~(VM | RF));
  else c.push16(f);
};
const popf: Handler = (c, i) => {
  if ((c.flags & VM) !== 0 && (c.flags & IOPL) !== IOPL) c.raise(EXC_GP, 0);
  const v = i.o32 ? c.peek32(0) : c.peek16(0);
  let mask = flagsWriteMask(c, i.o32);
  if ((c.flags & VM) !== 0) mask &= ~IOPL;
  c.addSp(i.o32 ? 4 : 2);
  const hadIf = (c.flags & IF) !== 0;
  writeFlags(c, v, mask);
  if (!hadIf && (c.flags & IF) !== 0) c.inhibitIrq = true;
};
const sahf: Handler = (c) => c.putFlags(0xd5, c.r8[1]);
const lahf: Handler = (c) => {
  c.r8[1] = c.getFlags() & 0xd7 | 2;
};

/** ENTER imm16, imm8 (186+). */
const enter: Handler = (c, i) => {
  const size = i.o32 ? 4 : 2;
  const frame = i.imm & 0xffff;
  const level = i.imm2 & 31;
  const bp = i.o32 ? c.r32[5] : c.r16[10];
  const savedSp = c.r32[4];
  try {
    if (i.o32) c.push32(bp);
    else c.push16(bp);
    const frameTemp = c.sp();
    if (level > 0) {
      let b = c.ss32 ? c.r32[5] >>> 0 : c.r16[10];
      for (let k = 1; k < level; k++) {
        b = c.ss32 ? (b - size) >>> 0 : (b - size) & 0xffff;
        if (i.o32) c.push32(c.rd32(SS, b));
        else c.push16(c.rd16(SS, b));
      }
      if (i.o32) c.push32(frameTemp);
      else c.push16(frameTemp);
    }
    const newSp = c.ss32 ? (c.sp() - frame) >>> 0 : (c.sp() - frame) & 0xffff;
    // The new stack top must be writable (286 and later check it).
    if (c.level !== 86 && frame > 0) c.wr8(SS, newSp, c.rd8(SS, newSp));
    if (i.o32) c.r32[5] = frameTemp;
    else c.r16[10] = frameTemp;
    c.setSp(newSp);
  } catch (e) {
    c.r32[4] = savedSp;
    throw e;
  }
};
const leave: Handler = (c, i) => {
  const bp = c.ss32 ? c.r32[5] >>> 0 : c.r16[10];
  const v = i.o32 ? c.rd32(SS, bp) : c.rd16(SS, bp);
  c.setSp(bp + (i.o32 ? 4 : 2));
  if (i.o32) c.r32[5] = v;
  else c.r16[10] = v;
};

/** BOUND Gv, Ma: #BR when the index is outside [lower, upper]. */
const bound: Handler = (c, i) => {
  if (i.mod === 3) c.raise(EXC_UD);
  const off = ea(c, i);
  if (i.o32) {
    const lo = c.rd32(i.seg, off), hi = c.rd32(i.seg, (off + 4) >>> 0);
    const v = c.r32[i.reg];
    if (v < lo || v > hi) c.raise(EXC_BR);
  } else {
    const lo = (c.rd16(i.seg, off) << 16) >> 16;
    const hi = (c.rd16(i.seg, (off + 2) & 0xffff) << 16) >> 16;
    const v = (c.r16[i.reg << 1] << 16) >> 16;
    if (v < lo || v > hi) c.raise(EXC_BR);
  }
};

/** Group 5 (FF): INC DEC CALL CALLF JMP JMPF PUSH (and /7, an 8086 alias of PUSH). */
export function farPointer(c: X86Cpu, i: Insn): { off: number; sel: number } {
  if (i.mod === 3) {
    if (c.level === 86) {
      // The 8086 has no fault for a register operand: it uses whatever the bus returns.
      return farTmp(c.r16[i.rm << 1], 0xffff);
    }
    c.raise(EXC_UD);
  }
  const off = ea(c, i);
  if (i.o32) return farTmp(c.rd32(i.seg, off) >>> 0, c.rd16(i.seg, (off + 4) >>> 0));
  return farTmp(c.rd16(i.seg, off), c.rd16(i.seg, i.a32 ? (off + 2) >>> 0 : (off + 2) & 0xffff));
}
const farResult = { off: 0, sel: 0 };
function farTmp(off: number, sel: number): { off: number; sel: number } {
  farResult.off = off;
  farResult.sel = sel;
  return farResult;
}

export const callNearRM: Handler = (c, i) => {
  const t = i.o32 ? getRM32(c, i) >>> 0 : getRM16(c, i);
  if (c.level !== 86 && t > c.segLimit[CS]) c.raise(EXC_GP, 0);
  if (i.o32) c.push32(c.eip);
  else c.push16(c.eip);
  c.eip = t;
};
export const jmpNearRM: Handler = (c, i) => {
  branch(c, i, i.o32 ? getRM32(c, i) : getRM16(c, i));
};
export const callFarRM: Handler = (c, i) => {
  const p = farPointer(c, i);
  callFar(c, p.sel, p.off, i.o32);
};
export const jmpFarRM: Handler = (c, i) => {
  const p = farPointer(c, i);
  jmpFar(c, p.sel, p.off, i.o32);
};

export function registerControl(h: Handler[]): void {
  for (let k = 0; k < 16; k++) {
    h[0x70 + k] = JCC[k];
    h[0x180 + k] = JCC[k];
  }
  h[0xe9] = h[0xeb] = jmpRel;
  h[0xe8] = callRel;
  h[0xe0] = loopnz;
  h[0xe1] = loopz;
  h[0xe2] = loop;
  h[0xe3] = jcxz;
  h[0xc2] = h[0xc3] = retNear;
  h[0xca] = h[0xcb] = retFarH;
  h[0xea] = jmpFarH;
  h[0x9a] = callFarH;
  h[0xcc] = int3;
  h[0xcd] = intN;
  h[0xce] = into;
  h[0xcf] = iretH;
  h[0xf4] = hlt;
  h[0xfa] = cli;
  h[0xfb] = sti;
  h[0xf8] = clc;
  h[0xf9] = stc;
  h[0xf5] = cmc;
  h[0xfc] = cld;
  h[0xfd] = std;
  h[0x9c] = pushf;
  h[0x9d] = popf;
  h[0x9e] = sahf;
  h[0x9f] = lahf;
  h[0xc8] = enter;
  h[0xc9] = leave;
  h[0x62] = bound;
}

