/**
 * Flags inside a compiled block. The last flag-setting instruction is kept as
 * a compile-time description ("pending") whose inputs and result live in
 * JavaScript locals; a later Jcc/SETcc/CMOVcc in the same block tests them
 * directly, and a later full flag writer simply replaces the description, so
 * most flag work disappears. The interpreter's lazy state on the CPU object
 * is only written ("flushed") where something outside the block's own code
 * could look: a side exit, a call into an interpreter handler, or a fault.
 */
import { LAZY_ADD, LAZY_LOGIC, LAZY_SUB } from "../cpu.js";

/** Lazy-state masks written on flush (ARITH and ARITH without CF, or without CF|OF|AF). */
const ARITH = 0x8d5, ARITH_NO_CF = 0x8d4, ARITH_NO_CF_OF_AF = 0xc4;

export type Pending =
  /** ADD/SUB/CMP (all six flags from a, b and the result). */
  | { kind: "arith"; op: typeof LAZY_ADD | typeof LAZY_SUB; sign: number; a: string; b: string; res: string }
  /** AND/OR/XOR/TEST: CF=OF=AF=0, SF/ZF/PF from the result. */
  | { kind: "logic"; sign: number; res: string }
  /**
   * INC/DEC: like ADD/SUB with b=1, but CF is the one from before. `cf` is a
   * boolean expression for it, or null when it is whatever the CPU object's
   * lazy state says (nothing has been flushed since, so it still says it).
   */
  | { kind: "incdec"; op: typeof LAZY_ADD | typeof LAZY_SUB; sign: number; a: string; res: string; cf: string | null }
  /** SHL/SHR/SAR by a constant non-zero count: SF/ZF/PF from the result, CF|OF bits (0x001|0x800) in `cfof`, AF=0. */
  | { kind: "shift"; sign: number; res: string; cfof: string };

/** Statements that make the CPU object's lazy flags describe `p`. */
export function flushCode(p: Pending): string {
  switch (p.kind) {
    case "arith":
      return `c.lzOp = ${p.op}; c.lzSign = ${p.sign}; c.lzA = ${p.a}; c.lzB = ${p.b}; c.lzRes = ${p.res}; c.lzMask = ${ARITH};`;
    case "logic":
      return `c.lzOp = ${LAZY_LOGIC}; c.lzSign = ${p.sign}; c.lzRes = ${p.res}; c.lzMask = ${ARITH};`;
    case "incdec": {
      // CF first: its source may be the lazy state about to be overwritten.
      const cf = p.cf === null
        ? "if ((c.lzMask & 1) !== 0) c.flags = (c.flags & -2) | c.getCF();"
        : `c.flags = (c.flags & -2) | (${p.cf} ? 1 : 0);`;
      return `${cf} c.lzOp = ${p.op}; c.lzSign = ${p.sign}; c.lzA = ${p.a}; c.lzB = 1; c.lzRes = ${p.res}; c.lzMask = ${ARITH_NO_CF};`;
    }
    case "shift":
      return `c.lzOp = ${LAZY_LOGIC}; c.lzSign = ${p.sign}; c.lzRes = ${p.res}; c.lzMask = ${ARITH_NO_CF_OF_AF}; c.flags = (c.flags & ${~0x811}) | ${p.cfof};`;
  }
}

/** Does `p` set all six arithmetic flags without reading any (so earlier flag state is dead)? */
export function isFullWrite(p: Pending): boolean {
  return p.kind !== "incdec";
}

/** Boolean expression for CF. */
export function cfExpr(p: Pending | null): string {
  if (p === null) return "(c.getCF() !== 0)";
  switch (p.kind) {
    case "arith":
      return p.op === LAZY_ADD ? `((${p.res} >>> 0) < (${p.a} >>> 0))` : `((${p.a} >>> 0) < (${p.b} >>> 0))`;
    case "logic":
      return "false";
    case "incdec":
      // Unflushed, so the CPU object still holds the state from before the INC/DEC.
      return p.cf ?? "(c.getCF() !== 0)";
    case "shift":
      return `((${p.cfof} & 1) !== 0)`;
  }
}

function ofExpr(p: Pending): string {
  switch (p.kind) {
    case "arith":
      return p.op === LAZY_ADD
        ? `(((${p.a} ^ ${p.res}) & (${p.b} ^ ${p.res}) & ${p.sign}) !== 0)`
        : `(((${p.a} ^ ${p.b}) & (${p.a} ^ ${p.res}) & ${p.sign}) !== 0)`;
    case "incdec":
      return p.op === LAZY_ADD
        ? `(((${p.a} ^ ${p.res}) & (1 ^ ${p.res}) & ${p.sign}) !== 0)`
        : `(((${p.a} ^ 1) & (${p.a} ^ ${p.res}) & ${p.sign}) !== 0)`;
    case "logic":
      return "false";
    case "shift":
      return `((${p.cfof} & 0x800) !== 0)`;
  }
}

const RUNTIME_COND = [
  "c.getOF()",
  "(c.getCF() !== 0)",
  "c.getZF()",
  "(c.getCF() !== 0 || c.getZF())",
  "c.getSF()",
  "c.getPF()",
  "(c.getSF() !== c.getOF())",
  "(c.getZF() || c.getSF() !== c.getOF())",
];

/** Boolean expression for condition code `cc` (0-15, as in Jcc). `P` is the parity table in the generated code. */
export function condExpr(p: Pending | null, cc: number): string {
  let e: string;
  if (p === null) e = RUNTIME_COND[cc >> 1];
  else {
    const zf = `(${p.res} === 0)`;
    const sf = `((${p.res} & ${p.sign}) !== 0)`;
    switch (cc >> 1) {
      case 0: e = ofExpr(p); break;
      case 1: e = cfExpr(p); break;
      case 2: e = zf; break;
      case 3: e = `(${cfExpr(p)} || ${zf})`; break;
      case 4: e = sf; break;
      case 5: e = `(P[${p.res} & 255] !== 0)`; break;
      case 6: e = `(${sf} !== ${ofExpr(p)})`; break;
      default: e = `(${zf} || ${sf} !== ${ofExpr(p)})`; break;
    }
  }
  return (cc & 1) !== 0 ? `!${e}` : e;
}
