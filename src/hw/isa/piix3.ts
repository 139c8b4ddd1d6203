/**
 * The PIIX3 PCI-to-ISA bridge (QEMU 7.2's hw/isa/piix3.c): function 0 of the south bridge
 * (01.0 on `pc`), owner of `isa.0`, the PCI interrupt router (PIRQA-D to ISA IRQs) and the
 * reset control register at port 0xcf9.
 */
import { memoryRegionAddSubregionOverlap, memoryRegionInitIo, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { setIrq, type IrqState } from "../core/irq.js";
import { PCIBus, pciBusIrqs, pciBusMapIrqs } from "../pci/pci-bus.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciCreateSimpleMultifunction,
  pciDefaultWriteConfig,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { PCI_CLASS_BRIDGE_ISA, PCI_DEVICE_ID_INTEL_82371SB_0, PCI_VENDOR_ID_INTEL, pciSlot } from "../pci/pci-regs.js";
import { IsaBus, isaBusNew } from "./isa-bus.js";
import { i8257DmaInit } from "../dma/i8257.js";

export const TYPE_PIIX3_PCI_DEVICE = "pci-piix3";
export const TYPE_PIIX3_DEVICE = "PIIX3";

export const PIIX_NUM_PIC_IRQS = 16;
export const PIIX_NUM_PIRQS = 4;
/** PIRQ route control registers (one per PIRQ line). */
export const PIIX_PIRQCA = 0x60;
export const PIIX_RCR_IOPORT = 0xcf9;

export class PIIX3State extends PCIDevice {
  /** The interrupt controller's 16 lines (the board's GSI), set before PCI interrupts fire. */
  pic: IrqState[] = [];
  /** Asserted PIRQ inputs, 4 bits per PIC IRQ (QEMU's pic_levels). */
  picLevels = 0n;
  /** The reset control register. */
  rcr = 0;
  rcrMem: MemoryRegion | undefined;
  isaBus: IsaBus | undefined;
  /** Asked for a system reset through port 0xcf9; the machine installs it. */
  onResetRequest: (() => void) | undefined;
  /** How many devices assert each PIRQ line. */
  readonly pirqCount = new Array<number>(PIIX_NUM_PIRQS).fill(0);

  /** QEMU's piix3_set_irq_pic: recomputes PIC line `picIrq` from the PIRQs routed to it. */
  private setIrqPic(picIrq: number): void {
    const mask = ((1n << BigInt(PIIX_NUM_PIRQS)) - 1n) << BigInt(picIrq * PIIX_NUM_PIRQS);
    setIrq(this.pic[picIrq], (this.picLevels & mask) !== 0n ? 1 : 0);
  }

  /** QEMU's piix3_set_irq_level. */
  setPirqLevel(pirq: number, level: number): void {
    const picIrq = this.config[PIIX_PIRQCA + pirq]!;
    if (picIrq >= PIIX_NUM_PIC_IRQS) return;
    const bit = 1n << BigInt(picIrq * PIIX_NUM_PIRQS + pirq);
    this.picLevels = level ? this.picLevels | bit : this.picLevels & ~bit;
    this.setIrqPic(picIrq);
  }

  /** QEMU's piix3_update_irq_levels, after the guest rewrites the routing registers. */
  updateIrqLevels(): void {
    this.picLevels = 0n;
    for (let pirq = 0; pirq < PIIX_NUM_PIRQS; pirq++) {
      const picIrq = this.config[PIIX_PIRQCA + pirq]!;
      if (picIrq < PIIX_NUM_PIC_IRQS && this.pirqCount[pirq]! > 0) {
        this.picLevels |= 1n << BigInt(picIrq * PIIX_NUM_PIRQS + pirq);
      }
    }
    for (let i = 0; i < PIIX_NUM_PIC_IRQS; i++) this.setIrqPic(i);
  }
}

const rcrOps: MemoryRegionOps<PIIX3State> = {
  read: (d) => d.rcr,
  write: (d, _addr, value) => {
    if (value & 4) {
      d.onResetRequest?.();
      return;
    }
    d.rcr = value & 2;
  },
  endianness: "little",
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/** The power-on contents of the PIIX3's registers (QEMU's piix3_reset). */
const PIIX3_RESET_VALUES: ReadonlyArray<readonly [number, number]> = [
  [0x04, 0x07], // master, memory and I/O
  [0x05, 0x00],
  [0x06, 0x00],
  [0x07, 0x02], // DEVSEL medium
  [0x4c, 0x4d],
  [0x4e, 0x03],
  [0x4f, 0x00],
  [0x60, 0x80],
  [0x61, 0x80],
  [0x62, 0x80],
  [0x63, 0x80],
  [0x69, 0x02],
  [0x70, 0x80],
  [0x76, 0x0c],
  [0x77, 0x0c],
  [0x78, 0x02],
  [0x79, 0x00],
  [0x80, 0x00],
  [0x82, 0x00],
  [0xa0, 0x08],
  [0xa2, 0x00],
  [0xa3, 0x00],
  [0xa4, 0x00],
  [0xa5, 0x00],
  [0xa6, 0x00],
  [0xa7, 0x00],
  [0xa8, 0x0f],
  [0xaa, 0x00],
  [0xab, 0x00],
  [0xac, 0x00],
  [0xae, 0x00],
];

function piix3Reset(dev: PCIDevice): void {
  const d = dev as PIIX3State;
  for (const [off, v] of PIIX3_RESET_VALUES) d.config[off] = v;
  d.picLevels = 0n;
  d.rcr = 0;
}

function piix3Realize(dev: PCIDevice): void {
  const d = dev as PIIX3State;
  const bus = d.pciBus;
  d.isaBus = isaBusNew(d.registry, d, bus.addressSpaceMem, bus.addressSpaceIo);
  d.rcrMem = memoryRegionInitIo(d, rcrOps, d, "piix3-reset-control", 1);
  if (bus.addressSpaceIo) memoryRegionAddSubregionOverlap(bus.addressSpaceIo, PIIX_RCR_IOPORT, d.rcrMem, 1);
  // The PIIX3's own two 8237 DMA controllers sit on its ISA bus.
  i8257DmaInit(d.isaBus, false);
  piix3Reset(d);
}

function piix3WriteConfig(dev: PCIDevice, addr: number, value: number, len: number): void {
  pciDefaultWriteConfig(dev, addr, value, len);
  if (addr < PIIX_PIRQCA + PIIX_NUM_PIRQS && addr + len > PIIX_PIRQCA) (dev as PIIX3State).updateIrqLevels();
}

function piix3ClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.desc = "ISA bridge";
  pc.pciRealize = piix3Realize;
  pc.pciReset = piix3Reset;
  pc.configWrite = piix3WriteConfig;
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  // 82371SB PIIX3 PCI-to-ISA bridge (Step A1)
  pc.deviceId = PCI_DEVICE_ID_INTEL_82371SB_0;
  pc.classId = PCI_CLASS_BRIDGE_ISA;
  pc.categories.add("bridge");
  // Part of the south bridge: not for -device, not unpluggable.
  pc.userCreatable = false;
  pc.hotpluggable = false;
}

/** QEMU's pci_slot_get_pirq: slot N's INTA lands on PIRQ (N - 1) mod 4, rotating by pin. */
export function pciSlotGetPirq(dev: PCIDevice, pin: number): number {
  return (pin + pciSlot(dev.devfn) - 1) & 3;
}

/**
 * The board's PIIX3 (QEMU 7.2's pc_init1 part): a multifunction PIIX3 at the first free slot
 * (01.0 after the i440FX), routing the bus's INTx through its PIRQ registers to `pic`.
 */
export function piix3Create(bus: PCIBus, pic: IrqState[], devfn = -1): PIIX3State {
  const d = pciCreateSimpleMultifunction<PIIX3State>(bus, devfn, true, TYPE_PIIX3_DEVICE);
  d.pic = pic;
  pciBusIrqs(bus, (opaque, pirq, level) => {
    const s = opaque as PIIX3State;
    s.pirqCount[pirq] = level ? 1 : 0;
    s.setPirqLevel(pirq, level);
  }, d, PIIX_NUM_PIRQS);
  pciBusMapIrqs(bus, pciSlotGetPirq);
  return d;
}

export const piix3PciDeviceTypeInfo: TypeInfo<PIIX3State> = {
  name: TYPE_PIIX3_PCI_DEVICE,
  parent: TYPE_PCI_DEVICE,
  abstract: true,
  instance: PIIX3State,
  classInit: piix3ClassInit,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};

export const piix3TypeInfo: TypeInfo<PIIX3State> = {
  name: TYPE_PIIX3_DEVICE,
  parent: TYPE_PIIX3_PCI_DEVICE,
};
