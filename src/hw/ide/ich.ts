/**
 * The ICH9 AHCI controller (QEMU 7.2's hw/ide/ich.c over hw/ide/ahci.c): `ich9-ahci` at 1f.2 on
 * the Q35 board, six SATA ports each with its own one-unit IDE bus (`ide.0` … `ide.5`), the
 * AHCI register page (`ahci`, BAR 5), the index/data pair (`ahci-idp`, I/O BAR 4), the SATA
 * and MSI capabilities.
 *
 * The generic host registers are QEMU's (capabilities, version and implemented ports; GHC and
 * the interrupt status follow ahci_mem_write/ahci_check_irq); each port's registers and command
 * engine are in ahci-port.ts.
 */
import { addressSpaceMemory, memoryRegionInitIo, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import type { IrqState } from "../core/irq.js";
import { allocateIrq } from "../core/irq.js";
import type { PCIBus } from "../pci/pci-bus.js";
import { pciSetLong, pciSetWord } from "../pci/pci-config.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciAddCapability,
  pciCreateSimpleMultifunction,
  pciRegisterBar,
  pciSetIrq,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CACHE_LINE_SIZE,
  PCI_CAP_ID_MSI,
  PCI_CAP_ID_SATA,
  PCI_CLASS_PROG,
  PCI_CLASS_STORAGE_SATA,
  PCI_DEVICE_ID_INTEL_82801IR,
  PCI_INTERRUPT_PIN,
  PCI_LATENCY_TIMER,
  PCI_VENDOR_ID_INTEL,
} from "../pci/pci-regs.js";
import { AhciPort } from "./ahci-port.js";
import { ideBusInit, type IDEBus } from "./ide-bus.js";
import { IdeChannel } from "./ide-core.js";
import { ideBusCreateDrive, type IDEDevice, type LegacyIdeDrive } from "./ide-dev.js";

export const TYPE_ICH9_AHCI = "ich9-ahci";
export const AHCI_NUM_PORTS = 6;
const AHCI_MEM_BAR_SIZE = 0x1000;
const AHCI_IDP_SIZE = 32;
const ICH9_MSI_CAP_OFFSET = 0x80;
const ICH9_SATA_CAP_OFFSET = 0xa8;
const ICH9_IDP_BAR = 4;
const ICH9_MEM_BAR = 5;
const ICH9_IDP_INDEX = 0x10;
const ICH9_IDP_INDEX_LOG2 = 0x04;
const SATA_CAP_SIZE = 0x8;
const SATA_CAP_REV = 0x2;
const SATA_CAP_BAR = 0x4;
const AHCI_PROGMODE_MAJOR_REV_1 = 1;
/** MSI capability body: 64-bit capable, one vector (QEMU's msi_init(dev, 0x80, 1, true, false)). */
const MSI_CAP_SIZE_64 = 0x0e;
const PCI_MSI_FLAGS_64BIT = 0x80;

/** Generic host control registers (AHCI 1.3, section 3.1). */
const HOST_CAP = 0x00;
const HOST_CTL = 0x04;
const HOST_IRQ_STAT = 0x08;
const HOST_PORTS_IMPL = 0x0c;
const HOST_VERSION = 0x10;
const HOST_CTL_RESET = 1 << 0;
const HOST_CTL_IRQ_EN = 1 << 1;
/** The port register blocks: 0x80 bytes each from 0x100. */
const AHCI_PORT_REGS_START = 0x100;
const AHCI_PORT_REGS_SIZE = 0x80;
const HOST_CTL_AHCI_EN = 1 << 31;
const AHCI_NUM_COMMAND_SLOTS = 31;
const AHCI_SUPPORTED_SPEED_GEN1 = 1;
const AHCI_SUPPORTED_SPEED = 20;
const HOST_CAP_AHCI = 1 << 18;
const HOST_CAP_NCQ = 1 << 30;
const HOST_CAP_64 = 2 ** 31;
const AHCI_VERSION_1_0 = 0x10000;

export class AHCIPCIState extends PCIDevice {
  readonly ports: IDEBus[] = [];
  /** One interrupt line per port, which the HBA ORs into its PCI interrupt. */
  portIrqs: IrqState[] = [];
  mem: MemoryRegion | undefined;
  idp: MemoryRegion | undefined;
  /** The HBA register page, as 32-bit words. */
  readonly regs = new Uint32Array(AHCI_MEM_BAR_SIZE / 4);
  /** The index register of the index/data pair. */
  idpIndex = 0;
  idpOffset = ICH9_IDP_INDEX;

  /** The ports' register files and command engines (QEMU's AHCIDevice). */
  readonly portStates: AhciPort[] = [];

  /** QEMU's ahci_reset: the generic registers, then every port. */
  hbaReset(): void {
    this.regInit();
    for (const p of this.portStates) p.hbaReset();
    this.checkIrq();
  }

  /** QEMU's ahci_check_irq: one status bit per port with an enabled cause; INTx while GHC.IE. */
  checkIrq(): void {
    let stat = 0;
    this.portStates.forEach((p, i) => {
      if (p.interrupting) stat |= 1 << i;
    });
    this.regs[HOST_IRQ_STAT / 4] = stat >>> 0;
    pciSetIrq(this, stat !== 0 && (this.regs[HOST_CTL / 4]! & HOST_CTL_IRQ_EN) !== 0 ? 1 : 0);
  }

  /** QEMU's ahci_reg_init: what the HBA reports about itself. */
  regInit(): void {
    this.regs.fill(0);
    const cap =
      (AHCI_NUM_PORTS - 1) |
      (AHCI_NUM_COMMAND_SLOTS << 8) |
      (AHCI_SUPPORTED_SPEED_GEN1 << AHCI_SUPPORTED_SPEED) |
      HOST_CAP_NCQ |
      HOST_CAP_AHCI;
    this.regs[HOST_CAP / 4] = (cap + HOST_CAP_64) >>> 0;
    this.regs[HOST_PORTS_IMPL / 4] = (1 << AHCI_NUM_PORTS) - 1;
    this.regs[HOST_VERSION / 4] = AHCI_VERSION_1_0;
    this.regs[HOST_CTL / 4] = HOST_CTL_AHCI_EN >>> 0;
  }

  /** The port whose register block holds `offset`, if any. */
  private portAt(offset: number): AhciPort | undefined {
    if (offset < AHCI_PORT_REGS_START) return undefined;
    return this.portStates[Math.floor((offset - AHCI_PORT_REGS_START) / AHCI_PORT_REGS_SIZE)];
  }

  readReg(offset: number): number {
    offset &= AHCI_MEM_BAR_SIZE - 4;
    const port = this.portAt(offset);
    if (port) return port.read((offset - AHCI_PORT_REGS_START) % AHCI_PORT_REGS_SIZE);
    return this.regs[offset >> 2]!;
  }

  writeReg(offset: number, value: number): void {
    offset &= AHCI_MEM_BAR_SIZE - 4;
    const port = this.portAt(offset);
    if (port) {
      port.write((offset - AHCI_PORT_REGS_START) % AHCI_PORT_REGS_SIZE, value);
      return;
    }
    const i = offset >> 2;
    switch (offset) {
      case HOST_CAP:
      case HOST_PORTS_IMPL:
      case HOST_VERSION:
        return; // read-only
      case HOST_CTL:
        if (value & HOST_CTL_RESET) {
          this.hbaReset();
          return;
        }
        // Only IE (and HR) are writable; AHCI-only HBAs keep AE set.
        this.regs[i] = ((value & 0x3) | HOST_CTL_AHCI_EN) >>> 0;
        this.checkIrq();
        return;
      case HOST_IRQ_STAT:
        // Write-one-to-clear, but a port whose cause is still enabled sets its bit again.
        this.checkIrq();
        return;
      default:
        this.regs[i] = value >>> 0;
    }
  }
}

const memOps: MemoryRegionOps<AHCIPCIState> = {
  read: (s, addr) => s.readReg(addr),
  write: (s, addr, value) => s.writeReg(addr, value),
  endianness: "little",
  valid: { minAccessSize: 4, maxAccessSize: 4 },
};

/** The index/data pair: offset idpOffset holds the index, idpOffset + 4 the register it selects. */
const idpOps: MemoryRegionOps<AHCIPCIState> = {
  read: (s, addr) => {
    if (addr === s.idpOffset) return s.idpIndex;
    if (addr === s.idpOffset + 4) return s.readReg(s.idpIndex);
    return 0;
  },
  write: (s, addr, value) => {
    if (addr === s.idpOffset) s.idpIndex = value & (AHCI_MEM_BAR_SIZE - 4);
    else if (addr === s.idpOffset + 4) s.writeReg(s.idpIndex, value);
  },
  endianness: "little",
  valid: { minAccessSize: 4, maxAccessSize: 4 },
};

function ich9AhciInstanceInit(s: AHCIPCIState): void {
  // QEMU's ahci_init creates `ahci` then `ahci-idp`; qomd creates them the other way round
  // so that device-list-properties lists them in QEMU's order.
  s.idp = memoryRegionInitIo(s, idpOps, s, "ahci-idp", AHCI_IDP_SIZE);
  s.mem = memoryRegionInitIo(s, memOps, s, "ahci", AHCI_MEM_BAR_SIZE);
}

function ich9AhciRealize(dev: PCIDevice): void {
  const s = dev as AHCIPCIState;
  // QEMU's ahci_realize: one IDE bus per port, one unit each.
  s.regInit();
  s.portIrqs = [];
  for (let i = 0; i < AHCI_NUM_PORTS; i++) {
    const bus = ideBusInit(s.registry, s, i, 1);
    s.ports.push(bus);
    s.portIrqs.push(allocateIrq(s.registry, undefined, i));
    // The HBA masters the machine's memory (the address space whose RAM writes the CPUs watch).
    const unit = new IdeChannel(bus).ifs[0];
    s.portStates.push(new AhciPort(i, unit, () => addressSpaceMemory(s.registry), () => s.checkIrq()));
  }
  const c = s.config;
  c[PCI_CLASS_PROG] = AHCI_PROGMODE_MAJOR_REV_1;
  c[PCI_CACHE_LINE_SIZE] = 0x08;
  c[PCI_LATENCY_TIMER] = 0x00;
  c[PCI_INTERRUPT_PIN] = 1;
  // Address map register: AHCI mode.
  c[0x90] = 1 << 6;
  pciRegisterBar(s, ICH9_IDP_BAR, PCI_BASE_ADDRESS_SPACE_IO, s.idp!);
  pciRegisterBar(s, ICH9_MEM_BAR, PCI_BASE_ADDRESS_SPACE_MEMORY, s.mem!);
  const sata = pciAddCapability(s, PCI_CAP_ID_SATA, ICH9_SATA_CAP_OFFSET, SATA_CAP_SIZE);
  pciSetWord(c, sata + SATA_CAP_REV, 0x10);
  pciSetLong(c, sata + SATA_CAP_BAR, (ICH9_IDP_BAR + 0x4) | (ICH9_IDP_INDEX_LOG2 << 4));
  s.idpOffset = ICH9_IDP_INDEX;
  // ICH9 puts MSI first (pointing at the SATA capability), unlike AHCI 1.3's PM-first advice.
  const msi = pciAddCapability(s, PCI_CAP_ID_MSI, ICH9_MSI_CAP_OFFSET, MSI_CAP_SIZE_64);
  pciSetWord(c, msi + 2, PCI_MSI_FLAGS_64BIT);
  // Message control's enable bit and the address/data words are the guest's to program.
  s.wmask[msi + 2] = 0x01;
  s.wmask.fill(0xff, msi + 4, msi + MSI_CAP_SIZE_64);
}

function ich9AhciExit(dev: PCIDevice): void {
  const s = dev as AHCIPCIState;
  s.portStates.length = 0;
  for (const bus of s.ports.splice(0)) bus.unparent();
  for (const irq of s.portIrqs.splice(0)) irq.unref();
}

function ich9AhciClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.pciRealize = ich9AhciRealize;
  pc.exit = ich9AhciExit;
  pc.pciReset = (d) => (d as AHCIPCIState).hbaReset();
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  pc.deviceId = PCI_DEVICE_ID_INTEL_82801IR;
  pc.revision = 0x02;
  pc.classId = PCI_CLASS_STORAGE_SATA;
  pc.categories.add("storage");
}

/** QEMU's ahci_ide_create_devs: drive `i` (if any) becomes unit 0 of port `i`'s bus. */
export function ahciIdeCreateDevs(ahci: AHCIPCIState, drives: ReadonlyArray<LegacyIdeDrive | undefined>): IDEDevice[] {
  const out: IDEDevice[] = [];
  ahci.ports.forEach((bus, i) => {
    const drive = drives[i];
    if (drive) out.push(ideBusCreateDrive(bus, 0, drive));
  });
  return out;
}

/** The board's controller (pc_q35_init): multifunction, at `devfn`. */
export function ich9AhciCreate(bus: PCIBus, devfn: number): AHCIPCIState {
  return pciCreateSimpleMultifunction<AHCIPCIState>(bus, devfn, true, TYPE_ICH9_AHCI);
}

export const ich9AhciTypeInfo: TypeInfo<AHCIPCIState> = {
  name: TYPE_ICH9_AHCI,
  parent: TYPE_PCI_DEVICE,
  instance: AHCIPCIState,
  instanceInit: ich9AhciInstanceInit,
  classInit: ich9AhciClassInit,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
