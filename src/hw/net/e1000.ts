/**
 * The Intel 82540EM gigabit NIC (QEMU 7.2's hw/net/e1000.c): `e1000` on the abstract
 * `e1000-base`, with its MMIO BAR 0 (128 KiB), I/O BAR 1 (64 ports) and the EFI option ROM.
 * The MAC registers are the next issue's; the device and its PCI face are built here.
 */
import { memoryRegionInitIo } from "../../exec/memory.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import type { PropertyKind } from "../core/qdev-properties.js";
import { deviceAddBootindexProperty } from "../pci/bootindex.js";
import { e1000BaseProps } from "../pci/device-prop-tables.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciRegisterBar,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CACHE_LINE_SIZE,
  PCI_CLASS_NETWORK_ETHERNET,
  PCI_DEVICE_ID_INTEL_82540EM,
  PCI_INTERRUPT_PIN,
  PCI_VENDOR_ID_INTEL,
} from "../pci/pci-regs.js";
import { macaddrDefaultIfUnset, macKind, netdevKind, releaseBackends, ZERO_MAC, type MacAddr } from "../pci/qdev-backends.js";
import { addTableProps, tableValue } from "../pci/table-props.js";

export const TYPE_E1000_BASE = "e1000-base";
export const TYPE_E1000 = "e1000";

const PNPMMIO_SIZE = 0x20000;
const IOPORT_SIZE = 0x40;

export class E1000State extends PCIDevice {
  readonly tableValues = new Map<string, unknown>();
  bootindex = -1;
}

function e1000Realize(dev: PCIDevice): void {
  const d = dev as E1000State;
  d.config[PCI_CACHE_LINE_SIZE] = 0x10;
  d.config[PCI_INTERRUPT_PIN] = 1;
  pciRegisterBar(d, 0, PCI_BASE_ADDRESS_SPACE_MEMORY, memoryRegionInitIo(d, undefined, d, "e1000-mmio", PNPMMIO_SIZE));
  pciRegisterBar(d, 1, PCI_BASE_ADDRESS_SPACE_IO, memoryRegionInitIo(d, undefined, d, "e1000-io", IOPORT_SIZE));
  const mac = tableValue<MacAddr>(d, "mac") ?? ZERO_MAC;
  d.tableValues.set("mac", macaddrDefaultIfUnset(d.registry, mac));
}

export const e1000BaseTypeInfo: TypeInfo<E1000State> = {
  name: TYPE_E1000_BASE,
  parent: TYPE_PCI_DEVICE,
  abstract: true,
  instance: E1000State,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
  instanceInit: (d) =>
    deviceAddBootindexProperty(d, "bootindex", "/ethernet-phy@0", {
      get: () => d.bootindex,
      set: (v) => (d.bootindex = v),
    }),
  instanceFinalize: (d) => releaseBackends(d),
  classInit: (k: ObjectClass) => {
    const pc = k as PCIDeviceClass;
    pc.pciRealize = e1000Realize;
    pc.categories.add("network");
    addTableProps(k, e1000BaseProps, {
      mac: macKind as PropertyKind<unknown>,
      netdev: netdevKind as PropertyKind<unknown>,
    });
  },
};

export const e1000TypeInfo: TypeInfo<E1000State> = {
  name: TYPE_E1000,
  parent: TYPE_E1000_BASE,
  classInit: (k: ObjectClass) => {
    const pc = k as PCIDeviceClass;
    pc.desc = "Intel Gigabit Ethernet";
    pc.vendorId = PCI_VENDOR_ID_INTEL;
    pc.deviceId = PCI_DEVICE_ID_INTEL_82540EM;
    pc.revision = 0x03;
    pc.classId = PCI_CLASS_NETWORK_ETHERNET;
    pc.romfile = "efi-e1000.rom";
  },
};
