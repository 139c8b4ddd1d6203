/**
 * The main system bus and its devices (QEMU's hw/core/sysbus.c). Board devices that are not on
 * PCI or ISA (the i440FX host bridge, the IOAPIC, fw_cfg, …) sit on `main-system-bus`, an
 * object of type `System` found at `/machine/unattached/sysbus`.
 */
import { addChild } from "../../qom/child.js";
import { containerGet } from "../../qom/container.js";
import { objectGetRoot } from "../../qom/root.js";
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import { QomBug } from "../../qom/error.js";
import {
  getSystemIo,
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionDelSubregion,
  type MemoryRegion,
} from "../../exec/memory.js";
import { BusState, qbusCreate, TYPE_BUS, type BusClass } from "./bus.js";
import type { IrqState } from "./irq.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "./qdev.js";

export const TYPE_SYSTEM_BUS = "System";
export const TYPE_SYS_BUS_DEVICE = "sys-bus-device";
export const SYSBUS_DEVICE_GPIO_IRQ = "sysbus-irq";

/** One MMIO region of a sysbus device; `addr` is -1 until it is mapped (QEMU's hwaddr -1). */
export interface SysBusMmio {
  addr: number;
  readonly memory: MemoryRegion;
}

/** QEMU's QDEV_MAX_MMIO and QDEV_MAX_PIO. */
export const QDEV_MAX_MMIO = 32;
export const QDEV_MAX_PIO = 32;

export class SysBusDevice extends DeviceState {
  numIrq = 0;
  /** MMIO regions, in sysbus_init_mmio order. */
  readonly mmio: SysBusMmio[] = [];
  /** I/O ports the device declared with sysbus_init_ioports. */
  readonly pio: number[] = [];
}

function hex16(v: number): string {
  return BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, "0");
}

/** QEMU's sysbus_dev_print (`info qtree`): each MMIO region's address (all ones until mapped) and size. */
function sysbusDevPrint(_bus: BusState, dev: DeviceState, indent: number): string[] {
  const sbd = dev as SysBusDevice;
  return (sbd.mmio ?? []).map((m) => `${" ".repeat(indent)}mmio ${hex16(m.addr)}/${hex16(m.memory.size)}`);
}

export const systemBusTypeInfo: TypeInfo<BusState> = {
  name: TYPE_SYSTEM_BUS,
  parent: TYPE_BUS,
  classInit: (k: ObjectClass) => {
    (k as BusClass).printDev = sysbusDevPrint;
  },
};

export const sysBusDeviceTypeInfo: TypeInfo<SysBusDevice> = {
  name: TYPE_SYS_BUS_DEVICE,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: SysBusDevice,
  classInit: (k: ObjectClass) => {
    (k as DeviceClass).busType = TYPE_SYSTEM_BUS;
    // Board devices: -device may create a sysbus device only where a machine allows it.
    (k as DeviceClass).userCreatable = false;
  },
};

const defaultBuses = new WeakMap<TypeRegistry, BusState>();

/**
 * QEMU's sysbus_get_default: the main system bus, created on first use and attached at
 * `/machine/unattached/sysbus`.
 */
export function sysbusGetDefault(registry: TypeRegistry): BusState {
  let bus = defaultBuses.get(registry);
  if (!bus) {
    bus = qbusCreate(registry, TYPE_SYSTEM_BUS, undefined, "main-system-bus");
    bus.realized = true;
    const unattached = containerGet(objectGetRoot(registry), "/machine/unattached");
    addChild(unattached, "sysbus", bus);
    bus.unref();
    defaultBuses.set(registry, bus);
  }
  return bus;
}

/** QEMU's sysbus_init_irq: one more `sysbus-irq[N]` output pin. */
export function sysbusInitIrq(dev: SysBusDevice): number {
  dev.initGpioOut(1, SYSBUS_DEVICE_GPIO_IRQ);
  return dev.numIrq++;
}

export function sysbusConnectIrq(dev: SysBusDevice, n: number, irq: IrqState | undefined): void {
  dev.connectGpioOut(n, irq, SYSBUS_DEVICE_GPIO_IRQ);
}

export function sysbusGetIrq(dev: SysBusDevice, n: number): IrqState | undefined {
  return dev.gpioOut(n, SYSBUS_DEVICE_GPIO_IRQ);
}

// ---- memory (QEMU's sysbus_init_mmio and friends) ----------------------------------------------

/** QEMU's sysbus_init_mmio: declares MMIO region number N (the board maps it later). */
export function sysbusInitMmio(dev: SysBusDevice, memory: MemoryRegion): number {
  if (dev.mmio.length >= QDEV_MAX_MMIO) throw new QomBug(`sysbus device '${dev.typeName}' has too many MMIO regions`);
  dev.mmio.push({ addr: -1, memory });
  return dev.mmio.length - 1;
}

export function sysbusMmioGetRegion(dev: SysBusDevice, n: number): MemoryRegion {
  const mmio = dev.mmio[n];
  if (!mmio) throw new QomBug(`sysbus device '${dev.typeName}' has no MMIO region ${n}`);
  return mmio.memory;
}

export function sysbusMmioIsMapped(dev: SysBusDevice, n: number): boolean {
  return sysbusMmioGetRegion(dev, n).isMapped;
}

function sysbusMmioMapCommon(dev: SysBusDevice, n: number, addr: number, overlap: boolean, priority: number): void {
  sysbusMmioGetRegion(dev, n);
  const mmio = dev.mmio[n]!;
  if (mmio.addr === addr) return;
  const system = getSystemMemory(dev.registry);
  if (mmio.addr !== -1) memoryRegionDelSubregion(system, mmio.memory);
  mmio.addr = addr;
  if (overlap) memoryRegionAddSubregionOverlap(system, addr, mmio.memory, priority);
  else memoryRegionAddSubregion(system, addr, mmio.memory);
}

/** QEMU's sysbus_mmio_map: maps MMIO region N at `addr` in system memory (moving it if mapped). */
export function sysbusMmioMap(dev: SysBusDevice, n: number, addr: number): void {
  sysbusMmioMapCommon(dev, n, addr, false, 0);
}

/** QEMU's sysbus_mmio_map_overlap. */
export function sysbusMmioMapOverlap(dev: SysBusDevice, n: number, addr: number, priority: number): void {
  sysbusMmioMapCommon(dev, n, addr, true, priority);
}

/** QEMU's sysbus_mmio_unmap. */
export function sysbusMmioUnmap(dev: SysBusDevice, n: number): void {
  const mmio = dev.mmio[n];
  if (!mmio || mmio.addr === -1) return;
  memoryRegionDelSubregion(mmio.memory.container!, mmio.memory);
  mmio.addr = -1;
}

/** QEMU's sysbus_init_ioports: records `size` ports from `ioport` (shown by info qtree). */
export function sysbusInitIoports(dev: SysBusDevice, ioport: number, size: number): void {
  for (let i = 0; i < size; i++) {
    if (dev.pio.length >= QDEV_MAX_PIO) throw new QomBug(`sysbus device '${dev.typeName}' has too many I/O ports`);
    dev.pio.push(ioport + i);
  }
}

/** QEMU's sysbus_add_io: maps a region in the I/O address space. */
export function sysbusAddIo(dev: SysBusDevice, addr: number, mem: MemoryRegion): void {
  memoryRegionAddSubregion(getSystemIo(dev.registry), addr, mem);
}
