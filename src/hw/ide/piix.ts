/**
 * The PIIX3/PIIX4 IDE functions (QEMU 7.2's hw/ide/piix.c): two legacy-mode channels at the
 * ISA addresses 0x1f0/0x3f6 (IRQ 14) and 0x170/0x376 (IRQ 15), and bus-master DMA in BAR 4.
 *
 * The ATA register files themselves (task file, DMA engine) are the next issue's; here the
 * controller, its buses, its I/O regions and its configuration space are built as QEMU builds
 * them, so the machine's QOM tree and `info qtree` match.
 */
import { getSystemIo, memoryRegionAddSubregion, memoryRegionInit, memoryRegionInitIo } from "../../exec/memory.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { isaBusOf, isaGetIrqOnBus } from "../isa/isa-bus.js";
import { INTERFACE_CONVENTIONAL_PCI_DEVICE, pciCreateSimple, pciRegisterBar, type PCIDevice, type PCIDeviceClass } from "../pci/pci.js";
import type { PCIBus } from "../pci/pci-bus.js";
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_CLASS_PROG,
  PCI_CLASS_STORAGE_IDE,
  PCI_DEVICE_ID_INTEL_82371AB,
  PCI_DEVICE_ID_INTEL_82371SB_1,
  PCI_VENDOR_ID_INTEL,
} from "../pci/pci-regs.js";
import { ideBusInit, ideBusInitOutputIrq } from "./ide-bus.js";
import { PCIIDEState, TYPE_PCI_IDE } from "./pci.js";
import { ideChannelsOf, IdeChannel, ideCommandBlockOps, ideControlBlockOps } from "./ide-core.js";

export const TYPE_PIIX3_IDE = "piix3-ide";
export const TYPE_PIIX4_IDE = "piix4-ide";

/** The legacy channels: command block, control block, ISA IRQ. */
const PORT_INFO = [
  { iobase: 0x1f0, iobase2: 0x3f6, isairq: 14 },
  { iobase: 0x170, iobase2: 0x376, isairq: 15 },
] as const;

/** QEMU's bmdma_setup_bar: BAR 4 is 16 ports, 8 per channel (command/status, then PRD address). */
function bmdmaSetupBar(d: PCIIDEState): void {
  d.bmdmaBar = memoryRegionInit(d, "piix-bmdma-container", 16);
  d.bmdma.forEach((bm, i) => {
    bm.extraIo = memoryRegionInitIo(d, undefined, bm, "piix-bmdma", 4);
    memoryRegionAddSubregion(d.bmdmaBar!, i * 8, bm.extraIo);
    bm.addrIoport = memoryRegionInitIo(d, undefined, bm, "bmdma", 4);
    memoryRegionAddSubregion(d.bmdmaBar!, i * 8 + 4, bm.addrIoport);
  });
}

/**
 * QEMU's ide_init_ioport with no ISA device: the channel's register blocks are ownerless
 * `ide` regions in the I/O space (`/machine/unattached/ide[N]`).
 */
function ideInitIoport(d: PCIIDEState, iobase: number, iobase2: number, ch: IdeChannel): void {
  const io = d.pciBus.addressSpaceIo ?? getSystemIo(d.registry);
  memoryRegionAddSubregion(io, iobase, memoryRegionInitIo(d.registry, ideCommandBlockOps, ch, "ide", 8));
  memoryRegionAddSubregion(io, iobase2, memoryRegionInitIo(d.registry, ideControlBlockOps, ch, "ide", 1));
}

function piixIdeRealize(dev: PCIDevice): void {
  const d = dev as PCIIDEState;
  // Legacy ATA compatibility mode on both channels, bus master capable.
  d.config[PCI_CLASS_PROG] = 0x80;
  bmdmaSetupBar(d);
  pciRegisterBar(d, 4, PCI_BASE_ADDRESS_SPACE_IO, d.bmdmaBar!);
  PORT_INFO.forEach((port, i) => {
    const bus = ideBusInit(d.registry, d, i, 2);
    d.bus.push(bus);
    const ch = new IdeChannel(bus);
    ideChannelsOf(d).push(ch);
    ideInitIoport(d, port.iobase, port.iobase2, ch);
    // QEMU's isa_get_irq(NULL, …): the machine's ISA bus lines, if the board made the bus.
    const isaBus = isaBusOf(d.registry);
    ideBusInitOutputIrq(bus, isaBus ? isaGetIrqOnBus(isaBus, port.isairq) : undefined);
  });
}

function piixIdeExit(dev: PCIDevice): void {
  const d = dev as PCIIDEState;
  d.bus.length = 0;
  ideChannelsOf(d).length = 0;
}

function piixIdeClassInit(k: ObjectClass, deviceId: number): void {
  const pc = k as PCIDeviceClass;
  pc.pciRealize = piixIdeRealize;
  pc.exit = piixIdeExit;
  // QEMU's piix_ide_reset: both channels' units go back to their reset state.
  pc.pciReset = (dev) => {
    for (const ch of ideChannelsOf(dev)) ch.reset();
  };
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  pc.deviceId = deviceId;
  pc.classId = PCI_CLASS_STORAGE_IDE;
  pc.categories.add("storage");
  pc.hotpluggable = false;
}

/** The board's IDE function: 01.1 on `pc`, next to the PIIX3. */
export function piix3IdeCreate(bus: PCIBus, devfn: number): PCIIDEState {
  return pciCreateSimple<PCIIDEState>(bus, devfn, TYPE_PIIX3_IDE);
}

export const piix3IdeTypeInfo: TypeInfo<PCIIDEState> = {
  name: TYPE_PIIX3_IDE,
  parent: TYPE_PCI_IDE,
  classInit: (k) => piixIdeClassInit(k, PCI_DEVICE_ID_INTEL_82371SB_1),
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};

export const piix4IdeTypeInfo: TypeInfo<PCIIDEState> = {
  name: TYPE_PIIX4_IDE,
  parent: TYPE_PCI_IDE,
  classInit: (k) => piixIdeClassInit(k, PCI_DEVICE_ID_INTEL_82371AB),
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
