/**
 * The MSI capability (QEMU 7.2's hw/pci/msi.c, the configuration-space side): message control
 * with the vector count the device offers, 32- or 64-bit address, optional per-vector masking.
 * The guest may enable MSI, choose how many vectors it uses and program address and data.
 * Delivering messages is the interrupt controller's business and not modelled here.
 */
import { QomBug } from "../../qom/error.js";
import { pciGetWord, pciSetLong, pciSetWord } from "./pci-config.js";
import { pciAddCapability, type PCIDevice } from "./pci.js";
import { PCI_CAP_ID_MSI } from "./pci-regs.js";

export const PCI_MSI_FLAGS = 0x02;
export const PCI_MSI_ADDRESS_LO = 0x04;
export const PCI_MSI_ADDRESS_HI = 0x08;
export const PCI_MSI_DATA_32 = 0x08;
export const PCI_MSI_MASK_32 = 0x0c;
export const PCI_MSI_DATA_64 = 0x0c;
export const PCI_MSI_MASK_64 = 0x10;
export const PCI_MSI_FLAGS_ENABLE = 0x0001;
export const PCI_MSI_FLAGS_QMASK = 0x000e;
export const PCI_MSI_FLAGS_QSIZE = 0x0070;
export const PCI_MSI_FLAGS_64BIT = 0x0080;
export const PCI_MSI_FLAGS_MASKBIT = 0x0100;
export const PCI_MSI_VECTORS_MAX = 32;
/** Message addresses are dword aligned. */
const PCI_MSI_ADDRESS_LO_MASK = 0xfffffffc;

/** Where each device's MSI capability is (QEMU's PCIDevice.msi_cap). */
const msiCaps = new WeakMap<PCIDevice, number>();

export function msiPresent(dev: PCIDevice): boolean {
  return msiCaps.has(dev);
}

export function msiCapOffset(dev: PCIDevice): number | undefined {
  return msiCaps.get(dev);
}

/** The capability's length for these flags (QEMU's msi_cap_sizeof). */
export function msiCapSize(flags: number): number {
  const is64 = (flags & PCI_MSI_FLAGS_64BIT) !== 0;
  if (flags & PCI_MSI_FLAGS_MASKBIT) return is64 ? 0x18 : 0x14;
  return is64 ? 0x0e : 0x0a;
}

/**
 * QEMU's msi_init: `nrVectors` (a power of two up to 32) offered at `offset`. Returns the
 * capability's offset.
 */
export function msiInit(dev: PCIDevice, offset: number, nrVectors: number, msi64bit: boolean, perVectorMask: boolean): number {
  if (nrVectors < 1 || nrVectors > PCI_MSI_VECTORS_MAX || (nrVectors & (nrVectors - 1)) !== 0) {
    throw new QomBug(`MSI vector count ${nrVectors} is not a power of two up to ${PCI_MSI_VECTORS_MAX}`);
  }
  const order = Math.log2(nrVectors);
  let flags = order << 1;
  if (msi64bit) flags |= PCI_MSI_FLAGS_64BIT;
  if (perVectorMask) flags |= PCI_MSI_FLAGS_MASKBIT;
  const pos = pciAddCapability(dev, PCI_CAP_ID_MSI, offset, msiCapSize(flags));
  msiCaps.set(dev, pos);
  pciSetWord(dev.config, pos + PCI_MSI_FLAGS, flags);
  pciSetWord(dev.wmask, pos + PCI_MSI_FLAGS, PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
  pciSetLong(dev.wmask, pos + PCI_MSI_ADDRESS_LO, PCI_MSI_ADDRESS_LO_MASK);
  if (msi64bit) pciSetLong(dev.wmask, pos + PCI_MSI_ADDRESS_HI, 0xffffffff);
  pciSetWord(dev.wmask, pos + (msi64bit ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 0xffff);
  if (perVectorMask) {
    pciSetLong(dev.wmask, pos + (msi64bit ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32), 0xffffffff >>> (PCI_MSI_VECTORS_MAX - nrVectors));
  }
  return pos;
}

/** QEMU's msi_reset: MSI off, one vector, address, data, mask and pending bits cleared. */
export function msiReset(dev: PCIDevice): void {
  const pos = msiCaps.get(dev);
  if (pos === undefined) return;
  const c = dev.config;
  const flags = pciGetWord(c, pos + PCI_MSI_FLAGS) & ~(PCI_MSI_FLAGS_QSIZE | PCI_MSI_FLAGS_ENABLE);
  const is64 = (flags & PCI_MSI_FLAGS_64BIT) !== 0;
  pciSetWord(c, pos + PCI_MSI_FLAGS, flags);
  pciSetLong(c, pos + PCI_MSI_ADDRESS_LO, 0);
  if (is64) pciSetLong(c, pos + PCI_MSI_ADDRESS_HI, 0);
  pciSetWord(c, pos + (is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 0);
  if (flags & PCI_MSI_FLAGS_MASKBIT) {
    const mask = pos + (is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32);
    pciSetLong(c, mask, 0);
    pciSetLong(c, mask + 4, 0);
  }
}

/** QEMU's msi_uninit, as far as qomd keeps state: the device no longer has MSI. */
export function msiUninit(dev: PCIDevice): void {
  msiCaps.delete(dev);
}
