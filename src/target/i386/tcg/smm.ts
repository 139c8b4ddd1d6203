/**
 * System Management Mode for the interpreter (QEMU 7.2's target/i386/tcg/sysemu/smm_helper.c as
 * built for qemu-system-x86_64): an SMI saves the CPU state in SMRAM at SMBASE + 0xfe00 and
 * starts the handler at SMBASE:8000 in a real-mode-like state; RSM reads the state back, SMBASE
 * included (the firmware relocates it by editing the saved copy).
 *
 * The save area is the AMD64 layout (revision 0x00020064) because QEMU's x86_64 target always
 * uses it, whatever mode the CPU is in; the firmware reads the revision to know which one it got.
 * While in SMM the CPU sees memory through its SMM view (`cpu-smm-N`: SMRAM over the normal
 * map); the bus switches views when `inSmm` changes.
 */
import { AR_G, AR_P, AR_S, CR0_EM, CR0_PE, CR0_PG, CR0_TS, EXC_UD, SS, VM } from "./constants.js";
import type { X86Cpu } from "./cpu.js";

/** Where the first SMI finds its handler and save area (SMBASE after reset, QEMU's x86_cpu_reset). */
export const SMBASE_RESET = 0x30000;
/** SMM revision identifier: AMD64 save map, SMBASE relocation supported (bit 17). */
export const SMM_REVISION_ID = 0x00020064;
const SMBASE_RELOCATION = 0x20000;

/** Offsets in the save area, from SMBASE + 0x8000 (QEMU's sm_state). */
const SEGS = 0x7e00; // ES CS SS DS FS GS, 16 bytes each: selector, attributes, limit, base
const GDT_LIMIT = 0x7e64, GDT_BASE = 0x7e68;
const LDT_SEL = 0x7e70, LDT_AR = 0x7e72, LDT_LIMIT = 0x7e74, LDT_BASE = 0x7e78;
const IDT_LIMIT = 0x7e84, IDT_BASE = 0x7e88;
const TR_SEL = 0x7e90, TR_AR = 0x7e92, TR_LIMIT = 0x7e94, TR_BASE = 0x7e98;
const EFER = 0x7ed0;
const REVISION = 0x7efc, SMBASE = 0x7f00;
const CR4 = 0x7f48, CR3 = 0x7f50, CR0 = 0x7f58;
const DR7 = 0x7f60, DR6 = 0x7f68;
const EFLAGS = 0x7f70, RIP = 0x7f78;
/** RAX is at 0x7ff8, then downwards RCX RDX RBX RSP RBP RSI RDI (the interpreter's register order). */
const RAX = 0x7ff8;

export const MSR_EFER = 0xc0000080;
/** The attribute-word bits the save map keeps (type, S, DPL, P, AVL, L, D/B, G). */
const AR_SAVED = 0xf0ff;
/** What every segment gets on SMM entry: present, writable data, accessed, 4 GiB (QEMU loads CS like this too). */
const AR_SMM = AR_P | AR_S | 0x2 | 0x1 | AR_G;

function st16(c: X86Cpu, a: number, v: number): void {
  c.physWrite(a, v & 0xffff, 2);
}
function st32(c: X86Cpu, a: number, v: number): void {
  c.physWrite(a, v | 0, 4);
}
/** A 64-bit slot: this CPU has no upper halves, so they are zero. */
function st64(c: X86Cpu, a: number, v: number): void {
  c.physWrite(a, v | 0, 4);
  c.physWrite(a + 4, 0, 4);
}
function ld16(c: X86Cpu, a: number): number {
  return c.physRead(a, 2) & 0xffff;
}
function ld32(c: X86Cpu, a: number): number {
  return c.physRead(a, 4) >>> 0;
}

/** The bus shows SMRAM exactly while the CPU is in SMM (QEMU picks the address space per access from the SMM attribute). */
function setSmm(c: X86Cpu, on: boolean): void {
  c.inSmm = on;
  c.bus.setSmm?.(on);
  c.memoryMapChanged();
}

/** QEMU's do_smm_enter: take a pending SMI. */
export function smmEnter(c: X86Cpu): void {
  c.smiCount++;
  setSmm(c, true);
  // NMIs stay blocked in SMM; remember whether they already were, for RSM.
  if (c.nmiBlocked) c.smmInsideNmi = true;
  else c.nmiBlocked = true;

  const s = (c.smbase + 0x8000) >>> 0;
  for (let i = 0; i < 6; i++) {
    const o = s + SEGS + i * 16;
    st16(c, o, c.segSel[i]!);
    st16(c, o + 2, c.segAr[i]! & AR_SAVED);
    st32(c, o + 4, c.segLimit[i]!);
    st64(c, o + 8, c.segBase[i]!);
  }
  st64(c, s + GDT_BASE, c.gdtBase);
  st32(c, s + GDT_LIMIT, c.gdtLimit);
  st16(c, s + LDT_SEL, c.ldtSel);
  st64(c, s + LDT_BASE, c.ldtBase);
  st32(c, s + LDT_LIMIT, c.ldtLimit);
  st16(c, s + LDT_AR, c.ldtAr & AR_SAVED);
  st64(c, s + IDT_BASE, c.idtBase);
  st32(c, s + IDT_LIMIT, c.idtLimit);
  st16(c, s + TR_SEL, c.trSel);
  st64(c, s + TR_BASE, c.trBase);
  st32(c, s + TR_LIMIT, c.trLimit);
  st16(c, s + TR_AR, c.trAr & AR_SAVED);
  const efer = c.msrs.get(MSR_EFER) ?? 0n;
  st32(c, s + EFER, Number(efer & 0xffffffffn));
  st32(c, s + EFER + 4, Number((efer >> 32n) & 0xffffffffn));
  for (let r = 0; r < 8; r++) st64(c, s + RAX - r * 8, c.r32[r]!);
  // r8-r15 do not exist here: their slots read as zero.
  for (let r = 8; r < 16; r++) st64(c, s + RAX - r * 8, 0);
  st64(c, s + RIP, c.eip);
  st32(c, s + EFLAGS, c.getFlags());
  st32(c, s + DR6, c.dr[6]!);
  st32(c, s + DR7, c.dr[7]!);
  st32(c, s + CR4, c.cr4);
  st64(c, s + CR3, c.cr3);
  st32(c, s + CR0, c.cr0);
  st32(c, s + REVISION, SMM_REVISION_ID);
  st32(c, s + SMBASE, c.smbase);

  // The handler's state: flat 16-bit "big real mode" at SMBASE:8000, interrupts off, no paging.
  if (c.msrs.has(MSR_EFER)) c.msrs.set(MSR_EFER, 0n);
  c.setFlags(0);
  c.eip = 0x8000;
  c.cr0 &= ~(CR0_PE | CR0_EM | CR0_TS | CR0_PG);
  c.cr4 = 0;
  c.dr[7] = 0x400;
  c.setSegCache(1, (c.smbase >>> 4) & 0xffff, c.smbase, 0xffffffff, AR_SMM);
  for (const seg of [0, 2, 3, 4, 5]) c.setSegCache(seg, 0, 0, 0xffffffff, AR_SMM);
  c.setCpl(0);
  c.halted = false;
  c.flushTlb(true);
}

/** QEMU's helper_rsm: leave SMM with the (possibly edited) saved state. #UD outside SMM. */
export function rsm(c: X86Cpu): void {
  if (!c.inSmm) c.raise(EXC_UD);
  const s = (c.smbase + 0x8000) >>> 0;
  const efer = (BigInt(ld32(c, s + EFER + 4)) << 32n) | BigInt(ld32(c, s + EFER));
  if (efer !== 0n || c.msrs.has(MSR_EFER)) c.msrs.set(MSR_EFER, efer);
  c.gdtBase = ld32(c, s + GDT_BASE) | 0;
  c.gdtLimit = ld32(c, s + GDT_LIMIT);
  c.ldtSel = ld16(c, s + LDT_SEL);
  c.ldtBase = ld32(c, s + LDT_BASE) | 0;
  c.ldtLimit = ld32(c, s + LDT_LIMIT);
  c.ldtAr = ld16(c, s + LDT_AR) & AR_SAVED;
  c.idtBase = ld32(c, s + IDT_BASE) | 0;
  c.idtLimit = ld32(c, s + IDT_LIMIT);
  c.trSel = ld16(c, s + TR_SEL);
  c.trBase = ld32(c, s + TR_BASE) | 0;
  c.trLimit = ld32(c, s + TR_LIMIT);
  c.trAr = ld16(c, s + TR_AR) & AR_SAVED;
  for (let r = 0; r < 8; r++) c.r32[r] = ld32(c, s + RAX - r * 8) | 0;
  c.eip = ld32(c, s + RIP);
  c.setFlags(ld32(c, s + EFLAGS));
  c.dr[6] = ld32(c, s + DR6) | 0;
  c.dr[7] = ld32(c, s + DR7) | 0;
  c.cr4 = ld32(c, s + CR4) | 0;
  c.cr3 = ld32(c, s + CR3) | 0;
  c.cr0 = ld32(c, s + CR0) | 0;
  for (let i = 0; i < 6; i++) {
    const o = s + SEGS + i * 16;
    c.setSegCache(i, ld16(c, o), ld32(c, o + 8), ld32(c, o + 4), ld16(c, o + 2) & AR_SAVED);
  }
  // QEMU takes the privilege level from SS's DPL (real mode: 0, virtual-8086 mode: 3).
  const pe = (c.cr0 & CR0_PE) !== 0;
  c.setCpl(!pe ? 0 : (c.getFlags() & VM) !== 0 ? 3 : (c.segAr[SS]! >> 5) & 3);
  if (ld32(c, s + REVISION) & SMBASE_RELOCATION) c.smbase = ld32(c, s + SMBASE);

  if (!c.smmInsideNmi) c.nmiBlocked = false;
  c.smmInsideNmi = false;
  setSmm(c, false);
  c.eventPending = true;
}
