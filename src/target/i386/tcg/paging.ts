/**
 * Linear → physical translation: the two-level i386 page walk (4 KiB pages,
 * 4 MiB pages with CR4.PSE, accessed/dirty bits, CR0.WP, global pages) and
 * the TLB that caches it, including whether the page is plain RAM so the
 * memory fast paths can skip the bus.
 */
import type { X86Cpu } from "./cpu.js";
import { CR0_PG, CR0_WP, CR4_PGE, CR4_PSE, EXC_PF } from "./constants.js";

/** Entry bits (low 12 bits of a TLB entry; the high 20 are the physical page). */
export const TLB_VALID = 0x1; // present: supervisor may read
export const TLB_USER = 0x2; // user may read
export const TLB_WSUP = 0x4; // supervisor may write (dirty already set)
export const TLB_WUSER = 0x8; // user may write (dirty already set)
export const TLB_RAMR = 0x10; // reads may go straight to RAM
export const TLB_RAMW = 0x20; // writes may go straight to RAM (plain RAM, no decoded code on the page)
export const TLB_GLOBAL = 0x40; // survives CR3 reloads (CR4.PGE and PTE.G)

/** Translate `lin` (unsigned) for an access; fills the TLB; raises #PF. Returns the physical address. */
export function translate(c: X86Cpu, lin: number, write: boolean, user: boolean): number {
  const e = c.tlb[lin >>> 12];
  const need = write ? (user ? TLB_WUSER : TLB_WSUP) : user ? TLB_VALID | TLB_USER : TLB_VALID;
  if ((e & need) === need) return (e >>> 12) * 4096 + (lin & 0xfff);
  return walk(c, lin, write, user);
}

function walk(c: X86Cpu, lin: number, write: boolean, user: boolean): number {
  let phys: number;
  let bits: number;
  if ((c.cr0 & CR0_PG) === 0) {
    phys = (lin & c.physMask & ~0xfff) >>> 0;
    bits = TLB_VALID | TLB_USER | TLB_WSUP | TLB_WUSER;
  } else {
    const pdeAddr = ((c.cr3 & ~0xfff) + ((lin >>> 22) << 2)) >>> 0;
    let pde = c.physRead(pdeAddr & c.physMask, 4);
    if ((pde & 1) === 0) return pageFault(c, lin, 0, write, user);
    const big = (pde & 0x80) !== 0 && (c.cr4 & CR4_PSE) !== 0;
    let rw: number, us: number, global: number;
    if (big) {
      rw = pde & 2;
      us = pde & 4;
      global = pde & 0x100;
      checkAccess(c, lin, rw, us, write, user);
      const want = pde | 0x20 | (write ? 0x40 : 0);
      if (want !== pde) {
        pde = want;
        c.physWrite(pdeAddr & c.physMask, pde, 4);
      }
      phys = ((pde & 0xffc00000) | (lin & 0x3ff000)) >>> 0;
      bits = dirtyBits(pde, rw, us, c);
    } else {
      if ((pde & 0x20) === 0) {
        pde |= 0x20;
        c.physWrite(pdeAddr & c.physMask, pde, 4);
      }
      const pteAddr = ((pde & ~0xfff) + (((lin >>> 12) & 0x3ff) << 2)) >>> 0;
      let pte = c.physRead(pteAddr & c.physMask, 4);
      if ((pte & 1) === 0) return pageFault(c, lin, 0, write, user);
      rw = pde & pte & 2;
      us = pde & pte & 4;
      global = pte & 0x100;
      checkAccess(c, lin, rw, us, write, user);
      const want = pte | 0x20 | (write ? 0x40 : 0);
      if (want !== pte) {
        pte = want;
        c.physWrite(pteAddr & c.physMask, pte, 4);
      }
      phys = (pte & ~0xfff) >>> 0;
      bits = dirtyBits(pte, rw, us, c);
    }
    if (global !== 0 && (c.cr4 & CR4_PGE) !== 0) bits |= TLB_GLOBAL;
    phys = (phys & c.physMask) >>> 0;
  }
  const page = phys >>> 12;
  if (c.ramPage(page, 1)) bits |= TLB_RAMR;
  if (c.ramPage(page, 2) && !c.blocks.isCodePage(page)) bits |= TLB_RAMW;
  setEntry(c, lin >>> 12, phys | bits);
  return phys + (lin & 0xfff);
}

/** Write permissions an entry may carry: only once the dirty bit is set, so the first write walks again. */
function dirtyBits(e: number, rw: number, us: number, c: X86Cpu): number {
  let bits = TLB_VALID;
  if (us) bits |= TLB_USER;
  if ((e & 0x40) !== 0) {
    if (rw || (c.cr0 & CR0_WP) === 0) bits |= TLB_WSUP;
    if (rw && us) bits |= TLB_WUSER;
  }
  return bits;
}

function checkAccess(c: X86Cpu, lin: number, rw: number, us: number, write: boolean, user: boolean): void {
  if (user) {
    if (!us || (write && !rw)) pageFault(c, lin, 1, write, user);
  } else if (write && !rw && (c.cr0 & CR0_WP) !== 0) {
    pageFault(c, lin, 1, write, user);
  }
}

function pageFault(c: X86Cpu, lin: number, present: number, write: boolean, user: boolean): never {
  c.cr2 = lin | 0;
  return c.raise(EXC_PF, present | (write ? 2 : 0) | (user ? 4 : 0));
}

function setEntry(c: X86Cpu, index: number, value: number): void {
  if (c.tlb[index] === 0) {
    if (c.tlbUsedCount === c.tlbUsed.length) flushTlb(c, true);
    c.tlbUsed[c.tlbUsedCount++] = index;
  }
  c.tlb[index] = value;
}

/** Drop cached translations: all of them, or all but global ones (a CR3 load). */
export function flushTlb(c: X86Cpu, all: boolean): void {
  c.blocks.epoch++;
  const tlb = c.tlb;
  const used = c.tlbUsed;
  let kept = 0;
  for (let k = 0; k < c.tlbUsedCount; k++) {
    const idx = used[k];
    if (!all && (tlb[idx] & TLB_GLOBAL) !== 0) used[kept++] = idx;
    else tlb[idx] = 0;
  }
  c.tlbUsedCount = kept;
}

/** INVLPG: forget one linear page. */
export function flushTlbPage(c: X86Cpu, lin: number): void {
  c.blocks.epoch++;
  c.tlb[lin >>> 12] = 0;
}

/** A physical page just got decoded code on it: stop writing it through the fast path. */
export function revokeFastWrites(c: X86Cpu, page: number): void {
  const tlb = c.tlb;
  const used = c.tlbUsed;
  for (let k = 0; k < c.tlbUsedCount; k++) {
    const e = tlb[used[k]];
    if (e >>> 12 === page) tlb[used[k]] = e & ~TLB_RAMW;
  }
}
