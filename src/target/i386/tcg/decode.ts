/**
 * The instruction decoder: prefixes, opcode, ModR/M + SIB + displacement,
 * immediates → an `Insn` bound to its handler. Runs once per instruction per
 * cached block, so clarity matters more than speed here.
 */
import type { X86Cpu } from "./cpu.js";
import { CS, DS, EXC_GP, EXC_UD, SS } from "./constants.js";
import { Insn } from "./insn.js";
import type { Handler } from "./insn.js";
import { GRP1_EB, GRP1_EV, registerAlu } from "./ops-alu.js";
import { pause, registerControl } from "./ops-control.js";
import { registerMove } from "./ops-move.js";
import { registerMulDiv } from "./ops-muldiv.js";
import { registerString } from "./ops-string.js";
import { registerSystem } from "./ops-system.js";
import { registerX87 } from "./ops-x87.js";

const undefinedOpcode: Handler = (c) => c.raise(EXC_UD);

/** The decoder found no valid instruction at this level (the block compiler leaves these to the interpreter). */
export function isUndefinedInsn(i: Insn): boolean {
  return i.h === undefinedOpcode;
}

/** Handlers by opcode: 0x00-0xff one-byte, 0x100-0x1ff after 0F. */
const HANDLERS: Handler[] = new Array<Handler>(512).fill(undefinedOpcode);
registerAlu(HANDLERS);
registerMulDiv(HANDLERS);
registerMove(HANDLERS);
registerControl(HANDLERS);
registerString(HANDLERS);
registerSystem(HANDLERS);
registerX87(HANDLERS);

// Opcode properties.
const M = 1; // has ModR/M
const IB = 1 << 1, IBS = 2 << 1, IW = 3 << 1, IZ = 4 << 1, IWIB = 5 << 1, FAR = 6 << 1, MOFFS = 7 << 1;
const RELB = 8 << 1, RELZ = 9 << 1;
const IMM_MASK = 15 << 1;
const T = 1 << 5; // ends a block
const L386 = 1 << 6, L486 = 1 << 7, L586 = 1 << 8, L686 = 1 << 9, L286 = 1 << 10;

const INFO = new Uint16Array(512);
function set(ops: number[], flags: number): void {
  for (const op of ops) INFO[op] = flags;
}
function range(a: number, b: number): number[] {
  const r: number[] = [];
  for (let k = a; k <= b; k++) r.push(k);
  return r;
}

for (let k = 0; k < 8; k++) {
  const b = k << 3;
  set([b, b + 1, b + 2, b + 3], M);
  set([b + 4], IB);
  set([b + 5], IZ);
}
set([0x62, 0x63, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x8b, 0x8c, 0x8d, 0x8e, 0x8f, 0xc4, 0xc5], M);
set(range(0xd0, 0xd3), M);
set(range(0xd8, 0xdf), M);
set([0xf6, 0xf7, 0xfe, 0xff], M);
set([0x68], IZ);
set([0x69], M | IZ);
set([0x6a], IBS);
set([0x6b], M | IBS);
set(range(0x70, 0x7f), RELB | T);
set([0x80, 0x82, 0xc0, 0xc1, 0xc6], M | IB);
set([0x81, 0xc7], M | IZ);
set([0x83], M | IBS);
set([0x9a, 0xea], FAR | T);
set([0x9d, 0x17, 0xcc, 0xce, 0xcf, 0xc3, 0xcb, 0xf4, 0xfb, 0xf1], T);
set(range(0xa0, 0xa3), MOFFS);
set([0xa4, 0xa5, 0xa6, 0xa7, 0xaa, 0xab, 0xac, 0xad, 0xae, 0xaf, 0x6c, 0x6d, 0x6e, 0x6f], T);
set([0xa8, 0xd4, 0xd5, 0xe4, 0xe5, 0xe6, 0xe7], IB);
set([0xa9], IZ);
set(range(0xb0, 0xb7), IB);
set(range(0xb8, 0xbf), IZ);
set([0xc2, 0xca], IW | T);
set([0xc8], IWIB);
set([0xcd], IB | T);
set([0xe0, 0xe1, 0xe2, 0xe3, 0xeb], RELB | T);
set([0xe8, 0xe9], RELZ | T);
// 0F xx
set([0x100, 0x101], M | T | L286);
set([0x102, 0x103], M | L286);
set([0x106], T | L286);
set([0x108, 0x109], L486);
set([0x10b], 0);
set([0x10d], M | L686);
set(range(0x118, 0x11f), M | L686);
set(range(0x120, 0x123), M | T | L386);
set([0x130], T | L586);
set([0x131, 0x132], L586);
set(range(0x140, 0x14f), M | L686);
set(range(0x180, 0x18f), RELZ | T | L386);
set(range(0x190, 0x19f), M | L386);
set([0x1a0, 0x1a8], L386);
set([0x1a1, 0x1a9], L386);
set([0x1a2], L486);
// RSM changes mode and memory view: nothing after it may share its block.
set([0x1aa], T | L386);
set([0x1a3, 0x1a5, 0x1ab, 0x1ad, 0x1af, 0x1b2, 0x1b3, 0x1b4, 0x1b5, 0x1b6, 0x1b7, 0x1bb, 0x1bc, 0x1bd, 0x1be, 0x1bf], M | L386);
set([0x1a4, 0x1ac, 0x1ba], M | IB | L386);
set([0x1b0, 0x1b1, 0x1c0, 0x1c1], M | L486);
set([0x1c7], M | L586);
set(range(0x1c8, 0x1cf), L486);
set([0x1b9, 0x1ff], M);

const LEVEL_FLAGS: [number, number][] = [[L286, 286], [L386, 386], [L486, 486], [L586, 586], [L686, 686]];

// 16-bit addressing: base and index register of each r/m value.
const BASE16 = [3, 3, 5, 5, 6, 7, 5, 3]; // bx bx bp bp si di bp bx
const INDEX16 = [6, 7, 6, 7, -1, -1, -1, -1]; // si di si di

/** Decode the instruction at CS:`eip`. May raise #GP/#PF (fetch) or #UD (length). */
export function decodeInsn(c: X86Cpu, eip: number): Insn {
  const wrap = c.cs32 ? -1 : 0xffff;
  const level = c.level;
  let k = 0;
  const fetch = (): number => {
    const b = c.fetchCode(((eip + k) & wrap) >>> 0);
    k++;
    // Over-long instructions (piled-up prefixes): 15 bytes from the 386 on, 10 on the 286.
    if ((level >= 386 && k > 15) || (level === 286 && k > 10)) c.raise(EXC_GP, 0);
    return b;
  };
  let o32 = c.cs32, a32 = c.cs32, seg = -1, rep = 0, lock = false, prefixes = 0;
  let b: number;
  for (;;) {
    b = fetch();
    let isPrefix = true;
    switch (b) {
      case 0x26: case 0x2e: case 0x36: case 0x3e: seg = (b >> 3) & 3; break;
      case 0x64: case 0x65: if (level >= 386) seg = b - 0x60; else isPrefix = false; break;
      case 0x66: if (level >= 386) o32 = !c.cs32; else isPrefix = false; break;
      case 0x67: if (level >= 386) a32 = !c.cs32; else isPrefix = false; break;
      case 0xf0: lock = true; break;
      case 0xf1: if (level === 86) lock = true; else isPrefix = false; break;
      case 0xf2: rep = 2; break;
      case 0xf3: rep = 1; break;
      default: isPrefix = false;
    }
    if (!isPrefix) break;
    prefixes++;
  }
  let op = b;
  if (op === 0x0f && level >= 286) op = 0x100 | fetch();
  if (level === 86) {
    // 8086 aliases: 60-6F are Jcc, C0/C1 RET, C8/C9 RETF.
    if (op >= 0x60 && op <= 0x6f) op += 0x10;
    else if (op === 0xc0 || op === 0xc1) op += 2;
    else if (op === 0xc8 || op === 0xc9) op += 2;
  }
  let info = INFO[op];
  let h = HANDLERS[op];
  if (level === 86 && op === 0x0f) info = T;
  // Instructions newer than the CPU level are undefined.
  for (const [flag, min] of LEVEL_FLAGS) {
    if ((info & flag) !== 0 && level < min) {
      h = undefinedOpcode;
      break;
    }
  }
  if (level < 386 && op >= 0x100 && (info & L286) === 0) h = undefinedOpcode;
  if (level === 86 && op === 0xd6) h = HANDLERS[0xd6];
  if (level >= 286 && level < 386 && op >= 0x64 && op <= 0x67) h = undefinedOpcode;
  if (level === 286 && op === 0xf1) h = undefinedOpcode;

  const i = new Insn(h);
  i.op = op;
  i.o32 = o32;
  i.a32 = a32;
  i.rep = rep;
  i.lock = lock;
  i.prefixes = prefixes;
  i.hasSegOverride = seg >= 0;
  i.terminates = (info & T) !== 0;
  i.seg = seg >= 0 ? seg : DS;

  if ((info & M) !== 0) {
    const m = fetch();
    const mod = m >> 6;
    i.mod = mod;
    i.reg = (m >> 3) & 7;
    i.rm = m & 7;
    if (mod !== 3) {
      let defSeg = DS;
      if (!a32) {
        if (mod === 0 && i.rm === 6) {
          i.disp = fetch() | (fetch() << 8);
        } else {
          i.base = BASE16[i.rm];
          i.index = INDEX16[i.rm];
          if (i.base === 5) defSeg = SS;
          if (mod === 1) i.disp = (fetch() << 24) >> 24;
          else if (mod === 2) i.disp = fetch() | (fetch() << 8);
        }
      } else {
        let base = i.rm;
        if (base === 4) {
          const sib = fetch();
          i.scale = sib >> 6;
          const idx = (sib >> 3) & 7;
          i.index = idx === 4 ? -1 : idx;
          base = sib & 7;
          if (base === 5 && mod === 0) base = -1;
        } else if (base === 5 && mod === 0) base = -1;
        i.base = base;
        if (base === 4 || base === 5) defSeg = SS;
        if (base === -1) i.disp = fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24);
        else if (mod === 1) i.disp = (fetch() << 24) >> 24;
        else if (mod === 2) i.disp = fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24);
      }
      i.seg = seg >= 0 ? seg : defSeg;
    }
  }

  let imm = info & IMM_MASK;
  // Group 3 TEST has an immediate; the others of F6/F7 do not.
  if (op === 0xf6 && i.reg < 2) imm = IB;
  if (op === 0xf7 && i.reg < 2) imm = IZ;
  switch (imm) {
    case IB: i.imm = fetch(); break;
    case IBS:
    case RELB: i.imm = (fetch() << 24) >> 24; break;
    case IW: i.imm = fetch() | (fetch() << 8); break;
    case IZ:
    case RELZ:
      if (o32) i.imm = fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24);
      else i.imm = imm === RELZ ? ((fetch() | (fetch() << 8)) << 16) >> 16 : fetch() | (fetch() << 8);
      break;
    case IWIB:
      i.imm = fetch() | (fetch() << 8);
      i.imm2 = fetch();
      break;
    case FAR:
      if (o32) i.imm = (fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24)) >>> 0;
      else i.imm = fetch() | (fetch() << 8);
      i.imm2 = fetch() | (fetch() << 8);
      break;
    case MOFFS:
      i.mod = 0;
      i.base = i.index = -1;
      if (a32) i.disp = fetch() | (fetch() << 8) | (fetch() << 16) | (fetch() << 24);
      else i.disp = fetch() | (fetch() << 8);
      break;
    default:
      break;
  }

  // Per-form refinements.
  if (op >= 0x80 && op <= 0x83 && i.h !== undefinedOpcode) i.h = ((op & 1) !== 0 ? GRP1_EV : GRP1_EB)[i.reg];
  if (level === 286 && (op === 0x8f || op === 0xc6 || op === 0xc7) && i.reg !== 0) i.h = undefinedOpcode;
  if (level >= 386 && (op === 0x8f || op === 0xc6 || op === 0xc7) && i.reg !== 0) i.h = undefinedOpcode;
  if (op === 0x8e && i.reg === SS) i.terminates = true;
  if (op === 0x8e && i.reg === CS) i.terminates = true;
  if (op === 0xff && i.reg >= 2 && i.reg <= 5) i.terminates = true;
  if (op === 0x0f && level === 86) i.terminates = true;
  if (i.h === undefinedOpcode) i.terminates = true;
  if (op === 0x90 && rep === 1) {
    // PAUSE ends the block so the run loop can let the other vCPUs in.
    i.h = pause;
    i.terminates = true;
  }
  i.len = k;
  i.next = k;
  return i;
}
