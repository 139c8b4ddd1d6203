/**
 * The Intel 82574L gigabit NIC (QEMU 7.2's hw/net/e1000e.c), q35's default network card: a
 * PCI Express endpoint with four BARs (128 KiB registers, a 128 KiB flash window that decodes
 * nothing, 32 bytes of indirect I/O access, 16 KiB holding the MSI-X table and PBA), the PM,
 * MSI, PCI Express and MSI-X capabilities, AER and a serial number derived from the MAC, and
 * the EFI option ROM. The register file is e1000e-core.ts's.
 */
import { memoryRegionInit, memoryRegionInitIo, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { defineProp, propKinds } from "../core/qdev-properties.js";
import { deviceAddBootindexProperty } from "../pci/bootindex.js";
import { msiInit, msiReset, msiUninit } from "../pci/msi.js";
import { msixInit, msixReset, msixUninit } from "../pci/msix.js";
import { pciSetWord } from "../pci/pci-config.js";
import { pciPmCapabilityInit, PCI_PM_CAP_DSI } from "../pci/pci-pm.js";
import { plainBool } from "../pci/prop-kinds.js";
import {
  INTERFACE_PCIE_DEVICE,
  PCIDevice,
  pciRegisterBar,
  setPropsInDisplayOrder,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CACHE_LINE_SIZE,
  PCI_CLASS_NETWORK_ETHERNET,
  PCI_INTERRUPT_PIN,
  PCI_SUBSYSTEM_ID,
  PCI_SUBSYSTEM_VENDOR_ID,
  PCI_VENDOR_ID_INTEL,
} from "../pci/pci-regs.js";
import { pcieCapExit, pcieDevSerNumInit, pcieEndpointCapV1Init } from "../pci/pcie.js";
import { pcieAerExit, pcieAerInit, PCI_ERR_SIZEOF, PCI_ERR_VER } from "../pci/pcie-aer.js";
import { macaddrDefaultIfUnset, macaddrSetFree, macKind, netdevKind, releaseBackends, ZERO_MAC, type MacAddr } from "../pci/qdev-backends.js";
import { E1000ECore, E1000_VET, ETH_P_VLAN } from "./e1000e-core.js";

export const TYPE_E1000E = "e1000e";
export const E1000_DEV_ID_82574L = 0x10d3;

const E1000E_MMIO_IDX = 0;
const E1000E_FLASH_IDX = 1;
const E1000E_IO_IDX = 2;
const E1000E_MSIX_IDX = 3;
const E1000E_MMIO_SIZE = 128 * 1024;
const E1000E_FLASH_SIZE = 128 * 1024;
const E1000E_IO_SIZE = 32;
const E1000E_MSIX_SIZE = 16 * 1024;
const E1000E_MSIX_TABLE = 0x0000;
const E1000E_MSIX_PBA = 0x2000;
export const E1000E_MSIX_VEC_NUM = 5;

/** Where realize puts the capabilities (QEMU's offsets, which guests may have come to expect). */
const E1000E_MSIX_CAP_OFFSET = 0xa0;
const E1000E_PM_CAP_OFFSET = 0xc8;
const E1000E_MSI_CAP_OFFSET = 0xd0;
const E1000E_PCIE_CAP_OFFSET = 0xe0;
const E1000E_AER_OFFSET = 0x100;
const E1000E_DSN_OFFSET = 0x140;

/** The I/O BAR: a register address, then the data of the register it names. */
const E1000_IOADDR = 0x0;
const E1000_IODATA = 0x4;

/**
 * The NVM image before the MAC, device id and checksum go in (QEMU's e1000e_eeprom_template,
 * after the 82574 datasheet's table of NVM words).
 */
const E1000E_EEPROM_TEMPLATE: readonly number[] = [
  0x0000, 0x0000, 0x0000, 0x0420, 0xf746, 0x2010, 0xffff, 0xffff,
  0x0000, 0x0000, 0x026b, 0x0000, 0x8086, 0x0000, 0x0000, 0x8058,
  0x0000, 0x2001, 0x7e7c, 0xffff, 0x1000, 0x00c8, 0x0000, 0x2704,
  0x6cc9, 0x3150, 0x070e, 0x460b, 0x2d84, 0x0100, 0xf000, 0x0706,
  0x6000, 0x0080, 0x0f04, 0x7fff, 0x4f01, 0xc600, 0x0000, 0x20ff,
  0x0028, 0x0003, 0x0000, 0x0000, 0x0000, 0x0003, 0x0000, 0xffff,
  0x0100, 0xc000, 0x121c, 0xc007, 0xffff, 0xffff, 0xffff, 0xffff,
  0xffff, 0xffff, 0xffff, 0xffff, 0x0000, 0x0120, 0xffff, 0x0000,
];

export class E1000EState extends PCIDevice {
  mac: MacAddr = ZERO_MAC;
  netdev: string | undefined;
  disableVnet = 0;
  subsysVen = PCI_VENDOR_ID_INTEL;
  subsys = 0;
  initVet = true;
  bootindex = -1;
  /** The I/O BAR's address register. */
  ioaddr = 0;
  readonly core = new E1000ECore();
  mmio: MemoryRegion | undefined;
  flash: MemoryRegion | undefined;
  io: MemoryRegion | undefined;
  msix: MemoryRegion | undefined;
}

const mmioOps: MemoryRegionOps<E1000EState> = {
  read: (s, addr) => s.core.read(addr),
  write: (s, addr, value) => s.core.write(addr, value),
  endianness: "little",
  impl: { minAccessSize: 4, maxAccessSize: 4 },
};

/** Only register addresses below 128 KiB reach the register file; flash and the rest read 0. */
function ioRegisterIndex(s: E1000EState): number | undefined {
  return s.ioaddr < 0x1ffff ? s.ioaddr : undefined;
}

const ioOps: MemoryRegionOps<E1000EState> = {
  read: (s, addr) => {
    if (addr === E1000_IOADDR) return s.ioaddr;
    if (addr === E1000_IODATA) {
      const idx = ioRegisterIndex(s);
      return idx === undefined ? 0 : s.core.read(idx);
    }
    return 0;
  },
  write: (s, addr, value) => {
    if (addr === E1000_IOADDR) s.ioaddr = value >>> 0;
    else if (addr === E1000_IODATA) {
      const idx = ioRegisterIndex(s);
      if (idx !== undefined) s.core.write(idx, value);
    }
  },
  endianness: "little",
  impl: { minAccessSize: 4, maxAccessSize: 4 },
};

/**
 * The PCI Express device serial number QEMU derives from the MAC: its first three bytes, then
 * ff ff, then the last three (an EUI-64 built from the EUI-48).
 */
export function e1000eGenDsn(mac: MacAddr): bigint {
  const b = (i: number) => BigInt(mac[i]!);
  return (b(0) << 56n) | (b(1) << 48n) | (b(2) << 40n) | (0xffn << 32n) | (0xffn << 24n) | (b(3) << 16n) | (b(4) << 8n) | b(5);
}

function e1000eRealize(dev: PCIDevice): void {
  const s = dev as E1000EState;
  const c = s.config;
  c[PCI_CACHE_LINE_SIZE] = 0x10;
  c[PCI_INTERRUPT_PIN] = 1;
  pciSetWord(c, PCI_SUBSYSTEM_VENDOR_ID, s.subsysVen);
  pciSetWord(c, PCI_SUBSYSTEM_ID, s.subsys);

  s.mmio = memoryRegionInitIo(s, mmioOps, s, "e1000e-mmio", E1000E_MMIO_SIZE);
  pciRegisterBar(s, E1000E_MMIO_IDX, PCI_BASE_ADDRESS_SPACE_MEMORY, s.mmio);
  // Drivers may probe for a flash BAR; nothing answers inside it.
  s.flash = memoryRegionInit(s, "e1000e-flash", E1000E_FLASH_SIZE);
  pciRegisterBar(s, E1000E_FLASH_IDX, PCI_BASE_ADDRESS_SPACE_MEMORY, s.flash);
  s.io = memoryRegionInitIo(s, ioOps, s, "e1000e-io", E1000E_IO_SIZE);
  pciRegisterBar(s, E1000E_IO_IDX, PCI_BASE_ADDRESS_SPACE_IO, s.io);
  s.msix = memoryRegionInit(s, "e1000e-msix", E1000E_MSIX_SIZE);
  pciRegisterBar(s, E1000E_MSIX_IDX, PCI_BASE_ADDRESS_SPACE_MEMORY, s.msix);

  s.mac = macaddrDefaultIfUnset(s.registry, s.mac);

  // The order fixes the capability list: each new capability goes to its head.
  msixInit(s, E1000E_MSIX_VEC_NUM, s.msix, E1000E_MSIX_IDX, E1000E_MSIX_TABLE, s.msix, E1000E_MSIX_IDX, E1000E_MSIX_PBA, E1000E_MSIX_CAP_OFFSET);
  pcieEndpointCapV1Init(s, E1000E_PCIE_CAP_OFFSET);
  msiInit(s, E1000E_MSI_CAP_OFFSET, 1, true, false);
  pciPmCapabilityInit(s, E1000E_PM_CAP_OFFSET, PCI_PM_CAP_DSI);
  pcieAerInit(s, PCI_ERR_VER, E1000E_AER_OFFSET, PCI_ERR_SIZEOF);
  pcieDevSerNumInit(s, E1000E_DSN_OFFSET, e1000eGenDsn(s.mac));

  s.core.prepareEeprom(E1000E_EEPROM_TEMPLATE, E1000_DEV_ID_82574L, s.mac);
  // QEMU resets the device once the machine is built; until then, registers read as after reset.
  e1000eCoreReset(s);
}

function e1000eCoreReset(s: E1000EState): void {
  s.core.reset();
  if (s.initVet) s.core.write(E1000_VET, ETH_P_VLAN);
}

function e1000eExit(dev: PCIDevice): void {
  const s = dev as E1000EState;
  pcieAerExit(s);
  pcieCapExit(s);
  msixUninit(s);
  msiUninit(s);
  macaddrSetFree(s.registry, s.mac);
}

/** The qdev reset (QEMU's e1000e_qdev_reset), and the MSI/MSI-X state the PCI reset clears. */
function e1000eReset(dev: PCIDevice): void {
  const s = dev as E1000EState;
  if (s.config.length === 0) return;
  e1000eCoreReset(s);
  msiReset(s);
  msixReset(s);
}

/** QEMU's device-list-properties order for the class's own properties. */
const e1000eProps = [
  defineProp("subsys", "subsys", { ...propKinds.uint16, description: "PCI device Subsystem ID" }, 0),
  defineProp("subsys_ven", "subsysVen", { ...propKinds.uint16, description: "PCI device Subsystem Vendor ID" }, PCI_VENDOR_ID_INTEL),
  defineProp("netdev", "netdev", netdevKind),
  defineProp("init-vet", "initVet", plainBool, true),
  defineProp(
    "disable_vnet_hdr",
    "disableVnet",
    { ...propKinds.uint8, description: "Do not use virtio headers, perform SW offloads emulation instead" },
    0,
  ),
  defineProp("mac", "mac", macKind),
];

export const e1000eTypeInfo: TypeInfo<E1000EState> = {
  name: TYPE_E1000E,
  parent: TYPE_PCI_DEVICE,
  instance: E1000EState,
  interfaces: [INTERFACE_PCIE_DEVICE],
  instanceInit: (s) =>
    deviceAddBootindexProperty(s, "bootindex", "/ethernet-phy@0", {
      get: () => s.bootindex,
      set: (v) => (s.bootindex = v),
    }),
  instanceFinalize: (s) => releaseBackends(s),
  classInit: (k: ObjectClass) => {
    const pc = k as PCIDeviceClass;
    pc.pciRealize = e1000eRealize;
    pc.exit = e1000eExit;
    pc.pciReset = e1000eReset;
    pc.vendorId = PCI_VENDOR_ID_INTEL;
    pc.deviceId = E1000_DEV_ID_82574L;
    pc.revision = 0;
    pc.romfile = "efi-e1000e.rom";
    pc.classId = PCI_CLASS_NETWORK_ETHERNET;
    pc.desc = "Intel 82574L GbE Controller";
    pc.categories.add("network");
    setPropsInDisplayOrder(k, e1000eProps);
  },
};
