/**
 * The ATA register file of one IDE channel in PIO mode (QEMU 7.2's hw/ide/core.c, the parts a
 * BIOS and a boot loader use): task-file registers shared by master and slave, device control
 * (soft reset, nIEN), IDENTIFY DEVICE, READ/WRITE SECTORS (single, multiple, LBA48), READ
 * VERIFY, SET MULTIPLE MODE and the housekeeping commands, with QEMU's status/error values,
 * signatures and interrupt points. Disks are read and written synchronously through their
 * block backends. ATAPI (CD-ROM) devices show their signature and refuse commands.
 */
import type { MemoryRegionOps } from "../../exec/memory.js";
import { setIrq } from "../core/irq.js";
import { driveOf } from "../pci/qdev-backends.js";
import type { IDEBus } from "./ide-bus.js";
import type { IDEDevice, IDEDeviceClass } from "./ide-dev.js";
import { TYPE_IDE_DEVICE } from "./ide-dev.js";

// Status and error bits (QEMU's *_STAT, ABRT_ERR).
const ERR_STAT = 0x01;
const DRQ_STAT = 0x08;
const SEEK_STAT = 0x10;
const READY_STAT = 0x40;
const BUSY_STAT = 0x80;
const ABRT_ERR = 0x04;
const IDNF_ERR = 0x10;
/** Device control: nIEN and SRST. */
const IDE_CTRL_DISABLE_IRQ = 0x02;
const IDE_CTRL_RESET = 0x04;
/** Bits 7 and 5 of the device register always read as set. */
const ATA_DEV_ALWAYS_ON = 0xa0;
const ATA_DEV_SELECT = 0x10;
const ATA_DEV_LBA = 0x40;
const ATA_DEV_HS = 0x0f;
const MAX_MULT_SECTORS = 16;
const SECTOR_SIZE = 512;

/** What QEMU reports for a drive (QEMU's ide_init_drive defaults). */
const HW_VERSION = "2.5+";
let driveSerial = 1;

interface BlockLike {
  readonly length: number;
  readonly inserted: boolean;
  read(offset: number, buf: Uint8Array): void;
  write(offset: number, buf: Uint8Array): void;
}

/** One unit's registers and transfer state (QEMU's IDEState). */
export class IdeUnitState {
  feature = 0;
  error = 0;
  nsector = 0;
  sector = 0;
  lcyl = 0;
  hcyl = 0;
  hobFeature = 0;
  hobNsector = 0;
  hobSector = 0;
  hobLcyl = 0;
  hobHcyl = 0;
  select = ATA_DEV_ALWAYS_ON;
  status = READY_STAT | SEEK_STAT;
  lba48 = false;
  multSectors = MAX_MULT_SECTORS;
  /** Sectors per PIO block of the running command (1, or the multiple count). */
  reqNbSectors = 1;
  readonly ioBuffer = new Uint8Array(MAX_MULT_SECTORS * SECTOR_SIZE);
  dataPtr = 0;
  dataEnd = 0;
  endTransfer: (() => void) | undefined;
  // Identity, fixed at first use (QEMU's ide_init_drive).
  serial = "";
  cylinders = 0;
  heads = 0;
  sectors = 0;

  constructor(
    readonly channel: IdeChannel,
    readonly unit: 0 | 1,
  ) {}

  get dev(): IDEDevice | undefined {
    return this.channel.bus.unit(this.unit);
  }

  get isCd(): boolean {
    const d = this.dev;
    return d !== undefined && d.classAs<IDEDeviceClass>(TYPE_IDE_DEVICE).driveKind === "cd";
  }

  /** The backend (QEMU's s->blk): present for every attached drive, with or without medium. */
  get blk(): BlockLike | undefined {
    const d = this.dev;
    if (!d) return undefined;
    return driveOf(d, d.drive) as BlockLike | undefined;
  }

  get nbSectors(): number {
    return Math.floor((this.blk?.length ?? 0) / SECTOR_SIZE);
  }

  /** QEMU's ide_init_drive for a disk: the serial number and the CHS geometry guessed from the size. */
  identityInit(): void {
    if (this.serial) return;
    const d = this.dev;
    this.serial = d?.serial ?? `QM${String(driveSerial++).padStart(5, "0")}`;
    if (d && d.cyls && d.heads && d.secs) {
      this.cylinders = d.cyls;
      this.heads = d.heads;
      this.sectors = d.secs;
      return;
    }
    // QEMU's guess_chs_for_size (an image without a partition table that says otherwise).
    let cyls = Math.floor(this.nbSectors / (16 * 63));
    if (cyls > 16383) cyls = 16383;
    else if (cyls < 2) cyls = 2;
    this.cylinders = cyls;
    this.heads = 16;
    this.sectors = 63;
  }

  /** QEMU's ide_reset. */
  reset(): void {
    this.multSectors = MAX_MULT_SECTORS;
    this.feature = this.error = this.nsector = this.sector = this.lcyl = this.hcyl = 0;
    this.hobFeature = this.hobNsector = this.hobSector = this.hobLcyl = this.hobHcyl = 0;
    this.select = ATA_DEV_ALWAYS_ON;
    this.status = READY_STAT | SEEK_STAT;
    this.lba48 = false;
    this.transferStop();
  }

  /** QEMU's ide_set_signature: what a device shows after reset. */
  setSignature(): void {
    this.select &= ~ATA_DEV_HS;
    this.nsector = 1;
    this.sector = 1;
    if (this.isCd) {
      this.lcyl = 0x14;
      this.hcyl = 0xeb;
    } else if (this.blk) {
      this.lcyl = 0;
      this.hcyl = 0;
    } else {
      this.lcyl = 0xff;
      this.hcyl = 0xff;
    }
  }

  transferStart(size: number, end: () => void): void {
    this.dataPtr = 0;
    this.dataEnd = size;
    this.endTransfer = end;
    if (!(this.status & ERR_STAT)) this.status |= DRQ_STAT;
  }

  /** QEMU's ide_transfer_stop. */
  transferStop(): void {
    this.dataPtr = this.dataEnd = 0;
    this.endTransfer = undefined;
    this.status &= ~DRQ_STAT;
  }

  abortCommand(): void {
    this.transferStop();
    this.status = READY_STAT | ERR_STAT;
    this.error = ABRT_ERR;
  }

  /** QEMU's ide_get_sector: the LBA the task file addresses (LBA28, LBA48 or CHS). */
  getSector(): number {
    if (this.select & ATA_DEV_LBA) {
      if (this.lba48) {
        return (
          this.hobHcyl * 2 ** 40 + this.hobLcyl * 2 ** 32 + this.hobSector * 2 ** 24 + ((this.hcyl << 16) | (this.lcyl << 8) | this.sector)
        );
      }
      return (((this.select & 0x0f) << 24) | (this.hcyl << 16) | (this.lcyl << 8) | this.sector) >>> 0;
    }
    return (((this.hcyl << 8) | this.lcyl) * this.heads + (this.select & 0x0f)) * this.sectors + (this.sector - 1);
  }

  /** QEMU's ide_set_sector. */
  setSector(n: number): void {
    if (this.select & ATA_DEV_LBA) {
      if (this.lba48) {
        this.sector = n & 0xff;
        this.lcyl = (n >>> 8) & 0xff;
        this.hcyl = (n >>> 16) & 0xff;
        this.hobSector = Math.floor(n / 2 ** 24) & 0xff;
        this.hobLcyl = Math.floor(n / 2 ** 32) & 0xff;
        this.hobHcyl = Math.floor(n / 2 ** 40) & 0xff;
      } else {
        this.select = (this.select & 0xf0) | ((n >>> 24) & 0x0f);
        this.hcyl = (n >>> 16) & 0xff;
        this.lcyl = (n >>> 8) & 0xff;
        this.sector = n & 0xff;
      }
    } else {
      const cyl = Math.floor(n / (this.heads * this.sectors));
      const r = n % (this.heads * this.sectors);
      this.hcyl = (cyl >> 8) & 0xff;
      this.lcyl = cyl & 0xff;
      this.select = (this.select & 0xf0) | (Math.floor(r / this.sectors) & 0x0f);
      this.sector = (r % this.sectors) + 1;
    }
  }

  /** QEMU's ide_cmd_lba48_transform: a count of 0 means the maximum. */
  lba48Transform(lba48: boolean): void {
    this.lba48 = lba48;
    if (!lba48) {
      if (!this.nsector) this.nsector = 256;
    } else if (!this.nsector && !this.hobNsector) {
      this.nsector = 65536;
    } else {
      this.nsector = (this.hobNsector << 8) | this.nsector;
    }
  }

  private inRange(sector: number, count: number): boolean {
    return sector + count <= this.nbSectors;
  }

  /** QEMU's ide_sector_read: the next block of a PIO read, or the end of the command. */
  sectorRead(): void {
    this.status = READY_STAT | SEEK_STAT;
    this.error = 0;
    const sectorNum = this.getSector();
    let n = this.nsector;
    if (n === 0) {
      this.transferStop();
      return;
    }
    if (n > this.reqNbSectors) n = this.reqNbSectors;
    const blk = this.blk;
    if (!blk?.inserted || !this.inRange(sectorNum, n)) {
      this.idnf();
      return;
    }
    blk.read(sectorNum * SECTOR_SIZE, this.ioBuffer.subarray(0, n * SECTOR_SIZE));
    this.nsector -= n;
    this.setSector(sectorNum + n);
    this.transferStart(n * SECTOR_SIZE, () => this.sectorRead());
    this.channel.setIrq();
  }

  /** QEMU's ide_sector_write: the block the guest just filled goes to the disk. */
  sectorWrite(): void {
    const sectorNum = this.getSector();
    let n = this.nsector;
    if (n > this.reqNbSectors) n = this.reqNbSectors;
    const blk = this.blk;
    if (!blk?.inserted || !this.inRange(sectorNum, n)) {
      this.idnf();
      return;
    }
    blk.write(sectorNum * SECTOR_SIZE, this.ioBuffer.subarray(0, n * SECTOR_SIZE));
    this.status = READY_STAT | SEEK_STAT;
    this.nsector -= n;
    this.setSector(sectorNum + n);
    if (this.nsector === 0) {
      this.transferStop();
    } else {
      const n1 = Math.min(this.nsector, this.reqNbSectors);
      this.transferStart(n1 * SECTOR_SIZE, () => this.sectorWrite());
    }
    this.channel.setIrq();
  }

  /** An address outside the disk (QEMU's ide_rw_error for a request it could not serve). */
  private idnf(): void {
    this.transferStop();
    this.status = READY_STAT | ERR_STAT;
    this.error = IDNF_ERR | ABRT_ERR;
    this.channel.setIrq();
  }

  /** QEMU's ide_identify for a disk, into the I/O buffer. */
  identify(): void {
    this.identityInit();
    const p = new DataView(this.ioBuffer.buffer, 0, SECTOR_SIZE);
    this.ioBuffer.fill(0, 0, SECTOR_SIZE);
    const w = (i: number, v: number) => p.setUint16(i * 2, v & 0xffff, true);
    const str = (i: number, s: string, len: number) => {
      // ATA strings: space padded, the two bytes of each word swapped.
      for (let k = 0; k < len; k++) this.ioBuffer[i * 2 + (k ^ 1)] = k < s.length ? s.charCodeAt(k) : 0x20;
    };
    const d = this.dev;
    w(0, 0x0040);
    w(1, this.cylinders);
    w(3, this.heads);
    w(4, 512 * this.sectors);
    w(5, 512);
    w(6, this.sectors);
    str(10, this.serial, 20);
    w(20, 3);
    w(21, 512);
    w(22, 4);
    str(23, d?.ver ?? HW_VERSION, 8);
    str(27, d?.model ?? "QEMU HARDDISK", 40);
    w(47, 0x8000 | MAX_MULT_SECTORS);
    w(48, 1);
    w(49, (1 << 11) | (1 << 9) | (1 << 8));
    w(51, 0x200);
    w(52, 0x200);
    w(53, 1 | (1 << 1) | (1 << 2));
    w(54, this.cylinders);
    w(55, this.heads);
    w(56, this.sectors);
    const oldsize = this.cylinders * this.heads * this.sectors;
    w(57, oldsize);
    w(58, oldsize >>> 16);
    if (this.multSectors) w(59, 0x100 | this.multSectors);
    const nb = this.nbSectors;
    w(60, nb);
    w(61, nb >>> 16);
    w(62, 0x07);
    w(63, 0x07);
    w(64, 0x03);
    w(65, 120);
    w(66, 120);
    w(67, 120);
    w(68, 120);
    w(80, 0xf0);
    w(81, 0x16);
    w(82, (1 << 14) | (1 << 5) | 1);
    w(83, (1 << 14) | (1 << 13) | (1 << 12) | (1 << 10));
    w(84, 1 << 14);
    w(85, (1 << 14) | (1 << 5) | 1);
    w(86, (1 << 13) | (1 << 12) | (1 << 10));
    w(87, 1 << 14);
    w(88, 0x3f | (1 << 13));
    w(93, 1 | (1 << 14) | 0x2000);
    w(100, nb);
    w(101, Math.floor(nb / 2 ** 16));
    w(102, Math.floor(nb / 2 ** 32));
    w(103, Math.floor(nb / 2 ** 48));
    w(106, 0x6000);
    w(217, d?.rotationRate ?? 0);
  }
}

/** Commands: whether they complete at once (true) or leave a transfer running (false). */
function execCommand(s: IdeUnitState, cmd: number): boolean {
  const disk = s.blk !== undefined && !s.isCd;
  // The geometry CHS addressing uses (QEMU fixes it when the drive is created).
  if (disk) s.identityInit();
  switch (cmd) {
    case 0xec: // IDENTIFY DEVICE
      if (disk) {
        s.identify();
        s.status = READY_STAT | SEEK_STAT;
        s.transferStart(SECTOR_SIZE, () => s.transferStop());
        s.channel.setIrq();
        return false;
      }
      if (s.isCd) s.setSignature();
      s.abortCommand();
      return true;
    case 0x20: // READ SECTORS
    case 0x21:
    case 0x24: // READ SECTORS EXT
    case 0xc4: // READ MULTIPLE
    case 0x29: // READ MULTIPLE EXT
      if (!disk) break;
      if ((cmd === 0xc4 || cmd === 0x29) && !s.multSectors) break;
      s.lba48Transform(cmd === 0x24 || cmd === 0x29);
      s.reqNbSectors = cmd === 0xc4 || cmd === 0x29 ? s.multSectors : 1;
      s.sectorRead();
      return false;
    case 0x30: // WRITE SECTORS
    case 0x31:
    case 0x34: // WRITE SECTORS EXT
    case 0xc5: // WRITE MULTIPLE
    case 0x39: // WRITE MULTIPLE EXT
      if (!disk) break;
      if ((cmd === 0xc5 || cmd === 0x39) && !s.multSectors) break;
      s.lba48Transform(cmd === 0x34 || cmd === 0x39);
      s.reqNbSectors = cmd === 0xc5 || cmd === 0x39 ? s.multSectors : 1;
      s.status = SEEK_STAT | READY_STAT;
      s.transferStart(SECTOR_SIZE * Math.min(s.nsector, s.reqNbSectors), () => s.sectorWrite());
      return false;
    case 0x40: // READ VERIFY SECTORS
    case 0x41:
    case 0x42: // READ VERIFY SECTORS EXT
      if (!disk) break;
      s.lba48Transform(cmd === 0x42);
      s.setSector(s.getSector() + s.nsector - 1);
      return true;
    case 0xc6: // SET MULTIPLE MODE
      if (!disk) break;
      if (s.nsector > MAX_MULT_SECTORS || (s.nsector & (s.nsector - 1)) !== 0) break;
      s.multSectors = s.nsector & 0xff;
      return true;
    case 0xf8: // READ NATIVE MAX ADDRESS
    case 0x27: {
      if (!disk) break;
      s.lba48Transform(cmd === 0x27);
      s.setSector(s.nbSectors - 1);
      return true;
    }
    case 0xe5: // CHECK POWER MODE
      if (!disk) break;
      s.nsector = 0xff;
      return true;
    case 0x91: // INITIALIZE DEVICE PARAMETERS
    case 0xef: // SET FEATURES
    case 0xe7: // FLUSH CACHE
    case 0xea: // FLUSH CACHE EXT
    case 0x70: // SEEK
    case 0x10: // RECALIBRATE
    case 0xe0: // STANDBY IMMEDIATE
    case 0xe1: // IDLE IMMEDIATE
    case 0xe2: // STANDBY
    case 0xe3: // IDLE
    case 0x94:
    case 0x95:
    case 0x96:
    case 0x97:
      if (!disk) break;
      return true;
  }
  s.abortCommand();
  return true;
}

/** Commands whose completion sets DSC (QEMU's SET_DSC flag). */
const SET_DSC = new Set([0x10, 0x70, 0x40, 0x41, 0x42, 0x91, 0xef, 0xc6, 0xe7, 0xea, 0xf8, 0x27]);

/** One IDE channel: two units on one bus, the command and control register blocks. */
export class IdeChannel {
  readonly ifs: [IdeUnitState, IdeUnitState];
  /** The unit the device register selected (QEMU's bus->unit). */
  unit: 0 | 1 = 0;
  /** Device control register (QEMU's bus->cmd). */
  cmd = 0;

  constructor(readonly bus: IDEBus) {
    this.ifs = [new IdeUnitState(this, 0), new IdeUnitState(this, 1)];
  }

  get active(): IdeUnitState {
    return this.ifs[this.unit];
  }

  private get anyDrive(): boolean {
    return this.ifs[0].blk !== undefined || this.ifs[1].blk !== undefined;
  }

  setIrq(): void {
    if (!(this.cmd & IDE_CTRL_DISABLE_IRQ)) setIrq(this.bus.irq, 1);
  }

  /** QEMU's ide_bus_reset. */
  reset(): void {
    this.unit = 0;
    this.cmd = 0;
    this.ifs[0].reset();
    this.ifs[1].reset();
  }

  /** A task-file register read (QEMU's ide_ioport_read). */
  readRegister(reg: number): number {
    const s = this.active;
    const absent = !this.anyDrive || (s.unit === 1 && !s.blk);
    switch (reg) {
      case 0:
        return 0xff;
      case 1:
        return absent ? 0 : s.error;
      case 2:
        return this.anyDrive ? s.nsector & 0xff : 0;
      case 3:
        return this.anyDrive ? s.sector : 0;
      case 4:
        return this.anyDrive ? s.lcyl : 0;
      case 5:
        return this.anyDrive ? s.hcyl : 0;
      case 6:
        return this.anyDrive ? s.select : 0;
      default:
        setIrq(this.bus.irq, 0);
        return absent ? 0 : s.status;
    }
  }

  /** Alternate status (QEMU's ide_status_read): status without acknowledging the interrupt. */
  readAltStatus(): number {
    const s = this.active;
    return !this.anyDrive || (s.unit === 1 && !s.blk) ? 0 : s.status;
  }

  /** A task-file register write (QEMU's ide_ioport_write). */
  writeRegister(reg: number, val: number): void {
    val &= 0xff;
    // Writes to the command block are ignored while the previous command is busy.
    if (reg !== 7 && this.active.status & (BUSY_STAT | DRQ_STAT)) return;
    const both = (f: (s: IdeUnitState) => void) => {
      f(this.ifs[0]);
      f(this.ifs[1]);
    };
    switch (reg) {
      case 0:
        return;
      case 1:
        both((s) => ((s.hobFeature = s.feature), (s.feature = val)));
        return;
      case 2:
        both((s) => ((s.hobNsector = s.nsector & 0xff), (s.nsector = val)));
        return;
      case 3:
        both((s) => ((s.hobSector = s.sector), (s.sector = val)));
        return;
      case 4:
        both((s) => ((s.hobLcyl = s.lcyl), (s.lcyl = val)));
        return;
      case 5:
        both((s) => ((s.hobHcyl = s.hcyl), (s.hcyl = val)));
        return;
      case 6:
        both((s) => (s.select = val | ATA_DEV_ALWAYS_ON));
        this.unit = val & ATA_DEV_SELECT ? 1 : 0;
        return;
      default:
        setIrq(this.bus.irq, 0);
        this.execCmd(val);
    }
  }

  /** QEMU's ide_exec_cmd. */
  private execCmd(val: number): void {
    const s = this.active;
    // A command to an absent slave is ignored.
    if (s.unit === 1 && !s.blk) return;
    if (s.status & (BUSY_STAT | DRQ_STAT)) return;
    s.status = READY_STAT | BUSY_STAT;
    s.error = 0;
    if (execCommand(s, val)) {
      s.status &= ~BUSY_STAT;
      if (SET_DSC.has(val) && !s.error) s.status |= SEEK_STAT;
      this.setIrq();
    }
  }

  /** Device control (QEMU's ide_ctrl_write): SRST edges reset both units, nIEN masks the line. */
  writeControl(val: number): void {
    if (!(this.cmd & IDE_CTRL_RESET) && val & IDE_CTRL_RESET) {
      for (const s of this.ifs) {
        s.status = BUSY_STAT | SEEK_STAT;
        s.error = 0x01;
      }
    } else if (this.cmd & IDE_CTRL_RESET && !(val & IDE_CTRL_RESET)) {
      for (const s of this.ifs) {
        s.status = s.isCd ? 0 : READY_STAT | SEEK_STAT;
        s.setSignature();
      }
    }
    this.cmd = val & 0xff;
  }

  /** Data port reads of 2 or 4 bytes (QEMU's ide_data_readw/readl). */
  readData(size: number): number {
    const s = this.active;
    if (!(s.status & DRQ_STAT) || s.dataPtr + size > s.dataEnd) return 0;
    const b = s.ioBuffer;
    const p = s.dataPtr;
    const v = size === 4 ? (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0 : b[p]! | (b[p + 1]! << 8);
    s.dataPtr += size;
    if (s.dataPtr >= s.dataEnd) this.endOfTransfer(s);
    return v;
  }

  /** Data port writes of 2 or 4 bytes (QEMU's ide_data_writew/writel). */
  writeData(value: number, size: number): void {
    const s = this.active;
    if (!(s.status & DRQ_STAT) || s.dataPtr + size > s.dataEnd) return;
    const b = s.ioBuffer;
    for (let i = 0; i < size; i++) b[s.dataPtr + i] = value >>> (8 * i);
    s.dataPtr += size;
    if (s.dataPtr >= s.dataEnd) this.endOfTransfer(s);
  }

  private endOfTransfer(s: IdeUnitState): void {
    s.status &= ~DRQ_STAT;
    const end = s.endTransfer;
    if (end) end();
    else s.transferStop();
  }
}

/** The command block (8 ports): 16/32-bit data at 0, byte registers at 1-7. */
export const ideCommandBlockOps: MemoryRegionOps<IdeChannel> = {
  read: (ch, addr, size) => (addr === 0 && size > 1 ? ch.readData(size) : ch.readRegister(addr)),
  write: (ch, addr, value, size) => (addr === 0 && size > 1 ? ch.writeData(value, size) : ch.writeRegister(addr, value)),
  impl: { minAccessSize: 1, maxAccessSize: 4 },
  valid: { minAccessSize: 1, maxAccessSize: 4, unaligned: true },
  endianness: "little",
};

/** The control block (1 port): alternate status and device control. */
export const ideControlBlockOps: MemoryRegionOps<IdeChannel> = {
  read: (ch) => ch.readAltStatus(),
  write: (ch, _addr, value) => ch.writeControl(value),
  impl: { minAccessSize: 1, maxAccessSize: 1 },
  endianness: "little",
};

const channels = new WeakMap<object, IdeChannel[]>();

/** The channels of an IDE controller, in bus order (created by its realize). */
export function ideChannelsOf(controller: object): IdeChannel[] {
  let list = channels.get(controller);
  if (!list) channels.set(controller, (list = []));
  return list;
}
