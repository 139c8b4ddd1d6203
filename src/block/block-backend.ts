/**
 * A BlockBackend (QEMU's block/block-backend.c): what a disk device holds. It has a name (the
 * -drive id), maybe an image (a medium), the legacy DriveInfo of -drive, and the device it is
 * attached to. Devices read and write through it; query-block describes it.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { QomError } from "../qom/error.js";
import type { BlockImage } from "./block-image.js";

/** QEMU's BlockInterfaceType names. */
export type BlockInterfaceType = "none" | "ide" | "scsi" | "floppy" | "pflash" | "mtd" | "sd" | "virtio" | "xen";

/** QEMU's DriveInfo: where -drive put the drive on the machine's default controllers. */
export interface DriveInfo {
  type: BlockInterfaceType;
  bus: number;
  unit: number;
  /** media=cdrom on an IDE/SCSI/none drive. */
  mediaCd: boolean;
  /** Created by the machine's defaults (default CD-ROM/floppy), never reported as orphaned. */
  isDefault: boolean;
  /** The -drive option words, for error locations ("-drive file=x,if=scsi"). */
  loc: string | undefined;
}

export type BlockdevOnError = "report" | "ignore" | "enospc" | "stop" | "auto";

export interface CacheMode {
  writeback: boolean;
  direct: boolean;
  "no-flush": boolean;
}

/** What a disk device model reports through its backend (QEMU's BlockDevOps and iostatus). */
export interface DeviceBlockOps {
  /** Has a change-media callback (CD-ROM, floppy). */
  removable: boolean;
  /** The device enabled I/O status reporting (IDE, SCSI, virtio-blk do). */
  ioStatus: boolean;
  /** Has a tray (CD-ROM). */
  hasTray: boolean;
}

export class BlockBackend {
  /** The image, or undefined for an empty drive (no medium). */
  image: BlockImage | undefined;
  dinfo: DriveInfo | undefined;
  /** The device using this backend (set by the device's drive property). */
  attachedDev: unknown;
  /** The device's QOM path, for query-block's qdev. */
  attachedDevPath: string | undefined;
  cache: CacheMode = { writeback: true, direct: false, "no-flush": false };
  onReadError: BlockdevOnError = "report";
  onWriteError: BlockdevOnError = "enospc";
  detectZeroes = "off";
  /** read-only asked for (media=cdrom, readonly=on); the image may also be read-only by fallback. */
  readOnlyRequested = false;
  /** Removable media state, for query-block (devices update these). */
  locked = false;
  trayOpen = false;
  /** QEMU names every node; anonymous ones are "#block<N>". */
  nodeName = "";

  constructor(readonly name: string) {}

  get inserted(): boolean {
    return this.image !== undefined;
  }

  /** Guest-visible size in bytes (0 without a medium). */
  get length(): number {
    return this.image?.length ?? 0;
  }

  get readOnly(): boolean {
    return this.readOnlyRequested || (this.image?.readOnly ?? false);
  }

  private requireImage(): BlockImage {
    if (!this.image) throw new QomError("No medium inserted");
    return this.image;
  }

  /** Reads `buf.length` bytes at byte `offset` (blk_pread). */
  read(offset: number, buf: Uint8Array): void {
    this.requireImage().read(offset, buf);
  }

  /** Writes `buf` at byte `offset` (blk_pwrite). */
  write(offset: number, buf: Uint8Array): void {
    const img = this.requireImage();
    if (this.readOnly) throw new QomError("Block node is read-only");
    img.write(offset, buf);
  }

  /** What the attached device model tells query-block (QEMU's BlockDevOps). */
  devOps: DeviceBlockOps | undefined;

  /**
   * blk_attach_dev() from a device's drive property: a backend serves one device. The texts are
   * set_drive_helper's. `ops` describes the device (an IDE disk is not removable, a CD-ROM has a
   * tray, …); `devPath` is its QOM path for query-block.
   */
  attach(dev: unknown, devPath?: string, ops?: DeviceBlockOps): void {
    if (this.attachedDev !== undefined) {
      if (this.dinfo && this.dinfo.type !== "none") {
        throw new QomError(
          `Drive '${this.name}' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)`,
        );
      }
      throw new QomError(`Drive '${this.name}' is already in use by another device`);
    }
    this.attachedDev = dev;
    this.attachedDevPath = devPath;
    this.devOps = ops;
  }

  detach(): void {
    this.attachedDev = undefined;
    this.attachedDevPath = undefined;
    this.devOps = undefined;
  }

  close(): void {
    this.image?.close();
    this.image = undefined;
  }

  /**
   * query-block's BlockInfo, in QEMU's member order. Without a device the drive counts as
   * removable; the device's ops decide otherwise.
   */
  queryBlock(): JsonObject {
    const ops = this.devOps;
    const removable = ops ? ops.removable : true;
    const info: JsonObject = {};
    if (ops?.ioStatus) info["io-status"] = "ok";
    info["device"] = this.name;
    info["locked"] = this.locked;
    info["removable"] = removable;
    const img = this.image;
    if (img) {
      info["inserted"] = {
        iops_rd: 0,
        detect_zeroes: this.detectZeroes,
        image: img.info(),
        iops_wr: 0,
        ro: this.readOnly,
        "node-name": this.nodeName,
        backing_file_depth: backingDepth(img),
        drv: img.format,
        iops: 0,
        bps_wr: 0,
        write_threshold: 0,
        ...(img.backing ? { backing_file: img.backing.filename } : {}),
        encrypted: false,
        bps: 0,
        bps_rd: 0,
        cache: { "no-flush": this.cache["no-flush"], direct: this.cache.direct, writeback: this.cache.writeback },
        file: img.filename,
      };
    }
    if (this.attachedDevPath !== undefined) info["qdev"] = this.attachedDevPath;
    if (ops?.hasTray) info["tray_open"] = this.trayOpen;
    info["type"] = "unknown";
    return info;
  }
}

function backingDepth(img: BlockImage): number {
  let n = 0;
  for (let b = img.backing; b; b = b.backing) n++;
  return n;
}
