/**
 * qcow2 cluster refcounts for guest writes (docs/interop/qcow2.txt, "Host cluster management"):
 * the in-memory refcount table, entries of any refcount_order read and written in place in
 * their refcount blocks, and cluster allocation at the end of the file (the first free cluster
 * from there on). Every new cluster —
 * data, L2 table or refcount block — gets refcount 1 before anything points at it, so a crash
 * leaves at worst a leak, never a cluster used twice.
 */
import { QomError } from "../qom/error.js";
import type { ImageFile } from "./image-file.js";
import type { Qcow2Header } from "./qcow2.js";

const REFT_OFFSET_MASK = 0xfffffffffffffe00n;

export class Qcow2Refcounts {
  private readonly clusterSize: number;
  private readonly refcountBits: number;
  /** Refcount entries per refcount block. */
  private readonly perBlock: number;
  private readonly table: BigUint64Array;
  /** The next cluster index to try; everything before it is taken or was in the file at open. */
  private nextFree: number;

  constructor(
    private readonly file: ImageFile,
    private readonly header: Qcow2Header,
  ) {
    this.clusterSize = 1 << header.clusterBits;
    this.refcountBits = 1 << header.refcountOrder;
    this.perBlock = (this.clusterSize * 8) / this.refcountBits;
    const entries = (header.refcountTableClusters * this.clusterSize) / 8;
    const raw = new Uint8Array(entries * 8);
    file.pread(Number(header.refcountTableOffset), raw);
    const dv = new DataView(raw.buffer);
    this.table = new BigUint64Array(entries);
    for (let i = 0; i < entries; i++) this.table[i] = dv.getBigUint64(i * 8);
    this.nextFree = Math.ceil(file.length / this.clusterSize);
  }

  /** Host offset of the refcount block covering cluster `index`, 0 when none is allocated. */
  private blockOffset(index: number): number {
    const t = Math.floor(index / this.perBlock);
    if (t >= this.table.length) return 0;
    return Number(this.table[t]! & REFT_OFFSET_MASK);
  }

  /** Where entry `index` lives inside its block: byte offset, byte count, bit shift in that byte. */
  private entryPlace(index: number): { byte: number; len: number; shift: number } {
    const bitPos = (index % this.perBlock) * this.refcountBits;
    if (this.refcountBits >= 8) return { byte: bitPos / 8, len: this.refcountBits / 8, shift: 0 };
    // Sub-byte widths pack entries from the least significant bit of each byte upwards.
    return { byte: Math.floor(bitPos / 8), len: 1, shift: bitPos % 8 };
  }

  get(index: number): bigint {
    const block = this.blockOffset(index);
    if (block === 0) return 0n;
    const p = this.entryPlace(index);
    const raw = new Uint8Array(p.len);
    this.file.pread(block + p.byte, raw);
    if (this.refcountBits < 8) return BigInt((raw[0]! >> p.shift) & ((1 << this.refcountBits) - 1));
    let v = 0n;
    for (const b of raw) v = (v << 8n) | BigInt(b); // big-endian, as every qcow2 field
    return v;
  }

  private set(index: number, value: bigint): void {
    if (value < 0n || value >= 1n << BigInt(this.refcountBits)) {
      throw new QomError(`qcow2: refcount of cluster ${index} would overflow ${this.refcountBits}-bit entries`);
    }
    const block = this.ensureBlock(index);
    const p = this.entryPlace(index);
    const raw = new Uint8Array(p.len);
    if (this.refcountBits < 8) this.file.pread(block + p.byte, raw);
    this.encode(raw, 0, p, value);
    this.file.pwrite(block + p.byte, raw);
  }

  /** Puts `value` into the entry at `p`, `raw[at]` being the entry's first byte. */
  private encode(raw: Uint8Array, at: number, p: { len: number; shift: number }, value: bigint): void {
    if (this.refcountBits < 8) {
      const mask = ((1 << this.refcountBits) - 1) << p.shift;
      raw[at] = (raw[at]! & ~mask) | (Number(value) << p.shift);
      return;
    }
    let v = value;
    for (let i = p.len - 1; i >= 0; i--) {
      raw[at + i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }

  /** Adds `delta` to cluster `index`'s refcount; a refcount going below zero means corruption. */
  update(index: number, delta: bigint): void {
    const v = this.get(index) + delta;
    if (v < 0n) throw new QomError(`qcow2: refcount of cluster ${index} would drop below zero (image corrupt?)`);
    this.set(index, v);
  }

  /**
   * The refcount block for cluster `index`, allocated when its table entry is empty. The new
   * block's own refcount is recorded before the table points at it: inside the block itself
   * when it covers its own cluster, else in another block first, so a failure (a full table)
   * leaves nothing half-linked.
   */
  private ensureBlock(index: number): number {
    const existing = this.blockOffset(index);
    if (existing !== 0) return existing;
    const t = Math.floor(index / this.perBlock);
    if (t >= this.table.length) {
      // Growing the refcount table means moving it; qomd does not, and must not write past it.
      throw new QomError(
        `qcow2: refcount table of '${this.file.filename}' is full (${this.table.length} entries); growing it is not supported by qomd`,
      );
    }
    const blockIndex = this.takeFreeIndex();
    const block = new Uint8Array(this.clusterSize);
    if (Math.floor(blockIndex / this.perBlock) === t) {
      const p = this.entryPlace(blockIndex);
      this.encode(block, p.byte, p, 1n);
    } else {
      try {
        this.update(blockIndex, 1n);
      } catch (e) {
        this.nextFree = blockIndex;
        throw e;
      }
    }
    const offset = blockIndex * this.clusterSize;
    this.file.pwrite(offset, block);
    const entry = new Uint8Array(8);
    new DataView(entry.buffer).setBigUint64(0, BigInt(offset));
    this.file.pwrite(Number(this.header.refcountTableOffset) + t * 8, entry);
    this.table[t] = BigInt(offset);
    return offset;
  }

  /** The first cluster index at or after the end of the file whose refcount is 0. */
  private takeFreeIndex(): number {
    while (this.get(this.nextFree) !== 0n) this.nextFree++;
    return this.nextFree++;
  }

  /**
   * A new cluster with refcount 1, its contents `init` (a whole cluster) written first. Fails
   * before touching the file when the refcount table has no room for it.
   */
  allocate(init: Uint8Array): number {
    const index = this.takeFreeIndex();
    try {
      this.update(index, 1n);
    } catch (e) {
      this.nextFree = index; // nothing was written for it; the index stays free
      throw e;
    }
    const offset = index * this.clusterSize;
    this.file.pwrite(offset, init);
    return offset;
  }

  /** Drops one reference to the cluster at host `offset` (a shared cluster that was copied). */
  release(offset: number): void {
    this.update(Math.floor(offset / this.clusterSize), -1n);
  }
}
