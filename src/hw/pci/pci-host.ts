/**
 * PCI host bridges (QEMU's hw/pci/pci_host.c, pcie_host.c): the system bus device that owns a
 * root PCI bus and decodes configuration cycles through CONFIG_ADDRESS (0xcf8) and
 * CONFIG_DATA (0xcfc).
 */
import type { MemoryRegionOps } from "../../exec/memory.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { defineProp } from "../core/qdev-properties.js";
import { plainBool } from "./prop-kinds.js";
import { SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import type { PCIBus } from "./pci-bus.js";
import { setPropsInDisplayOrder, type PCIDevice } from "./pci.js";

export const TYPE_PCI_HOST_BRIDGE = "pci-host-bridge";
export const TYPE_PCIE_HOST_BRIDGE = "pcie-host-bridge";

export class PCIHostState extends SysBusDevice {
  bus: PCIBus | undefined;
  /** The CONFIG_ADDRESS register. */
  configReg = 0;
  migConfigReg = true;
  bypassIommu = false;

  /** The device a CONFIG_ADDRESS value selects, and the register offset within it. */
  private target(addr: number): { dev: PCIDevice | undefined; offset: number } {
    const busNum = (addr >>> 16) & 0xff;
    const devfn = (addr >>> 8) & 0xff;
    const dev = busNum === 0 ? this.bus?.slots[devfn] : undefined;
    return { dev, offset: addr & 0xfc };
  }

  /** A read of CONFIG_DATA (+`off` for narrower accesses); absent devices read all ones. */
  dataRead(off: number, len: number): number {
    if (!(this.configReg & 0x80000000)) return len === 4 ? 0xffffffff : (1 << (8 * len)) - 1;
    const { dev, offset } = this.target(this.configReg);
    if (!dev) return len === 4 ? 0xffffffff : (1 << (8 * len)) - 1;
    return dev.readConfig(offset + off, len);
  }

  dataWrite(off: number, value: number, len: number): void {
    if (!(this.configReg & 0x80000000)) return;
    const { dev, offset } = this.target(this.configReg);
    dev?.writeConfig(offset + off, value, len);
  }
}

const pciHostProps = [
  defineProp("bypass-iommu", "bypassIommu", plainBool, false),
  defineProp("x-config-reg-migration-enabled", "migConfigReg", plainBool, true),
];

export const pciHostBridgeTypeInfo: TypeInfo<PCIHostState> = {
  name: TYPE_PCI_HOST_BRIDGE,
  parent: TYPE_SYS_BUS_DEVICE,
  abstract: true,
  instance: PCIHostState,
  classInit: (k: ObjectClass) => setPropsInDisplayOrder(k, pciHostProps),
};

export const pcieHostBridgeTypeInfo: TypeInfo<PCIHostState> = {
  name: TYPE_PCIE_HOST_BRIDGE,
  parent: TYPE_PCI_HOST_BRIDGE,
  abstract: true,
};

/** CONFIG_ADDRESS (QEMU's pci_host_conf_le_ops): only aligned 32-bit writes change it. */
export const pciHostConfOps: MemoryRegionOps<PCIHostState> = {
  read: (s) => s.configReg,
  write: (s, addr, value, size) => {
    if (addr === 0 && size === 4) s.configReg = value >>> 0;
  },
  endianness: "little",
};

/** CONFIG_DATA (QEMU's pci_host_data_le_ops). */
export const pciHostDataOps: MemoryRegionOps<PCIHostState> = {
  read: (s, addr, size) => s.dataRead(addr, size),
  write: (s, addr, value, size) => s.dataWrite(addr, value, size),
  endianness: "little",
};
