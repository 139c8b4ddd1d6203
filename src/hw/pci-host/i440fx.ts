/**
 * The i440FX host bridge of the `pc` machine (QEMU 7.2's hw/pci-host/i440fx.c):
 * `i440FX-pcihost` on the system bus owns `pci.0` and the configuration ports 0xcf8/0xcfc;
 * `i440FX` at 00.0 is its PCI face, holding the PAM and SMRAM registers that route the
 * legacy 640 KiB-1 MiB area between RAM and PCI.
 */
import {
  getSystemIo,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionInitIo,
  memoryRegionSetEnabled,
  memoryRegionTransactionBegin,
  memoryRegionTransactionCommit,
  type MemoryRegion,
} from "../../exec/memory.js";
import { addChild } from "../../qom/child.js";
import { QomBug } from "../../qom/error.js";
import { addConstLink } from "../../qom/link.js";
import { addClassProperty, objectNew, type QomObject } from "../../qom/object.js";
import { intProperty } from "../../qom/property.js";
import { objectGetRoot } from "../../qom/root.js";
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import { defineProp, devicePropertyToObjectProperty, propKinds } from "../core/qdev-properties.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import type { DeviceClass } from "../core/qdev.js";
import { sysbusGetDefault } from "../core/sysbus.js";
import { PCIBus, pciRootBusNew } from "../pci/pci-bus.js";
import { PCIHostState, pciHostConfOps, pciHostDataOps, TYPE_PCI_HOST_BRIDGE } from "../pci/pci-host.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciCreateSimple,
  pciDefaultWriteConfig,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { plainBool } from "../pci/prop-kinds.js";
import { PCI_CLASS_BRIDGE_HOST, PCI_DEVICE_ID_INTEL_82441, PCI_VENDOR_ID_INTEL } from "../pci/pci-regs.js";
import { initPamRegions, type PamMemoryRegion } from "./pam.js";

export const TYPE_I440FX_PCI_HOST_BRIDGE = "i440FX-pcihost";
export const TYPE_I440FX_PCI_DEVICE = "i440FX";

/** Registers of the i440FX's configuration space. */
export const I440FX_COREBOOT_RAM_SIZE = 0x57;
export const I440FX_PAM = 0x59;
export const I440FX_PAM_SIZE = 7;
export const I440FX_SMRAM = 0x72;
const SMRAM_D_OPEN = 0x40;
const SMRAM_G_SMRAME = 0x08;

/** The I/O APIC's base: the 32-bit PCI hole ends there. */
export const IO_APIC_DEFAULT_ADDRESS = 0xfec00000;
export const DEFAULT_PCI_HOLE64_SIZE = 2 ** 31;
const GiB = 2 ** 30;

function roundUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}

export class I440FXState extends PCIHostState {
  pciHole64Size = DEFAULT_PCI_HOLE64_SIZE;
  shortRootBus = 0;
  pciHole64Fix = true;
  /** The 32-bit hole, [start, end) — below-4G RAM size up to the I/O APIC. */
  pciHoleStart = 0;
  pciHoleEnd = IO_APIC_DEFAULT_ADDRESS;
  /**
   * Where the 64-bit hole starts when no device claimed 64-bit space (QEMU's
   * pc_pci_hole64_start, which depends on the board's memory layout); set by the board.
   */
  pciHole64StartDefault = 0x100000000;
  confIdx: MemoryRegion | undefined;
  confData: MemoryRegion | undefined;

  hole64Start(): number {
    return this.pciHole64Fix ? this.pciHole64StartDefault : 0;
  }

  hole64End(): number {
    const start = this.hole64Start();
    const end = roundUp(start + this.pciHole64Size, GiB);
    return this.pciHole64Fix ? end : start;
  }
}

export class PCII440FXState extends PCIDevice {
  systemMemory: MemoryRegion | undefined;
  pciAddressSpace: MemoryRegion | undefined;
  ramMemory: MemoryRegion | undefined;
  pamRegions: PamMemoryRegion[] = [];
  smramRegion: MemoryRegion | undefined;
  smram: MemoryRegion | undefined;
  lowSmram: MemoryRegion | undefined;

  /** QEMU's i440fx_update_memory_mappings: PAM and SMRAM follow the registers. */
  updateMemoryMappings(): void {
    if (!this.smramRegion || !this.smram) return;
    memoryRegionTransactionBegin(this.registry);
    try {
      this.pamRegions.forEach((pam, i) => pam.update(i, this.config[I440FX_PAM + Math.ceil(i / 2)]!));
      memoryRegionSetEnabled(this.smramRegion, (this.config[I440FX_SMRAM]! & SMRAM_D_OPEN) === 0);
      memoryRegionSetEnabled(this.smram, (this.config[I440FX_SMRAM]! & SMRAM_G_SMRAME) !== 0);
    } finally {
      memoryRegionTransactionCommit(this.registry);
    }
  }
}

// ---- the host bridge --------------------------------------------------------------------------------------

function i440fxPcihostInit(obj: I440FXState): void {
  // QEMU creates pci-conf-idx first; qomd creates data first so that the instance properties
  // list in QEMU's order (see setPropsInDisplayOrder).
  obj.confData = memoryRegionInitIo(obj, pciHostDataOps, obj, "pci-conf-data", 4);
  obj.confIdx = memoryRegionInitIo(obj, pciHostConfOps, obj, "pci-conf-idx", 4);
}

function i440fxPcihostRealize(obj: I440FXState): void {
  const io = getSystemIo(obj.registry);
  memoryRegionAddSubregion(io, 0xcf8, obj.confIdx!);
  memoryRegionAddSubregion(io, 0xcfc, obj.confData!);
}

function hostProp(name: string, type: "uint32" | "uint64", get: (s: I440FXState) => number) {
  return intProperty(name, type, { get: (o) => get(o as I440FXState) });
}

function i440fxPcihostClassInit(k: ObjectClass): void {
  const dc = k as DeviceClass;
  dc.realize = (d) => i440fxPcihostRealize(d as I440FXState);
  dc.categories.add("bridge");
  dc.userCreatable = false;
  dc.hotpluggable = false;
  // Display order (device-list-properties): pci-hole-end, pci-hole64-size, pci-hole64-start,
  // short_root_bus, pci-hole64-end, x-pci-hole64-fix, pci-hole-start; added in reverse.
  const props = [
    hostProp("pci-hole-end", "uint32", (s) => s.pciHoleEnd),
    devicePropertyToObjectProperty(defineProp("pci-hole64-size", "pciHole64Size", propKinds.size, DEFAULT_PCI_HOLE64_SIZE)),
    hostProp("pci-hole64-start", "uint64", (s) => s.hole64Start()),
    devicePropertyToObjectProperty(defineProp("short_root_bus", "shortRootBus", propKinds.uint32, 0)),
    hostProp("pci-hole64-end", "uint64", (s) => s.hole64End()),
    devicePropertyToObjectProperty(defineProp("x-pci-hole64-fix", "pciHole64Fix", plainBool, true)),
    hostProp("pci-hole-start", "uint32", (s) => s.pciHoleStart),
  ];
  for (const p of props.reverse()) addClassProperty(k, p);
}

// ---- the PCI function ---------------------------------------------------------------------------------------

function i440fxWriteConfig(dev: PCIDevice, addr: number, value: number, len: number): void {
  pciDefaultWriteConfig(dev, addr, value, len);
  const touches = (start: number, size: number) => addr < start + size && addr + len > start;
  if (touches(I440FX_PAM, I440FX_PAM_SIZE) || touches(I440FX_SMRAM, 1)) {
    (dev as PCII440FXState).updateMemoryMappings();
  }
}

function i440fxClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.pciRealize = (d) => {
    d.config[I440FX_SMRAM] = 0x02;
  };
  pc.configWrite = i440fxWriteConfig;
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  pc.deviceId = PCI_DEVICE_ID_INTEL_82441;
  pc.revision = 0x02;
  pc.classId = PCI_CLASS_BRIDGE_HOST;
  pc.desc = "Host bridge";
  pc.categories.add("bridge");
  // Part of the board: -device cannot create it, device_del cannot remove it.
  pc.userCreatable = false;
  pc.hotpluggable = false;
}

// ---- board helper (QEMU's i440fx_init) --------------------------------------------------------------------------

export interface I440fxInitArgs {
  /** `i440FX-pcihost` unless a board subclasses it (Xen). */
  hostType?: string;
  pciType?: string;
  systemMemory: MemoryRegion;
  systemIo: MemoryRegion;
  ramSize: number;
  belowFourGMemSize: number;
  aboveFourGMemSize: number;
  /** The `pci` region PCI BARs map into (the board's `/machine/unattached/pci[0]`). */
  pciAddressSpace: MemoryRegion;
  ramMemory: MemoryRegion;
  /** Where the 64-bit PCI hole starts (the board's pc_pci_hole64_start). */
  pciHole64Start?: number;
}

export interface I440fxParts {
  readonly host: I440FXState;
  readonly bus: PCIBus;
  readonly dev: PCII440FXState;
}

function machineOf(registry: TypeRegistry): QomObject {
  const machine = objectGetRoot(registry).resolveComponent("machine");
  if (!machine) throw new QomBug("i440fxInit needs /machine");
  return machine;
}

/**
 * QEMU's i440fx_init: creates `/machine/i440fx` with its `pci.0`, realizes it, puts `i440FX` at
 * 00.0, maps the PCI space under RAM, and sets up SMRAM and the PAM windows. The board adds the
 * I/O APIC (`/machine/i440fx/ioapic`) itself.
 */
export function i440fxInit(registry: TypeRegistry, args: I440fxInitArgs): I440fxParts {
  const machine = machineOf(registry);
  const host = objectNew<I440FXState>(registry, args.hostType ?? TYPE_I440FX_PCI_HOST_BRIDGE);
  const bus = pciRootBusNew(registry, host, undefined, args.pciAddressSpace, args.systemIo, 0);
  host.bus = bus;
  addChild(machine, "i440fx", host);
  qdevRealizeAndUnref(host, sysbusGetDefault(registry));

  const dev = pciCreateSimple<PCII440FXState>(bus, 0, args.pciType ?? TYPE_I440FX_PCI_DEVICE);
  dev.systemMemory = args.systemMemory;
  dev.pciAddressSpace = args.pciAddressSpace;
  dev.ramMemory = args.ramMemory;

  host.pciHoleStart = args.belowFourGMemSize;
  host.pciHoleEnd = IO_APIC_DEFAULT_ADDRESS;
  host.pciHole64StartDefault = args.pciHole64Start ?? roundUp(0x100000000 + args.aboveFourGMemSize, GiB);

  // PCI space lies under everything else in system memory (QEMU's pc_pci_as_mapping_init).
  memoryRegionAddSubregionOverlap(args.systemMemory, 0, args.pciAddressSpace, -1);

  // With SMRAM closed, the VGA window shows PCI to every CPU.
  dev.smramRegion = memoryRegionInitAlias(dev, "smram-region", args.pciAddressSpace, 0xa0000, 0x20000);
  memoryRegionAddSubregionOverlap(args.systemMemory, 0xa0000, dev.smramRegion, 1);
  memoryRegionSetEnabled(dev.smramRegion, true);

  // What SMM code sees: RAM under the VGA window.
  dev.smram = memoryRegionInit(dev, "smram", 0x100000000);
  memoryRegionSetEnabled(dev.smram, true);
  dev.lowSmram = memoryRegionInitAlias(dev, "smram-low", args.ramMemory, 0xa0000, 0x20000);
  memoryRegionSetEnabled(dev.lowSmram, true);
  memoryRegionAddSubregion(dev.smram, 0xa0000, dev.lowSmram);
  addConstLink(machine, "smram", dev.smram);

  dev.pamRegions = initPamRegions(host, args.ramMemory, args.systemMemory, args.pciAddressSpace);

  dev.config[I440FX_COREBOOT_RAM_SIZE] = Math.min(Math.floor(args.ramSize / 8 / 1024 / 1024), 255);
  dev.updateMemoryMappings();
  return { host, bus, dev };
}

export const i440fxPcihostTypeInfo: TypeInfo<I440FXState> = {
  name: TYPE_I440FX_PCI_HOST_BRIDGE,
  parent: TYPE_PCI_HOST_BRIDGE,
  instance: I440FXState,
  instanceInit: i440fxPcihostInit,
  classInit: i440fxPcihostClassInit,
};

export const i440fxTypeInfo: TypeInfo<PCII440FXState> = {
  name: TYPE_I440FX_PCI_DEVICE,
  parent: TYPE_PCI_DEVICE,
  instance: PCII440FXState,
  classInit: i440fxClassInit,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
