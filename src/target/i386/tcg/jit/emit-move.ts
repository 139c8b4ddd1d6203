/** Emitters for data movement: MOV forms, LEA, PUSH/POP, MOVZX/MOVSX, SETcc, CMOVcc, NOP. */
import { condExpr } from "./flags.js";
import type { Emitter, Width } from "./emitter.js";
import { immOf } from "./emitter.js";
import { emitGrp3Test, emitGrp5IncDec } from "./emit-alu.js";
import type { OpEmitter } from "./emit-alu.js";

/** Store `v` to the r/m operand. */
function storeRm(x: Emitter, width: Width, v: string): void {
  const i = x.i;
  if (i.mod === 3) {
    x.setReg(width, i.rm, v);
    return;
  }
  const t = x.t();
  x.emit(`${t} = ${v};`);
  x.faultPoint();
  x.write(width, x.ea(), t);
  x.afterWrite();
}

/** The r/m operand's value as an expression (reads memory: a fault point). */
function loadRm(x: Emitter, width: Width): string {
  const i = x.i;
  if (i.mod === 3) return x.reg(width, i.rm);
  x.faultPoint();
  const t = x.t();
  x.emit(`${t} = ${x.read(width, x.ea())};`);
  return t;
}

const movEG = (byte: boolean): OpEmitter => (x) => {
  const wd: Width = byte ? 8 : x.vWidth();
  storeRm(x, wd, x.reg(wd, x.i.reg));
  return true;
};
const movGE = (byte: boolean): OpEmitter => (x) => {
  const wd: Width = byte ? 8 : x.vWidth();
  x.setReg(wd, x.i.reg, loadRm(x, wd));
  return true;
};
const movEI = (byte: boolean): OpEmitter => (x) => {
  if (x.i.reg !== 0) return false;
  const wd: Width = byte ? 8 : x.vWidth();
  storeRm(x, wd, immOf(wd, x.i.imm));
  return true;
};

/** A0-A3: the offset is in disp with no base or index, which is what `ea()` produces. */
const movAccMoffs = (byte: boolean, toAcc: boolean): OpEmitter => (x) => {
  const wd: Width = byte ? 8 : x.vWidth();
  x.faultPoint();
  if (toAcc) x.setReg(wd, 0, x.read(wd, x.ea()));
  else {
    x.write(wd, x.ea(), x.reg(wd, 0));
    x.afterWrite();
  }
  return true;
};

const lea: OpEmitter = (x) => {
  if (x.i.mod === 3) return false;
  x.setReg(x.vWidth(), x.i.reg, x.ea());
  return true;
};

const pushReg: OpEmitter = (x) => {
  const n = x.i.op & 7;
  if (x.level === 86 && n === 4) return false; // the 8086 pushes the decremented SP
  x.faultPoint();
  x.emit(`c.push${x.i.o32 ? 32 : 16}(${x.reg(x.vWidth(), n)});`);
  x.afterWrite();
  return true;
};

const popReg: OpEmitter = (x) => {
  const n = x.i.op & 7;
  x.faultPoint();
  const t = x.t();
  x.emit(`${t} = c.peek${x.i.o32 ? 32 : 16}(0); c.addSp(${x.i.o32 ? 4 : 2});`);
  x.setReg(x.vWidth(), n, t);
  return true;
};

const pushImm: OpEmitter = (x) => {
  x.faultPoint();
  x.emit(x.i.o32 ? `c.push32(${x.i.imm | 0});` : `c.push16(${x.i.imm & 0xffff});`);
  x.afterWrite();
  return true;
};

const movx = (from: 8 | 16, signed: boolean): OpEmitter => (x) => {
  let v = loadRm(x, from);
  if (signed) v = from === 8 ? `((${v} << 24) >> 24)` : `((${v} << 16) >> 16)`;
  x.setReg(x.vWidth(), x.i.reg, v);
  return true;
};

const setcc: OpEmitter = (x) => {
  x.readsFlags();
  storeRm(x, 8, `(${condExpr(x.pending, x.i.op & 15)} ? 1 : 0)`);
  return true;
};

const cmov: OpEmitter = (x) => {
  // The source is read (and may fault) whether or not the move happens.
  const wd = x.vWidth();
  let v = loadRm(x, wd);
  if (x.i.mod === 3) {
    const t = x.t();
    x.emit(`${t} = ${v};`);
    v = t;
  }
  x.readsFlags();
  x.emit(`if (${condExpr(x.pending, x.i.op & 15)}) { ${x.setRegText(wd, x.i.reg, v)} }`);
  return true;
};

const nop: OpEmitter = () => true;

export function registerMoveEmitters(e: (OpEmitter | undefined)[]): void {
  e[0x88] = movEG(true);
  e[0x89] = movEG(false);
  e[0x8a] = movGE(true);
  e[0x8b] = movGE(false);
  e[0xc6] = movEI(true);
  e[0xc7] = movEI(false);
  for (let r = 0; r < 8; r++) {
    e[0xb0 + r] = (x) => (x.setReg(8, r, immOf(8, x.i.imm)), true);
    e[0xb8 + r] = (x) => (x.setReg(x.vWidth(), r, immOf(x.vWidth(), x.i.imm)), true);
    e[0x50 + r] = pushReg;
    e[0x58 + r] = popReg;
  }
  e[0xa0] = movAccMoffs(true, true);
  e[0xa1] = movAccMoffs(false, true);
  e[0xa2] = movAccMoffs(true, false);
  e[0xa3] = movAccMoffs(false, false);
  e[0x8d] = lea;
  e[0x68] = e[0x6a] = pushImm;
  e[0x90] = nop;
  e[0x1b6] = movx(8, false);
  e[0x1b7] = movx(16, false);
  e[0x1be] = movx(8, true);
  e[0x1bf] = movx(16, true);
  for (let cc = 0; cc < 16; cc++) {
    e[0x190 + cc] = setcc;
    e[0x140 + cc] = cmov;
  }
  e[0xff] = emitGrp5IncDec;
  e[0xf7] = emitGrp3Test;
}
