/**
 * The block backends of one machine (QEMU keeps them in global lists of block-backend.c and
 * blockdev.c; qomd keeps one registry per machine): lookup by name, the legacy DriveInfo
 * queries boards use (drive_get, drive_get_max_bus), the per-interface unit counts
 * (if_max_devs with the machine's override), orphan checking and query-block.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { QomError } from "../qom/error.js";
import { BlockBackend, type BlockInterfaceType, type DriveInfo } from "./block-backend.js";

/** One error line of drive_check_orphaned, with the -drive location it belongs to. */
export interface OrphanedDrive {
  loc: string | undefined;
  message: string;
}

export class BlockBackendRegistry {
  /** In creation order (QEMU's blk_next order). */
  private readonly backends: BlockBackend[] = [];
  /** QEMU's if_max_devs: how many units one bus of each interface has (0: unlimited, one bus). */
  private readonly maxDevs: Record<BlockInterfaceType, number> = {
    none: 0, ide: 2, scsi: 7, floppy: 0, pflash: 0, mtd: 0, sd: 0, virtio: 0, xen: 0,
  };
  /** id_generate(ID_BLOCK)'s counter. */
  private nodeCounter = 0;

  /** blk_by_name(). */
  lookup(id: string): BlockBackend | undefined {
    return this.backends.find((b) => b.name === id);
  }

  /** Every backend, in creation order. */
  all(): readonly BlockBackend[] {
    return this.backends;
  }

  /** @internal monitor_add_blk(). */
  add(blk: BlockBackend): void {
    if (this.lookup(blk.name)) throw new QomError(`Device with id '${blk.name}' already exists`);
    this.backends.push(blk);
  }

  /** Removes and closes a backend (drive_del / blockdev auto-deletion). */
  remove(blk: BlockBackend): void {
    const i = this.backends.indexOf(blk);
    if (i >= 0) this.backends.splice(i, 1);
    blk.close();
  }

  /** id_generate(ID_BLOCK): "#block" + a counter + two random digits, as QEMU names nodes. */
  generateNodeName(): string {
    this.nodeCounter++;
    return `#block${this.nodeCounter}${String(Math.floor(Math.random() * 100)).padStart(2, "0")}`;
  }

  /** Skips a generated node name (the protocol node under a format node). */
  skipNodeName(): void {
    this.nodeCounter++;
  }

  maxDevsOf(type: BlockInterfaceType): number {
    return this.maxDevs[type];
  }

  /**
   * override_max_devs(): the machine's units_per_default_bus for its default interface (q35:
   * one IDE unit per bus). Must come before any drive of that type exists, as in QEMU.
   */
  overrideMaxDevs(type: BlockInterfaceType, maxDevs: number): void {
    if (maxDevs <= 0) return;
    if (this.backends.some((b) => b.dinfo?.type === type)) {
      throw new Error(`Cannot override units-per-bus property of the ${type} interface, because a drive of that type has already been added.`);
    }
    this.maxDevs[type] = maxDevs;
  }

  indexToBus(type: BlockInterfaceType, index: number): number {
    const max = this.maxDevs[type];
    return max ? Math.trunc(index / max) : 0;
  }

  indexToUnit(type: BlockInterfaceType, index: number): number {
    const max = this.maxDevs[type];
    return max ? index % max : index;
  }

  /** drive_get(): the drive at (type, bus, unit). */
  driveGet(type: BlockInterfaceType, bus: number, unit: number): DriveInfo | undefined {
    return this.backendAt(type, bus, unit)?.dinfo;
  }

  /** The backend of the drive at (type, bus, unit), which boards hand to their devices. */
  backendAt(type: BlockInterfaceType, bus: number, unit: number): BlockBackend | undefined {
    return this.backends.find((b) => b.dinfo && b.dinfo.type === type && b.dinfo.bus === bus && b.dinfo.unit === unit);
  }

  /** drive_get_by_index(). */
  driveGetByIndex(type: BlockInterfaceType, index: number): DriveInfo | undefined {
    return this.driveGet(type, this.indexToBus(type, index), this.indexToUnit(type, index));
  }

  /** drive_get_max_bus(): -1 when there is no drive of that type. */
  driveGetMaxBus(type: BlockInterfaceType): number {
    let max = -1;
    for (const b of this.backends) if (b.dinfo?.type === type && b.dinfo.bus > max) max = b.dinfo.bus;
    return max;
  }

  /**
   * drive_check_orphaned(): the drives a board should have claimed but did not (not default,
   * not if=none, not if=virtio, no device attached). QEMU prints each line at the drive's
   * location, then exits with status 1 when there is any.
   */
  checkOrphaned(): OrphanedDrive[] {
    const out: OrphanedDrive[] = [];
    for (const b of this.backends) {
      const d = b.dinfo;
      if (!d || d.isDefault || d.type === "virtio" || d.type === "none") continue;
      if (b.attachedDev === undefined) {
        out.push({ loc: d.loc, message: `machine type does not support if=${d.type},bus=${d.bus},unit=${d.unit}` });
      }
    }
    return out;
  }

  /** query-block: every named backend, in creation order. */
  queryBlock(): JsonObject[] {
    return this.backends.filter((b) => b.name !== "").map((b) => b.queryBlock());
  }

  /** Closes every image (machine shutdown). */
  closeAll(): void {
    for (const b of this.backends) b.close();
  }
}
