/**
 * PCI IDE controllers (QEMU 7.2's hw/ide/pci.c): the abstract `pci-ide` with two IDE buses and
 * their bus-master DMA register blocks, and QEMU's helper that puts the board's legacy drives
 * on them.
 */
import type { MemoryRegion } from "../../exec/memory.js";
import type { TypeInfo } from "../../qom/type.js";
import { PCIDevice, TYPE_PCI_DEVICE, type PCIDeviceClass } from "../pci/pci.js";
import { IDEBus } from "./ide-bus.js";
import { ideBusCreateDrive, type IDEDevice, type LegacyIdeDrive } from "./ide-dev.js";

export const TYPE_PCI_IDE = "pci-ide";

/** One bus-master DMA engine (QEMU's BMDMAState): command/status registers and the PRD address. */
export class BmdmaState {
  cmd = 0;
  status = 0;
  addr = 0;
  /** Registers 0-3 (command, status) and 4-7 (PRD table address) of this engine. */
  extraIo: MemoryRegion | undefined;
  addrIoport: MemoryRegion | undefined;
}

export class PCIIDEState extends PCIDevice {
  readonly bus: IDEBus[] = [];
  readonly bmdma: [BmdmaState, BmdmaState] = [new BmdmaState(), new BmdmaState()];
  bmdmaBar: MemoryRegion | undefined;
}

export const pciIdeTypeInfo: TypeInfo<PCIIDEState, PCIDeviceClass> = {
  name: TYPE_PCI_IDE,
  parent: TYPE_PCI_DEVICE,
  abstract: true,
  instance: PCIIDEState,
};

/**
 * QEMU's pci_ide_create_devs: the legacy IDE drives by index (0 = primary master … 3 =
 * secondary slave) become `ide-hd`/`ide-cd` devices on the controller's buses.
 */
export function pciIdeCreateDevs(dev: PCIIDEState, drives: ReadonlyArray<LegacyIdeDrive | undefined>): IDEDevice[] {
  const out: IDEDevice[] = [];
  for (let i = 0; i < Math.min(drives.length, dev.bus.length * 2); i++) {
    const drive = drives[i];
    if (drive) out.push(ideBusCreateDrive(dev.bus[i >> 1]!, i & 1, drive));
  }
  return out;
}
