/**
 * Image formats over a host file (QEMU's format drivers): raw and qcow2, format probing, and
 * the temporary overlay of snapshot=on. A BlockImage is the node a BlockBackend reads and
 * writes; its `info()` is query-block's ImageInfo.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { QomError } from "../qom/error.js";
import { ImageFile } from "./image-file.js";
import { Qcow2Image, probeQcow2, readQcow2Header } from "./qcow2.js";
import { Qcow2Writer } from "./qcow2-write.js";

export const SECTOR_SIZE = 512;

export interface BlockImage {
  /** The format driver's name (query-block's drv and image.format). */
  readonly format: string;
  readonly filename: string;
  /** Guest-visible size in bytes. */
  readonly length: number;
  readonly readOnly: boolean;
  /** The backing image (qcow2 with a backing file), if any. */
  readonly backing: BlockImage | undefined;
  read(offset: number, buf: Uint8Array): void;
  write(offset: number, buf: Uint8Array): void;
  close(): void;
  /** query-block's ImageInfo for this node. */
  info(): JsonObject;
}

/** QEMU's format names for the magic numbers other drivers probe (qomd reads none of them). */
const OTHER_FORMAT_MAGICS: Array<{ format: string; at: number; bytes: string }> = [
  { format: "qcow", at: 0, bytes: "QFI\xfb\x00\x00\x00\x01" },
  { format: "vmdk", at: 0, bytes: "KDMV" },
  { format: "vmdk", at: 0, bytes: "# Disk DescriptorFile" },
  { format: "qed", at: 0, bytes: "QED\x00" },
  { format: "vpc", at: 0, bytes: "conectix" },
  { format: "vhdx", at: 0, bytes: "vhdxfile" },
  { format: "luks", at: 0, bytes: "LUKS\xba\xbe" },
  { format: "vdi", at: 0x40, bytes: "\x7f\x10\xda\xbe" },
  { format: "parallels", at: 0, bytes: "WithoutFreeSpace" },
  { format: "parallels", at: 0, bytes: "WithouFreSpacExt" },
  { format: "bochs", at: 0, bytes: "Bochs Virtual HD Image" },
  { format: "cloop", at: 0, bytes: "#!/bin/sh\n#V2.0 Format\n" },
];

/** bdrv_probe_all(): the format a header looks like; "raw" when nothing matches. */
export function probeFormat(head: Uint8Array): string {
  if (probeQcow2(head)) return "qcow2";
  for (const m of OTHER_FORMAT_MAGICS) {
    const want = Buffer.from(m.bytes, "latin1");
    if (head.length >= m.at + want.length && Buffer.from(head.subarray(m.at, m.at + want.length)).equals(want)) return m.format;
  }
  return "raw";
}

/** Every format QEMU 7.2 (Debian) has, for "Unknown driver" versus "not whitelisted". */
export const QEMU_BLOCK_FORMATS = [
  "blkdebug", "blklogwrites", "blkreplay", "blkverify", "bochs", "cloop", "compress", "copy-before-write",
  "copy-on-read", "dmg", "file", "ftp", "ftps", "gluster", "host_cdrom", "host_device", "http", "https",
  "iscsi", "iser", "luks", "nbd", "nfs", "null-aio", "null-co", "nvme", "parallels", "preallocate", "qcow",
  "qcow2", "qed", "quorum", "raw", "rbd", "replication", "snapshot-access", "ssh", "throttle", "vdi", "vhdx",
  "vmdk", "vpc", "vvfat",
];

function checkRange(img: BlockImage, offset: number, len: number): void {
  if (offset < 0 || len < 0 || offset + len > img.length) {
    throw new QomError(`I/O beyond the end of '${img.filename}' (offset ${offset}, ${len} bytes, size ${img.length})`);
  }
}

export interface RawOptions {
  offset?: number;
  size?: number;
  /** The format was guessed: writes that would make sector 0 look like another format fail. */
  probed?: boolean;
}

/** The raw format (block/raw-format.c): guest bytes are file bytes, optionally a window of it. */
export class RawImage implements BlockImage {
  readonly format = "raw";
  readonly backing = undefined;
  private offset: number;
  private size: number | undefined;
  private readonly probed: boolean;

  constructor(
    readonly file: ImageFile,
    opts: RawOptions = {},
  ) {
    this.offset = opts.offset ?? 0;
    this.size = opts.size;
    this.probed = opts.probed ?? false;
  }

  get filename(): string {
    return this.file.filename;
  }

  get readOnly(): boolean {
    return this.file.readOnly;
  }

  get length(): number {
    return this.size ?? Math.max(0, this.file.length - this.offset);
  }

  /** raw's offset=/size= options: the guest sees this window of the file. */
  setWindow(offset: number, size: number | undefined): void {
    this.offset = offset;
    this.size = size;
  }

  read(offset: number, buf: Uint8Array): void {
    checkRange(this, offset, buf.length);
    this.file.pread(this.offset + offset, buf);
  }

  write(offset: number, buf: Uint8Array): void {
    if (this.readOnly) throw new QomError("Block node is read-only");
    checkRange(this, offset, buf.length);
    if (this.probed && offset < SECTOR_SIZE) {
      // raw_probe_write(): a guessed raw image may not turn itself into another format.
      const head = new Uint8Array(SECTOR_SIZE);
      this.file.pread(this.offset, head);
      head.set(buf.subarray(0, SECTOR_SIZE - offset), offset);
      if (probeFormat(head) !== "raw") throw new QomError("Operation not permitted");
    }
    this.file.pwrite(this.offset + offset, buf);
  }

  close(): void {
    this.file.close();
  }

  info(): JsonObject {
    return {
      "virtual-size": this.length,
      filename: this.filename,
      format: "raw",
      "actual-size": this.file.allocatedSize,
      "dirty-flag": false,
    };
  }
}

/** qcow2 (block/qcow2.c): reads through the cluster map, writes allocating clusters as needed. */
export class Qcow2BlockImage implements BlockImage {
  readonly format = "qcow2";
  /** Made on the first write, so read-only and never-written images never load refcounts. */
  private writer: Qcow2Writer | undefined;

  constructor(
    readonly image: Qcow2Image,
    readonly backing: BlockImage | undefined,
  ) {}

  get filename(): string {
    return this.image.file.filename;
  }

  get readOnly(): boolean {
    return this.image.file.readOnly;
  }

  get length(): number {
    return this.image.length;
  }

  read(offset: number, buf: Uint8Array): void {
    checkRange(this, offset, buf.length);
    this.image.read(offset, buf);
  }

  write(offset: number, buf: Uint8Array): void {
    if (this.readOnly) throw new QomError("Block node is read-only");
    checkRange(this, offset, buf.length);
    this.writer ??= new Qcow2Writer(this.image);
    this.writer.write(offset, buf);
  }

  close(): void {
    this.image.file.close();
    this.backing?.close();
  }

  info(): JsonObject {
    const h = this.image.header;
    const info: JsonObject = {
      "virtual-size": this.length,
      filename: this.filename,
      "cluster-size": this.image.clusterSize,
      format: "qcow2",
      "actual-size": this.image.file.allocatedSize,
    };
    const data: JsonObject =
      h.version === 2
        ? { compat: "0.10", "refcount-bits": 1 << h.refcountOrder }
        : {
            compat: "1.1",
            "compression-type": h.compressionType === 1 ? "zstd" : "zlib",
            "lazy-refcounts": (h.compatibleFeatures & 1n) !== 0n,
            "refcount-bits": 1 << h.refcountOrder,
            corrupt: (h.incompatibleFeatures & 2n) !== 0n,
            "extended-l2": false,
          };
    info["format-specific"] = { type: "qcow2", data };
    if (h.backingFile !== undefined) {
      info["backing-filename"] = h.backingFile;
      if (this.backing) info["full-backing-filename"] = this.backing.filename;
      if (h.backingFormat !== undefined) info["backing-filename-format"] = h.backingFormat;
      if (this.backing) info["backing-image"] = this.backing.info();
    }
    info["dirty-flag"] = false;
    return info;
  }
}

/**
 * snapshot=on: guest writes go to a temporary overlay and never reach the image (QEMU creates
 * a throwaway qcow2 file; qomd keeps the written sectors in memory).
 */
export class SnapshotOverlay implements BlockImage {
  readonly format: string;
  private readonly sectors = new Map<number, Uint8Array>();

  constructor(readonly base: BlockImage) {
    this.format = base.format;
  }

  get filename(): string {
    return this.base.filename;
  }
  get length(): number {
    return this.base.length;
  }
  get readOnly(): boolean {
    return false;
  }
  get backing(): BlockImage | undefined {
    return this.base.backing;
  }

  read(offset: number, buf: Uint8Array): void {
    checkRange(this, offset, buf.length);
    this.base.read(offset, buf);
    if (this.sectors.size === 0) return;
    for (let pos = offset - (offset % SECTOR_SIZE); pos < offset + buf.length; pos += SECTOR_SIZE) {
      const sec = this.sectors.get(pos / SECTOR_SIZE);
      if (!sec) continue;
      const from = Math.max(pos, offset);
      const to = Math.min(pos + SECTOR_SIZE, offset + buf.length);
      buf.set(sec.subarray(from - pos, to - pos), from - offset);
    }
  }

  write(offset: number, buf: Uint8Array): void {
    checkRange(this, offset, buf.length);
    for (let pos = offset - (offset % SECTOR_SIZE); pos < offset + buf.length; pos += SECTOR_SIZE) {
      const index = pos / SECTOR_SIZE;
      let sec = this.sectors.get(index);
      if (!sec) {
        sec = new Uint8Array(SECTOR_SIZE);
        const n = Math.min(SECTOR_SIZE, this.length - pos);
        this.base.read(pos, sec.subarray(0, n));
        this.sectors.set(index, sec);
      }
      const from = Math.max(pos, offset);
      const to = Math.min(pos + SECTOR_SIZE, offset + buf.length);
      sec.set(buf.subarray(from - offset, to - offset), from - pos);
    }
  }

  close(): void {
    this.base.close();
  }

  info(): JsonObject {
    return this.base.info();
  }
}

export interface OpenImageOptions {
  filename: string;
  /** Undefined: probe. */
  format: string | undefined;
  readOnly: boolean;
  autoReadOnly: boolean;
  raw?: RawOptions;
  /** Raw probed on a writable image: QEMU's warning lines go here. */
  warnProbedRaw?: (filename: string) => void;
}

/** Opens a file and its format (bdrv_open for the formats qomd has), with QEMU's error texts. */
export function openImage(opts: OpenImageOptions): BlockImage {
  const file = ImageFile.open(opts.filename, opts.readOnly, opts.autoReadOnly);
  try {
    let format = opts.format;
    let probed = false;
    if (format === undefined) {
      const head = new Uint8Array(2048);
      file.pread(0, head);
      format = probeFormat(head.subarray(0, Math.min(2048, file.length)));
      probed = true;
    }
    if (format === "raw") {
      if (probed && !file.readOnly) opts.warnProbedRaw?.(opts.filename);
      return new RawImage(file, { ...opts.raw, probed });
    }
    if (format === "qcow2") {
      const header = readQcow2Header(file, !file.readOnly);
      let backing: BlockImage | undefined;
      if (header.backingFile !== undefined) {
        const name = resolveBackingName(opts.filename, header.backingFile);
        try {
          backing = openImage({ filename: name, format: header.backingFormat, readOnly: true, autoReadOnly: false });
        } catch (e) {
          if (e instanceof QomError) throw new QomError(`Could not open backing file: ${e.message}`);
          throw e;
        }
      }
      return new Qcow2BlockImage(new Qcow2Image(file, header, backing), backing);
    }
    throw new QomError(`Driver '${format}' is not whitelisted`);
  } catch (e) {
    file.close();
    throw e;
  }
}

/** bdrv_get_full_backing_filename(): a relative backing name is relative to the image's directory. */
function resolveBackingName(imageName: string, backing: string): string {
  if (backing.startsWith("/") || backing.includes(":")) return backing;
  const slash = imageName.lastIndexOf("/");
  return slash < 0 ? backing : imageName.slice(0, slash + 1) + backing;
}
