/**
 * Seeded generator of 32-bit instruction sequences for the differential test
 * against QEMU (guests/qemu-diff.asm is the harness that runs them).
 *
 * Each sequence loads random values into the registers and EFLAGS, runs 4-16
 * random instructions, and calls the harness's dump routine. The generator
 * encodes the machine code itself (no assembler at test time) and tracks which
 * arithmetic flags are architecturally undefined at each point (Intel SDM,
 * per instruction: see UNDEFINED below); an instruction that reads a flag is
 * only emitted when that flag is defined (otherwise a CMP is put first), so a
 * sequence's result depends on undefined flags only through the final EFLAGS,
 * and those bits are the sequence's `undefMask`.
 *
 * Registers: EBP points at the 128-byte scratch area (memory operands are
 * [ebp+disp8]) and ESP at the stack; neither is a random destination.
 */

export const SEQ_RAM = 0x10000;
export const SEQ_SIZE = 0xe000;
export const DUMP_ADDR = 0xffffe000;
export const SCRATCH = 0x8000;
export const STACK_TOP = 0x7000;

export const CF = 0x1, PF = 0x4, AF = 0x10, ZF = 0x40, SF = 0x80, OF = 0x800;
export const ARITH = CF | PF | AF | ZF | SF | OF;

/*
 * UNDEFINED flags, as the generator applies them (Intel SDM vol. 2):
 *   AND OR XOR TEST            AF
 *   SHL SHR SAR (count != 0)   AF; OF unless count = 1; CF of SHL/SHR/SAR when count >= width
 *   ROL ROR RCL RCR (count!=0) OF unless count = 1
 *   SHLD SHRD (count != 0)     AF; OF unless count = 1 (counts above the width are not generated)
 *   MUL IMUL                   SF ZF AF PF
 *   DIV IDIV                   CF PF AF ZF SF OF (operands chosen so no #DE)
 *   BT BTS BTR BTC             OF SF AF PF (ZF unchanged)
 *   BSF BSR                    CF OF SF AF PF (source made non-zero, so the result is defined)
 *   DAA DAS                    OF
 *   AAA AAS                    OF SF ZF PF
 *   AAM AAD                    OF AF CF
 * A Jcc that may skip an instruction leaves the union of both paths' undefined flags.
 */

/** A small, fast, seedable PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

export interface SequenceInfo {
  /** Offset of the sequence in the blob. */
  offset: number;
  /** EFLAGS bits undefined after the sequence (masked when comparing). */
  undefMask: number;
  /** What the instructions were, for failure messages. */
  text: string[];
}

export interface Batch {
  seed: number;
  /** Bytes to place at SEQ_RAM (and in the first SEQ_SIZE bytes of the harness image). */
  blob: Uint8Array;
  sequences: SequenceInfo[];
}

interface Effect {
  reads: number;
  def: number;
  undef: number;
}
const NONE: Effect = { reads: 0, def: 0, undef: 0 };
const eff = (reads: number, def: number, undef: number): Effect => ({ reads, def, undef });

type Size = 8 | 16 | 32;
/** Registers a sequence may change (not ESP, not EBP). */
const REGS = [0, 1, 2, 3, 6, 7];
const R32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const R16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const R8N = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"];
const ALU = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"];
const SHIFTS = ["rol", "ror", "rcl", "rcr", "shl", "shr", "", "sar"];
const CC = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"];
const CC_READS = [OF, OF, CF, CF, ZF, ZF, CF | ZF, CF | ZF, SF, SF, PF, PF, SF | OF, SF | OF, ZF | SF | OF, ZF | SF | OF];

function regName(size: Size, r: number): string {
  return size === 32 ? R32[r] : size === 16 ? R16[r] : R8N[r];
}

function le(v: number, size: Size): number[] {
  const out = [v & 0xff];
  if (size >= 16) out.push((v >>> 8) & 0xff);
  if (size === 32) out.push((v >>> 16) & 0xff, (v >>> 24) & 0xff);
  return out;
}

/** One instruction: bytes, flag effect, text. */
interface Insn {
  b: number[];
  e: Effect;
  t: string;
}

class Generator {
  private readonly out: number[] = [];
  private undef = 0;
  private text: string[] = [];
  /** Registers the current template must leave alone (a loop counter). */
  private avoid = -1;

  constructor(private readonly rnd: () => number, private readonly omit: ReadonlySet<string> = new Set()) {}

  int(n: number): number {
    return this.rnd() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  chance(p: number): boolean {
    return this.rnd() / 4294967296 < p;
  }
  /** A value with a bias towards the edges where flags change. */
  value(size: Size): number {
    const edges = [0, 1, 2, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff, 0x0f, 0x10, 0x99];
    const v = this.chance(0.3) ? this.pick(edges) : this.rnd();
    return size === 32 ? v >>> 0 : v & (size === 16 ? 0xffff : 0xff);
  }
  reg(): number {
    for (;;) {
      const r = this.pick(REGS);
      if (r !== this.avoid) return r;
    }
  }
  /** An 8-bit register number (AL..BH) that is not part of the avoided register. */
  reg8(): number {
    for (;;) {
      const r = this.int(8);
      if ((r & 3) !== this.avoid) return r;
    }
  }
  regOf(size: Size): number {
    return size === 8 ? this.reg8() : this.reg();
  }
  size(): Size {
    return this.pick([8, 16, 32, 32] as const);
  }
  prefix(size: Size): number[] {
    return size === 16 ? [0x66] : [];
  }

  /** A ModR/M r/m operand: a register or [ebp+disp8] inside the scratch area. */
  rm(size: Size, regField: number, allowMem = true): { b: number[]; t: string; mem: boolean } {
    if (allowMem && this.chance(0.3)) {
      const d = this.int(121);
      return { b: [0x45 | (regField << 3), d], t: `${size === 8 ? "byte" : size === 16 ? "word" : "dword"} [ebp+${d}]`, mem: true };
    }
    const r = this.regOf(size);
    return { b: [0xc0 | (regField << 3) | r], t: regName(size, r), mem: false };
  }

  /** Emit `i`, first making the flags it reads defined if they are not. */
  put(i: Insn): void {
    if ((i.e.reads & this.undef) !== 0) {
      this.raw({ b: [0x39, 0xc0 | (this.reg() << 3) | this.reg()], e: eff(0, ARITH, 0), t: "cmp (define flags)" });
    }
    this.raw(i);
  }
  private raw(i: Insn): void {
    this.out.push(...i.b);
    this.text.push(i.t);
    this.undef = (this.undef & ~i.e.def) | i.e.undef;
  }

  // ---------------------------------------------------------------- templates

  alu(): Insn {
    const k = this.int(8);
    const size = this.size();
    const w = size === 8 ? 0 : 1;
    const logic = k === 1 || k === 4 || k === 6;
    const e = eff(k === 2 || k === 3 ? CF : 0, logic ? ARITH & ~AF : ARITH, logic ? AF : 0);
    const form = this.int(4);
    if (form === 0 || form === 1) {
      const r = this.regOf(size);
      const m = this.rm(size, r);
      const dirToReg = form === 1;
      const t = dirToReg ? `${ALU[k]} ${regName(size, r)}, ${m.t}` : `${ALU[k]} ${m.t}, ${regName(size, r)}`;
      return { b: [...this.prefix(size), (k << 3) | (dirToReg ? 2 : 0) | w, ...m.b], e, t };
    }
    const m = this.rm(size, k);
    if (size !== 8 && form === 3) {
      const v = (this.value(8) << 24) >> 24;
      return { b: [...this.prefix(size), 0x83, ...m.b, v & 0xff], e, t: `${ALU[k]} ${m.t}, ${v}` };
    }
    const v = this.value(size);
    return { b: [...this.prefix(size), size === 8 ? 0x80 : 0x81, ...m.b, ...le(v, size)], e, t: `${ALU[k]} ${m.t}, 0x${v.toString(16)}` };
  }

  incDec(): Insn {
    const size = this.size();
    const dec = this.chance(0.5);
    const e = eff(0, ARITH & ~CF, 0);
    if (size !== 8 && this.chance(0.5)) {
      const r = this.reg();
      return { b: [...this.prefix(size), (dec ? 0x48 : 0x40) + r], e, t: `${dec ? "dec" : "inc"} ${regName(size, r)}` };
    }
    const m = this.rm(size, dec ? 1 : 0);
    return { b: [...this.prefix(size), size === 8 ? 0xfe : 0xff, ...m.b], e, t: `${dec ? "dec" : "inc"} ${m.t}` };
  }

  unary(): Insn {
    const size = this.size();
    const neg = this.chance(0.5);
    const m = this.rm(size, neg ? 3 : 2);
    return { b: [...this.prefix(size), size === 8 ? 0xf6 : 0xf7, ...m.b], e: neg ? eff(0, ARITH, 0) : NONE, t: `${neg ? "neg" : "not"} ${m.t}` };
  }

  test(): Insn {
    const size = this.size();
    const e = eff(0, ARITH & ~AF, AF);
    if (this.chance(0.5)) {
      const r = this.regOf(size);
      const m = this.rm(size, r);
      return { b: [...this.prefix(size), size === 8 ? 0x84 : 0x85, ...m.b], e, t: `test ${m.t}, ${regName(size, r)}` };
    }
    const m = this.rm(size, 0);
    const v = this.value(size);
    return { b: [...this.prefix(size), size === 8 ? 0xf6 : 0xf7, ...m.b, ...le(v, size)], e, t: `test ${m.t}, 0x${v.toString(16)}` };
  }

  mul(): Insn {
    const size = this.size();
    const e = eff(0, CF | OF, SF | ZF | AF | PF);
    const form = size === 8 ? 0 : this.int(3);
    if (form === 0) {
      const signed = this.chance(0.5);
      const m = this.rm(size, signed ? 5 : 4);
      return { b: [...this.prefix(size), size === 8 ? 0xf6 : 0xf7, ...m.b], e, t: `${signed ? "imul" : "mul"} ${m.t}` };
    }
    const r = this.reg();
    const m = this.rm(size, r);
    if (form === 1) return { b: [...this.prefix(size), 0x0f, 0xaf, ...m.b], e, t: `imul ${regName(size, r)}, ${m.t}` };
    const v = (this.value(8) << 24) >> 24;
    return { b: [...this.prefix(size), 0x6b, ...m.b, v & 0xff], e, t: `imul ${regName(size, r)}, ${m.t}, ${v}` };
  }

  /** DIV/IDIV with operands that cannot raise #DE: set up, then divide by a register. */
  div(): void {
    const size = this.size();
    const signed = this.chance(0.5);
    const undef = eff(0, 0, ARITH);
    // Divisor register: not EAX/EDX (or AL/AH for bytes).
    const dr = size === 8 ? this.pick([1, 3, 5, 7]) : this.pick([1, 3, 6, 7]);
    if (dr === this.avoid || (size === 8 && (dr & 3) === this.avoid) || this.avoid === 0 || this.avoid === 2) return;
    const bits = size;
    const max = bits === 32 ? 4294967296 : 2 ** bits;
    let divisor = this.value(size) || 3;
    if (signed && divisor === max - 1) divisor = 7; // -1 could overflow
    const movImm = (sz: Size, r: number, v: number): Insn => sz === 8
      ? { b: [0xb0 + r, v & 0xff], e: NONE, t: `mov ${regName(8, r)}, 0x${v.toString(16)}` }
      : { b: [...this.prefix(sz), 0xb8 + r, ...le(v, sz)], e: NONE, t: `mov ${regName(sz, r)}, 0x${(v >>> 0).toString(16)}` };
    this.put(movImm(size, dr, divisor));
    if (signed) {
      // Dividend = sign extension of the low half: the quotient always fits unless divisor = -1.
      if (size === 8) {
        this.put(movImm(8, 0, this.value(8)));
        this.put({ b: [0x66, 0x98], e: NONE, t: "cbw" });
      } else {
        this.put(movImm(size, 0, this.value(size)));
        this.put({ b: [...this.prefix(size), 0x99], e: NONE, t: size === 16 ? "cwd" : "cdq" });
      }
    } else {
      // High half below the divisor: the quotient fits.
      const high = Math.floor((this.rnd() / 4294967296) * divisor);
      if (size === 8) this.put(movImm(8, 4, high));
      else this.put(movImm(size, 2, high));
      this.put(movImm(size, 0, this.value(size)));
    }
    this.put({ b: [...this.prefix(size), size === 8 ? 0xf6 : 0xf7, 0xc0 | ((signed ? 7 : 6) << 3) | dr], e: undef, t: `${signed ? "idiv" : "div"} ${regName(size, dr)}` });
  }

  shift(): void {
    const size = this.size();
    const k = this.pick([0, 1, 2, 3, 4, 5, 7]);
    const form = this.int(3); // 0 imm8, 1 by one, 2 by CL
    let n = form === 1 ? 1 : this.chance(0.15) ? this.int(256) : this.int(size + 2);
    if (form === 2 && (this.avoid === 1)) n = 1;
    const c = n & 31;
    let e = NONE;
    if (c !== 0) {
      const ofUndef = c === 1 ? 0 : OF;
      if (k < 4) e = eff(k >= 2 ? CF : 0, CF | OF, ofUndef);
      else {
        const cfUndef = c >= size ? CF : 0;
        e = eff(0, ARITH, AF | ofUndef | cfUndef);
      }
    }
    const m = this.rm(size, k);
    const op = size === 8 ? 0 : 1;
    if (form === 0) this.put({ b: [...this.prefix(size), 0xc0 | op, ...m.b, n], e, t: `${SHIFTS[k]} ${m.t}, ${n}` });
    else if (form === 1) this.put({ b: [...this.prefix(size), 0xd0 | op, ...m.b], e, t: `${SHIFTS[k]} ${m.t}, 1` });
    else {
      if (!m.mem && size === 8 && (m.b[0] & 7) === 1) return; // the operand is CL itself
      this.put({ b: [0xb1, n], e: NONE, t: `mov cl, ${n}` });
      this.put({ b: [...this.prefix(size), 0xd2 | op, ...m.b], e, t: `${SHIFTS[k]} ${m.t}, cl` });
    }
  }

  shiftDouble(): void {
    const size: Size = this.chance(0.5) ? 16 : 32;
    const right = this.chance(0.5);
    const n = this.int(size + 1);
    const c = n & 31;
    const e = c === 0 ? NONE : eff(0, ARITH, AF | (c === 1 ? 0 : OF));
    const r = this.reg();
    const m = this.rm(size, r);
    const name = right ? "shrd" : "shld";
    if (this.chance(0.5)) {
      this.put({ b: [...this.prefix(size), 0x0f, right ? 0xac : 0xa4, ...m.b, n], e, t: `${name} ${m.t}, ${regName(size, r)}, ${n}` });
    } else {
      if (this.avoid === 1 || r === 1 || (!m.mem && (m.b[0] & 7) === 1)) return;
      this.put({ b: [0xb1, n], e: NONE, t: `mov cl, ${n}` });
      this.put({ b: [...this.prefix(size), 0x0f, right ? 0xad : 0xa5, ...m.b], e, t: `${name} ${m.t}, ${regName(size, r)}, cl` });
    }
  }

  bitTest(): Insn {
    const size: Size = this.chance(0.5) ? 16 : 32;
    const k = this.int(4); // bt bts btr btc
    const e = eff(0, CF, OF | SF | AF | PF);
    const names = ["bt", "bts", "btr", "btc"];
    if (this.chance(0.5)) {
      const m = this.rm(size, 4 + k);
      const n = this.int(256);
      return { b: [...this.prefix(size), 0x0f, 0xba, ...m.b, n], e, t: `${names[k]} ${m.t}, ${n}` };
    }
    // Register bit offsets address memory beyond the operand, so only register destinations.
    const r = this.reg();
    const m = this.rm(size, r, false);
    return { b: [...this.prefix(size), 0x0f, [0xa3, 0xab, 0xb3, 0xbb][k], ...m.b], e, t: `${names[k]} ${m.t}, ${regName(size, r)}` };
  }

  bitScan(): void {
    const size: Size = this.chance(0.5) ? 16 : 32;
    const src = this.reg();
    const bit = this.int(size);
    this.put({ b: [...this.prefix(size), 0x81, 0xc8 | src, ...le(2 ** bit, size)], e: eff(0, ARITH & ~AF, AF), t: `or ${regName(size, src)}, 1<<${bit}` });
    const dst = this.reg();
    const rev = this.chance(0.5);
    this.put({ b: [...this.prefix(size), 0x0f, rev ? 0xbd : 0xbc, 0xc0 | (dst << 3) | src], e: eff(0, ZF, CF | OF | SF | AF | PF), t: `${rev ? "bsr" : "bsf"} ${regName(size, dst)}, ${regName(size, src)}` });
  }

  setcc(): Insn {
    const cc = this.int(16);
    const m = this.rm(8, 0);
    return { b: [0x0f, 0x90 + cc, ...m.b], e: eff(CC_READS[cc], 0, 0), t: `set${CC[cc]} ${m.t}` };
  }

  cmov(): Insn {
    const cc = this.int(16);
    const size: Size = this.chance(0.5) ? 16 : 32;
    const r = this.reg();
    const m = this.rm(size, r);
    return { b: [...this.prefix(size), 0x0f, 0x40 + cc, ...m.b], e: eff(CC_READS[cc], 0, 0), t: `cmov${CC[cc]} ${regName(size, r)}, ${m.t}` };
  }

  pushPop(depth: { n: number }): Insn {
    const size: Size = this.chance(0.8) ? 32 : 16;
    if (depth.n > 0 && this.chance(0.5)) {
      depth.n--;
      const r = this.reg();
      return { b: [...this.prefix(size), 0x58 + r], e: NONE, t: `pop ${regName(size, r)}` };
    }
    depth.n++;
    if (this.chance(0.3)) {
      const v = this.value(32);
      return { b: [...this.prefix(size), 0x68, ...le(v, size)], e: NONE, t: `push${size === 16 ? "w" : ""} 0x${v.toString(16)}` };
    }
    const r = this.pick([0, 1, 2, 3, 4, 5, 6, 7]);
    return { b: [...this.prefix(size), 0x50 + r], e: NONE, t: `push ${regName(size, r)}` };
  }

  lea(): Insn {
    const size: Size = this.chance(0.7) ? 32 : 16;
    const r = this.reg();
    const base = this.pick([0, 1, 2, 3, 4, 5, 6, 7]);
    const index = this.pick([0, 1, 2, 3, 5, 6, 7]);
    const scale = this.int(4);
    const disp = this.rnd() | 0;
    const b = [...this.prefix(size), 0x8d, 0x84 | (r << 3), (scale << 6) | (index << 3) | base, ...le(disp, 32)];
    return { b, e: NONE, t: `lea ${regName(size, r)}, [${R32[base]}+${R32[index]}*${1 << scale}+${disp}]` };
  }

  xchg(): Insn {
    const size = this.size();
    const r = this.regOf(size);
    const m = this.rm(size, r);
    return { b: [...this.prefix(size), size === 8 ? 0x86 : 0x87, ...m.b], e: NONE, t: `xchg ${m.t}, ${regName(size, r)}` };
  }

  cmpxchgXadd(): Insn {
    const size = this.size();
    const r = this.regOf(size);
    const m = this.rm(size, r);
    const x = this.chance(0.5);
    const op = (x ? 0xc0 : 0xb0) | (size === 8 ? 0 : 1);
    return { b: [...this.prefix(size), 0x0f, op, ...m.b], e: eff(0, ARITH, 0), t: `${x ? "xadd" : "cmpxchg"} ${m.t}, ${regName(size, r)}` };
  }

  bswap(): Insn {
    const r = this.reg();
    return { b: [0x0f, 0xc8 + r], e: NONE, t: `bswap ${R32[r]}` };
  }

  bcd(): Insn | null {
    if (this.avoid === 0) return null;
    const k = this.int(6);
    // Drawn as usual and then dropped, so batches without omissions stay what they were.
    if (this.omit.has(["daa", "das", "aaa", "aas", "aam", "aad"][k])) return null;
    switch (k) {
      case 0: return { b: [0x27], e: eff(AF | CF, CF | AF | SF | ZF | PF, OF), t: "daa" };
      case 1: return { b: [0x2f], e: eff(AF | CF, CF | AF | SF | ZF | PF, OF), t: "das" };
      case 2: return { b: [0x37], e: eff(AF, AF | CF, OF | SF | ZF | PF), t: "aaa" };
      case 3: return { b: [0x3f], e: eff(AF, AF | CF, OF | SF | ZF | PF), t: "aas" };
      case 4: {
        const n = 1 + this.int(255);
        return { b: [0xd4, n], e: eff(0, SF | ZF | PF, OF | AF | CF), t: `aam ${n}` };
      }
      default: {
        const n = this.int(256);
        return { b: [0xd5, n], e: eff(0, SF | ZF | PF, OF | AF | CF), t: `aad ${n}` };
      }
    }
  }

  /** String instructions on the scratch area with small counts (and REP prefixes). */
  string(): void {
    if (this.avoid >= 0) return;
    const size = this.size();
    const k = this.int(5); // movs stos lods cmps scas
    const names = ["movs", "stos", "lods", "cmps", "scas"];
    const ops = [0xa4, 0xaa, 0xac, 0xa6, 0xae];
    // ESI/EDI in the middle of the scratch area: 8 elements either way stay inside it.
    this.put({ b: [0x8d, 0x75, 40 + this.int(24)], e: NONE, t: "lea esi, [ebp+40..63]" });
    this.put({ b: [0x8d, 0x7d, 40 + this.int(24)], e: NONE, t: "lea edi, [ebp+40..63]" });
    const count = this.int(7);
    this.put({ b: [0xb9, ...le(count, 32)], e: NONE, t: `mov ecx, ${count}` });
    const rep = this.int(3); // none, F3, F2
    const cmp = k >= 3;
    const prefix = rep === 0 ? [] : rep === 1 ? [0xf3] : [0xf2];
    // REP with a zero count changes no flags; otherwise CMPS/SCAS set them like CMP.
    const e = eff(0, cmp && (rep === 0 || count > 0) ? ARITH : 0, 0);
    this.put({ b: [...prefix, ...this.prefix(size), ops[k] | (size === 8 ? 0 : 1)], e, t: `${["", "rep ", "repne "][rep]}${names[k]}${size === 8 ? "b" : size === 16 ? "w" : "d"}` });
  }

  misc(): Insn {
    switch (this.int(11)) {
      case 0: return { b: [0x98], e: NONE, t: "cwde" };
      case 1: return { b: [0x66, 0x98], e: NONE, t: "cbw" };
      case 2: return { b: [0x99], e: NONE, t: "cdq" };
      case 3: return { b: [0xf8], e: eff(0, CF, 0), t: "clc" };
      case 4: return { b: [0xf9], e: eff(0, CF, 0), t: "stc" };
      case 5: return { b: [0xf5], e: eff(CF, CF, 0), t: "cmc" };
      case 6: return { b: [0x9e], e: eff(0, CF | PF | AF | ZF | SF, 0), t: "sahf" };
      case 7: return { b: [0x9f], e: eff(CF | PF | AF | ZF | SF, 0, 0), t: "lahf" };
      case 8: {
        const size = this.size();
        const r = this.regOf(size);
        const m = this.rm(size, r);
        return { b: [...this.prefix(size), size === 8 ? 0x88 : 0x89, ...m.b], e: NONE, t: `mov ${m.t}, ${regName(size, r)}` };
      }
      case 9: {
        const size: Size = this.chance(0.5) ? 16 : 32;
        const r = this.reg();
        const from = this.chance(0.5) ? 8 : 16;
        const signed = this.chance(0.5);
        const m = this.rm(from as Size, r);
        return { b: [...this.prefix(size), 0x0f, (signed ? 0xbe : 0xb6) | (from === 16 ? 1 : 0), ...m.b], e: NONE, t: `mov${signed ? "sx" : "zx"} ${regName(size, r)}, ${m.t}` };
      }
      default: {
        const size = this.size();
        const r = this.regOf(size);
        const v = this.value(size);
        const m = this.rm(size, 0);
        if (m.mem) return { b: [...this.prefix(size), size === 8 ? 0xc6 : 0xc7, ...m.b, ...le(v, size)], e: NONE, t: `mov ${m.t}, 0x${v.toString(16)}` };
        return size === 8
          ? { b: [0xb0 + r, v], e: NONE, t: `mov ${regName(8, r)}, 0x${v.toString(16)}` }
          : { b: [...this.prefix(size), 0xb8 + r, ...le(v, size)], e: NONE, t: `mov ${regName(size, r)}, 0x${v.toString(16)}` };
      }
    }
  }

  /** pushfd; pop reg: EFLAGS into a register (so every flag must be defined). */
  pushfPop(): void {
    const r = this.reg();
    this.put({ b: [0x9c], e: eff(ARITH, 0, 0), t: "pushfd" });
    this.put({ b: [0x58 + r], e: NONE, t: `pop ${R32[r]}` });
  }

  /** A simple instruction for loop bodies and branch shadows (no setup of its own). */
  simple(): Insn {
    switch (this.int(6)) {
      case 0: return this.alu();
      case 1: return this.incDec();
      case 2: return this.test();
      case 3: return this.unary();
      case 4: return this.misc();
      default: return this.xchg();
    }
  }

  /** Jcc forward over one simple instruction. */
  jccSkip(): void {
    const cc = this.int(16);
    let skipped = this.simple();
    if ((skipped.e.reads & this.undef) !== 0) skipped = { b: [0x90], e: NONE, t: "nop" };
    this.put({ b: [0x70 + cc, skipped.b.length], e: eff(CC_READS[cc], 0, 0), t: `j${CC[cc]} +${skipped.b.length}` });
    // The skipped instruction may or may not run: flags undefined on either path stay undefined.
    const before = this.undef;
    this.raw(skipped);
    this.undef |= before;
  }

  /** A counted backward loop: mov r, n; L: body; dec r; jnz L. */
  loop(): void {
    const r = this.pick([1, 3, 6, 7]);
    const n = 1 + this.int(100);
    this.put({ b: [0xb8 + r, ...le(n, 32)], e: NONE, t: `mov ${R32[r]}, ${n}` });
    this.avoid = r;
    const body: Insn[] = [];
    const count = 1 + this.int(3);
    for (let k = 0; k < count; k++) {
      let i = this.simple();
      // A body that reads flags sees the previous iteration's DEC, which defines all but CF.
      if ((i.e.reads & CF) !== 0) i = { b: [0x90], e: NONE, t: "nop" };
      body.push(i);
    }
    this.avoid = -1;
    const len = body.reduce((s, i) => s + i.b.length, 0) + 1 + 2;
    // First iteration: flags as now; define them so any body reader is safe.
    this.raw({ b: [0x39, 0xc0], e: eff(0, ARITH, 0), t: "cmp eax, eax (define flags)" });
    for (const i of body) this.raw(i);
    this.raw({ b: [0x48 + r], e: eff(0, ARITH & ~CF, 0), t: `dec ${R32[r]}` });
    this.raw({ b: [0x75, (-len) & 0xff], e: eff(ZF, 0, 0), t: `jnz -${len}` });
    // Every iteration has the same flag effects, so applying them once above gives the state after the loop.
  }

  /** One random instruction (some templates emit a few: set-up plus the instruction). */
  one(depth: { n: number }): void {
    switch (this.int(22)) {
      case 0: case 1: case 2: this.put(this.alu()); break;
      case 3: this.put(this.incDec()); break;
      case 4: this.put(this.unary()); break;
      case 5: this.put(this.test()); break;
      case 6: this.put(this.mul()); break;
      case 7: this.div(); break;
      case 8: case 9: this.shift(); break;
      case 10: this.shiftDouble(); break;
      case 11: this.put(this.bitTest()); break;
      case 12: this.bitScan(); break;
      case 13: this.put(this.chance(0.5) ? this.setcc() : this.cmov()); break;
      case 14: this.put(this.pushPop(depth)); break;
      case 15: this.put(this.chance(0.5) ? this.lea() : this.xchg()); break;
      case 16: this.put(this.chance(0.7) ? this.cmpxchgXadd() : this.bswap()); break;
      case 17: {
        const i = this.bcd();
        if (i) this.put(i);
        break;
      }
      case 18: this.string(); break;
      case 19: this.put(this.misc()); break;
      case 20: this.chance(0.3) ? this.pushfPop() : this.jccSkip(); break;
      default: this.loop(); break;
    }
  }

  /** One sequence at blob offset `off`: set-up, instructions, call to the dump routine. */
  sequence(off: number): SequenceInfo {
    const start = this.out.length;
    this.text = [];
    this.undef = 0;
    this.out.push(0xbc, ...le(STACK_TOP, 32), 0xbd, ...le(SCRATCH, 32));
    for (const r of REGS) this.out.push(0xb8 + r, ...le(this.value(32), 32));
    const flags = (this.rnd() & ARITH) | (this.chance(0.2) ? 0x400 : 0) | 2;
    this.out.push(0x68, ...le(flags, 32), 0x9d);
    this.text.push(`(registers and EFLAGS=0x${flags.toString(16)} loaded)`);
    const depth = { n: 0 };
    const count = 4 + this.int(13);
    for (let k = 0; k < count; k++) this.one(depth);
    const at = SEQ_RAM + off + (this.out.length - start);
    this.out.push(0xe8, ...le((DUMP_ADDR - (at + 5)) >>> 0, 32));
    return { offset: off, undefMask: this.undef, text: this.text };
  }

  bytes(): number[] {
    return this.out;
  }
}

/** Bytes that end the blob: write 0 to the isa-debug-exit port, then halt. */
const EXIT = [0xb0, 0x00, 0xe6, 0xf4, 0xf4, 0xeb, 0xfe];

/**
 * Generate up to `count` sequences (fewer if the blob fills up) from `seed`. `omit` names BCD
 * instructions not to emit (the kvm differential test's host faults on some at CPL3 in
 * compatibility mode, or sets flags against the SDM); the other instructions of a sequence are drawn as without it.
 */
export function generateBatch(seed: number, count: number, omit: ReadonlySet<string> = new Set()): Batch {
  const g = new Generator(prng(seed), omit);
  const sequences: SequenceInfo[] = [];
  const limit = SEQ_SIZE - 600;
  for (let k = 0; k < count && g.bytes().length < limit; k++) sequences.push(g.sequence(g.bytes().length));
  const blob = new Uint8Array([...g.bytes(), ...EXIT]);
  return { seed, blob, sequences };
}
