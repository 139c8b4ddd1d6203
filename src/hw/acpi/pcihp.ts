/**
 * ACPI PCI hotplug (QEMU 7.2's hw/acpi/pcihp.c): the register block at 0xae00 through which
 * the guest's AML learns about added and removed devices, the `acpi-pcihp-bsel` number each
 * hotpluggable bus gets, and the unplug protocol: `device_del` only asks the guest; the device
 * goes away when the guest ejects it, or at the next system reset.
 */
import { memoryRegionAddSubregion, memoryRegionInitIo, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";
import { QomError } from "../../qom/error.js";
import { intProperty } from "../../qom/property.js";
import type { QomObject } from "../../qom/object.js";
import type { DeviceState } from "../core/qdev.js";
import { PCIBus } from "../pci/pci-bus.js";
import { asPciDevice } from "../pci/pci.js";
import { pciSlot } from "../pci/pci-regs.js";

export const ACPI_PCIHP_ADDR_PIIX4 = 0xae00;
export const ACPI_PCIHP_SIZE = 0x0018;
export const ACPI_PCIHP_PROP_BSEL = "acpi-pcihp-bsel";

/** Per hotplug bus: slots with a pending insertion (up) and removal request (down). */
interface SlotStatus {
  up: number;
  down: number;
  hotplugEnable: number;
}

export class AcpiPciHpState {
  readonly root: PCIBus;
  readonly io: MemoryRegion;
  ioBase = ACPI_PCIHP_ADDR_PIIX4;
  ioLen = ACPI_PCIHP_SIZE;
  /** Bus select register: the bus the status registers talk about. */
  hotplugSelect = 0;
  readonly status = new Map<number, SlotStatus>();
  readonly buses = new Map<number, PCIBus>();
  /** Devices the guest was asked to release, by bus number and slot. */
  readonly pendingUnplug = new Set<DeviceState>();
  /** Raises the SCI when there is news for the guest. */
  notify: (() => void) | undefined;

  constructor(owner: QomObject, root: PCIBus, addressSpaceIo: MemoryRegion, ioBase: number) {
    this.root = root;
    this.ioBase = ioBase;
    this.io = memoryRegionInitIo(owner, pcihpOps, this, "acpi-pci-hotplug", ACPI_PCIHP_SIZE);
    memoryRegionAddSubregion(addressSpaceIo, ioBase, this.io);
    owner.addProperty(intProperty("acpi-pcihp-io-base", "uint16", { get: () => this.ioBase }));
    owner.addProperty(intProperty("acpi-pcihp-io-len", "uint16", { get: () => this.ioLen }));
  }

  private slotStatus(bsel: number): SlotStatus {
    let s = this.status.get(bsel);
    if (!s) this.status.set(bsel, (s = { up: 0, down: 0, hotplugEnable: 0xffffffff }));
    return s;
  }

  /**
   * QEMU's acpi_set_pci_info (run at reset): numbers the hotpluggable buses through the
   * `acpi-pcihp-bsel` property, the root bus first.
   */
  assignBsel(): void {
    if (this.buses.size === 0) {
      this.buses.set(0, this.root);
      if (!this.root.findProperty(ACPI_PCIHP_PROP_BSEL)) {
        this.root.addProperty(intProperty(ACPI_PCIHP_PROP_BSEL, "uint32", { get: () => 0 }));
      }
    }
  }

  bselOf(bus: PCIBus): number {
    for (const [bsel, b] of this.buses) if (b === bus) return bsel;
    return -1;
  }

  /** QEMU's acpi_pcihp_device_pre_plug_cb. */
  prePlug(dev: DeviceState): void {
    const pci = asPciDevice(dev);
    if (!pci || !dev.hotplugged) return;
    if (this.bselOf(pci.pciBus) < 0) {
      throw new QomError(`Unsupported bus. Bus doesn't have property '${ACPI_PCIHP_PROP_BSEL}' set`);
    }
  }

  /** QEMU's acpi_pcihp_device_plug_cb: a hotplugged device is announced to the guest. */
  plug(dev: DeviceState): void {
    const pci = asPciDevice(dev);
    if (!pci || !dev.hotplugged) return;
    const bsel = this.bselOf(pci.pciBus);
    if (bsel < 0) return;
    this.slotStatus(bsel).up |= 1 << pciSlot(pci.devfn);
    this.notify?.();
  }

  /** QEMU's acpi_pcihp_device_unplug_request_cb: marks the slot and tells the guest. */
  unplugRequest(dev: DeviceState): void {
    const pci = asPciDevice(dev);
    if (!pci) return;
    const bsel = this.bselOf(pci.pciBus);
    if (bsel < 0) {
      throw new QomError(`Unsupported bus. Bus doesn't have property '${ACPI_PCIHP_PROP_BSEL}' set`);
    }
    dev.pendingDeletedEvent = true;
    this.pendingUnplug.add(dev);
    this.slotStatus(bsel).down |= 1 << pciSlot(pci.devfn);
    this.notify?.();
  }

  /**
   * QEMU's acpi_pcihp_eject_slot: every function in the slots of `slots` that is not a
   * board device (hotpluggable) is unplugged and removed.
   */
  ejectSlots(bsel: number, slots: number): void {
    const bus = this.buses.get(bsel);
    if (!bus) return;
    for (const pci of bus.devicesByDevfn()) {
      if (!(slots & (1 << pciSlot(pci.devfn)))) continue;
      if (!pci.deviceClass.hotpluggable) continue;
      this.pendingUnplug.delete(pci);
      pci.unparent();
    }
    this.slotStatus(bsel).down &= ~slots;
  }

  /** QEMU's acpi_pcihp_reset: pending removals complete, the guest's view starts afresh. */
  reset(): void {
    this.assignBsel();
    for (const [bsel, s] of this.status) {
      if (s.down) this.ejectSlots(bsel, s.down);
      s.up = 0;
      s.down = 0;
    }
    this.hotplugSelect = 0;
  }
}

/** The register block (PCI_UP_BASE 0x0, DOWN 0x4, EJ 0x8, RMV 0xc, SEL 0x10, ACPI index 0x14). */
const pcihpOps: MemoryRegionOps<AcpiPciHpState> = {
  read: (s, addr) => {
    const st = s.status.get(s.hotplugSelect);
    switch (addr) {
      case 0x0:
        return st?.up ?? 0;
      case 0x4:
        return st?.down ?? 0;
      case 0xc:
        return st ? st.hotplugEnable >>> 0 : 0;
      case 0x10:
        return s.hotplugSelect;
      default:
        return 0;
    }
  },
  write: (s, addr, value) => {
    switch (addr) {
      case 0x8:
        s.ejectSlots(s.hotplugSelect, value >>> 0);
        break;
      case 0x10:
        s.hotplugSelect = value >>> 0;
        break;
    }
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
};
