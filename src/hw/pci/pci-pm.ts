/**
 * The PCI power management capability as QEMU 7.2's devices set it up (e1000e's
 * e1000e_add_pm_capability and its siblings): version 1.1 plus the device's own PMC bits, with
 * the guest allowed to pick a power state, enable PME and select a data register, and to clear
 * PME status by writing 1.
 */
import { pciSetWord } from "./pci-config.js";
import { pciAddCapability, type PCIDevice } from "./pci.js";
import { PCI_CAP_ID_PM } from "./pci-regs.js";

export const PCI_PM_PMC = 2;
export const PCI_PM_CTRL = 4;
export const PCI_PM_SIZEOF = 8;
export const PCI_PM_CAP_VER_1_1 = 0x0002;
/** Device-specific initialisation is needed before the driver can use the function. */
export const PCI_PM_CAP_DSI = 0x0020;
export const PCI_PM_CTRL_STATE_MASK = 0x0003;
export const PCI_PM_CTRL_PME_ENABLE = 0x0100;
export const PCI_PM_CTRL_DATA_SEL_MASK = 0x1e00;
export const PCI_PM_CTRL_PME_STATUS = 0x8000;

/** Adds the capability at `offset` with PMC = version 1.1 | `pmc`; returns the offset. */
export function pciPmCapabilityInit(dev: PCIDevice, offset: number, pmc: number): number {
  const pos = pciAddCapability(dev, PCI_CAP_ID_PM, offset, PCI_PM_SIZEOF);
  pciSetWord(dev.config, pos + PCI_PM_PMC, PCI_PM_CAP_VER_1_1 | pmc);
  pciSetWord(dev.wmask, pos + PCI_PM_CTRL, PCI_PM_CTRL_STATE_MASK | PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_DATA_SEL_MASK);
  pciSetWord(dev.w1cmask, pos + PCI_PM_CTRL, PCI_PM_CTRL_PME_STATUS);
  return pos;
}
