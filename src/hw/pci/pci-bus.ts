/**
 * PCI buses (QEMU's TYPE_PCI_BUS `PCI` and TYPE_PCIE_BUS `PCIE`): 256 device/function slots, the
 * memory and I/O spaces BARs are mapped into, and the interrupt routing the host bridge sets.
 */
import type { MemoryRegion } from "../../exec/memory.js";
import { BusState, qbusCreate, TYPE_BUS, type BusClass } from "../core/bus.js";
import type { DeviceState } from "../core/qdev.js";
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import { PCI_DEVFN_MAX, PCI_NUM_PINS } from "./pci-regs.js";
import type { PCIDevice } from "./pci.js";
import { formatPciDevfn } from "./pci-devfn.js";

export const TYPE_PCI_BUS = "PCI";
export const TYPE_PCIE_BUS = "PCIE";

/** Maps a device's INTx pin to one of the bus's interrupt lines (QEMU's pci_map_irq_fn). */
export type PciMapIrqFn = (dev: PCIDevice, pin: number) => number;
/** Drives interrupt line `irqNum` of the bus (QEMU's pci_set_irq_fn). */
export type PciSetIrqFn = (opaque: unknown, irqNum: number, level: number) => void;

export class PCIBus extends BusState {
  /** Devices by devfn. */
  readonly slots: Array<PCIDevice | undefined> = new Array(PCI_DEVFN_MAX).fill(undefined);
  /** The lowest devfn automatic allocation uses. */
  devfnMin = 0;
  /** Slots nobody may use (bit N = slot N). */
  slotReservedMask = 0;
  addressSpaceMem: MemoryRegion | undefined;
  addressSpaceIo: MemoryRegion | undefined;
  mapIrq: PciMapIrqFn | undefined;
  setIrq: PciSetIrqFn | undefined;
  irqOpaque: unknown;
  /** How many devices assert each interrupt line. */
  irqCount: number[] = [];

  /** QEMU's pci_bus_devfn_available. */
  devfnAvailable(devfn: number): boolean {
    return this.slots[devfn] === undefined;
  }

  /** QEMU's pci_bus_devfn_reserved. */
  devfnReserved(devfn: number): boolean {
    return (this.slotReservedMask & (1 << (devfn >> 3))) !== 0;
  }

  /** Devices in devfn order. */
  devicesByDevfn(): PCIDevice[] {
    return this.slots.filter((d): d is PCIDevice => d !== undefined);
  }
}

export function isPcieBus(bus: BusState): boolean {
  return bus.isA(TYPE_PCIE_BUS);
}

/** `info qtree` lines for a PCI device (QEMU's pcibus_dev_print, the part qomd can know). */
function pcibusDevPrint(_bus: BusState, dev: DeviceState, indent: number): string[] {
  const pad = " ".repeat(indent);
  const d = dev as PCIDevice;
  const lines = [
    `${pad}class ${d.className()}, addr 00:${formatPciDevfn(d.devfn)}, pci id ${hex4(d.vendorIdValue())}:${hex4(d.deviceIdValue())} (sub ${hex4(d.subsystemVendorIdValue())}:${hex4(d.subsystemIdValue())})`,
  ];
  for (let i = 0; i < d.ioRegions.length; i++) {
    const r = d.ioRegions[i];
    if (!r || r.size === 0) continue;
    const kind = r.isIo ? "i/o" : "mem";
    lines.push(`${pad}bar ${i}: ${kind} at 0x${r.addrText()} [0x${r.endText()}]`);
  }
  return lines;
}

function hex4(v: number): string {
  return v.toString(16).padStart(4, "0");
}

function pciBusClassInit(k: ObjectClass): void {
  const bc = k as BusClass;
  bc.printDev = pcibusDevPrint;
}

export const pciBusTypeInfo: TypeInfo<PCIBus> = {
  name: TYPE_PCI_BUS,
  parent: TYPE_BUS,
  instance: PCIBus,
  classInit: pciBusClassInit,
};

export const pcieBusTypeInfo: TypeInfo<PCIBus> = {
  name: TYPE_PCIE_BUS,
  parent: TYPE_PCI_BUS,
};

/**
 * QEMU's pci_root_bus_new: the root bus of a host bridge. `name` undefined gives the automatic
 * name (`pci.0`); q35 names its bus `pcie.0`.
 */
export function pciRootBusNew(
  registry: TypeRegistry,
  parent: DeviceState,
  name: string | undefined,
  addressSpaceMem: MemoryRegion | undefined,
  addressSpaceIo: MemoryRegion | undefined,
  devfnMin: number,
  type: string = TYPE_PCI_BUS,
): PCIBus {
  const bus = qbusCreate<PCIBus>(registry, type, parent, name);
  bus.addressSpaceMem = addressSpaceMem;
  bus.addressSpaceIo = addressSpaceIo;
  bus.devfnMin = devfnMin;
  return bus;
}

/** QEMU's pci_bus_irqs: how the bus's `nirq` interrupt lines reach the interrupt controller. */
export function pciBusIrqs(bus: PCIBus, setIrq: PciSetIrqFn, opaque: unknown, nirq: number): void {
  bus.setIrq = setIrq;
  bus.irqOpaque = opaque;
  bus.irqCount = new Array(nirq).fill(0);
}

/** QEMU's pci_bus_map_irqs. */
export function pciBusMapIrqs(bus: PCIBus, mapIrq: PciMapIrqFn): void {
  bus.mapIrq = mapIrq;
}

export { PCI_NUM_PINS };
