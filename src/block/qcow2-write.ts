/**
 * Guest writes to a qcow2 image (docs/interop/qcow2.txt): a cluster the image owns alone
 * (L2 entry with the COPIED flag) is written in place; any other cluster — unallocated, a
 * zero cluster, or one shared with an internal snapshot — gets a new cluster at the end of the file
 * holding the old guest contents with the write applied, then the L2 entry points at it.
 * Metadata is ordered refcount, then data, then L2/L1 entry, so an interrupted write leaks a
 * cluster at worst instead of exposing garbage.
 */
import { QomError } from "../qom/error.js";
import {
  INCOMPAT_DIRTY,
  L1E_OFFSET_MASK,
  L2E_OFFSET_MASK,
  QCOW_OFLAG_COMPRESSED,
  QCOW_OFLAG_COPIED,
  QCOW_OFLAG_ZERO,
  type Qcow2Image,
} from "./qcow2.js";
import { Qcow2Refcounts } from "./qcow2-refcount.js";

function bigEndian64(v: bigint): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, v);
  return b;
}

export class Qcow2Writer {
  private readonly refcounts: Qcow2Refcounts;
  private readonly clusterSize: number;

  constructor(private readonly image: Qcow2Image) {
    const h = image.header;
    // Lazy refcounts left dirty need a repair pass first; writing on top would compound the damage.
    if (h.incompatibleFeatures & INCOMPAT_DIRTY) {
      throw new QomError(`qcow2 image '${image.file.filename}' is dirty (lazy refcounts); run 'qemu-img check -r all' before writing with qomd`);
    }
    this.refcounts = new Qcow2Refcounts(image.file, h);
    this.clusterSize = image.clusterSize;
  }

  /** Writes guest bytes [offset, offset + buf.length), already range-checked. */
  write(offset: number, buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      const inCluster = pos % this.clusterSize;
      const n = Math.min(buf.length - done, this.clusterSize - inCluster);
      this.writeInCluster(pos - inCluster, inCluster, buf.subarray(done, done + n));
      done += n;
    }
  }

  private writeInCluster(clusterStart: number, inCluster: number, data: Uint8Array): void {
    const clusterIndex = clusterStart / this.clusterSize;
    const l1Index = Math.floor(clusterIndex / (1 << this.image.l2Bits));
    const l2Index = clusterIndex % (1 << this.image.l2Bits);
    const entry = this.existingEntry(l1Index, l2Index);
    if (entry & QCOW_OFLAG_COMPRESSED) {
      throw new QomError(`qcow2: writing to compressed clusters is not supported by qomd (guest offset ${clusterStart})`);
    }
    const host = Number(entry & L2E_OFFSET_MASK);
    const zero = this.image.header.version >= 3 && (entry & QCOW_OFLAG_ZERO) !== 0n;
    if (host !== 0 && entry & QCOW_OFLAG_COPIED && !zero) {
      this.image.file.pwrite(host + inCluster, data);
      return;
    }
    // Copy-on-write: the guest's current view of the whole cluster (backing file, zeros or the
    // shared cluster) with the new bytes on top, so the untouched parts keep reading the same.
    const cluster = new Uint8Array(this.clusterSize);
    const visible = Math.min(this.clusterSize, this.image.length - clusterStart);
    if (data.length < visible) this.image.read(clusterStart, cluster.subarray(0, visible));
    cluster.set(data, inCluster);
    const l2Offset = this.l2TableFor(l1Index);
    const newHost = this.refcounts.allocate(cluster);
    const newEntry = BigInt(newHost) | QCOW_OFLAG_COPIED;
    this.image.file.pwrite(l2Offset + l2Index * 8, bigEndian64(newEntry));
    this.image.l2Table(l2Offset)[l2Index] = newEntry;
    // The old cluster lost this reference: shared (refcount > 1) or a preallocated zero cluster.
    if (host !== 0) this.refcounts.release(host);
  }

  /** The cluster's current L2 entry; 0 when there is no L2 table. */
  private existingEntry(l1Index: number, l2Index: number): bigint {
    const l2Offset = Number(this.image.l1[l1Index]! & L1E_OFFSET_MASK);
    if (l2Offset === 0) return 0n;
    return this.image.l2Table(l2Offset)[l2Index]!;
  }

  /**
   * The host offset of L1 entry `l1Index`'s L2 table, made writable: allocated empty when the
   * entry is empty, copied when the table is shared with an internal snapshot.
   */
  private l2TableFor(l1Index: number): number {
    const l1e = this.image.l1[l1Index]!;
    const existing = Number(l1e & L1E_OFFSET_MASK);
    if (existing !== 0 && l1e & QCOW_OFLAG_COPIED) return existing;
    const table = existing !== 0 ? this.unshareL2(existing) : new Uint8Array(this.clusterSize);
    const offset = this.refcounts.allocate(table);
    const entry = BigInt(offset) | QCOW_OFLAG_COPIED;
    this.image.file.pwrite(Number(this.image.header.l1TableOffset) + l1Index * 8, bigEndian64(entry));
    this.image.l1[l1Index] = entry;
    if (existing !== 0) this.refcounts.release(existing);
    return offset;
  }

  /**
   * The on-disk bytes of a copy of the shared L2 table at `offset`, COPIED flags cleared. The
   * clusters it maps keep their refcounts: a refcount counts the L1 tables (active and
   * snapshots) reaching a cluster, and that number does not change when the active one reaches
   * it through a copy of the table.
   */
  private unshareL2(offset: number): Uint8Array {
    if (this.refcounts.get(offset / this.clusterSize) < 2n) {
      throw new QomError(`qcow2: L2 table at ${offset} lacks the COPIED flag but is not shared (image corrupt?)`);
    }
    const old = this.image.l2Table(offset);
    const raw = new Uint8Array(this.clusterSize);
    const dv = new DataView(raw.buffer);
    for (let i = 0; i < old.length; i++) {
      const e = old[i]!;
      dv.setBigUint64(i * 8, e & QCOW_OFLAG_COMPRESSED ? e : e & ~QCOW_OFLAG_COPIED);
    }
    return raw;
  }
}
