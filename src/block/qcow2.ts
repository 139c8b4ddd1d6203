/**
 * The qcow2 image format (QEMU's block/qcow2.c, docs/interop/qcow2.txt): header parsing with
 * QEMU's validation texts, header extensions (backing format), and guest reads through the
 * two-level L1/L2 cluster map. Unallocated clusters read from the backing image, or as zeros.
 */
import { inflateRawSync } from "node:zlib";
import { QomError } from "../qom/error.js";
import type { ImageFile } from "./image-file.js";

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

const HEADER_V2_LENGTH = 72;
const HEADER_V3_MIN_LENGTH = 104;
const MIN_CLUSTER_BITS = 9;
const MAX_CLUSTER_BITS = 21;
/** QCOW_MAX_L1_SIZE: 32 MiB of L1 entries. */
const MAX_L1_SIZE = 0x2000000;
export const L1E_OFFSET_MASK = 0x00fffffffffffe00n;
export const L2E_OFFSET_MASK = 0x00fffffffffffe00n;
export const QCOW_OFLAG_COPIED = 1n << 63n;
export const QCOW_OFLAG_COMPRESSED = 1n << 62n;
export const QCOW_OFLAG_ZERO = 1n;

const EXT_END = 0;
const EXT_BACKING_FORMAT = 0xe2792aca;

/** Incompatible feature bits qomd understands: dirty and corrupt (bits 0 and 1). */
export const INCOMPAT_DIRTY = 1n;
const INCOMPAT_CORRUPT = 2n;
const INCOMPAT_DATA_FILE = 4n;
const INCOMPAT_COMPRESSION = 8n;
const INCOMPAT_EXTL2 = 16n;

export interface Qcow2Header {
  version: number;
  backingFileOffset: bigint;
  backingFileSize: number;
  clusterBits: number;
  /** The guest-visible size in bytes. */
  size: bigint;
  cryptMethod: number;
  l1Size: number;
  l1TableOffset: bigint;
  refcountTableOffset: bigint;
  refcountTableClusters: number;
  nbSnapshots: number;
  snapshotsOffset: bigint;
  incompatibleFeatures: bigint;
  compatibleFeatures: bigint;
  autoclearFeatures: bigint;
  refcountOrder: number;
  headerLength: number;
  /** 0 zlib, 1 zstd. */
  compressionType: number;
  /** From the header, relative names not yet resolved. */
  backingFile: string | undefined;
  /** From the backing-format header extension. */
  backingFormat: string | undefined;
}

/** Does this look like a qcow2 header (QEMU's qcow2_probe: magic and version >= 2)? */
export function probeQcow2(buf: Uint8Array): boolean {
  if (buf.length < 8) return false;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return dv.getUint32(0) === QCOW2_MAGIC && dv.getUint32(4) >= 2;
}

/**
 * Reads and validates the header of `file` (qcow2_do_open's checks, in its order and with its
 * texts). `writable`: a corrupt image can only be opened read-only.
 */
export function readQcow2Header(file: ImageFile, writable: boolean): Qcow2Header {
  const fileLen = file.length;
  const head = new Uint8Array(HEADER_V3_MIN_LENGTH);
  file.pread(0, head);
  const dv = new DataView(head.buffer);
  if (fileLen < HEADER_V2_LENGTH) throw new QomError("qcow2 header too short");
  if (dv.getUint32(0) !== QCOW2_MAGIC) throw new QomError("Image is not in qcow2 format");
  const version = dv.getUint32(4);
  if (version < 2 || version > 3) throw new QomError(`Unsupported qcow2 version ${version}`);
  const clusterBits = dv.getUint32(20);
  if (clusterBits < MIN_CLUSTER_BITS || clusterBits > MAX_CLUSTER_BITS) {
    throw new QomError(`Unsupported cluster size: 2^${clusterBits}`);
  }
  const clusterSize = 1 << clusterBits;
  const h: Qcow2Header = {
    version,
    backingFileOffset: dv.getBigUint64(8),
    backingFileSize: dv.getUint32(16),
    clusterBits,
    size: dv.getBigUint64(24),
    cryptMethod: dv.getUint32(32),
    l1Size: dv.getUint32(36),
    l1TableOffset: dv.getBigUint64(40),
    refcountTableOffset: dv.getBigUint64(48),
    refcountTableClusters: dv.getUint32(56),
    nbSnapshots: dv.getUint32(60),
    snapshotsOffset: dv.getBigUint64(64),
    incompatibleFeatures: 0n,
    compatibleFeatures: 0n,
    autoclearFeatures: 0n,
    refcountOrder: 4,
    headerLength: HEADER_V2_LENGTH,
    compressionType: 0,
    backingFile: undefined,
    backingFormat: undefined,
  };
  if (version === 3) {
    if (fileLen < HEADER_V3_MIN_LENGTH) throw new QomError("qcow2 header too short");
    h.incompatibleFeatures = dv.getBigUint64(72);
    h.compatibleFeatures = dv.getBigUint64(80);
    h.autoclearFeatures = dv.getBigUint64(88);
    h.refcountOrder = dv.getUint32(96);
    h.headerLength = dv.getUint32(100);
    if (h.headerLength < HEADER_V3_MIN_LENGTH) throw new QomError("qcow2 header too short");
    if (h.headerLength > clusterSize) throw new QomError("qcow2 header exceeds cluster size");
    if (h.headerLength > HEADER_V3_MIN_LENGTH) {
      const b = new Uint8Array(1);
      file.pread(HEADER_V3_MIN_LENGTH, b);
      h.compressionType = b[0]!;
    }
  }
  if (h.backingFileOffset > BigInt(clusterSize)) throw new QomError("Invalid backing file offset");

  readExtensions(file, h, clusterSize);

  const unknown = h.incompatibleFeatures & ~(INCOMPAT_DIRTY | INCOMPAT_CORRUPT | INCOMPAT_DATA_FILE | INCOMPAT_COMPRESSION | INCOMPAT_EXTL2);
  if (unknown) throw new QomError(`Unsupported qcow2 feature(s): Unknown incompatible feature: ${unknown.toString(16)}`);
  if (h.incompatibleFeatures & INCOMPAT_CORRUPT && writable) {
    throw new QomError("qcow2: Image is corrupt; cannot be opened read/write");
  }
  if (h.refcountOrder > 6) throw new QomError("Reference count entry width too large; may not exceed 64 bits");
  if (h.compressionType > 1) throw new QomError(`Unknown compression type ${h.compressionType}`);
  if (h.incompatibleFeatures & INCOMPAT_DATA_FILE) throw new QomError("qcow2 images with an external data file are not supported by qomd");
  if (h.incompatibleFeatures & INCOMPAT_EXTL2) throw new QomError("qcow2 images with extended L2 entries are not supported by qomd");
  if (h.cryptMethod !== 0) throw new QomError("encrypted qcow2 images are not supported by qomd");
  if (h.l1Size > MAX_L1_SIZE / 8) throw new QomError("Active L1 table too large");
  const l2Bits = clusterBits - 3;
  const shift = BigInt(clusterBits + l2Bits);
  const needed = Number((h.size + (1n << shift) - 1n) >> shift);
  if (h.l1Size < needed) throw new QomError("L1 table is too small");

  if (h.backingFileOffset !== 0n) {
    if (h.backingFileSize > 1023 || h.backingFileOffset + BigInt(h.backingFileSize) > BigInt(clusterSize)) {
      throw new QomError("Backing file name too long");
    }
    const name = new Uint8Array(h.backingFileSize);
    file.pread(Number(h.backingFileOffset), name);
    h.backingFile = Buffer.from(name).toString("utf8");
  }
  return h;
}

/** qcow2_read_extensions(): the extensions between the header and the backing file name. */
function readExtensions(file: ImageFile, h: Qcow2Header, clusterSize: number): void {
  const end = h.backingFileOffset !== 0n ? Number(h.backingFileOffset) : clusterSize;
  let offset = h.headerLength;
  const ext = new Uint8Array(8);
  while (offset + 8 <= end) {
    file.pread(offset, ext);
    const dv = new DataView(ext.buffer);
    const magic = dv.getUint32(0);
    const len = dv.getUint32(4);
    offset += 8;
    if (magic === EXT_END) return;
    if (len > end - offset) throw new QomError("Header extension too large");
    if (magic === EXT_BACKING_FORMAT) {
      const data = new Uint8Array(len);
      file.pread(offset, data);
      h.backingFormat = Buffer.from(data).toString("utf8");
    }
    offset += (len + 7) & ~7;
  }
}

/** Something to read unallocated clusters from (the backing image). */
export interface BackingReader {
  readonly length: number;
  read(offset: number, buf: Uint8Array): void;
}

/** Guest reads through the cluster map of an opened qcow2 image. */
export class Qcow2Image {
  readonly clusterSize: number;
  readonly l2Bits: number;
  /** The active L1 table, host-endian; the writer keeps it equal to the file's. */
  readonly l1: BigUint64Array;
  /** L2 tables by host offset; small, images being read in order touch few. The writer updates them in place. */
  private readonly l2Cache = new Map<number, BigUint64Array>();

  constructor(
    readonly file: ImageFile,
    readonly header: Qcow2Header,
    readonly backing: BackingReader | undefined,
  ) {
    this.clusterSize = 1 << header.clusterBits;
    this.l2Bits = header.clusterBits - 3;
    const raw = new Uint8Array(header.l1Size * 8);
    file.pread(Number(header.l1TableOffset), raw);
    const dv = new DataView(raw.buffer);
    this.l1 = new BigUint64Array(header.l1Size);
    for (let i = 0; i < header.l1Size; i++) this.l1[i] = dv.getBigUint64(i * 8);
  }

  get length(): number {
    return Number(this.header.size);
  }

  /** The L2 table at `hostOffset`, from the cache (shared with the writer, which edits it). */
  l2Table(hostOffset: number): BigUint64Array {
    let t = this.l2Cache.get(hostOffset);
    if (!t) {
      const raw = new Uint8Array(this.clusterSize);
      this.file.pread(hostOffset, raw);
      const dv = new DataView(raw.buffer);
      t = new BigUint64Array(this.clusterSize / 8);
      for (let i = 0; i < t.length; i++) t[i] = dv.getBigUint64(i * 8);
      if (this.l2Cache.size > 64) this.l2Cache.clear();
      this.l2Cache.set(hostOffset, t);
    }
    return t;
  }

  /** The L2 entry for the cluster holding guest `offset` (0 when no L2 table exists). */
  private l2Entry(offset: number): bigint {
    const clusterIndex = Math.floor(offset / this.clusterSize);
    const l1Index = Math.floor(clusterIndex / (1 << this.l2Bits));
    const l2Index = clusterIndex % (1 << this.l2Bits);
    if (l1Index >= this.l1.length) return 0n;
    const l2Offset = Number(this.l1[l1Index]! & L1E_OFFSET_MASK);
    if (l2Offset === 0) return 0n;
    return this.l2Table(l2Offset)[l2Index]!;
  }

  /** Reads guest bytes [offset, offset + buf.length), which must lie inside the image. */
  read(offset: number, buf: Uint8Array): void {
    let done = 0;
    while (done < buf.length) {
      const pos = offset + done;
      const inCluster = pos % this.clusterSize;
      const n = Math.min(buf.length - done, this.clusterSize - inCluster);
      this.readInCluster(pos, inCluster, buf.subarray(done, done + n));
      done += n;
    }
  }

  private readInCluster(pos: number, inCluster: number, out: Uint8Array): void {
    const entry = this.l2Entry(pos);
    if (entry & QCOW_OFLAG_COMPRESSED) {
      const data = this.readCompressed(entry);
      out.set(data.subarray(inCluster, inCluster + out.length));
      return;
    }
    const host = Number(entry & L2E_OFFSET_MASK);
    if (host !== 0 && !(this.header.version >= 3 && entry & QCOW_OFLAG_ZERO)) {
      this.file.pread(host + inCluster, out);
      return;
    }
    if (entry & QCOW_OFLAG_ZERO && this.header.version >= 3) {
      out.fill(0);
      return;
    }
    this.readBacking(pos, out);
  }

  /** Unallocated: the backing image's bytes where it has them, zeros elsewhere. */
  private readBacking(pos: number, out: Uint8Array): void {
    out.fill(0);
    const b = this.backing;
    if (!b || pos >= b.length) return;
    const n = Math.min(out.length, b.length - pos);
    b.read(pos, out.subarray(0, n));
  }

  /** A compressed cluster: its descriptor gives the host offset and a sector count. */
  private readCompressed(entry: bigint): Uint8Array {
    if (this.header.compressionType !== 0) {
      throw new QomError("zstd-compressed qcow2 clusters are not supported by qomd");
    }
    const csizeShift = 62n - BigInt(this.header.clusterBits - 8);
    const csizeMask = (1n << BigInt(this.header.clusterBits - 8)) - 1n;
    const offsetMask = (1n << csizeShift) - 1n;
    const desc = entry & ~QCOW_OFLAG_COPIED & ~QCOW_OFLAG_COMPRESSED;
    const hostOffset = Number(desc & offsetMask);
    const nbSectors = Number((desc >> csizeShift) & csizeMask) + 1;
    const csize = nbSectors * 512 - (hostOffset & 511);
    const compressed = new Uint8Array(csize);
    this.file.pread(hostOffset, compressed);
    const out = new Uint8Array(this.clusterSize);
    const data = inflateRawSync(compressed, { finishFlush: 2 /* Z_SYNC_FLUSH: trailing padding is fine */ });
    out.set(data.subarray(0, this.clusterSize));
    return out;
  }
}
