/**
 * The decoded-code cache. A block is a run of decoded instructions keyed by
 * the physical address of its first byte (and the code size it was decoded
 * for). Writes to physical memory covered by a block invalidate it, so
 * self-modifying code behaves as on hardware (minus the 8086 prefetch queue).
 *
 * Pages holding decoded code lose their fast-write TLB permission, so every
 * write to them goes through `noteWrite`, which checks a 64-byte-granular map
 * before looking for the blocks it hits.
 */
import type { X86Cpu } from "./cpu.js";
import { FAULT } from "./cpu.js";
import { CS } from "./constants.js";
import { decodeInsn } from "./decode.js";
import type { Insn } from "./insn.js";
import type { JitFn } from "./jit/compile.js";
import { revokeFastWrites, translate } from "./paging.js";

const MAX_BLOCK_INSNS = 64;
const CHUNK_SHIFT = 6;

export class Block {
  valid = true;
  /** Decoded instructions; `Insn.delta` is relative to the EIP the block was entered at. */
  insns: Insn[] = [];
  /** Bytes covered, from the first byte. */
  byteLen = 0;
  /** Physical byte ranges the block's code occupies: [lo0, hi0) and, when it crosses a page, [lo1, hi1). */
  lo0 = 0;
  hi0 = 0;
  lo1 = -1;
  hi1 = -1;
  /** The block that last followed this one, valid while EIP, CS base and the TLB epoch match. */
  link: Block | undefined = undefined;
  linkEip = -1;
  linkCsBase = 0;
  linkEpoch = -1;
  /** Times the interpreter ran it; at the CPU's threshold it is compiled. */
  hits = 0;
  /** The compiled form (jit/compile.ts), once there is one. */
  jit: JitFn | undefined = undefined;
  /** Compilation was tried and failed: keep interpreting. */
  jitFailed = false;
  constructor(readonly phys: number, readonly code32: boolean) {}
}

export class BlockCache {
  private readonly m16 = new Map<number, Block>();
  private readonly m32 = new Map<number, Block>();
  private readonly pageBlocks = new Map<number, Block[]>();
  /** One byte per 64-byte chunk of RAM: some block covers it. */
  private chunks = new Uint8Array(0);
  /** One byte per RAM page: some block lives on it. */
  private codePages = new Uint8Array(0);

  /** Bumped whenever linear→physical mappings may have changed; block links from older epochs are ignored. */
  epoch = 0;

  constructor(private readonly c: X86Cpu) {}

  private ensureMaps(): void {
    const pages = this.c.ram.length >>> 12;
    if (this.codePages.length !== pages) {
      this.codePages = new Uint8Array(pages);
      this.chunks = new Uint8Array(this.c.ram.length >>> CHUNK_SHIFT);
    }
  }

  isCodePage(page: number): boolean {
    return page < this.codePages.length && this.codePages[page] !== 0;
  }

  /** Forget every block (memory map change, reset, state load, test harness pokes). */
  clear(): void {
    this.epoch++;
    for (const b of this.m16.values()) b.valid = false;
    for (const b of this.m32.values()) b.valid = false;
    this.m16.clear();
    this.m32.clear();
    this.pageBlocks.clear();
    this.ensureMaps();
    this.codePages.fill(0);
    this.chunks.fill(0);
  }

  /** The block starting at CS:`eip`, decoding it if needed. May raise a fetch fault. */
  lookup(eip: number): Block {
    const c = this.c;
    const lin = (c.segBase[CS] + eip) >>> 0;
    const phys = translate(c, lin, false, c.cpl === 3);
    const map = c.cs32 ? this.m32 : this.m16;
    let b = map.get(phys);
    if (b !== undefined) {
      if (b.lo1 < 0 || this.secondPageStillMapped(b, lin)) {
        if (c.level === 86 || eip + b.byteLen - 1 <= c.segLimit[CS]) return b;
      }
      this.invalidate(b);
    }
    b = this.compile(eip, phys);
    return b;
  }

  private secondPageStillMapped(b: Block, lin: number): boolean {
    const c = this.c;
    const next = ((lin & ~0xfff) + 0x1000) >>> 0;
    try {
      return translate(c, next, false, c.cpl === 3) === (b.lo1 & ~0xfff);
    } catch (e) {
      if (e !== FAULT) throw e;
      return false;
    }
  }

  private compile(eip: number, phys: number): Block {
    const c = this.c;
    this.ensureMaps();
    const b = new Block(phys, c.cs32);
    const wrap = c.cs32 ? -1 : 0xffff;
    let off = 0;
    let cacheable = true;
    let end = phys;
    const page0 = phys >>> 12;
    for (;;) {
      let i: Insn;
      const at = ((eip + off) & wrap) >>> 0;
      try {
        i = decodeInsn(c, at);
      } catch (e) {
        // A fault while decoding belongs to the instruction that would have run: raise it only
        // if it is the first one, otherwise stop the block before it.
        if (e !== FAULT || off === 0) throw e;
        break;
      }
      const firstPhys = translate(c, (c.segBase[CS] + at) >>> 0, false, c.cpl === 3);
      const lastPhys = c.lastFetchPhys;
      i.delta = off;
      i.next = off + i.len;
      b.insns.push(i);
      off += i.len;
      end = firstPhys + i.len;
      if (((at + i.len - 1) & wrap) >>> 0 !== at + i.len - 1) {
        // The instruction wraps around the 64 KiB code segment: run it, but do not cache it.
        cacheable = false;
        break;
      }
      if (lastPhys >>> 12 !== page0) {
        // It straddles into the next page, which must stay mapped where it was for the block to be reused.
        b.lo1 = lastPhys & ~0xfff;
        b.hi1 = lastPhys + 1;
        break;
      }
      if (i.terminates || b.insns.length >= MAX_BLOCK_INSNS || end >>> 12 !== page0) break;
      if (((eip + off) & wrap) >>> 0 !== eip + off) break;
    }
    b.byteLen = off;
    b.lo0 = phys;
    b.hi0 = Math.min(end, ((page0 + 1) << 12) >>> 0);
    if (!cacheable) return b;
    (c.cs32 ? this.m32 : this.m16).set(phys, b);
    this.register(b, page0, b.lo0, b.hi0);
    if (b.lo1 >= 0) this.register(b, b.lo1 >>> 12, b.lo1, b.hi1);
    return b;
  }

  private register(b: Block, page: number, lo: number, hi: number): void {
    let list = this.pageBlocks.get(page);
    if (list === undefined) {
      list = [];
      this.pageBlocks.set(page, list);
    }
    list.push(b);
    if (page < this.codePages.length) {
      if (this.codePages[page] === 0) {
        this.codePages[page] = 1;
        revokeFastWrites(this.c, page);
      }
      for (let k = lo >>> CHUNK_SHIFT; k <= (hi - 1) >>> CHUNK_SHIFT; k++) this.chunks[k] = 1;
    }
  }

  /** A physical write of `size` bytes at `p` that did not take the RAM fast path. */
  noteWrite(p: number, size: number): void {
    const page = p >>> 12;
    if (page >= this.codePages.length || this.codePages[page] === 0) return;
    const last = p + size - 1;
    if (this.chunks[p >>> CHUNK_SHIFT] === 0 && this.chunks[last >>> CHUNK_SHIFT] === 0) return;
    const hit = (pg: number): void => {
      const list = this.pageBlocks.get(pg);
      if (list === undefined) return;
      for (let k = list.length - 1; k >= 0; k--) {
        const b = list[k];
        if ((p < b.hi0 && last >= b.lo0) || (b.lo1 >= 0 && p < b.hi1 && last >= b.lo1)) this.invalidate(b);
      }
    };
    hit(page);
    if (last >>> 12 !== page) hit(last >>> 12);
  }

  private invalidate(b: Block): void {
    if (!b.valid) return;
    b.valid = false;
    const map = b.code32 ? this.m32 : this.m16;
    if (map.get(b.phys) === b) map.delete(b.phys);
    this.unregister(b, b.lo0 >>> 12);
    if (b.lo1 >= 0) this.unregister(b, b.lo1 >>> 12);
  }

  private unregister(b: Block, page: number): void {
    const list = this.pageBlocks.get(page);
    if (list === undefined) return;
    const idx = list.indexOf(b);
    if (idx >= 0) list.splice(idx, 1);
    if (list.length === 0) {
      this.pageBlocks.delete(page);
      if (page < this.codePages.length) {
        this.codePages[page] = 0;
        // Chunk marks stay until the page is reused; they only cost a list lookup.
        this.chunks.fill(0, (page << 12) >>> CHUNK_SHIFT, ((page + 1) << 12) >>> CHUNK_SHIFT);
      }
    }
  }
}
