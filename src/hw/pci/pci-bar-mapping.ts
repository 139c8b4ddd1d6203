/**
 * Where the guest put each BAR (QEMU's pci_bar_address and pci_update_mappings): after a write to
 * COMMAND, a BAR or the ROM BAR, and after reset, each region is mapped into its bus's I/O or
 * memory space at the address the guest programmed, or taken out when decoding is off or the
 * address cannot be used.
 */
import { memoryRegionAddSubregionOverlap, memoryRegionDelSubregion, type MemoryRegion } from "../../exec/memory.js";
import type { PCIDevice, PciIoRegion } from "./pci.js";
import { pciGetLong, pciGetQuad, pciGetWord } from "./pci-config.js";
import {
  PCI_BASE_ADDRESS_0,
  PCI_COMMAND,
  PCI_COMMAND_IO,
  PCI_COMMAND_MEMORY,
  PCI_NUM_REGIONS,
  PCI_ROM_ADDRESS_ENABLE,
  PCI_ROM_SLOT,
} from "./pci-regs.js";

const UNMAPPED = -1n;
const UINT32_MAX = 0xffffffffn;
const UINT64_MAX = 0xffffffffffffffffn;

/** The address BAR `n` decodes at, or -1 (QEMU's pci_bar_address; address 0 is never used). */
export function pciBarAddress(dev: PCIDevice, n: number, r: PciIoRegion, barOffset: number): bigint {
  const cmd = pciGetWord(dev.config, PCI_COMMAND);
  const size = BigInt(r.size);
  if (r.isIo) {
    if (!(cmd & PCI_COMMAND_IO)) return UNMAPPED;
    const addr = BigInt(pciGetLong(dev.config, barOffset)) & ~(size - 1n) & UINT32_MAX;
    const last = addr + size - 1n;
    // A window that wraps or reaches the top of the 32-bit space is not mapped.
    return last <= addr || last >= UINT32_MAX || addr === 0n ? UNMAPPED : addr;
  }
  if (!(cmd & PCI_COMMAND_MEMORY)) return UNMAPPED;
  let raw = r.is64 ? pciGetQuad(dev.config, barOffset) : BigInt(pciGetLong(dev.config, barOffset));
  if (n === PCI_ROM_SLOT && !(raw & BigInt(PCI_ROM_ADDRESS_ENABLE))) return UNMAPPED;
  raw &= UINT64_MAX & ~(size - 1n);
  const last = raw + size - 1n;
  if (last <= raw || last >= UINT64_MAX || raw === 0n) return UNMAPPED;
  if (!r.is64 && last >= UINT32_MAX) return UNMAPPED;
  // The memory API addresses with JavaScript numbers: beyond 2^53 the BAR stays unmapped.
  if (last > BigInt(Number.MAX_SAFE_INTEGER)) return UNMAPPED;
  return raw;
}

/** The bus address space region `r` decodes into, if the bus has one. */
function addressSpaceOf(dev: PCIDevice, r: PciIoRegion): MemoryRegion | undefined {
  const bus = dev.parentBus === undefined ? undefined : dev.pciBus;
  return r.isIo ? bus?.addressSpaceIo : bus?.addressSpaceMem;
}

/** Moves each region to where its BAR now points (QEMU's pci_update_mappings). */
export function pciUpdateMappings(dev: PCIDevice, barOffset: (n: number) => number): void {
  for (let n = 0; n < PCI_NUM_REGIONS; n++) {
    const r = dev.ioRegions[n];
    if (!r) continue;
    const space = addressSpaceOf(dev, r);
    const addr = space ? pciBarAddress(dev, n, r, barOffset(n)) : UNMAPPED;
    if (addr === r.addr) continue;
    if (r.addr !== UNMAPPED && r.memory.container) memoryRegionDelSubregion(r.memory.container, r.memory);
    r.addr = addr;
    // Priority 1, as QEMU: a BAR hides what else the bus maps there.
    if (addr !== UNMAPPED && space) memoryRegionAddSubregionOverlap(space, Number(addr), r.memory, 1);
  }
}

/** Takes every mapped region out of its bus space (unrealize). */
export function pciUnmapAll(dev: PCIDevice): void {
  for (const r of dev.ioRegions) {
    if (!r) continue;
    if (r.addr !== UNMAPPED && r.memory.container) memoryRegionDelSubregion(r.memory.container, r.memory);
    r.addr = UNMAPPED;
  }
}

/** Whether a config write of `len` bytes at `addr` touches COMMAND, a BAR or the ROM BAR. */
export function pciWriteAffectsMappings(addr: number, len: number, romOffset: number): boolean {
  const overlaps = (start: number, size: number) => addr < start + size && addr + len > start;
  return overlaps(PCI_COMMAND, 2) || overlaps(PCI_BASE_ADDRESS_0, 24) || overlaps(romOffset, 4);
}
