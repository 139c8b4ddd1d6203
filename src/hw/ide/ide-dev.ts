/**
 * IDE drives (QEMU 7.2's hw/ide/ide-dev.c): the abstract `ide-device` with its `unit`, and the
 * `ide-hd` and `ide-cd` models with their block-device properties. Realize places the drive
 * on its bus as master or slave and checks the backend as QEMU does.
 */
import { QomError } from "../../qom/error.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { defineProp, propKinds, type DeviceProperty } from "../core/qdev-properties.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { deviceAddBootindexProperty } from "../pci/bootindex.js";
import { attachDrive, driveKind, driveOf, releaseBackends } from "../pci/qdev-backends.js";
import { setPropsInDisplayOrder } from "../pci/pci.js";
import { biosAtaTranslationKind, blockdevOnErrorKind, blocksizeKind, plainBool } from "../pci/prop-kinds.js";
import { objectNew } from "../../qom/object.js";
import { IDEBus, TYPE_IDE_BUS } from "./ide-bus.js";

export const TYPE_IDE_DEVICE = "ide-device";
export const TYPE_IDE_HD = "ide-hd";
export const TYPE_IDE_CD = "ide-cd";

export type IdeDriveKind = "hd" | "cd";

export interface IDEDeviceClass extends DeviceClass {
  driveKind: IdeDriveKind;
}

export class IDEDevice extends DeviceState {
  /** 0 master, 1 slave; 0xffffffff (-1) means "the first free one". */
  unit = 0xffffffff;
  drive: string | undefined;
  logicalBlockSize: number | bigint = 0;
  physicalBlockSize: number | bigint = 0;
  minIoSize: number | bigint = 0;
  optIoSize: number | bigint = 0;
  discardGranularity: number | bigint = 0xffffffff;
  writeCache = "auto";
  shareRw = false;
  rerror = "auto";
  werror = "auto";
  accountInvalid = "auto";
  accountFailed = "auto";
  backendDefaults = "auto";
  ver: string | undefined;
  wwn: number | bigint = 0;
  serial: string | undefined;
  model: string | undefined;
  // ide-hd geometry
  cyls = 0;
  heads = 0;
  secs = 0;
  lcyls = 0;
  lheads = 0;
  lsecs = 0;
  biosChsTrans = "auto";
  rotationRate = 0;
  bootindex = -1;

  get ideBus(): IDEBus {
    return this.parentBus as IDEBus;
  }
}

// ---- properties (in device-list-properties order) -------------------------------------------------------

const ideDeviceProps = [defineProp("unit", "unit", propKinds.uint32, 0xffffffff)];

function p<T>(name: string, field: string, kind: Parameters<typeof defineProp<T>>[2], defval?: T): DeviceProperty {
  return defineProp(name, field, kind, defval) as DeviceProperty;
}

const ideHdProps: DeviceProperty[] = [
  p("lsecs", "lsecs", propKinds.uint32, 0),
  p("account-invalid", "accountInvalid", propKinds.onOffAuto, "auto"),
  p("model", "model", propKinds.string),
  p("lheads", "lheads", propKinds.uint32, 0),
  p("rotation_rate", "rotationRate", propKinds.uint16, 0),
  p("drive", "drive", driveKind),
  p("serial", "serial", propKinds.string),
  p("logical_block_size", "logicalBlockSize", blocksizeKind, 0),
  p("ver", "ver", propKinds.string),
  p("share-rw", "shareRw", plainBool, false),
  p("write-cache", "writeCache", propKinds.onOffAuto, "auto"),
  p("heads", "heads", propKinds.uint32, 0),
  p("wwn", "wwn", propKinds.uint64, 0),
  p("discard_granularity", "discardGranularity", propKinds.size, 0xffffffff),
  p("backend_defaults", "backendDefaults", propKinds.onOffAuto, "auto"),
  p("cyls", "cyls", propKinds.uint32, 0),
  p("lcyls", "lcyls", propKinds.uint32, 0),
  p("opt_io_size", "optIoSize", propKinds.size, 0),
  p("rerror", "rerror", blockdevOnErrorKind, "auto"),
  p("bios-chs-trans", "biosChsTrans", biosAtaTranslationKind, "auto"),
  p("min_io_size", "minIoSize", propKinds.size, 0),
  p("account-failed", "accountFailed", propKinds.onOffAuto, "auto"),
  p("physical_block_size", "physicalBlockSize", blocksizeKind, 0),
  p("secs", "secs", propKinds.uint32, 0),
  p("werror", "werror", blockdevOnErrorKind, "auto"),
];

const IDE_CD_PROP_NAMES = [
  "account-invalid",
  "model",
  "drive",
  "serial",
  "logical_block_size",
  "ver",
  "share-rw",
  "write-cache",
  "wwn",
  "discard_granularity",
  "backend_defaults",
  "opt_io_size",
  "rerror",
  "min_io_size",
  "account-failed",
  "physical_block_size",
  "werror",
];
const ideCdProps = IDE_CD_PROP_NAMES.map((n) => ideHdProps.find((x) => x.name === n)!);

// ---- realize ------------------------------------------------------------------------------------------------

/** QEMU's ide_dev_initfn: checks of the backend and the block properties. */
function ideDevInit(dev: IDEDevice, kind: IdeDriveKind): void {
  const blk = driveOf(dev, dev.drive);
  if (dev.drive === undefined || dev.drive === "") {
    if (kind !== "cd") throw new QomError("No drive specified");
  }
  if (dev.discardGranularity !== 0xffffffff && Number(dev.discardGranularity) !== 512) {
    throw new QomError("discard_granularity must be 512 for ide");
  }
  const lbs = Number(dev.logicalBlockSize);
  if (lbs !== 0 && lbs !== 512) throw new QomError("logical_block_size must be 512 for IDE");
  if (kind === "hd" && blk?.readOnly) throw new QomError("Block node is read-only");
}

function ideQdevRealize(d: DeviceState): void {
  const dev = d as IDEDevice;
  const bus = dev.ideBus;
  if (dev.unit === 0xffffffff) dev.unit = bus.master ? 1 : 0;
  if (dev.unit >= bus.maxUnits) {
    throw new QomError(`Can't create IDE unit ${dev.unit}, bus supports only ${bus.maxUnits} units`);
  }
  if ((dev.unit === 0 && bus.master) || (dev.unit === 1 && bus.slave)) {
    throw new QomError(`IDE unit ${dev.unit} is in use`);
  }
  if (dev.unit > 1) throw new QomError(`Invalid IDE unit ${dev.unit}`);
  ideDevInit(dev, dev.classAs<IDEDeviceClass>(TYPE_IDE_DEVICE).driveKind);
  if (dev.unit === 0) bus.master = dev;
  else bus.slave = dev;
}

function ideQdevUnrealize(d: DeviceState): void {
  const dev = d as IDEDevice;
  const bus = dev.parentBus as IDEBus | undefined;
  if (bus?.master === dev) bus.master = undefined;
  if (bus?.slave === dev) bus.slave = undefined;
}

function ideDeviceClassInit(k: ObjectClass): void {
  const dc = k as IDEDeviceClass;
  dc.busType = TYPE_IDE_BUS;
  dc.realize = ideQdevRealize;
  dc.unrealize = ideQdevUnrealize;
  dc.categories.add("storage");
  setPropsInDisplayOrder(k, ideDeviceProps);
}

function ideDriveInstanceInit(dev: IDEDevice): void {
  deviceAddBootindexProperty(dev, "bootindex", "/disk@0", {
    get: () => dev.bootindex,
    set: (v) => (dev.bootindex = v),
  });
}

// ---- board helper -------------------------------------------------------------------------------------------

/** A legacy `-drive if=ide` (or `-hda`/`-cdrom`) as the board hands it to the IDE buses. */
export interface LegacyIdeDrive {
  /** The drive's id (its BlockBackend name). */
  readonly id: string;
  readonly mediaCd: boolean;
}

/** QEMU's ide_bus_create_drive: `ide-cd` or `ide-hd` at `unit` of `bus`, on the drive. */
export function ideBusCreateDrive(bus: IDEBus, unit: number, drive: LegacyIdeDrive): IDEDevice {
  const dev = objectNew<IDEDevice>(bus.registry, drive.mediaCd ? TYPE_IDE_CD : TYPE_IDE_HD);
  dev.unit = unit;
  dev.drive = drive.id;
  attachDrive(dev, drive.id);
  qdevRealizeAndUnref(dev, bus);
  return dev;
}

/**
 * `-hda`/`-hdb`/`-hdc`/`-hdd` and `index=N` of `if=ide` drives: index N is bus N / 2, unit
 * N % 2 (QEMU's drive_index_to_bus_id / unit_id with 2 units per bus).
 */
export function ideIndexToBusUnit(index: number, unitsPerBus = 2): { bus: number; unit: number } {
  return { bus: Math.floor(index / unitsPerBus), unit: index % unitsPerBus };
}

export const ideDeviceTypeInfo: TypeInfo<IDEDevice, IDEDeviceClass> = {
  name: TYPE_IDE_DEVICE,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: IDEDevice,
  classInit: ideDeviceClassInit,
  instanceFinalize: (dev) => releaseBackends(dev),
};

export const ideHdTypeInfo: TypeInfo<IDEDevice, IDEDeviceClass> = {
  name: TYPE_IDE_HD,
  parent: TYPE_IDE_DEVICE,
  instanceInit: ideDriveInstanceInit,
  classInit: (k) => {
    k.driveKind = "hd";
    k.desc = "virtual IDE disk";
    setPropsInDisplayOrder(k, ideHdProps);
  },
};

export const ideCdTypeInfo: TypeInfo<IDEDevice, IDEDeviceClass> = {
  name: TYPE_IDE_CD,
  parent: TYPE_IDE_DEVICE,
  instanceInit: ideDriveInstanceInit,
  classInit: (k) => {
    k.driveKind = "cd";
    k.desc = "virtual IDE CD-ROM";
    setPropsInDisplayOrder(k, ideCdProps);
  },
};
