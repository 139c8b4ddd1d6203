/**
 * -drive (QEMU's blockdev.c drive_new and blockdev_init): turns one "drive" QemuOpts into a
 * BlockBackend with its legacy DriveInfo, checking every option in QEMU's order and with its
 * texts, opening the image at once (so a missing file fails on the command line), and naming
 * drives as QEMU does (ide0-hd0, ide1-cd0, floppy0, virtio0, …).
 */
import { QomError } from "../qom/error.js";
import { qapiBoolParse } from "../util/cutils.js";
import { QemuError, type WarningSink } from "../util/error.js";
import { parseOptionNumber, parseOptionSize, type QemuOpts, type QemuOptsList } from "../util/qemu-option.js";
import { BlockBackend, type BlockdevOnError, type BlockInterfaceType, type DriveInfo } from "./block-backend.js";
import { type BlockImage, openImage, QEMU_BLOCK_FORMATS, RawImage, SnapshotOverlay } from "./block-image.js";
import type { BlockBackendRegistry } from "./block-registry.js";

const IF_NAMES: readonly BlockInterfaceType[] = ["none", "ide", "scsi", "floppy", "pflash", "mtd", "sd", "virtio", "xen"];

/** The legacy spellings drive_new renames to their QMP names. */
const OPT_RENAMES: ReadonlyArray<[string, string]> = [
  ["iops", "throttling.iops-total"],
  ["iops_rd", "throttling.iops-read"],
  ["iops_wr", "throttling.iops-write"],
  ["bps", "throttling.bps-total"],
  ["bps_rd", "throttling.bps-read"],
  ["bps_wr", "throttling.bps-write"],
  ["iops_max", "throttling.iops-total-max"],
  ["iops_rd_max", "throttling.iops-read-max"],
  ["iops_wr_max", "throttling.iops-write-max"],
  ["bps_max", "throttling.bps-total-max"],
  ["bps_rd_max", "throttling.bps-read-max"],
  ["bps_wr_max", "throttling.bps-write-max"],
  ["iops_size", "throttling.iops-size"],
  ["group", "throttling.group"],
  ["readonly", "read-only"],
];

type OptType = "string" | "bool" | "number" | "size";

/** qemu_legacy_drive_opts. */
const LEGACY_OPTS: Record<string, OptType> = {
  bus: "number", unit: "number", index: "number", media: "string", if: "string", file: "string",
  "read-only": "bool", rerror: "string", werror: "string", "copy-on-read": "bool",
};

const THROTTLING_NUMBERS = [
  "iops-total", "iops-read", "iops-write", "bps-total", "bps-read", "bps-write",
  "iops-total-max", "iops-read-max", "iops-write-max", "bps-total-max", "bps-read-max", "bps-write-max",
  "iops-total-max-length", "iops-read-max-length", "iops-write-max-length",
  "bps-total-max-length", "bps-read-max-length", "bps-write-max-length", "iops-size",
];

/** qemu_common_drive_opts. */
const COMMON_OPTS: Record<string, OptType> = {
  snapshot: "bool", aio: "string", "cache.writeback": "bool", format: "string", rerror: "string", werror: "string",
  "read-only": "bool", "throttling.group": "string", "copy-on-read": "bool", "detect-zeroes": "string",
  "stats-account-invalid": "bool", "stats-account-failed": "bool",
  ...Object.fromEntries(THROTTLING_NUMBERS.map((n) => [`throttling.${n}`, "number" as const])),
};

/** Options every block node takes (bdrv_runtime_opts and bdrv_open's own). */
const NODE_OPTS: Record<string, OptType> = {
  "node-name": "string", driver: "string", "cache.direct": "bool", "cache.no-flush": "bool",
  "auto-read-only": "bool", discard: "string", "force-share": "bool", "read-only": "bool", "detect-zeroes": "string",
};

/** Options of the format drivers qomd has. */
const FORMAT_OPTS: Record<string, Record<string, OptType>> = {
  raw: { offset: "size", size: "size" },
  qcow2: {
    "lazy-refcounts": "bool", "pass-discard-request": "bool", "pass-discard-snapshot": "bool",
    "pass-discard-other": "bool", "overlap-check": "string", "cache-size": "size", "l2-cache-size": "size",
    "l2-cache-entry-size": "size", "refcount-cache-size": "size", "cache-clean-interval": "number",
    "overlap-check.template": "string", "overlap-check.main-header": "bool", "overlap-check.active-l1": "bool",
    "overlap-check.active-l2": "bool", "overlap-check.refcount-table": "bool", "overlap-check.refcount-block": "bool",
    "overlap-check.snapshot-table": "bool", "overlap-check.inactive-l1": "bool", "overlap-check.inactive-l2": "bool",
    "overlap-check.bitmap-directory": "bool",
  },
};

/** The file protocol's options, given as file.NAME. */
const FILE_OPTS: Record<string, OptType> = {
  filename: "string", aio: "string", "aio-max-batch": "number", locking: "string", "pr-manager": "string",
  "x-check-cache-dropped": "bool", "drop-cache": "bool",
};

/** -drive format=help: the formats this build has, as QEMU prints them (stdout, exit 0). */
export class DriveHelpRequest extends Error {
  constructor(readonly text: string) {
    super("drive format help");
    this.name = "DriveHelpRequest";
  }
}

export interface DriveNewContext {
  /** The machine's block_default_type (the PC: ide). */
  blockDefaultType: BlockInterfaceType;
  /** The command line's "device" group: if=virtio adds a virtio-blk device there, as QEMU does. */
  deviceOpts?: QemuOptsList;
  /** warn_report() texts, and the raw-probing WARNING lines. */
  warnings?: WarningSink;
  /** The same, per -drive location (QEMU prefixes warnings with the option); used when `warnings` is absent. */
  warningsFor?: (loc: string | undefined) => WarningSink;
  /** A default drive (QEMU's default_drive): never reported as orphaned. */
  isDefault?: boolean;
}

/** Typed check of one option value, with QemuOpts' texts. */
function checkValue(name: string, type: OptType, value: string): void {
  try {
    if (type === "bool") qapiBoolParse(name, value);
    else if (type === "number") parseOptionNumber(name, value);
    else if (type === "size") parseOptionSize(name, value);
  } catch (e) {
    if (e instanceof QemuError) throw new QomError(e.message, "GenericError", e.hint);
    throw e;
  }
}

/** A QemuOpts-style view: last setting wins, keys in first-seen order. */
class DriveDict {
  readonly map = new Map<string, string>();

  get(k: string): string | undefined {
    return this.map.get(k);
  }
  has(k: string): boolean {
    return this.map.has(k);
  }
  take(k: string): string | undefined {
    const v = this.map.get(k);
    this.map.delete(k);
    return v;
  }
  bool(k: string, def: boolean): boolean {
    const v = this.map.get(k);
    if (v === undefined) return def;
    checkValue(k, "bool", v);
    return qapiBoolParse(k, v);
  }
  /** qemu_opt_get_number into a C int: values wrap like the C conversion. */
  int(k: string, def: number): number {
    const v = this.map.get(k);
    return v === undefined ? def : Number(BigInt.asIntN(32, parseOptionNumber(k, v)));
  }
}

/** bdrv_parse_cache_mode(). */
function parseCacheMode(mode: string): { writeback: boolean; direct: boolean; noFlush: boolean } | undefined {
  switch (mode) {
    case "off":
    case "none":
      return { writeback: true, direct: true, noFlush: false };
    case "directsync":
      return { writeback: false, direct: true, noFlush: false };
    case "writeback":
      return { writeback: true, direct: false, noFlush: false };
    case "unsafe":
      return { writeback: true, direct: false, noFlush: true };
    case "writethrough":
      return { writeback: false, direct: false, noFlush: false };
    default:
      return undefined;
  }
}

function parseErrorAction(value: string, isRead: boolean): BlockdevOnError {
  if (value === "ignore" || value === "stop" || value === "report") return value;
  if (!isRead && value === "enospc") return "enospc";
  throw new QomError(`'${value}' invalid ${isRead ? "read" : "write"} error action`);
}

/**
 * drive_new(): creates the drive described by `opts` (a "drive" QemuOpts: -drive, -hda, -cdrom,
 * …) in `registry`. Throws QomError with QEMU's text (the caller reports it at `opts.loc`), or
 * DriveHelpRequest for format=help.
 */
export function driveNew(registry: BlockBackendRegistry, opts: QemuOpts, ctx: DriveNewContext): BlockBackend {
  const warn = ctx.warnings ?? ctx.warningsFor?.(opts.loc);
  const all = new DriveDict();
  for (const [k, v] of opts.entries()) all.map.set(k, v);

  for (const [from, to] of OPT_RENAMES) {
    if (all.has(from) && all.has(to)) throw new QomError(`'${to}' and its alias '${from}' can't be used at the same time`);
    const v = all.take(from);
    if (v !== undefined) all.map.set(to, v);
  }

  const cacheMode = all.take("cache");
  if (cacheMode !== undefined) {
    const c = parseCacheMode(cacheMode);
    if (!c) throw new QomError("invalid cache option");
    if (!all.has("cache.writeback")) all.map.set("cache.writeback", c.writeback ? "on" : "off");
    if (!all.has("cache.direct")) all.map.set("cache.direct", c.direct ? "on" : "off");
    if (!all.has("cache.no-flush")) all.map.set("cache.no-flush", c.noFlush ? "on" : "off");
  }

  // The legacy options are taken out; everything else goes on to blockdev_init.
  const legacy = new DriveDict();
  for (const [k, v] of [...all.map]) {
    const type = LEGACY_OPTS[k];
    if (type === undefined) continue;
    checkValue(k, type, v);
    legacy.map.set(k, v);
    all.map.delete(k);
  }

  let media: "disk" | "cdrom" = "disk";
  let readOnly = false;
  const mediaStr = legacy.get("media");
  if (mediaStr !== undefined) {
    if (mediaStr === "disk") media = "disk";
    else if (mediaStr === "cdrom") {
      media = "cdrom";
      readOnly = true;
    } else throw new QomError(`'${mediaStr}' invalid media`);
  }
  readOnly ||= legacy.bool("read-only", false);
  let copyOnRead = legacy.bool("copy-on-read", false);
  if (readOnly && copyOnRead) {
    warn?.warn("disabling copy-on-read on read-only drive");
    copyOnRead = false;
  }
  all.map.set("read-only", readOnly ? "on" : "off");
  all.map.set("copy-on-read", copyOnRead ? "on" : "off");

  let type = ctx.blockDefaultType;
  const ifStr = legacy.get("if");
  if (ifStr !== undefined) {
    const t = IF_NAMES.find((n) => n === ifStr);
    if (!t) throw new QomError(`unsupported bus type '${ifStr}'`);
    type = t;
  }

  let busId = legacy.int("bus", 0);
  let unitId = legacy.int("unit", -1);
  const index = legacy.int("index", -1);
  const maxDevs = registry.maxDevsOf(type);
  if (index !== -1) {
    if (busId !== 0 || unitId !== -1) throw new QomError("index cannot be used with bus and unit");
    busId = registry.indexToBus(type, index);
    unitId = registry.indexToUnit(type, index);
  }
  if (unitId === -1) {
    unitId = 0;
    while (registry.driveGet(type, busId, unitId)) {
      unitId++;
      if (maxDevs && unitId >= maxDevs) {
        unitId -= maxDevs;
        busId++;
      }
    }
  }
  if (maxDevs && unitId >= maxDevs) throw new QomError(`unit ${unitId} too big (max is ${maxDevs - 1})`);
  if (registry.driveGet(type, busId, unitId)) {
    throw new QomError(`drive with bus=${busId}, unit=${unitId} (index=${index}) exists`);
  }

  let id = opts.id;
  if (id === undefined) {
    const mediastr = type === "ide" || type === "scsi" ? (media === "cdrom" ? "-cd" : "-hd") : "";
    id = maxDevs ? `${type}${busId}${mediastr}${unitId}` : `${type}${mediastr}${unitId}`;
  }

  if (type === "virtio" && ctx.deviceOpts) {
    const dev = ctx.deviceOpts.create(undefined, false, opts.loc);
    dev.set("driver", "virtio-blk");
    dev.set("drive", id);
  }

  const filename = legacy.get("file");
  const werror = legacy.get("werror");
  if (werror !== undefined) {
    if (type !== "ide" && type !== "scsi" && type !== "virtio" && type !== "none") {
      throw new QomError("werror is not supported by this bus type");
    }
    all.map.set("werror", werror);
  }
  const rerror = legacy.get("rerror");
  if (rerror !== undefined) {
    if (type !== "ide" && type !== "virtio" && type !== "scsi" && type !== "none") {
      throw new QomError("rerror is not supported by this bus type");
    }
    all.map.set("rerror", rerror);
  }

  const blk = blockdevInit(registry, id, filename, all, warn);
  const dinfo: DriveInfo = {
    type,
    bus: busId,
    unit: unitId,
    mediaCd: (type === "ide" || type === "scsi" || type === "xen" || type === "none") && media === "cdrom",
    isDefault: ctx.isDefault ?? false,
    loc: opts.loc,
  };
  blk.dinfo = dinfo;
  return blk;
}

/** blockdev_init(): the common options, then the image itself. */
function blockdevInit(registry: BlockBackendRegistry, id: string, file: string | undefined, bs: DriveDict, warn: WarningSink | undefined): BlockBackend {
  const common = new DriveDict();
  for (const [k, v] of [...bs.map]) {
    const type = COMMON_OPTS[k];
    if (type === undefined) continue;
    checkValue(k, type, v);
    common.map.set(k, v);
    bs.map.delete(k);
  }
  const snapshot = common.bool("snapshot", false);
  const writethrough = !common.bool("cache.writeback", true);

  for (const k of bs.map.keys()) {
    if (k.startsWith("stats-intervals.")) {
      bs.map.delete(k);
    }
  }

  const aio = common.get("aio");
  if (aio !== undefined && aio !== "threads" && aio !== "native" && aio !== "io_uring") throw new QomError("invalid aio option");
  const detectZeroes = common.get("detect-zeroes") ?? "off";
  if (!["off", "on", "unmap"].includes(detectZeroes)) throw new QomError(`invalid parameter value: ${detectZeroes}`);

  const format = common.get("format");
  if (format !== undefined) {
    if (format === "help" || format === "?") {
      const names = " file qcow2 raw";
      throw new DriveHelpRequest(`Supported formats:${names}\nSupported formats (read-only):${names}\n`);
    }
    if (bs.has("driver")) throw new QomError("Cannot specify both 'driver' and 'format'");
    bs.map.set("driver", format);
  }
  const onWriteError = common.get("werror") !== undefined ? parseErrorAction(common.get("werror")!, false) : "enospc";
  const onReadError = common.get("rerror") !== undefined ? parseErrorAction(common.get("rerror")!, true) : "report";
  const readOnly = common.bool("read-only", false);

  const blk = new BlockBackend(id);
  blk.readOnlyRequested = readOnly;
  blk.onReadError = onReadError;
  blk.onWriteError = onWriteError;
  blk.detectZeroes = detectZeroes;

  if ((file === undefined || file === "") && bs.map.size === 0) {
    // An empty drive: no medium, but the options stay for when one is inserted.
    blk.cache = { writeback: !writethrough, direct: false, "no-flush": false };
    registry.add(blk);
    return blk;
  }

  // bdrv_open: the node options, the driver, then the image.
  for (const [k, v] of bs.map) {
    const t = NODE_OPTS[k];
    if (t) checkValue(k, t, v);
  }
  const cacheDirect = bs.bool("cache.direct", false);
  const noFlush = bs.bool("cache.no-flush", false);
  const discard = bs.get("discard");
  if (discard !== undefined && !["ignore", "off", "unmap", "on"].includes(discard)) throw new QomError("Invalid discard option");
  const driver = bs.get("driver");
  if (driver !== undefined && !QEMU_BLOCK_FORMATS.includes(driver)) throw new QomError(`Unknown driver '${driver}'`);
  const fileName = file !== undefined && file !== "" ? file : bs.get("file.filename");
  if (fileName === undefined) throw new QomError('A block device must be specified for "file"');
  const fileAio = bs.get("file.aio") ?? aio;
  if (fileAio === "native" && !cacheDirect) {
    throw new QomError("aio=native was specified, but it requires cache.direct=on, which was not specified.");
  }
  if (driver !== undefined && driver !== "raw" && driver !== "qcow2" && driver !== "file") {
    throw new QomError(`Driver '${driver}' is not whitelisted`);
  }

  const image = openImage({
    filename: fileName,
    format: driver === "file" ? "raw" : driver,
    readOnly,
    autoReadOnly: bs.bool("auto-read-only", true),
    warnProbedRaw: (name) =>
      warn?.print(
        `WARNING: Image format was not specified for '${name}' and probing guessed raw.\n` +
          "         Automatically detecting the format is dangerous for raw images, write operations on block 0 will be restricted.\n" +
          "         Specify the 'raw' format explicitly to remove the restrictions.\n",
      ),
  });
  try {
    checkDriverOptions(image.format, bs);
    const raw = image.format === "raw" ? rawWindow(bs) : undefined;
    if (raw) applyRawWindow(image, raw);
  } catch (e) {
    image.close();
    throw e;
  }
  blk.image = snapshot ? new SnapshotOverlay(image) : image;
  blk.nodeName = registry.generateNodeName();
  registry.skipNodeName();
  blk.cache = { writeback: !writethrough, direct: cacheDirect, "no-flush": noFlush };
  registry.add(blk);
  return blk;
}

/** Options left over after the node, format and protocol took theirs are errors, as in QEMU. */
function checkDriverOptions(format: string, bs: DriveDict): void {
  const fmtOpts = FORMAT_OPTS[format] ?? {};
  for (const [k, v] of bs.map) {
    if (k in NODE_OPTS || k === "file.filename" || k === "file.driver") continue;
    if (k.startsWith("file.")) {
      const name = k.slice(5);
      const t = FILE_OPTS[name];
      if (!t) throw new QomError(`Block protocol 'file' doesn't support the option '${name}'`);
      checkValue(k, t, v);
      continue;
    }
    const t = fmtOpts[k];
    if (!t) throw new QomError(`Block format '${format}' does not support the option '${k}'`);
    checkValue(k, t, v);
  }
}

function rawWindow(bs: DriveDict): { offset?: number; size?: number } | undefined {
  const offset = bs.get("offset");
  const size = bs.get("size");
  if (offset === undefined && size === undefined) return undefined;
  const w: { offset?: number; size?: number } = {};
  if (offset !== undefined) w.offset = Number(parseOptionSize("offset", offset));
  if (size !== undefined) w.size = Number(parseOptionSize("size", size));
  return w;
}

/** raw_apply_options(): the window must lie within the file. */
function applyRawWindow(image: BlockImage, w: { offset?: number; size?: number }): void {
  if (!(image instanceof RawImage)) return;
  const fileLen = image.file.length;
  const offset = w.offset ?? 0;
  if (offset > fileLen) {
    throw new QomError(`Offset (${offset}) cannot be greater than size of the containing file (${fileLen})`);
  }
  if (w.size !== undefined && offset + w.size > fileLen) {
    throw new QomError(`The sum of offset (${offset}) and size (${w.size}) has to be smaller or equal to the  actual size of the containing file (${fileLen})`);
  }
  if (w.size !== undefined && w.size % 512 !== 0) throw new QomError("Specified size is not multiple of 512");
  image.setWindow(offset, w.size);
}

/** A -drive failure with the option it came from, for "PROG: LOC: message". */
export class DriveOptionError extends QomError {
  constructor(
    readonly loc: string | undefined,
    cause: QomError,
  ) {
    super(cause.message, cause.errorClass, cause.hint);
    this.name = "DriveOptionError";
  }
}

export interface ConfigureBlockdevOptions extends DriveNewContext {
  /** The machine's units_per_default_bus (q35: 1); 0 keeps QEMU's defaults. */
  unitsPerDefaultBus: number;
  /** -snapshot: every drive without snapshot= gets snapshot=on. */
  snapshot: boolean;
  /** The default_cdrom / default_floppy / default_sdcard flags after -nodefaults and the machine's no_* flags. */
  defaults: { cdrom: boolean; floppy: boolean; sdcard: boolean };
  /** The "drive" option group, where the default drives' QemuOpts are added (as QEMU's drive_add does). */
}

/**
 * configure_blockdev(): the machine's unit override, -snapshot, every -drive in order, then the
 * default drives (an empty IDE CD-ROM at index 2, floppy 0, SD 0) where nothing sits already.
 * Throws DriveOptionError for the first failing -drive, DriveHelpRequest for format=help.
 */
export function configureBlockdev(registry: BlockBackendRegistry, drives: QemuOptsList, opts: ConfigureBlockdevOptions): void {
  if (opts.unitsPerDefaultBus) registry.overrideMaxDevs(opts.blockDefaultType, opts.unitsPerDefaultBus);
  if (opts.snapshot) {
    for (const d of drives.head) if (d.get("snapshot") === undefined) d.set("snapshot", "on");
  }
  for (const d of [...drives.head]) {
    try {
      driveNew(registry, d, opts);
    } catch (e) {
      if (e instanceof QomError) throw new DriveOptionError(d.loc, e);
      throw e;
    }
  }
  const defaultDrive = (enable: boolean, type: BlockInterfaceType, index: number, optstr: string) => {
    if (!enable || registry.driveGetByIndex(type, index)) return;
    const d = drives.create(undefined, false);
    if (optstr) d.set("media", optstr);
    d.set("if", type);
    d.setNumber("index", index);
    if (opts.snapshot) d.set("snapshot", "on");
    driveNew(registry, d, { ...opts, isDefault: true });
  };
  defaultDrive(opts.defaults.cdrom, opts.blockDefaultType, 2, "cdrom");
  defaultDrive(opts.defaults.floppy, "floppy", 0, "");
  defaultDrive(opts.defaults.sdcard, "sd", 0, "");
}
