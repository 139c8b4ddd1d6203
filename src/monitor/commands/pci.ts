/**
 * pci.json: query-pci (QEMU's qmp_query_pci) from the machine's PCI host bridges, their root
 * buses and the configuration space of every function on them.
 */
import type { JsonObject } from "../../qobject/json-value.js";
import type { QomObject } from "../../qom/object.js";
import { objectGetRoot } from "../../qom/root.js";
import { PCIBus } from "../../hw/pci/pci-bus.js";
import { pciClassName } from "../../hw/pci/pci-class-names.js";
import { pciGetLong, pciGetWord } from "../../hw/pci/pci-config.js";
import { PCIHostState, TYPE_PCI_HOST_BRIDGE } from "../../hw/pci/pci-host.js";
import { asPciDevice, type PCIDevice } from "../../hw/pci/pci.js";
import {
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_CLASS_DEVICE,
  PCI_DEVICE_ID,
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_BRIDGE,
  PCI_HEADER_TYPE_MULTI_FUNCTION,
  PCI_HEADER_TYPE_NORMAL,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID,
  pciFunc,
  pciSlot,
} from "../../hw/pci/pci-regs.js";
import type { MachineCommandHandler } from "../machine-context.js";

// Type 1 (bridge) and type 2 (CardBus) header registers query-pci reads (PCI bridge spec 3.2).
const PCI_PRIMARY_BUS = 0x18;
const PCI_SECONDARY_BUS = 0x19;
const PCI_SUBORDINATE_BUS = 0x1a;
const PCI_IO_BASE = 0x1c;
const PCI_IO_LIMIT = 0x1d;
const PCI_MEMORY_BASE = 0x20;
const PCI_MEMORY_LIMIT = 0x22;
const PCI_PREF_MEMORY_BASE = 0x24;
const PCI_PREF_MEMORY_LIMIT = 0x26;
const PCI_PREF_BASE_UPPER32 = 0x28;
const PCI_PREF_LIMIT_UPPER32 = 0x2c;
const PCI_IO_BASE_UPPER16 = 0x30;
const PCI_IO_LIMIT_UPPER16 = 0x32;
const PCI_HEADER_TYPE_CARDBUS = 2;
const PCI_CB_SUBSYSTEM_VENDOR_ID = 0x40;
const PCI_CB_SUBSYSTEM_ID = 0x42;
/** The low bits of a window register that give its width (32-bit I/O, 64-bit prefetchable). */
const PCI_RANGE_TYPE_WIDE = 0x01;

/** QAPI 'int' of a 64-bit bus address: the two's complement reading, so unmapped BARs show -1. */
function int64(v: bigint): number | bigint {
  const s = BigInt.asIntN(64, v);
  return s >= BigInt(Number.MIN_SAFE_INTEGER) && s <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(s) : s;
}

function headerType(dev: PCIDevice): number {
  return dev.config[PCI_HEADER_TYPE]! & ~PCI_HEADER_TYPE_MULTI_FUNCTION;
}

function isBridge(dev: PCIDevice): boolean {
  return headerType(dev) === PCI_HEADER_TYPE_BRIDGE;
}

/** The PCI bus a bridge provides (its secondary bus), if it has one. */
function secondaryBus(bridge: PCIDevice): PCIBus | undefined {
  return bridge.childBuses.find((b): b is PCIBus => b instanceof PCIBus);
}

/** QEMU's pci_bus_num: a root bus is bus 0 (qomd has no expander bridges); a secondary bus has its bridge's number. */
function pciBusNum(bus: PCIBus): number {
  const bridge = asPciDevice(bus.parentDevice);
  return bridge ? bridge.config[PCI_SECONDARY_BUS]! : 0;
}

/**
 * QEMU's pci_find_bus_nr: the bus numbered `nr` in the hierarchy under `bus`, descending only
 * into bridges whose secondary..subordinate range holds `nr`.
 */
function findBusNr(bus: PCIBus, nr: number): PCIBus | undefined {
  if (pciBusNum(bus) === nr) return bus;
  for (const dev of bus.devicesByDevfn()) {
    if (!isBridge(dev)) continue;
    const child = secondaryBus(dev);
    if (!child) continue;
    if (pciBusNum(child) === nr) return child;
    const c = dev.config;
    if (c[PCI_SECONDARY_BUS]! <= nr && nr <= c[PCI_SUBORDINATE_BUS]!) return findBusNr(child, nr);
  }
  return undefined;
}

// ---- bridge windows (QEMU's pci_bridge_get_base / pci_bridge_get_limit) ----------------------------

function ioWindowBase(c: Uint8Array, reg: number, upper: number): bigint {
  let v = BigInt(c[reg]! & 0xf0) << 8n;
  if (c[reg]! & PCI_RANGE_TYPE_WIDE) v |= BigInt(pciGetWord(c, upper)) << 16n;
  return v;
}

function memoryWindowBase(c: Uint8Array, reg: number): bigint {
  return BigInt(pciGetWord(c, reg) & 0xfff0) << 16n;
}

function prefetchWindowBase(c: Uint8Array, reg: number, upper: number): bigint {
  const w = pciGetWord(c, reg);
  let v = BigInt(w & 0xfff0) << 16n;
  if (w & PCI_RANGE_TYPE_WIDE) v |= BigInt(pciGetLong(c, upper)) << 32n;
  return v;
}

function range(base: bigint, limit: bigint): JsonObject {
  return { base: int64(base), limit: int64(limit) };
}

/** PciBridgeInfo: bus numbers, the three forwarding windows, and the devices behind the bridge. */
function bridgeInfo(dev: PCIDevice, bus: PCIBus): JsonObject {
  const c = dev.config;
  const info: JsonObject = {
    bus: {
      number: c[PCI_PRIMARY_BUS]!,
      secondary: c[PCI_SECONDARY_BUS]!,
      subordinate: c[PCI_SUBORDINATE_BUS]!,
      io_range: range(ioWindowBase(c, PCI_IO_BASE, PCI_IO_BASE_UPPER16), ioWindowBase(c, PCI_IO_LIMIT, PCI_IO_LIMIT_UPPER16) | 0xfffn),
      memory_range: range(memoryWindowBase(c, PCI_MEMORY_BASE), memoryWindowBase(c, PCI_MEMORY_LIMIT) | 0xfffffn),
      prefetchable_range: range(
        prefetchWindowBase(c, PCI_PREF_MEMORY_BASE, PCI_PREF_BASE_UPPER32),
        prefetchWindowBase(c, PCI_PREF_MEMORY_LIMIT, PCI_PREF_LIMIT_UPPER32) | 0xfffffn,
      ),
    },
  };
  const secondary = c[PCI_SECONDARY_BUS]!;
  if (secondary !== 0) {
    const child = findBusNr(bus, secondary);
    if (child) info["devices"] = devicesInfo(child, secondary);
  }
  return info;
}

// ---- devices -------------------------------------------------------------------------------------------

/** PciMemoryRegion of every BAR with a size, the expansion ROM (bar 6) included. */
function regionsInfo(dev: PCIDevice): JsonObject[] {
  const out: JsonObject[] = [];
  dev.ioRegions.forEach((r, bar) => {
    if (!r || r.size === 0) return;
    const region: JsonObject = { bar, type: r.isIo ? "io" : "memory", address: int64(r.addr), size: r.size };
    if (!r.isIo) {
      region["prefetch"] = (r.type & PCI_BASE_ADDRESS_MEM_PREFETCH) !== 0;
      region["mem_type_64"] = r.is64;
    }
    out.push(region);
  });
  return out;
}

/** PciDeviceInfo, with the members in the schema's order. */
function deviceInfo(dev: PCIDevice, bus: PCIBus, busNum: number): JsonObject {
  const c = dev.config;
  const classId = pciGetWord(c, PCI_CLASS_DEVICE);
  const desc = pciClassName(classId);
  const classInfo: JsonObject = desc === undefined ? { class: classId } : { desc, class: classId };
  const id: JsonObject = { device: pciGetWord(c, PCI_DEVICE_ID), vendor: pciGetWord(c, PCI_VENDOR_ID) };
  const type = headerType(dev);
  if (type === PCI_HEADER_TYPE_NORMAL) {
    id["subsystem"] = pciGetWord(c, PCI_SUBSYSTEM_ID);
    id["subsystem-vendor"] = pciGetWord(c, PCI_SUBSYSTEM_VENDOR_ID);
  } else if (type === PCI_HEADER_TYPE_CARDBUS) {
    id["subsystem"] = pciGetWord(c, PCI_CB_SUBSYSTEM_ID);
    id["subsystem-vendor"] = pciGetWord(c, PCI_CB_SUBSYSTEM_VENDOR_ID);
  }
  const info: JsonObject = { bus: busNum, slot: pciSlot(dev.devfn), function: pciFunc(dev.devfn), class_info: classInfo, id };
  const pin = c[PCI_INTERRUPT_PIN]!;
  // The interrupt line register is the guest's (firmware writes the routed IRQ there).
  if (pin !== 0) info["irq"] = c[PCI_INTERRUPT_LINE]!;
  info["irq_pin"] = pin;
  info["qdev_id"] = dev.id ?? "";
  if (type === PCI_HEADER_TYPE_BRIDGE) info["pci_bridge"] = bridgeInfo(dev, bus);
  info["regions"] = regionsInfo(dev);
  return info;
}

function devicesInfo(bus: PCIBus, busNum: number): JsonObject[] {
  return bus.devicesByDevfn().map((dev) => deviceInfo(dev, bus, busNum));
}

/** The realized host bridges with a root bus, in composition-tree order. */
function hostBridges(root: QomObject): PCIHostState[] {
  const out: PCIHostState[] = [];
  const walk = (obj: QomObject): void => {
    const host = obj.dynamicCast<PCIHostState>(TYPE_PCI_HOST_BRIDGE);
    if (host instanceof PCIHostState && host.bus) out.push(host);
    for (const [, child] of obj.children()) walk(child);
  };
  walk(root);
  return out;
}

/**
 * PciInfo of each host bridge's root bus. QEMU lists the bridges newest first; qomd's machines
 * have one host bridge, and several would come in reverse composition-tree order.
 */
export const queryPciCmd: MachineCommandHandler = (_args, ctx) =>
  hostBridges(objectGetRoot(ctx.registry))
    .reverse()
    .flatMap((host) => {
      const root = host.bus!;
      const num = pciBusNum(root);
      const bus = findBusNr(root, num);
      return bus ? [{ bus: num, devices: devicesInfo(bus, num) }] : [];
    });
