import type { X86Cpu } from "./cpu.js";

/** Executes one decoded instruction. `c.eip` already points past it when it runs. */
export type Handler = (c: X86Cpu, i: Insn) => void;

/**
 * One decoded instruction. Instances live in cached blocks and are reused for
 * every execution, so handlers read them but never write them.
 */
export class Insn {
  /** The function that executes it. */
  h: Handler;
  /** Opcode: one-byte opcodes 0x00-0xff, 0x0f-prefixed ones 0x100-0x1ff. */
  op = 0;
  /** Offset of its first byte from the block's start EIP, and its length in bytes. */
  delta = 0;
  len = 0;
  /** delta + len: offset of the next instruction from the block start. */
  next = 0;
  /** 32-bit operand size / address size in effect. */
  o32 = false;
  a32 = false;
  /** Segment of the memory operand (default or override). */
  seg = 3;
  /** A segment override prefix was present (string instruction sources honour it). */
  hasSegOverride = false;
  /** 0 none, 1 REP/REPE (F3), 2 REPNE (F2). */
  rep = 0;
  lock = false;
  /** ModR/M fields; `mod === 3` means a register operand. */
  mod = 3;
  reg = 0;
  rm = 0;
  /** Effective address: disp + base + (index << scale); base/index -1 when absent. */
  base = -1;
  index = -1;
  scale = 0;
  disp = 0;
  /** Immediates (sign-extended where the encoding says so); imm2 is the second one (far pointers, ENTER). */
  imm = 0;
  imm2 = 0;
  /** Number of prefix bytes. */
  prefixes = 0;
  /** Control may leave the straight line (or the mode may change): the block ends here. */
  terminates = false;

  constructor(h: Handler) {
    this.h = h;
  }
}
