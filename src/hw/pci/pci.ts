/**
 * PCI devices (QEMU 7.2's hw/pci/pci.c): the abstract `pci-device` with its qdev properties, the
 * `conventional-pci-device` / `pci-express-device` interfaces, slot allocation on a PCI bus,
 * configuration space with its write masks, BARs, INTx, and the creation helpers board code
 * calls (`pciCreateSimple`, …).
 *
 * Realization follows QEMU's order: claim a devfn (refusing taken or reserved slots and bad
 * multifunction layouts), fill the header, run the device's own realize, check failover
 * constraints, then load the option ROM.
 */
import {
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionInitRom,
  memoryRegionSetEnabled,
  addressSpaceInit,
  addressSpaceDestroy,
  SIZE_2_64,
  type AddressSpace,
  type MemoryRegion,
} from "../../exec/memory.js";
import { QomError } from "../../qom/error.js";
import { addClassProperty, objectNew, type QomObject } from "../../qom/object.js";
import { TYPE_INTERFACE, type ObjectClass, type TypeInfo, type TypeRegistry } from "../../qom/type.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { pciClassName } from "./pci-class-names.js";
import { pciUnmapAll, pciUpdateMappings, pciWriteAffectsMappings } from "./pci-bar-mapping.js";
import { pciGetWord, pciOrWord, pciSetLong, pciSetQuad, pciSetWord } from "./pci-config.js";
import { formatPciDevfn, pciDevfnKind } from "./pci-devfn.js";
import { isPcieBus, PCIBus, TYPE_PCI_BUS } from "./pci-bus.js";
import {
  PCI_BASE_ADDRESS_0,
  PCI_BASE_ADDRESS_MEM_TYPE_64,
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_CACHE_LINE_SIZE,
  PCI_CAPABILITY_LIST,
  PCI_CLASS_DEVICE,
  PCI_CLASS_NETWORK_ETHERNET,
  PCI_COMMAND,
  PCI_COMMAND_INTX_DISABLE,
  PCI_COMMAND_IO,
  PCI_COMMAND_MASTER,
  PCI_COMMAND_MEMORY,
  PCI_COMMAND_PARITY,
  PCI_COMMAND_SERR,
  PCI_CONFIG_HEADER_SIZE,
  PCI_CONFIG_SPACE_SIZE,
  PCI_DEVFN_MAX,
  PCI_DEVICE_ID,
  PCI_FUNC_MAX,
  PCI_HEADER_TYPE,
  PCI_HEADER_TYPE_BRIDGE,
  PCI_HEADER_TYPE_MULTI_FUNCTION,
  PCI_INTERRUPT_LINE,
  PCI_INTERRUPT_PIN,
  PCI_NUM_PINS,
  PCI_NUM_REGIONS,
  PCI_REVISION_ID,
  PCI_ROM_ADDRESS,
  PCI_ROM_ADDRESS1,
  PCI_ROM_ADDRESS_ENABLE,
  PCI_ROM_SLOT,
  PCI_STATUS,
  PCI_STATUS_CAP_LIST,
  PCI_STATUS_DETECTED_PARITY,
  PCI_STATUS_INTERRUPT,
  PCI_STATUS_REC_MASTER_ABORT,
  PCI_STATUS_REC_TARGET_ABORT,
  PCI_STATUS_SIG_SYSTEM_ERROR,
  PCI_STATUS_SIG_TARGET_ABORT,
  PCI_STATUS_PARITY,
  PCI_SUBDEVICE_ID_QEMU,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
  PCI_VENDOR_ID,
  PCIE_CONFIG_SPACE_SIZE,
  pciDevfn,
  pciFunc,
  pciSlot,
} from "./pci-regs.js";

export const TYPE_PCI_DEVICE = "pci-device";
export const INTERFACE_CONVENTIONAL_PCI_DEVICE = "conventional-pci-device";
export const INTERFACE_PCIE_DEVICE = "pci-express-device";
export const INTERFACE_CXL_DEVICE = "cxl-device";

export interface PCIDeviceClass extends DeviceClass {
  vendorId: number;
  deviceId: number;
  revision: number;
  /** Base class and subclass (the 16 bits at 0x0a); the programming interface is the device's. */
  classId: number;
  subsystemVendorId: number;
  subsystemId: number;
  isBridge: boolean;
  /** The option ROM loaded when the user names none (QEMU's PCIDeviceClass.romfile). */
  romfile?: string;
  /** The device's own realize (QEMU's PCIDeviceClass.realize), after its devfn is claimed. */
  pciRealize?: (dev: PCIDevice) => void;
  /** Undoes pciRealize (QEMU's PCIDeviceClass.exit). */
  exit?: (dev: PCIDevice) => void;
  /** The device's own reset, before the generic PCI reset of its header. */
  pciReset?: (dev: PCIDevice) => void;
  configRead?: (dev: PCIDevice, addr: number, len: number) => number;
  configWrite?: (dev: PCIDevice, addr: number, value: number, len: number) => void;
}

/** One BAR (QEMU's PCIIORegion). `addr` stays -1 until the guest maps it. */
export class PciIoRegion {
  addr = -1n;
  constructor(
    readonly size: number,
    readonly type: number,
    readonly memory: MemoryRegion,
  ) {}

  get isIo(): boolean {
    return (this.type & PCI_BASE_ADDRESS_SPACE_IO) !== 0;
  }

  get is64(): boolean {
    return !this.isIo && (this.type & PCI_BASE_ADDRESS_MEM_TYPE_64) !== 0;
  }

  /** Address as `info qtree` prints it (64-bit hexadecimal, -1 unmapped). */
  addrText(): string {
    return BigInt.asUintN(64, this.addr).toString(16);
  }

  /** The last address `info qtree` prints, addr + size - 1 in 64-bit arithmetic. */
  endText(): string {
    return BigInt.asUintN(64, this.addr + BigInt(this.size) - 1n).toString(16);
  }
}

/** Locates option ROM files: the size of the named file, or undefined when there is none. */
export type RomLocator = (romfile: string) => number | undefined;
const romLocators = new WeakMap<TypeRegistry, RomLocator>();

/**
 * Installed by the machine (it knows `-L` and the firmware directories). Without a locator,
 * option ROMs are not loaded, and devices get no ROM BAR.
 */
export function pciSetRomLocator(registry: TypeRegistry, locator: RomLocator | undefined): void {
  if (locator) romLocators.set(registry, locator);
  else romLocators.delete(registry);
}

export class PCIDevice extends DeviceState {
  /** The `addr` property: -1 until a slot is claimed. */
  devfn = -1;
  romfile: string | undefined;
  romsize = 0xffffffff;
  rombar = 1;
  multifunction = false;
  pcieLnkstaDllla = true;
  pcieExtcapInit = true;
  failoverPairId: string | undefined;
  acpiIndex = 0;

  /** Set at realize from the device's interfaces (QEMU's QEMU_PCI_CAP_EXPRESS). */
  express = false;
  config = new Uint8Array(0);
  /** Bits the guest may write. */
  wmask = new Uint8Array(0);
  /** Bits checked on migration (kept for fidelity of the layout). */
  cmask = new Uint8Array(0);
  /** Bits a guest write of 1 clears. */
  w1cmask = new Uint8Array(0);
  /** Bits already claimed by capabilities. */
  used = new Uint8Array(0);
  readonly ioRegions: Array<PciIoRegion | undefined> = new Array(PCI_NUM_REGIONS).fill(undefined);
  /** The name the device registered with (its type name). */
  name = "";
  busMasterContainer: MemoryRegion | undefined;
  busMasterEnable: MemoryRegion | undefined;
  busMasterAs: AddressSpace | undefined;
  rom: MemoryRegion | undefined;
  /** Asserted INTx pins (bit per pin). */
  irqState = 0;

  get pciClass(): PCIDeviceClass {
    return this.classAs<PCIDeviceClass>(TYPE_PCI_DEVICE);
  }

  get pciBus(): PCIBus {
    const bus = this.parentBus;
    if (!(bus instanceof PCIBus)) throw new QomError(`'${this.typeName}' is not on a PCI bus`);
    return bus;
  }

  vendorIdValue(): number {
    return pciGetWord(this.config, PCI_VENDOR_ID);
  }

  deviceIdValue(): number {
    return pciGetWord(this.config, PCI_DEVICE_ID);
  }

  subsystemVendorIdValue(): number {
    return pciGetWord(this.config, PCI_SUBSYSTEM_VENDOR_ID);
  }

  subsystemIdValue(): number {
    return pciGetWord(this.config, PCI_SUBSYSTEM_ID);
  }

  classIdValue(): number {
    return pciGetWord(this.config, PCI_CLASS_DEVICE);
  }

  /** The class name `info qtree` prints. */
  className(): string {
    const id = this.classIdValue();
    return pciClassName(id) ?? `Class ${id.toString(16).padStart(4, "0")}`;
  }

  configSize(): number {
    return this.express ? PCIE_CONFIG_SPACE_SIZE : PCI_CONFIG_SPACE_SIZE;
  }

  /** QEMU's pci_get_function_0. */
  function0(): PCIDevice | undefined {
    return this.pciBus.slots[pciDevfn(pciSlot(this.devfn), 0)];
  }

  // ---- configuration space access (QEMU's pci_default_read_config / write_config) -------------------

  readConfig(addr: number, len: number): number {
    const k = this.pciClass;
    if (k.configRead) return k.configRead(this, addr, len);
    return pciDefaultReadConfig(this, addr, len);
  }

  writeConfig(addr: number, value: number, len: number): void {
    const k = this.pciClass;
    if (k.configWrite) k.configWrite(this, addr, value, len);
    else pciDefaultWriteConfig(this, addr, value, len);
  }
}

export function pciDefaultReadConfig(dev: PCIDevice, addr: number, len: number): number {
  let v = 0;
  for (let i = 0; i < len && addr + i < dev.config.length; i++) v |= dev.config[addr + i]! << (8 * i);
  return v >>> 0;
}

/** Writes through the masks: read-only bits stay, write-1-to-clear bits clear. */
export function pciDefaultWriteConfig(dev: PCIDevice, addr: number, value: number, len: number): void {
  for (let i = 0; i < len && addr + i < dev.config.length; i++) {
    const a = addr + i;
    const byte = (value >>> (8 * i)) & 0xff;
    const wm = dev.wmask[a]!;
    const w1c = dev.w1cmask[a]!;
    dev.config[a] = (dev.config[a]! & ~wm) | (byte & wm);
    dev.config[a] = dev.config[a]! & ~(byte & w1c);
  }
  if (pciWriteAffectsMappings(addr, len, pciBarOffset(dev, PCI_ROM_SLOT))) pciUpdateMappings(dev, (n) => pciBarOffset(dev, n));
}

// ---- properties ----------------------------------------------------------------------------------------

/** pci-device's properties in the order device-list-properties shows them. */
const pciDeviceProps = [
  defineProp("failover_pair_id", "failoverPairId", propKinds.string),
  defineProp("romfile", "romfile", propKinds.string),
  defineProp("addr", "devfn", pciDevfnKind, -1),
  defineProp("romsize", "romsize", propKinds.uint32, 0xffffffff),
  defineProp("x-pcie-lnksta-dllla", "pcieLnkstaDllla", propKinds.bool, true),
  defineProp("rombar", "rombar", propKinds.uint32, 1),
  defineProp("x-pcie-extcap-init", "pcieExtcapInit", propKinds.bool, true),
  defineProp("acpi-index", "acpiIndex", propKinds.uint32, 0),
  defineProp("multifunction", "multifunction", propKinds.bool, false),
];

/**
 * QEMU's device-list-properties shows each class's properties in the reverse of the order they
 * were added; declaring them in display order and adding them reversed keeps the lists readable.
 */
export function setPropsInDisplayOrder(klass: ObjectClass, props: Parameters<typeof deviceClassSetProps>[1]): void {
  deviceClassSetProps(klass, [...props].reverse());
}

function pciDeviceClassInit(k: ObjectClass): void {
  const dc = k as PCIDeviceClass;
  dc.busType = TYPE_PCI_BUS;
  dc.realize = (d) => pciQdevRealize(d as PCIDevice);
  dc.unrealize = (d) => pciQdevUnrealize(d as PCIDevice);
  dc.reset = (d) => pciDeviceReset(d as PCIDevice);
  dc.vendorId = 0;
  dc.deviceId = 0;
  dc.revision = 0;
  dc.classId = 0;
  dc.subsystemVendorId = 0;
  dc.subsystemId = 0;
  dc.isBridge = false;
  // legacy-addr is the printed form of addr (QEMU's legacy property); it lists after the others.
  addClassProperty(k, {
    name: "legacy-addr",
    type: "str",
    get: (obj) => formatPciDevfn((obj as PCIDevice).devfn),
  });
  setPropsInDisplayOrder(k, pciDeviceProps);
}

// ---- registration on the bus (QEMU's do_pci_register_device) -------------------------------------------

function slotFunc(devfn: number): string {
  return `slot ${pciSlot(devfn)} function ${pciFunc(devfn)}`;
}

/** `%x.%x` as QEMU's multifunction messages print slot and function. */
function hexSlot(devfn: number): string {
  return pciSlot(devfn).toString(16);
}

function checkMultifunction(bus: PCIBus, dev: PCIDevice): void {
  const slot = pciSlot(dev.devfn);
  if (dev.multifunction) dev.config[PCI_HEADER_TYPE] = dev.config[PCI_HEADER_TYPE]! | PCI_HEADER_TYPE_MULTI_FUNCTION;
  if (pciFunc(dev.devfn) !== 0) {
    const f0 = bus.slots[pciDevfn(slot, 0)];
    if (f0 && !f0.multifunction) {
      throw new QomError(
        `PCI: single function device can't be populated in function ${hexSlot(dev.devfn)}.${pciFunc(dev.devfn).toString(16)}`,
      );
    }
    return;
  }
  if (dev.multifunction) return;
  for (let func = 1; func < PCI_FUNC_MAX; func++) {
    if (bus.slots[pciDevfn(slot, func)]) {
      throw new QomError(
        `PCI: ${slot.toString(16)}.0 indicates single function, but ${slot.toString(16)}.${func.toString(16)} is already populated.`,
      );
    }
  }
}

function initMasks(dev: PCIDevice, size: number): void {
  const { wmask, cmask, w1cmask } = dev;
  // Identification registers never change; the capability list bit is fixed too.
  pciSetWord(cmask, PCI_VENDOR_ID, 0xffff);
  pciSetWord(cmask, PCI_DEVICE_ID, 0xffff);
  pciSetWord(cmask, PCI_STATUS, PCI_STATUS_CAP_LIST);
  cmask[PCI_REVISION_ID] = 0xff;
  cmask[PCI_CLASS_DEVICE - 1] = 0xff;
  pciSetWord(cmask, PCI_CLASS_DEVICE, 0xffff);
  cmask[PCI_HEADER_TYPE] = 0xff;

  wmask[PCI_CACHE_LINE_SIZE] = 0xff;
  wmask[PCI_INTERRUPT_LINE] = 0xff;
  pciSetWord(
    wmask,
    PCI_COMMAND,
    PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_PARITY | PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE,
  );
  wmask.fill(0xff, PCI_CONFIG_HEADER_SIZE, size);

  pciSetWord(
    w1cmask,
    PCI_STATUS,
    PCI_STATUS_PARITY |
      PCI_STATUS_SIG_TARGET_ABORT |
      PCI_STATUS_REC_TARGET_ABORT |
      PCI_STATUS_REC_MASTER_ABORT |
      PCI_STATUS_SIG_SYSTEM_ERROR |
      PCI_STATUS_DETECTED_PARITY,
  );
}

function registerOnBus(dev: PCIDevice, name: string): void {
  const bus = dev.pciBus;
  const k = dev.pciClass;
  let devfn = dev.devfn;
  if (devfn < 0) {
    devfn = -1;
    for (let d = bus.devfnMin; d < PCI_DEVFN_MAX; d += PCI_FUNC_MAX) {
      if (bus.devfnAvailable(d) && !bus.devfnReserved(d)) {
        devfn = d;
        break;
      }
    }
    if (devfn < 0) throw new QomError(`PCI: no slot/function available for ${name}, all in use or reserved`);
  } else if (bus.devfnReserved(devfn)) {
    throw new QomError(`PCI: ${slotFunc(devfn)} not available for ${name}, reserved`);
  } else if (!bus.devfnAvailable(devfn)) {
    const other = bus.slots[devfn]!;
    // QEMU prints the id with %s, so a device without one shows glibc's "(null)".
    throw new QomError(`PCI: ${slotFunc(devfn)} not available for ${name}, in use by ${other.name},id=${other.id ?? "(null)"}`);
  } else if (dev.hotplugged && pciFunc(devfn) !== 0) {
    const f0 = bus.slots[pciDevfn(pciSlot(devfn), 0)];
    if (f0) {
      throw new QomError(
        `PCI: slot ${pciSlot(f0.devfn)} function 0 already occupied by ${f0.name}, new func ${name} cannot be exposed to guest.`,
      );
    }
  }

  dev.devfn = devfn;
  dev.name = name;
  const size = dev.configSize();
  dev.config = new Uint8Array(size);
  dev.wmask = new Uint8Array(size);
  dev.cmask = new Uint8Array(size);
  dev.w1cmask = new Uint8Array(size);
  dev.used = new Uint8Array(size);

  const c = dev.config;
  pciSetWord(c, PCI_VENDOR_ID, k.vendorId);
  pciSetWord(c, PCI_DEVICE_ID, k.deviceId);
  c[PCI_REVISION_ID] = k.revision;
  pciSetWord(c, PCI_CLASS_DEVICE, k.classId);
  if (k.isBridge) {
    c[PCI_HEADER_TYPE] = PCI_HEADER_TYPE_BRIDGE;
  } else if (k.subsystemVendorId || k.subsystemId) {
    pciSetWord(c, PCI_SUBSYSTEM_VENDOR_ID, k.subsystemVendorId);
    pciSetWord(c, PCI_SUBSYSTEM_ID, k.subsystemId);
  } else {
    pciSetWord(c, PCI_SUBSYSTEM_VENDOR_ID, PCI_SUBVENDOR_ID_REDHAT_QUMRANET);
    pciSetWord(c, PCI_SUBSYSTEM_ID, PCI_SUBDEVICE_ID_QEMU);
  }
  initMasks(dev, size);
  checkMultifunction(bus, dev);
  bus.slots[devfn] = dev;
  initBusMaster(dev);
}

/**
 * The device's DMA view (QEMU's pci_init_bus_master): a "bus master container" holding the
 * "bus master" alias of system memory, disabled until the guest sets the command register's
 * master bit; its address space is named after the device.
 */
function initBusMaster(dev: PCIDevice): void {
  const container = memoryRegionInit(dev, "bus master container", SIZE_2_64);
  const alias = memoryRegionInitAlias(dev, "bus master", getSystemMemory(dev.registry), 0, SIZE_2_64);
  memoryRegionSetEnabled(alias, false);
  memoryRegionAddSubregion(container, 0, alias);
  dev.busMasterContainer = container;
  dev.busMasterEnable = alias;
  dev.busMasterAs = addressSpaceInit(container, dev.name);
}

function unregisterFromBus(dev: PCIDevice): void {
  const bus = dev.parentBus;
  if (bus instanceof PCIBus && dev.devfn >= 0 && bus.slots[dev.devfn] === dev) bus.slots[dev.devfn] = undefined;
  if (dev.busMasterAs) addressSpaceDestroy(dev.busMasterAs);
  dev.busMasterAs = undefined;
  for (const mr of [dev.busMasterEnable, dev.busMasterContainer, dev.rom]) mr?.unparent();
  dev.busMasterEnable = dev.busMasterContainer = dev.rom = undefined;
  dev.ioRegions.fill(undefined);
}

// ---- realize / unrealize -----------------------------------------------------------------------------------

function isPowerOf2(n: number): boolean {
  return n > 0 && (n & (n - 1)) === 0;
}

function pow2ceil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

function pciQdevRealize(dev: PCIDevice): void {
  const k = dev.pciClass;
  if (dev.romsize !== 0xffffffff && !isPowerOf2(dev.romsize)) {
    throw new QomError(`ROM size ${dev.romsize} is not a power of two`);
  }
  const reg = dev.registry;
  dev.express =
    reg.classDynamicCast(dev.klass, INTERFACE_PCIE_DEVICE) !== undefined &&
    reg.classDynamicCast(dev.klass, INTERFACE_CONVENTIONAL_PCI_DEVICE) === undefined;
  registerOnBus(dev, dev.typeName);
  try {
    k.pciRealize?.(dev);
  } catch (err) {
    unregisterFromBus(dev);
    throw err;
  }
  try {
    checkFailover(dev);
    checkAcpiIndex(dev);
    let isDefaultRom = false;
    if (dev.romfile === undefined && k.romfile !== undefined) {
      dev.romfile = k.romfile;
      isDefaultRom = true;
    }
    addOptionRom(dev, isDefaultRom);
  } catch (err) {
    pciQdevUnrealize(dev);
    throw err;
  }
}

function checkFailover(dev: PCIDevice): void {
  if (dev.failoverPairId === undefined) return;
  if (!isPcieBus(dev.pciBus)) throw new QomError("failover primary device must be on PCIExpress bus");
  if (dev.classIdValue() !== PCI_CLASS_NETWORK_ETHERNET) {
    throw new QomError("failover primary device is not an Ethernet device");
  }
  if (dev.multifunction || pciFunc(dev.devfn) !== 0) {
    throw new QomError("failover: primary device must be in its own PCI slot");
  }
}

/** systemd names NICs from acpi-index only up to this value, so QEMU refuses larger ones. */
const ONBOARD_INDEX_MAX = 16 * 1024 - 1;

/** acpi-index must be small enough and unique among the PCI devices present. */
function checkAcpiIndex(dev: PCIDevice): void {
  if (dev.acpiIndex > ONBOARD_INDEX_MAX) {
    throw new QomError(`acpi-index should be less or equal to ${ONBOARD_INDEX_MAX}`);
  }
  if (dev.acpiIndex === 0) return;
  for (const other of dev.pciBus.devicesByDevfn()) {
    if (other !== dev && other.acpiIndex === dev.acpiIndex) {
      throw new QomError(`a PCI device with acpi-index = ${dev.acpiIndex} already exist`);
    }
  }
}

/** QEMU's pci_add_option_rom, for ROMs mapped through the ROM BAR. */
function addOptionRom(dev: PCIDevice, _isDefault: boolean): void {
  const romfile = dev.romfile;
  if (romfile === undefined || romfile === "") return;
  // With rombar=0 QEMU hands the ROM to the firmware through fw_cfg instead; no BAR.
  if (!dev.rombar) return;
  const locate = romLocators.get(dev.registry);
  if (!locate) return;
  const size = locate(romfile);
  if (size === undefined) throw new QomError(`failed to find romfile "${romfile}"`);
  if (size === 0) throw new QomError(`romfile "${romfile}" is empty`);
  if (size > 2 * 1024 * 1024 * 1024) {
    throw new QomError(`romfile "${romfile}" too large (size cannot exceed 2 GiB)`);
  }
  if (dev.romsize !== 0xffffffff) {
    if (size > dev.romsize) {
      throw new QomError(`romfile "${romfile}" (${size} bytes) is too large for ROM size ${dev.romsize}`);
    }
  } else {
    dev.romsize = pow2ceil(size);
  }
  const rom = memoryRegionInitRom(dev, `${romRegionPrefix(dev)}.rom`, dev.romsize);
  dev.rom = rom;
  pciRegisterBar(dev, PCI_ROM_SLOT, 0, rom);
}

/** QEMU names the ROM region after the device's migration section, else its type. */
const romPrefixes = new Map<string, string>();
export function pciSetRomRegionPrefix(typename: string, prefix: string): void {
  romPrefixes.set(typename, prefix);
}
function romRegionPrefix(dev: PCIDevice): string {
  return romPrefixes.get(dev.typeName) ?? dev.typeName;
}

function pciQdevUnrealize(dev: PCIDevice): void {
  pciUnmapAll(dev);
  dev.pciClass.exit?.(dev);
  unregisterFromBus(dev);
}

/** QEMU's pci_do_device_reset: the header goes back to its power-on state. */
function pciDeviceReset(dev: PCIDevice): void {
  dev.pciClass.pciReset?.(dev);
  if (dev.config.length === 0) return;
  const c = dev.config;
  pciSetWord(c, PCI_COMMAND, pciGetWord(c, PCI_COMMAND) & ~pciGetWord(dev.wmask, PCI_COMMAND) & 0xffff);
  pciSetWord(c, PCI_STATUS, pciGetWord(c, PCI_STATUS) & ~pciGetWord(dev.w1cmask, PCI_STATUS) & ~PCI_STATUS_INTERRUPT & 0xffff);
  c[PCI_CACHE_LINE_SIZE] = 0;
  c[PCI_INTERRUPT_LINE] = 0;
  for (let i = 0; i < PCI_NUM_REGIONS; i++) {
    const r = dev.ioRegions[i];
    if (!r) continue;
    const off = pciBarOffset(dev, i);
    if (r.is64) pciSetQuad(c, off, BigInt(r.type));
    else pciSetLong(c, off, r.type);
  }
  // Decoding is off again, so every BAR leaves its bus space.
  pciUpdateMappings(dev, (n) => pciBarOffset(dev, n));
  dev.irqState = 0;
}

// ---- BARs ------------------------------------------------------------------------------------------------------

/** Offset of BAR `n` (QEMU's pci_bar): the ROM BAR moves in bridge headers. */
export function pciBarOffset(dev: PCIDevice, n: number): number {
  if (n === PCI_ROM_SLOT) {
    return (dev.config[PCI_HEADER_TYPE]! & 0x7f) === PCI_HEADER_TYPE_BRIDGE ? PCI_ROM_ADDRESS1 : PCI_ROM_ADDRESS;
  }
  return PCI_BASE_ADDRESS_0 + n * 4;
}

/**
 * QEMU's pci_register_bar: region `n` decodes `memory` (its size must be a power of two); the
 * BAR's low bits hold `type` and only the size-aligned address bits are writable.
 */
export function pciRegisterBar(dev: PCIDevice, n: number, type: number, memory: MemoryRegion): void {
  const size = memory.size;
  if (n < 0 || n >= PCI_NUM_REGIONS) throw new QomError(`PCI: BAR ${n} out of range`);
  if (!isPowerOf2(size)) throw new QomError(`PCI: BAR ${n} size ${size} is not a power of two`);
  const region = new PciIoRegion(size, type, memory);
  dev.ioRegions[n] = region;
  const off = pciBarOffset(dev, n);
  const mask = BigInt.asUintN(64, ~(BigInt(size) - 1n)) | (n === PCI_ROM_SLOT ? BigInt(PCI_ROM_ADDRESS_ENABLE) : 0n);
  if (region.is64) {
    pciSetQuad(dev.config, off, BigInt(type));
    pciSetQuad(dev.wmask, off, mask);
    pciSetQuad(dev.cmask, off, 0xffffffffffffffffn);
  } else {
    pciSetLong(dev.config, off, type);
    pciSetLong(dev.wmask, off, Number(mask & 0xffffffffn));
    pciSetLong(dev.cmask, off, 0xffffffff);
  }
}

// ---- capabilities -------------------------------------------------------------------------------------------------

/**
 * QEMU's pci_add_capability with an explicit offset: links a capability of `size` bytes into
 * the list; its id and next pointer become read-only.
 */
export function pciAddCapability(dev: PCIDevice, capId: number, offset: number, size: number): number {
  for (let i = offset; i < offset + size; i++) {
    if (dev.used[i]) {
      throw new QomError(
        `${dev.name}:${formatPciDevfn(dev.devfn)} Attempt to add PCI capability ${capId.toString(16)} at offset ${offset.toString(16)} overlaps existing capability at offset ${i.toString(16)}`,
      );
    }
  }
  const c = dev.config;
  c[offset] = capId;
  c[offset + 1] = c[PCI_CAPABILITY_LIST]!;
  c[PCI_CAPABILITY_LIST] = offset;
  pciOrWord(c, PCI_STATUS, PCI_STATUS_CAP_LIST);
  dev.used.fill(0xff, offset, offset + size);
  // The capability's body is the device's to define; the list structure is not the guest's.
  dev.wmask.fill(0, offset, offset + size);
  dev.w1cmask.fill(0, offset, offset + size);
  dev.cmask.fill(0xff, offset, offset + size);
  return offset;
}

/** Finds a free, 4-byte aligned spot after the header for a capability (QEMU's pci_find_space). */
export function pciFindCapabilitySpace(dev: PCIDevice, size: number): number {
  for (let off = PCI_CONFIG_HEADER_SIZE; off + size <= PCI_CONFIG_SPACE_SIZE; off += 4) {
    let free = true;
    for (let i = off; i < off + size; i++) if (dev.used[i]) free = false;
    if (free) return off;
  }
  throw new QomError(`${dev.name}: no space for a PCI capability of ${size} bytes`);
}

// ---- INTx ------------------------------------------------------------------------------------------------------------

/** The pin the device uses (1 = INTA), from its configuration space. */
export function pciIntxPin(dev: PCIDevice): number {
  const pin = dev.config[PCI_INTERRUPT_PIN]!;
  return pin === 0 ? -1 : pin - 1;
}

/** QEMU's pci_set_irq: drives the device's INTx pin through the bus's routing. */
export function pciSetIrq(dev: PCIDevice, level: number): void {
  const pin = pciIntxPin(dev);
  if (pin < 0 || pin >= PCI_NUM_PINS) return;
  const was = (dev.irqState >> pin) & 1;
  const now = level ? 1 : 0;
  if (was === now) return;
  dev.irqState = (dev.irqState & ~(1 << pin)) | (now << pin);
  if (now) pciOrWord(dev.config, PCI_STATUS, PCI_STATUS_INTERRUPT);
  else pciSetWord(dev.config, PCI_STATUS, pciGetWord(dev.config, PCI_STATUS) & ~PCI_STATUS_INTERRUPT);
  if (pciGetWord(dev.config, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE) return;
  const bus = dev.pciBus;
  if (!bus.mapIrq || !bus.setIrq) return;
  const irq = bus.mapIrq(dev, pin);
  const change = now - was;
  bus.irqCount[irq] = (bus.irqCount[irq] ?? 0) + change;
  bus.setIrq(bus.irqOpaque, irq, bus.irqCount[irq]! !== 0 ? 1 : 0);
}

// ---- creation helpers (QEMU's pci_new / pci_create_simple) -------------------------------------------------

/** QEMU's pci_new_multifunction: a device with its devfn and multifunction set, not realized. */
export function pciNewMultifunction<T extends PCIDevice = PCIDevice>(
  registry: TypeRegistry,
  devfn: number,
  multifunction: boolean,
  type: string,
): T {
  const dev = objectNew<T>(registry, type);
  dev.devfn = devfn;
  dev.multifunction = multifunction;
  return dev;
}

export function pciNew<T extends PCIDevice = PCIDevice>(registry: TypeRegistry, devfn: number, type: string): T {
  return pciNewMultifunction<T>(registry, devfn, false, type);
}

/** QEMU's pci_realize_and_unref. */
export function pciRealizeAndUnref(dev: PCIDevice, bus: PCIBus): void {
  qdevRealizeAndUnref(dev, bus);
}

export function pciCreateSimpleMultifunction<T extends PCIDevice = PCIDevice>(
  bus: PCIBus,
  devfn: number,
  multifunction: boolean,
  type: string,
): T {
  const dev = pciNewMultifunction<T>(bus.registry, devfn, multifunction, type);
  pciRealizeAndUnref(dev, bus);
  return dev;
}

/** QEMU's pci_create_simple: a device at `devfn` (-1: first free slot), realized on `bus`. */
export function pciCreateSimple<T extends PCIDevice = PCIDevice>(bus: PCIBus, devfn: number, type: string): T {
  return pciCreateSimpleMultifunction<T>(bus, devfn, false, type);
}

/** The PCI device a QOM object is, if it is one. */
export function asPciDevice(obj: QomObject | undefined): PCIDevice | undefined {
  return obj?.dynamicCast<PCIDevice>(TYPE_PCI_DEVICE);
}

// ---- types ------------------------------------------------------------------------------------------------------------

export const pciDeviceTypeInfo: TypeInfo<PCIDevice, PCIDeviceClass> = {
  name: TYPE_PCI_DEVICE,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: PCIDevice,
  classInit: pciDeviceClassInit,
};

export const conventionalPciDeviceInterfaceInfo: TypeInfo = {
  name: INTERFACE_CONVENTIONAL_PCI_DEVICE,
  parent: TYPE_INTERFACE,
};

export const pcieDeviceInterfaceInfo: TypeInfo = {
  name: INTERFACE_PCIE_DEVICE,
  parent: TYPE_INTERFACE,
};

export const cxlDeviceInterfaceInfo: TypeInfo = {
  name: INTERFACE_CXL_DEVICE,
  parent: TYPE_INTERFACE,
};
