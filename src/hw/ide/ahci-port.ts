/**
 * One AHCI port: its register file and the command engine that runs what the guest puts in the
 * command list (QEMU 7.2's hw/ide/ahci.c: ahci_port_read/write, ahci_reset_port, check_cmd,
 * handle_cmd, the D2H and PIO Setup FISes, ahci_check_irq's per-port half).
 *
 * The device behind the port is unit 0 of the port's IDE bus; its identity (IDENTIFY data) and
 * block backend come from the IDE core. Commands complete synchronously: the data moves through
 * the command table's PRDT with the machine's memory, then the FISes are posted and PxCI clears.
 * Disks take IDENTIFY, READ/WRITE DMA (and EXT), READ/WRITE SECTORS (and EXT) as PIO, and the
 * housekeeping commands; ATAPI devices (CD-ROM) take IDENTIFY PACKET DEVICE and the PACKET
 * commands of ahci-atapi.ts.
 */
import type { AddressSpace } from "../../exec/address-space.js";
import { AtapiSense, atapiCommand, atapiIdentify } from "./ahci-atapi.js";
import { IdeUnitState } from "./ide-core.js";

// Port registers (offsets in the port's 0x80-byte block).
export const PORT_LST_ADDR = 0x00;
const PORT_LST_ADDR_HI = 0x04;
const PORT_FIS_ADDR = 0x08;
const PORT_FIS_ADDR_HI = 0x0c;
const PORT_IRQ_STAT = 0x10;
const PORT_IRQ_MASK = 0x14;
const PORT_CMD = 0x18;
const PORT_TFDATA = 0x20;
const PORT_SIG = 0x24;
const PORT_SCR_STAT = 0x28;
const PORT_SCR_CTL = 0x2c;
const PORT_SCR_ERR = 0x30;
const PORT_SCR_ACT = 0x34;
const PORT_CMD_ISSUE = 0x38;

// PxCMD bits.
const PORT_CMD_START = 1 << 0;
const PORT_CMD_SPIN_UP = 1 << 1;
const PORT_CMD_POWER_ON = 1 << 2;
const PORT_CMD_FIS_RX = 1 << 4;
const PORT_CMD_FIS_ON = 1 << 14;
const PORT_CMD_LIST_ON = 1 << 15;
/** Bits the guest cannot write (QEMU's PORT_CMD_RO_MASK), and the interface communication control it must not keep. */
const PORT_CMD_RO_MASK = 0x007dffe0;
const PORT_CMD_ICC_MASK = 0xf0000000;
const PORT_IRQ_MASK_WRITABLE = 0xfdc000ff;

// PxIS bits.
const IRQ_DHRS = 1 << 0; // D2H register FIS
const IRQ_PSS = 1 << 1; // PIO Setup FIS
const IRQ_TFES = 1 << 30; // task file error

/** PxSSTS with a device: present, link up, Gen 1, active (QEMU's SATA_SCR_SSTATUS_*). */
const SSTATUS_DEVICE = 0x3 | 0x10 | 0x100;
const SCTL_DET = 0xf;

// Received-FIS area offsets and FIS types.
const RES_FIS_PSFIS = 0x20;
const RES_FIS_RFIS = 0x40;
const FIS_REG_H2D = 0x27;
const FIS_REG_D2H = 0x34;
const FIS_PIO_SETUP = 0x5f;

// Command header / table.
const CMD_HDR_SIZE = 32;
const CMD_TBL_ACMD = 0x40;
const CMD_TBL_PRDT = 0x80;
/** ATAPI interrupt reason in the sector count: I/O and C/D set when a packet command ends. */
const ATAPI_INT_REASON_IO_CD = 0x3;
const PRDT_ENTRY_SIZE = 16;
const AHCI_CMD_WRITE = 1 << 6;

// ATA status/error (QEMU's *_STAT / ABRT_ERR).
const ERR_STAT = 0x01;
const DRQ_STAT = 0x08;
const SEEK_STAT = 0x10;
const WRERR_STAT = 0x20;
const READY_STAT = 0x40;
const ABRT_ERR = 0x04;
const IDNF_ERR = 0x10;
const SECTOR_SIZE = 512;

/** The ATA task file a command FIS carries, and what the device answers in its FISes. */
interface TaskFile {
  command: number;
  feature: number;
  sector: number;
  lcyl: number;
  hcyl: number;
  select: number;
  hobSector: number;
  hobLcyl: number;
  hobHcyl: number;
  nsector: number;
}

export class AhciPort {
  lstAddr = 0;
  lstAddrHi = 0;
  fisAddr = 0;
  fisAddrHi = 0;
  irqStat = 0;
  irqMask = 0;
  cmd = 0;
  tfdata = 0x7f;
  sig = 0xffffffff;
  scrCtl = 0;
  scrErr = 0;
  scrAct = 0;
  cmdIssue = 0;
  /** The first D2H FIS (the device's signature) went out once the guest enabled FIS receive. */
  private initD2hSent = false;
  /** The device's status and error registers (QEMU keeps them in the IDE state). */
  private status = 0;
  private error = 0;
  /** An ATAPI device's sense data (kept until the next error, as QEMU's). */
  private readonly sense = new AtapiSense();
  /** Registers the last D2H FIS reports (the device's side of the task file). */
  private tf: TaskFile = { command: 0, feature: 0, sector: 1, lcyl: 0, hcyl: 0, select: 0xa0, hobSector: 0, hobLcyl: 0, hobHcyl: 0, nsector: 1 };

  constructor(
    readonly index: number,
    /** Unit 0 of the port's bus: identity and block backend. */
    readonly unit: IdeUnitState,
    /** Guest memory as the HBA masters it. */
    private readonly memory: () => AddressSpace,
    /** QEMU's ahci_check_irq: the HBA recomputes its interrupt. */
    private readonly checkIrq: () => void,
  ) {}

  private get present(): boolean {
    return this.unit.blk !== undefined;
  }

  private get isCd(): boolean {
    return this.unit.isCd;
  }

  /** QEMU's ahci_reset (its per-port part): registers, then the port reset. */
  hbaReset(): void {
    this.irqStat = 0;
    this.irqMask = 0;
    this.scrCtl = 0;
    this.cmd = PORT_CMD_SPIN_UP | PORT_CMD_POWER_ON;
    this.portReset();
  }

  /** QEMU's ahci_reset_port (COMRESET and HBA reset). */
  portReset(): void {
    this.unit.reset();
    this.scrErr = 0;
    this.scrAct = 0;
    this.tfdata = 0x7f;
    this.sig = 0xffffffff;
    this.cmdIssue = 0;
    this.initD2hSent = false;
    if (!this.present) return;
    // ide_set_signature: sector count and number 1; cylinder 0 for a disk, 0xeb14 for ATAPI.
    this.tf = { ...this.tf, sector: 1, nsector: 1, lcyl: this.isCd ? 0x14 : 0, hcyl: this.isCd ? 0xeb : 0, select: 0xa0 };
    this.status = this.isCd ? SEEK_STAT | WRERR_STAT | READY_STAT : SEEK_STAT | WRERR_STAT;
    this.error = 1;
    this.initD2h();
  }

  /** QEMU's ahci_init_d2h: the device's first register FIS, which also sets PxSIG. */
  private initD2h(): void {
    if (this.initD2hSent) return;
    if (this.writeD2h(true)) {
      this.initD2hSent = true;
      this.sig = ((this.tf.hcyl << 24) | (this.tf.lcyl << 16) | (this.tf.sector << 8) | (this.tf.nsector & 0xff)) >>> 0;
    }
  }

  read(reg: number): number {
    switch (reg) {
      case PORT_LST_ADDR: return this.lstAddr;
      case PORT_LST_ADDR_HI: return this.lstAddrHi;
      case PORT_FIS_ADDR: return this.fisAddr;
      case PORT_FIS_ADDR_HI: return this.fisAddrHi;
      case PORT_IRQ_STAT: return this.irqStat >>> 0;
      case PORT_IRQ_MASK: return this.irqMask >>> 0;
      case PORT_CMD: return this.cmd >>> 0;
      case PORT_TFDATA: return this.tfdata;
      case PORT_SIG: return this.sig;
      case PORT_SCR_STAT: return this.present ? SSTATUS_DEVICE : 0;
      case PORT_SCR_CTL: return this.scrCtl;
      case PORT_SCR_ERR: return this.scrErr;
      case PORT_SCR_ACT: return this.scrAct >>> 0;
      case PORT_CMD_ISSUE: return this.cmdIssue >>> 0;
      default: return 0;
    }
  }

  write(reg: number, value: number): void {
    value >>>= 0;
    switch (reg) {
      case PORT_LST_ADDR: this.lstAddr = value; return;
      case PORT_LST_ADDR_HI: this.lstAddrHi = value; return;
      case PORT_FIS_ADDR: this.fisAddr = value; return;
      case PORT_FIS_ADDR_HI: this.fisAddrHi = value; return;
      case PORT_IRQ_STAT:
        this.irqStat = (this.irqStat & ~value) >>> 0;
        this.checkIrq();
        return;
      case PORT_IRQ_MASK:
        this.irqMask = (value & PORT_IRQ_MASK_WRITABLE) >>> 0;
        this.checkIrq();
        return;
      case PORT_CMD:
        this.cmd = ((this.cmd & PORT_CMD_RO_MASK) | (value & ~(PORT_CMD_RO_MASK | PORT_CMD_ICC_MASK))) >>> 0;
        this.condStartEngines();
        // QEMU sends the signature FIS when the guest first enables FIS receive.
        if (this.cmd & PORT_CMD_FIS_ON && !this.initD2hSent) this.initD2h();
        this.checkCmd();
        return;
      case PORT_SCR_CTL:
        // COMRESET: DET going from 1 back to 0 resets the port.
        if ((this.scrCtl & SCTL_DET) === 1 && (value & SCTL_DET) === 0) this.portReset();
        this.scrCtl = value;
        return;
      case PORT_SCR_ERR: this.scrErr = (this.scrErr & ~value) >>> 0; return;
      case PORT_SCR_ACT: this.scrAct = (this.scrAct | value) >>> 0; return;
      case PORT_CMD_ISSUE:
        this.cmdIssue = (this.cmdIssue | value) >>> 0;
        this.checkCmd();
        return;
      default:
        return; // PxTFD, PxSIG and PxSSTS are read-only
    }
  }

  /** QEMU's ahci_cond_start_engines: LIST_ON and FIS_ON follow START and FIS_RX. */
  private condStartEngines(): void {
    if (this.cmd & PORT_CMD_START) this.cmd |= PORT_CMD_LIST_ON;
    else this.cmd &= ~PORT_CMD_LIST_ON;
    if (this.cmd & PORT_CMD_FIS_RX) this.cmd |= PORT_CMD_FIS_ON;
    else this.cmd &= ~PORT_CMD_FIS_ON;
    this.cmd >>>= 0;
  }

  /** QEMU's check_cmd: run the issued slots in order while the engine runs. */
  private checkCmd(): void {
    if (!(this.cmd & PORT_CMD_START)) return;
    for (let slot = 0; slot < 32 && this.cmdIssue; slot++) {
      const bit = (1 << slot) >>> 0;
      if (this.cmdIssue & bit) {
        this.handleCmd(slot);
        this.cmdIssue = (this.cmdIssue & ~bit) >>> 0;
      }
    }
  }

  private triggerIrq(bits: number): void {
    this.irqStat = (this.irqStat | bits) >>> 0;
    this.checkIrq();
  }

  private fisBase(): number {
    return this.fisAddrHi * 2 ** 32 + this.fisAddr;
  }

  /** QEMU's ahci_write_fis_d2h; false when FIS receive is off. */
  private writeD2h(interrupt: boolean): boolean {
    if (!(this.cmd & PORT_CMD_FIS_RX) || !(this.cmd & PORT_CMD_FIS_ON)) return false;
    const t = this.tf;
    const fis = new Uint8Array(20);
    fis.set([FIS_REG_D2H, interrupt ? 1 << 6 : 0, this.status, this.error, t.sector, t.lcyl, t.hcyl, t.select, t.hobSector, t.hobLcyl, t.hobHcyl, 0, t.nsector & 0xff, (t.nsector >> 8) & 0xff]);
    this.memory().writeBytes(this.fisBase() + RES_FIS_RFIS, fis);
    this.tfdata = (this.error << 8) | this.status;
    if (this.status & ERR_STAT) this.triggerIrq(IRQ_TFES);
    if (interrupt) this.triggerIrq(IRQ_DHRS);
    return true;
  }

  /** QEMU 7.2's ahci_write_fis_pio: posted before a PIO data transfer, with DRQ set. */
  private writePioSetup(len: number): void {
    if (!(this.cmd & PORT_CMD_FIS_ON)) return;
    const t = this.tf;
    const fis = new Uint8Array(20);
    fis.set([FIS_PIO_SETUP, 0, this.status, this.error, t.sector, t.lcyl, t.hcyl, t.select, t.hobSector, t.hobLcyl, t.hobHcyl, 0, t.nsector & 0xff, (t.nsector >> 8) & 0xff, 0, this.status, len & 0xff, len >> 8]);
    this.memory().writeBytes(this.fisBase() + RES_FIS_PSFIS, fis);
    this.tfdata = (this.error << 8) | this.status;
    if (this.status & ERR_STAT) this.triggerIrq(IRQ_TFES);
    this.triggerIrq(IRQ_PSS);
  }

  /** QEMU's handle_cmd: one command slot, from its header and table to the completion FIS. */
  private handleCmd(slot: number): void {
    const mem = this.memory();
    const hdrAddr = this.lstAddrHi * 2 ** 32 + this.lstAddr + slot * CMD_HDR_SIZE;
    const opts = mem.read(hdrAddr, 4) >>> 0;
    const tbl = mem.read(hdrAddr + 12, 4) * 2 ** 32 + (mem.read(hdrAddr + 8, 4) >>> 0);
    const fis = new Uint8Array(20);
    mem.readBytes(tbl, fis);
    // Only a register FIS with the command bit runs a command (a device-control FIS is ignored).
    if (fis[0] !== FIS_REG_H2D || !(fis[1]! & 0x80)) return;
    const prdtl = opts >>> 16;
    const prdt = readPrdt(mem, tbl + CMD_TBL_PRDT, prdtl);
    const t: TaskFile = {
      command: fis[2]!, feature: fis[3]!, sector: fis[4]!, lcyl: fis[5]!, hcyl: fis[6]!, select: fis[7]!,
      hobSector: fis[8]!, hobLcyl: fis[9]!, hobHcyl: fis[10]!, nsector: fis[12]! | (fis[13]! << 8),
    };
    this.tf = t;
    const moved = this.isCd && this.present ? this.executeAtapi(t, prdt, tbl) : this.execute(t, prdt, (opts & AHCI_CMD_WRITE) !== 0);
    // The byte count the HBA moved (PRDBC), then the completion FIS with its interrupt.
    mem.write(hdrAddr + 4, moved, 4);
    this.writeD2h(true);
  }

  /** Runs one ATA command for the port's device; returns the bytes moved through the PRDT. */
  private execute(t: TaskFile, prdt: Prd[], _isWrite: boolean): number {
    const u = this.unit;
    const disk = this.present && !this.isCd;
    const ok = () => {
      this.status = READY_STAT | SEEK_STAT;
      this.error = 0;
    };
    const abort = () => {
      this.status = READY_STAT | ERR_STAT;
      this.error = ABRT_ERR;
    };
    if (!disk) {
      abort();
      return 0;
    }
    u.identityInit();
    switch (t.command) {
      case 0xec: { // IDENTIFY DEVICE (PIO in)
        u.identify();
        ok();
        this.status |= DRQ_STAT;
        this.writePioSetup(SECTOR_SIZE);
        const n = this.toGuest(prdt, u.ioBuffer.subarray(0, SECTOR_SIZE));
        ok();
        return n;
      }
      case 0xc8: // READ DMA
      case 0x25: // READ DMA EXT
      case 0x20: // READ SECTORS (PIO)
      case 0x24: // READ SECTORS EXT (PIO)
      case 0xca: // WRITE DMA
      case 0x35: // WRITE DMA EXT
      case 0x30: // WRITE SECTORS (PIO)
      case 0x34: { // WRITE SECTORS EXT (PIO)
        const ext = t.command === 0x25 || t.command === 0x24 || t.command === 0x35 || t.command === 0x34;
        const write = t.command === 0xca || t.command === 0x35 || t.command === 0x30 || t.command === 0x34;
        const pio = t.command === 0x20 || t.command === 0x24 || t.command === 0x30 || t.command === 0x34;
        return this.readWrite(t, prdt, ext, write, pio);
      }
      case 0xef: // SET FEATURES
      case 0xe7: // FLUSH CACHE
      case 0xea: // FLUSH CACHE EXT
      case 0x91: // INITIALIZE DEVICE PARAMETERS
      case 0x70: // SEEK
      case 0x10: // RECALIBRATE
      case 0xe0: case 0xe1: case 0xe2: case 0xe3: // standby / idle
        ok();
        return 0;
      default:
        abort();
        return 0;
    }
  }

  /** One ATA command for an ATAPI device; returns the bytes moved through the PRDT. */
  private executeAtapi(t: TaskFile, prdt: Prd[], tbl: number): number {
    const u = this.unit;
    switch (t.command) {
      case 0xa1: { // IDENTIFY PACKET DEVICE (PIO in)
        atapiIdentify(u, u.ioBuffer);
        this.status = READY_STAT | SEEK_STAT | DRQ_STAT;
        this.error = 0;
        this.writePioSetup(SECTOR_SIZE);
        const n = this.toGuest(prdt, u.ioBuffer.subarray(0, SECTOR_SIZE));
        this.status = READY_STAT | SEEK_STAT;
        return n;
      }
      case 0xa0: { // PACKET
        const cdb = new Uint8Array(16);
        this.memory().readBytes(tbl + CMD_TBL_ACMD, cdb);
        const r = atapiCommand(u, this.sense, cdb);
        this.status = r.status;
        this.error = r.error;
        t.nsector = (t.nsector & ~7) | ATAPI_INT_REASON_IO_CD;
        return r.data ? this.toGuest(prdt, r.data) : 0;
      }
      case 0xec: // IDENTIFY DEVICE: refused, with the packet signature in the registers
        Object.assign(t, { sector: 1, nsector: 1, lcyl: 0x14, hcyl: 0xeb });
        break;
      case 0xef: // SET FEATURES
      case 0x08: // DEVICE RESET
        this.status = READY_STAT | SEEK_STAT;
        this.error = 0;
        return 0;
    }
    this.status = READY_STAT | ERR_STAT;
    this.error = ABRT_ERR;
    return 0;
  }

  /** READ/WRITE (DMA or PIO, 28- or 48-bit LBA) between the backend and the PRDT. */
  private readWrite(t: TaskFile, prdt: Prd[], ext: boolean, write: boolean, pio: boolean): number {
    const u = this.unit;
    const blk = u.blk!;
    let lba: number;
    let count: number;
    if (ext) {
      lba = t.hobHcyl * 2 ** 40 + t.hobLcyl * 2 ** 32 + t.hobSector * 2 ** 24 + ((t.hcyl << 16) | (t.lcyl << 8) | t.sector);
      count = t.nsector === 0 ? 65536 : t.nsector;
    } else {
      lba = (((t.select & 0x0f) << 24) | (t.hcyl << 16) | (t.lcyl << 8) | t.sector) >>> 0;
      count = (t.nsector & 0xff) === 0 ? 256 : t.nsector & 0xff;
    }
    if (!blk.inserted || lba + count > u.nbSectors) {
      this.status = READY_STAT | ERR_STAT;
      this.error = IDNF_ERR | ABRT_ERR;
      return 0;
    }
    const buf = new Uint8Array(count * SECTOR_SIZE);
    this.status = READY_STAT | SEEK_STAT;
    this.error = 0;
    if (pio) {
      this.status |= DRQ_STAT;
      this.writePioSetup(Math.min(buf.length, 0xffff));
      this.status &= ~DRQ_STAT;
    }
    let moved: number;
    if (write) {
      moved = this.fromGuest(prdt, buf);
      blk.write(lba * SECTOR_SIZE, buf);
    } else {
      blk.read(lba * SECTOR_SIZE, buf);
      moved = this.toGuest(prdt, buf);
    }
    // The task file ends at the last sector transferred (as the IDE core leaves it).
    const last = lba + count - 1;
    t.sector = last & 0xff;
    t.lcyl = (last >>> 8) & 0xff;
    t.hcyl = (last >>> 16) & 0xff;
    if (ext) {
      t.hobSector = Math.floor(last / 2 ** 24) & 0xff;
      t.hobLcyl = Math.floor(last / 2 ** 32) & 0xff;
      t.hobHcyl = Math.floor(last / 2 ** 40) & 0xff;
    } else {
      t.select = (t.select & 0xf0) | ((last >>> 24) & 0x0f);
    }
    t.nsector = 0;
    return moved;
  }

  /** Device → memory through the PRDT; returns the bytes placed. */
  private toGuest(prdt: Prd[], data: Uint8Array): number {
    const mem = this.memory();
    let pos = 0;
    for (const p of prdt) {
      if (pos >= data.length) break;
      const n = Math.min(p.size, data.length - pos);
      mem.writeBytes(p.addr, data.subarray(pos, pos + n));
      pos += n;
    }
    return pos;
  }

  /** Memory → device through the PRDT; returns the bytes taken. */
  private fromGuest(prdt: Prd[], data: Uint8Array): number {
    const mem = this.memory();
    let pos = 0;
    for (const p of prdt) {
      if (pos >= data.length) break;
      const n = Math.min(p.size, data.length - pos);
      mem.readBytes(p.addr, data.subarray(pos, pos + n));
      pos += n;
    }
    return pos;
  }

  /** This port's bit in the HBA's interrupt status (QEMU: PxIS & PxIE). */
  get interrupting(): boolean {
    return (this.irqStat & this.irqMask) !== 0;
  }
}

interface Prd {
  addr: number;
  size: number;
}

/** The physical region descriptor table: base address and byte count (bits 0-21, minus one). */
function readPrdt(mem: AddressSpace, at: number, n: number): Prd[] {
  const out: Prd[] = [];
  for (let i = 0; i < n; i++) {
    const e = at + i * PRDT_ENTRY_SIZE;
    const addr = mem.read(e + 4, 4) * 2 ** 32 + (mem.read(e, 4) >>> 0);
    const size = (mem.read(e + 12, 4) & 0x3fffff) + 1;
    out.push({ addr, size });
  }
  return out;
}
