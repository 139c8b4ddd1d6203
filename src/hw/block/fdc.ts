/**
 * The floppy disk controller (QEMU 7.2's hw/block/fdc.c + fdc-isa.c): `isa-fdc` at 0x3f0 with
 * IRQ 6 and DMA channel 2, its `floppy-bus` with two units, and the `floppy` drive devices that
 * plug into it. The drive types feed the CMOS byte 0x10 the board writes.
 */
import { QomError } from "../../qom/error.js";
import { objectNew } from "../../qom/object.js";
import { intProperty } from "../../qom/property.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { BusState, qbusCreate, TYPE_BUS } from "../core/bus.js";
import type { IrqState } from "../core/irq.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import {
  defineProp,
  describedStringKind,
  deviceClassSetProps,
  enumKind,
  propKinds,
  type PropertyKind,
} from "../core/qdev-properties.js";
import {
  isaBusGetDma,
  IsaDevice,
  isaGetIrq,
  isaRegisterPortioList,
  TYPE_ISA_DEVICE,
  type IsaDma,
  type Portio,
} from "../isa/isa-bus.js";

export const TYPE_ISA_FDC = "isa-fdc";
export const TYPE_FLOPPY_BUS = "floppy-bus";
export const TYPE_FLOPPY_DRIVE = "floppy";
export const MAX_FD = 2;

export const FLOPPY_DRIVE_TYPES = ["144", "288", "120", "none", "auto"] as const;
export type FloppyDriveType = (typeof FLOPPY_DRIVE_TYPES)[number];
const fdcDriveTypeKind = enumKind("FdcDriveType", FLOPPY_DRIVE_TYPES, "FDC drive type, 144/288/120/none/auto");

/** One drive slot of the controller (QEMU's FDrive). */
export class FDrive {
  /** The drive's type as the controller reports it (never "auto" once a drive is realized). */
  drive: FloppyDriveType = "none";
  /** The inserted disk's type, "none" when empty. */
  disk: FloppyDriveType = "none";
  /** The `floppy` device occupying this unit. */
  dev: FloppyDrive | undefined;
  head = 0;
  track = 0;
  sect = 0;
  perpendicular = 0;
  lastSect = 0;
  maxTrack = 0;
  readOnly = true;
  mediaChanged = true;
}

/** The controller proper (QEMU's FDCtrl); the ISA device embeds one. */
export class FdCtrl {
  fallback: FloppyDriveType = "288";
  readonly drives = [new FDrive(), new FDrive()];
  /** Types asked for the board's default drives (fdtypeA/fdtypeB). */
  readonly qdevForDrives: [FloppyDriveType, FloppyDriveType] = ["auto", "auto"];
  irq: IrqState | undefined;
  dmaChann = -1;
  dma: IsaDma | undefined;
  bus: FloppyBus | undefined;
  // Registers.
  sra = 0;
  srb = 0xc0;
  dor = 0x0c;
  tdr = 0;
  dsr = 0;
  msr = 0x80;
  curDrv = 0;
  status0 = 0;
  status1 = 0;
  status2 = 0;
  readonly fifo = new Uint8Array(512);
  dataPos = 0;
  dataLen = 0;
  dataState = 0;
  dataDir = 0;
  version = 0x90; // Intel 82078
  config = 0x60; // implied seek and FIFO enabled
  lock = 0;
  pwrd = 0;
  numFloppies = MAX_FD;
}

export class FloppyBus extends BusState {
  fdc: FdCtrl | undefined;
}

export class IsaFdcState extends IsaDevice {
  iobase = 0x3f0;
  isairq = 6;
  dmaChannel = 2;
  bootindexA = -1;
  bootindexB = -1;
  fdtypeA: FloppyDriveType = "auto";
  fdtypeB: FloppyDriveType = "auto";
  fallback: FloppyDriveType = "288";
  readonly state = new FdCtrl();
}

export class FloppyDrive extends DeviceState {
  unit = 0xffffffff;
  drive: string | undefined;
  backendDefaults = "auto";
  logicalBlockSize = 0;
  physicalBlockSize = 0;
  minIoSize = 0;
  optIoSize = 0;
  discardGranularity = 0xffffffff;
  writeCache = "auto";
  shareRw = false;
  accountInvalid = "auto";
  accountFailed = "auto";
  driveType: FloppyDriveType = "auto";
}

// ---- controller ------------------------------------------------------------------------------------

/** The fallback a drive of type "auto" without a disk takes (QEMU's get_fallback_drive_type). */
function pickDriveType(fdctrl: FdCtrl, drv: FDrive): void {
  if (drv.drive !== "auto") return;
  // Without an inserted disk there is no geometry to go by.
  drv.drive = drv.disk !== "none" ? drv.disk : fdctrl.fallback;
}

function fdInit(drv: FDrive): void {
  drv.perpendicular = 0;
  drv.disk = "none";
  drv.lastSect = 0;
  drv.maxTrack = 0;
  drv.readOnly = true;
  drv.mediaChanged = true;
}

function fdctrlReset(fdctrl: FdCtrl): void {
  fdctrl.sra = 0;
  fdctrl.srb = 0xc0;
  fdctrl.dor = 0x0c; // DMA and controller enabled
  fdctrl.curDrv = 0;
  fdctrl.dsr = 0;
  fdctrl.msr = 0x80; // request for master
  fdctrl.dataPos = 0;
  fdctrl.dataLen = 0;
  fdctrl.dataState = 0;
  fdctrl.dataDir = 0;
  fdctrl.status0 = 0;
  fdctrl.status1 = 0;
  fdctrl.status2 = 0;
}

function fdctrlRead(fdctrl: FdCtrl, reg: number): number {
  switch (reg) {
    case 0:
      return fdctrl.sra;
    case 1:
      return fdctrl.srb;
    case 2:
      return fdctrl.dor;
    case 3:
      return fdctrl.tdr;
    case 4:
      return fdctrl.msr;
    case 7:
      // Disk change line of the selected drive.
      return fdctrl.drives[fdctrl.curDrv & 1]!.mediaChanged && (fdctrl.dor & (0x10 << (fdctrl.curDrv & 1))) ? 0x80 : 0;
    default:
      return 0xff;
  }
}

function fdctrlWrite(fdctrl: FdCtrl, reg: number, value: number): void {
  switch (reg) {
    case 2:
      // Clearing bit 2 holds the controller in reset.
      if ((fdctrl.dor & 0x04) && !(value & 0x04)) fdctrlReset(fdctrl);
      fdctrl.dor = value & 0xff;
      fdctrl.curDrv = value & 1;
      break;
    case 3:
      fdctrl.tdr = value & 3;
      break;
    case 4:
      fdctrl.dsr = value & 0xff;
      if (value & 0x80) fdctrlReset(fdctrl);
      break;
    default:
      break;
  }
}

/** QEMU's isa_fdc_get_drive_type: the type the board reports in CMOS for unit `i`. */
export function isaFdcGetDriveType(fdc: IsaFdcState, i: number): FloppyDriveType {
  return fdc.state.drives[i]!.drive;
}

/** QEMU's fdctrl_realize_common. */
function fdctrlRealizeCommon(dev: DeviceState, fdctrl: FdCtrl): void {
  if (fdctrl.fallback === "auto") throw new QomError("Cannot choose a fallback FDrive type of 'auto'");
  fdctrl.numFloppies = MAX_FD;
  const bus = qbusCreate<FloppyBus>(dev.registry, TYPE_FLOPPY_BUS, dev);
  bus.fdc = fdctrl;
  fdctrl.bus = bus;
  for (const drive of fdctrl.drives) fdInit(drive);
  fdctrlReset(fdctrl);
}

function isaFdcRealize(isa: IsaFdcState): void {
  const fdctrl = isa.state;
  fdctrl.fallback = isa.fallback;
  fdctrl.qdevForDrives[0] = isa.fdtypeA;
  fdctrl.qdevForDrives[1] = isa.fdtypeB;
  const portio: Portio[] = [
    { offset: 1, len: 5, size: 1, read: (p) => fdctrlRead(fdctrl, p & 7), write: (p, v) => fdctrlWrite(fdctrl, p & 7, v) },
    { offset: 7, len: 1, size: 1, read: (p) => fdctrlRead(fdctrl, p & 7), write: (p, v) => fdctrlWrite(fdctrl, p & 7, v) },
  ];
  isaRegisterPortioList(isa, isa.iobase, portio, "fdc");
  fdctrl.irq = isaGetIrq(isa, isa.isairq);
  fdctrl.dmaChann = isa.dmaChannel === 0xffffffff ? -1 : isa.dmaChannel;
  if (fdctrl.dmaChann !== -1) {
    fdctrl.dma = isaBusGetDma(isa.isaBus, fdctrl.dmaChann);
    if (!fdctrl.dma) throw new QomError("ISA controller does not support DMA");
    fdctrl.dma.registerChannel(fdctrl.dmaChann, () => 0, fdctrl);
  }
  fdctrlRealizeCommon(isa, fdctrl);
}

/**
 * QEMU's isa_fdc_init_drives / fdctrl_init_drives: a `floppy` for each unit that has a drive
 * (by block backend id), typed by the controller's fdtypeA/fdtypeB.
 */
export function isaFdcInitDrives(fdc: IsaFdcState, drives: readonly (string | undefined)[]): FloppyDrive[] {
  const bus = fdc.state.bus;
  const out: FloppyDrive[] = [];
  if (!bus) return out;
  for (let i = 0; i < MAX_FD; i++) {
    const drive = drives[i];
    if (drive === undefined) continue;
    const dev = objectNew<FloppyDrive>(fdc.registry, TYPE_FLOPPY_DRIVE);
    dev.setPropertyJson("unit", i);
    dev.setPropertyJson("drive-type", fdc.state.qdevForDrives[i]!);
    dev.setPropertyJson("drive", drive);
    qdevRealizeAndUnref(dev, bus);
    out.push(dev);
  }
  return out;
}

// ---- floppy drives -------------------------------------------------------------------------------

const MIN_BLOCK_SIZE = 512;
const MAX_BLOCK_SIZE = 2 * 1024 * 1024;

/** QEMU's qdev_prop_blocksize: 0 (unset) or a power of two from 512 B to 2 MiB. */
const blocksizeKind: PropertyKind<number> = {
  type: "size",
  description: "A power of two between 512 B and 2 MiB",
  read: (v, name, dev) => {
    const value = Number(v.typeSize(name));
    const id = dev.id ?? "";
    if (value && (value < MIN_BLOCK_SIZE || value > MAX_BLOCK_SIZE)) {
      throw new QomError(`Property ${id}.${name} doesn't take value ${value} (minimum: ${MIN_BLOCK_SIZE}, maximum: ${MAX_BLOCK_SIZE})`);
    }
    if ((value & (value - 1)) !== 0) {
      throw new QomError(`Property ${id}.${name} doesn't take value '${value}', it's not a power of 2`);
    }
    return value;
  },
  write: (x) => x,
};

/** DEFINE_PROP_SIZE32: a size that must fit 32 bits. */
const size32Kind: PropertyKind<number> = {
  type: "size",
  read: (v, name, dev) => {
    const value = v.typeSize(name);
    if (BigInt(value) > 0xffffffffn) {
      throw new QomError(`Property ${dev.id ?? ""}.${name} doesn't take value ${value} (maximum: 4294967295)`);
    }
    return Number(value);
  },
  write: (x) => x,
};

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

/** QEMU's blkconf_blocksizes for a drive without a backend's own sizes. */
function blkconfBlocksizes(d: FloppyDrive): void {
  if (!d.physicalBlockSize) d.physicalBlockSize = 512;
  if (!d.logicalBlockSize) d.logicalBlockSize = 512;
  if (d.logicalBlockSize > d.physicalBlockSize) {
    throw new QomError("logical_block_size > physical_block_size not supported");
  }
  if (d.minIoSize % d.logicalBlockSize !== 0) throw new QomError("min_io_size must be a multiple of logical_block_size");
  if (d.minIoSize / d.logicalBlockSize > 0xffff) throw new QomError("min_io_size must not exceed 65535 logical blocks");
  if (d.optIoSize % d.logicalBlockSize !== 0) throw new QomError("opt_io_size must be a multiple of logical_block_size");
  if (d.discardGranularity !== 0xffffffff && d.discardGranularity % d.logicalBlockSize !== 0) {
    throw new QomError("discard_granularity must be a multiple of logical_block_size");
  }
}

function floppyDriveRealize(d: FloppyDrive): void {
  const bus = d.parentBus as FloppyBus;
  const fdctrl = bus.fdc!;
  if (d.unit === 0xffffffff) {
    let unit = 0;
    while (unit < MAX_FD && fdctrl.drives[unit]!.dev) unit++;
    d.unit = unit;
  }
  if (d.unit >= MAX_FD) {
    throw new QomError(`Can't create floppy unit ${d.unit}, bus supports only ${MAX_FD} units`);
  }
  const drive = fdctrl.drives[d.unit]!;
  if (drive.dev) throw new QomError(`Floppy unit ${d.unit} is in use`);
  blkconfBlocksizes(d);
  if (d.logicalBlockSize !== 512 || d.physicalBlockSize !== 512) {
    throw new QomError("Physical and logical block size must be 512 for floppy");
  }
  drive.dev = d;
  fdInit(drive);
  // The drive's type property and the controller's view of it stay in sync.
  drive.drive = d.driveType;
  pickDriveType(fdctrl, drive);
  d.driveType = drive.drive;
}

function floppyDriveUnrealize(d: FloppyDrive): void {
  const fdctrl = (d.parentBus as FloppyBus | undefined)?.fdc;
  const drive = fdctrl?.drives.find((x) => x.dev === d);
  if (drive) {
    drive.dev = undefined;
    drive.drive = "none";
  }
}

// ---- types ---------------------------------------------------------------------------------------

function isaFdcInstanceInit(isa: IsaFdcState): void {
  // QEMU's device_add_bootindex_property: int32 instance properties without a default.
  for (const [name, field] of [
    ["bootindexA", "bootindexA"],
    ["bootindexB", "bootindexB"],
  ] as const) {
    isa.addProperty(
      intProperty(name, "int32", {
        get: () => isa[field],
        set: (_o, v) => {
          const value = Number(v);
          if (value < -1) throw new QomError("Invalid bootindex");
          isa[field] = value;
        },
      }),
    );
  }
}

export const floppyBusTypeInfo: TypeInfo<FloppyBus> = {
  name: TYPE_FLOPPY_BUS,
  parent: TYPE_BUS,
  instance: FloppyBus,
};

export const isaFdcTypeInfo: TypeInfo<IsaFdcState, DeviceClass> = {
  name: TYPE_ISA_FDC,
  parent: TYPE_ISA_DEVICE,
  instance: IsaFdcState,
  instanceInit: isaFdcInstanceInit,
  classInit: (k) => {
    k.desc = "virtual floppy controller";
    k.categories = new Set([...k.categories, "storage"]);
    k.realize = (d) => isaFdcRealize(d as IsaFdcState);
    k.reset = (d) => fdctrlReset((d as IsaFdcState).state);
    deviceClassSetProps(k, [
      defineProp("iobase", "iobase", propKinds.uint32, 0x3f0),
      defineProp("irq", "isairq", propKinds.uint32, 6),
      defineProp("dma", "dmaChannel", propKinds.uint32, 2),
      defineProp("fdtypeA", "fdtypeA", fdcDriveTypeKind, "auto"),
      defineProp("fdtypeB", "fdtypeB", fdcDriveTypeKind, "auto"),
      defineProp("fallback", "fallback", fdcDriveTypeKind, "288"),
    ]);
  },
};

export const floppyDriveTypeInfo: TypeInfo<FloppyDrive, DeviceClass> = {
  name: TYPE_FLOPPY_DRIVE,
  parent: TYPE_DEVICE,
  instance: FloppyDrive,
  classInit: (k) => {
    k.desc = "virtual floppy drive";
    k.categories = new Set([...k.categories, "storage"]);
    k.busType = TYPE_FLOPPY_BUS;
    k.realize = (d) => floppyDriveRealize(d as FloppyDrive);
    k.unrealize = (d) => floppyDriveUnrealize(d as FloppyDrive);
    deviceClassSetProps(k, [
      defineProp("unit", "unit", propKinds.uint32, 0xffffffff),
      defineProp("drive", "drive", describedStringKind("Node name or ID of a block device to use as a backend")),
      defineProp("backend_defaults", "backendDefaults", propKinds.onOffAuto, "auto"),
      defineProp("logical_block_size", "logicalBlockSize", blocksizeKind, 0),
      defineProp("physical_block_size", "physicalBlockSize", blocksizeKind, 0),
      defineProp("min_io_size", "minIoSize", size32Kind, 0),
      defineProp("opt_io_size", "optIoSize", size32Kind, 0),
      defineProp("discard_granularity", "discardGranularity", size32Kind, 0xffffffff),
      defineProp("write-cache", "writeCache", propKinds.onOffAuto, "auto"),
      defineProp("share-rw", "shareRw", plainBool, false),
      defineProp("account-invalid", "accountInvalid", propKinds.onOffAuto, "auto"),
      defineProp("account-failed", "accountFailed", propKinds.onOffAuto, "auto"),
      defineProp("drive-type", "driveType", fdcDriveTypeKind, "auto"),
    ]);
  },
};

/** The floppy types (one folder, one file: QEMU's fdc.c and fdc-isa.c). */
export function registerFdcTypes(types: TypeRegistry): void {
  types.register(floppyBusTypeInfo);
  types.register(isaFdcTypeInfo);
  types.register(floppyDriveTypeInfo);
}
