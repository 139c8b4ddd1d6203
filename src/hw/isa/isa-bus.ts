/**
 * The ISA bus (QEMU 7.2's hw/isa/isa-bus.c): bus type `ISA` (one per machine, `isa.0`), the
 * abstract `isa-device`, the `isabus-bridge` that carries a bus on boards without a PCI-to-ISA
 * bridge, and the `isa-dma` interface the i8257 implements.
 *
 * The bus owns the 16 interrupt lines the board hands it (`isaBusIrqs`, usually the GSI lines)
 * and the two address spaces ISA devices decode. ISA devices take their IRQs from the bus by
 * number and map their I/O regions (memory regions, children of the device) in the bus's I/O
 * space.
 */
import { BusState, qbusCreate, TYPE_BUS } from "../core/bus.js";
import type { IrqState } from "../core/irq.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { sysbusGetDefault, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { QomError } from "../../qom/error.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import {
  getSystemIo,
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionInitIo,
  type AccessConstraints,
  type MemoryRegion,
  type MemoryRegionOps,
} from "../../exec/memory.js";
import { TYPE_INTERFACE, type TypeInfo, type TypeRegistry } from "../../qom/type.js";

export const TYPE_ISA_BUS = "ISA";
export const TYPE_ISA_DEVICE = "isa-device";
export const TYPE_ISABUS_BRIDGE = "isabus-bridge";
export const TYPE_ISADMA = "isa-dma";
export const ISA_NUM_IRQS = 16;

// ---- I/O ports ----------------------------------------------------------------------------------

/** Callbacks of one I/O region; `addr` is relative to the region's start. */
export interface IoOps {
  read?(addr: number, size: number): number;
  write?(addr: number, value: number, size: number): void;
  /** Access sizes the device accepts and implements (QEMU's .valid / .impl). */
  valid?: AccessConstraints;
  impl?: AccessConstraints;
}

/** An I/O region is a memory region (a `name[N]` child of its owner). */
export type IoRegion = MemoryRegion;

/** QEMU's MemoryRegionPortio: `len` ports at `offset` of a portio list, `size`-byte accesses. */
export interface Portio {
  readonly offset: number;
  readonly len: number;
  readonly size: number;
  readonly read?: (port: number) => number;
  readonly write?: (port: number, value: number) => void;
}

/** QEMU's memory_region_init_io with a device's callbacks. */
export function ioRegionNew(owner: QomObject, name: string, size: number, ops: IoOps): MemoryRegion {
  const mrOps: MemoryRegionOps = {
    read: (_o, addr, sz) => (ops.read ? ops.read(addr, sz) : 0),
    write: (_o, addr, value, sz) => ops.write?.(addr, value, sz),
    endianness: "little",
  };
  if (ops.valid) mrOps.valid = ops.valid;
  if (ops.impl) mrOps.impl = ops.impl;
  return memoryRegionInitIo(owner, mrOps, undefined, name, size);
}

// ---- the ISA DMA interface ------------------------------------------------------------------------

export type IsaDmaTransferHandler = (opaque: unknown, nchan: number, pos: number, size: number) => number;

/** What a DMA controller offers ISA devices (QEMU's IsaDmaClass). */
export interface IsaDma {
  registerChannel(nchan: number, handler: IsaDmaTransferHandler, opaque: unknown): void;
  holdDreq(nchan: number): void;
  releaseDreq(nchan: number): void;
  readMemory(nchan: number, buf: Uint8Array, pos: number, len: number): number;
  writeMemory(nchan: number, buf: Uint8Array, pos: number, len: number): number;
  schedule(): void;
}

// ---- bus and device -------------------------------------------------------------------------------

export class IsaBus extends BusState {
  /** The memory and I/O address spaces the bus decodes (QEMU's address_space(_io)). */
  addressSpace: MemoryRegion | undefined;
  addressSpaceIo: MemoryRegion | undefined;
  /** The 16 input lines of the interrupt controller(s), set by the board. */
  irqs: IrqState[] | undefined;
  /** 8-bit and 16-bit DMA controllers (QEMU's isa_bus_dma). */
  readonly dma: [IsaDma | undefined, IsaDma | undefined] = [undefined, undefined];
}

export class IsaDevice extends DeviceState {
  /** The lowest I/O port the device registered (its firmware device path suffix). */
  ioportId = 0;

  get isaBus(): IsaBus {
    const bus = this.parentBus;
    if (!(bus instanceof IsaBus)) throw new QomError(`'${this.typeName}' is not on an ISA bus`);
    return bus;
  }
}

const isaBuses = new WeakMap<TypeRegistry, IsaBus>();

/**
 * QEMU's isa_bus_new: the machine's one ISA bus, on `dev` (the PCI-to-ISA bridge) or, when none
 * is given, on a new `isabus-bridge` system bus device.
 */
export function isaBusNew(
  registry: TypeRegistry,
  dev: DeviceState | undefined,
  addressSpace: MemoryRegion | undefined,
  addressSpaceIo: MemoryRegion | undefined,
): IsaBus {
  if (isaBuses.has(registry)) throw new QomError("Can't create a second ISA bus");
  let parent = dev;
  if (!parent) {
    parent = objectNew<DeviceState>(registry, TYPE_ISABUS_BRIDGE);
    qdevRealizeAndUnref(parent, sysbusGetDefault(registry));
  }
  const bus = qbusCreate<IsaBus>(registry, TYPE_ISA_BUS, parent);
  bus.addressSpace = addressSpace;
  bus.addressSpaceIo = addressSpaceIo;
  isaBuses.set(registry, bus);
  return bus;
}

/** The machine's ISA bus, if one was created. */
export function isaBusOf(registry: TypeRegistry): IsaBus | undefined {
  return isaBuses.get(registry);
}

/** QEMU's isa_bus_irqs: the board gives the bus its 16 interrupt lines. */
export function isaBusIrqs(bus: IsaBus, irqs: readonly IrqState[]): void {
  bus.irqs = irqs.slice(0, ISA_NUM_IRQS);
}

/**
 * QEMU's isa_get_irq: ISA interrupt line `isairq` of the device's bus (or the machine's bus when
 * no device is given). QEMU 7.2 aborts on a line above 15; qomd refuses with this error instead.
 */
export function isaGetIrq(dev: IsaDevice | undefined, isairq: number): IrqState | undefined {
  const registry = dev?.registry;
  const bus = dev ? dev.isaBus : undefined;
  const target = bus ?? (registry ? isaBuses.get(registry) : undefined);
  if (!Number.isInteger(isairq) || isairq < 0 || isairq >= ISA_NUM_IRQS) {
    throw new QomError(`isa irq ${isairq} invalid`);
  }
  return target?.irqs?.[isairq];
}

export function isaGetIrqOnBus(bus: IsaBus, isairq: number): IrqState | undefined {
  if (!Number.isInteger(isairq) || isairq < 0 || isairq >= ISA_NUM_IRQS) {
    throw new QomError(`isa irq ${isairq} invalid`);
  }
  return bus.irqs?.[isairq];
}

/** QEMU's isa_connect_gpio_out: the device's output pin `gpioirq` drives ISA line `isairq`. */
export function isaConnectGpioOut(dev: IsaDevice, gpioirq: number, isairq: number): void {
  dev.connectGpioOut(gpioirq, isaGetIrq(dev, isairq));
}

/** QEMU's isa_bus_dma. */
export function isaBusDma(bus: IsaBus, dma8: IsaDma, dma16: IsaDma): void {
  bus.dma[0] = dma8;
  bus.dma[1] = dma16;
}

/** QEMU's isa_bus_get_dma: channels 0-3 are the 8-bit controller's, 4-7 the 16-bit one's. */
export function isaBusGetDma(bus: IsaBus, nchan: number): IsaDma | undefined {
  return bus.dma[nchan > 3 ? 1 : 0];
}

function noteIoport(dev: IsaDevice | undefined, port: number): void {
  if (dev && (dev.ioportId === 0 || port < dev.ioportId)) dev.ioportId = port;
}

/** The I/O space a device's ports go to: its bus's, or the machine's when the bus has none. */
export function isaAddressSpaceIo(dev: IsaDevice): MemoryRegion {
  return dev.isaBus.addressSpaceIo ?? getSystemIo(dev.registry);
}

/** QEMU's isa_address_space: the memory space of the device's bus. */
export function isaAddressSpace(dev: IsaDevice): MemoryRegion {
  return dev.isaBus.addressSpace ?? getSystemMemory(dev.registry);
}

/** QEMU's isa_register_ioport: maps `region` at `start` in the bus's I/O space. */
export function isaRegisterIoport(dev: IsaDevice, region: MemoryRegion, start: number): void {
  memoryRegionAddSubregion(isaAddressSpaceIo(dev), start, region);
  noteIoport(dev, start);
}

/**
 * QEMU's isa_register_portio_list (portio_list_add): one I/O region per run of contiguous
 * entries of `list`, each named `name` (so `name[0]`, `name[1]`, …), mapped at `start` + its
 * offset. Handlers get the absolute port number.
 */
export function isaRegisterPortioList(dev: IsaDevice, start: number, list: readonly Portio[], name: string): MemoryRegion[] {
  noteIoport(dev, start);
  const regions: MemoryRegion[] = [];
  // QEMU's portio_list_add: entries are grouped into one region until a hole appears; a group
  // spans from its lowest offset to the highest offset + len + size - 1 of its entries.
  let group: Portio[] = [];
  let low = 0;
  let high = 0;
  const flush = () => {
    if (group.length === 0) return;
    const entries = group;
    const base = low;
    const find = (addr: number, size: number, write: boolean) =>
      entries.find((e) => base + addr >= e.offset && base + addr < e.offset + e.len && e.size === size && (write ? e.write : e.read));
    const region = ioRegionNew(dev, name, high - low, {
      // QEMU's portio_read/portio_write: the entry for this width, else a 16-bit access made
      // of two byte accesses; nothing there reads as all ones.
      read: (addr, size) => {
        const port = start + base + addr;
        const e = find(addr, size, false);
        if (e?.read) return e.read(port);
        if (size === 2) {
          const b = find(addr, 1, false);
          if (b?.read) {
            const hi = base + addr + 1 < b.offset + b.len ? b.read(port + 1) : 0xff;
            return (b.read(port) & 0xff) | ((hi & 0xff) << 8);
          }
        }
        return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
      },
      write: (addr, value, size) => {
        const port = start + base + addr;
        const e = find(addr, size, true);
        if (e?.write) return e.write(port, value);
        if (size === 2) {
          const b = find(addr, 1, true);
          if (b?.write) {
            b.write(port, value & 0xff);
            if (base + addr + 1 < b.offset + b.len) b.write(port + 1, (value >> 8) & 0xff);
          }
        }
      },
      valid: { minAccessSize: 1, maxAccessSize: 4, unaligned: true },
      impl: { minAccessSize: 1, maxAccessSize: 4, unaligned: true },
    });
    memoryRegionAddSubregion(isaAddressSpaceIo(dev), start + base, region);
    regions.push(region);
  };
  for (const e of list) {
    if (group.length > 0 && e.offset > high) {
      flush();
      group = [];
    }
    if (group.length === 0) {
      low = e.offset;
      high = e.offset + e.len + e.size - 1;
    } else if (e.offset + e.len > high) {
      high = e.offset + e.len + e.size - 1;
    }
    group.push(e);
  }
  flush();
  return regions;
}

// ---- creation helpers -----------------------------------------------------------------------------

/** QEMU's isa_new: an ISA device not yet on a bus. */
export function isaNew<T extends IsaDevice = IsaDevice>(registry: TypeRegistry, type: string): T {
  return objectNew<T>(registry, type);
}

/** QEMU's isa_try_new: like isaNew, but undefined when the type does not exist. */
export function isaTryNew<T extends IsaDevice = IsaDevice>(registry: TypeRegistry, type: string): T | undefined {
  return registry.has(type) ? objectNew<T>(registry, type) : undefined;
}

/** QEMU's isa_realize_and_unref. */
export function isaRealizeAndUnref(dev: IsaDevice, bus: IsaBus): void {
  qdevRealizeAndUnref(dev, bus);
}

/** QEMU's isa_create_simple: create, plug and realize; a failure is the caller's to report. */
export function isaCreateSimple<T extends IsaDevice = IsaDevice>(bus: IsaBus, type: string): T {
  const dev = isaNew<T>(bus.registry, type);
  isaRealizeAndUnref(dev, bus);
  return dev;
}

/**
 * QEMU's qdev_prop_allow_set_link_before_realize, the check of qdev link properties. QEMU prints
 * a device without id as "(null)".
 */
export function allowSetLinkBeforeRealize(obj: QomObject, name: string): void {
  const dev = obj as DeviceState;
  if (dev.realized) {
    throw new QomError(
      `Attempt to set link property '${name}' on device '${dev.id ?? "(null)"}' (type '${dev.typeName}') after it was realized`,
    );
  }
}

// ---- types ----------------------------------------------------------------------------------------

export const isaBusTypeInfo: TypeInfo<IsaBus> = {
  name: TYPE_ISA_BUS,
  parent: TYPE_BUS,
  instance: IsaBus,
};

export const isaDeviceTypeInfo: TypeInfo<IsaDevice, DeviceClass> = {
  name: TYPE_ISA_DEVICE,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: IsaDevice,
  classInit: (k) => {
    k.busType = TYPE_ISA_BUS;
  },
};

export const isabusBridgeTypeInfo: TypeInfo<DeviceState, DeviceClass> = {
  name: TYPE_ISABUS_BRIDGE,
  parent: TYPE_SYS_BUS_DEVICE,
  classInit: (k) => {
    k.userCreatable = false;
  },
};

export const isaDmaTypeInfo: TypeInfo = {
  name: TYPE_ISADMA,
  parent: TYPE_INTERFACE,
};

/** The ISA types of this folder (QEMU's isabus_register_types). */
export function registerIsaTypes(types: TypeRegistry): void {
  types.register(isaBusTypeInfo);
  types.register(isabusBridgeTypeInfo);
  types.register(isaDeviceTypeInfo);
  types.register(isaDmaTypeInfo);
}

// ---- warnings -------------------------------------------------------------------------------------

/**
 * Where devices' warn_report() texts go (the machine's stderr). Per machine, like the other
 * qdev bookkeeping; unset, warnings are dropped.
 */
const warningSinks = new WeakMap<TypeRegistry, (text: string) => void>();

export function setDeviceWarningSink(registry: TypeRegistry, sink: ((text: string) => void) | undefined): void {
  if (sink) warningSinks.set(registry, sink);
  else warningSinks.delete(registry);
}

/** QEMU's warn_report from device code. */
export function deviceWarn(registry: TypeRegistry, text: string): void {
  warningSinks.get(registry)?.(text);
}
