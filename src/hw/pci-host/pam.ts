/**
 * Programmable Attribute Map regions (QEMU's hw/pci-host/pam.c): each 16 or 64 KiB window below
 * 1 MiB is four overlapping aliases (PCI, read-only RAM, RAM-for-writes, RAM), one enabled at
 * a time according to two PAM register bits.
 */
import {
  memoryRegionAddSubregionOverlap,
  memoryRegionInitAlias,
  memoryRegionSetEnabled,
  memoryRegionSetReadonly,
  memoryRegionTransactionBegin,
  memoryRegionTransactionCommit,
  type MemoryRegion,
} from "../../exec/memory.js";
import type { QomObject } from "../../qom/object.js";

export const PAM_BIOS_BASE = 0xf0000;
export const PAM_BIOS_SIZE = 0x10000;
export const PAM_EXPAN_BASE = 0xc0000;
export const PAM_EXPAN_SIZE = 0x04000;
export const PAM_REGIONS_COUNT = 13;
const PAM_ATTR_MASK = 0x3;

export class PamMemoryRegion {
  /** Index = attribute: 0 PCI, 1 read-only RAM, 2 write to RAM, 3 RAM. */
  readonly alias: MemoryRegion[];
  current = 0;

  constructor(
    owner: QomObject,
    ram: MemoryRegion,
    system: MemoryRegion,
    pci: MemoryRegion,
    start: number,
    size: number,
  ) {
    // Created in QEMU's order so that the regions get the same `[N]` indexes.
    const ramAlias = memoryRegionInitAlias(owner, "pam-ram", ram, start, size);
    const romAlias = memoryRegionInitAlias(owner, "pam-rom", ram, start, size);
    memoryRegionSetReadonly(romAlias, true);
    const pciAlias = memoryRegionInitAlias(owner, "pam-pci", pci, start, size);
    const writeAlias = memoryRegionInitAlias(owner, "pam-pci", ram, start, size);
    this.alias = [pciAlias, romAlias, writeAlias, ramAlias];
    memoryRegionTransactionBegin(owner.registry);
    try {
      for (const a of this.alias) {
        memoryRegionSetEnabled(a, false);
        memoryRegionAddSubregionOverlap(system, start, a, 1);
      }
    } finally {
      memoryRegionTransactionCommit(owner.registry);
    }
  }

  /** QEMU's pam_update: region `idx` takes its attribute from PAM register value `val`. */
  update(idx: number, val: number): void {
    memoryRegionSetEnabled(this.alias[this.current]!, false);
    this.current = (val >> ((idx & 1) === 0 ? 4 : 0)) & PAM_ATTR_MASK;
    memoryRegionSetEnabled(this.alias[this.current]!, true);
  }
}

/** The 13 PAM windows: the BIOS area first, then twelve expansion windows from 0xc0000. */
export function initPamRegions(
  owner: QomObject,
  ram: MemoryRegion,
  system: MemoryRegion,
  pci: MemoryRegion,
): PamMemoryRegion[] {
  const out = [new PamMemoryRegion(owner, ram, system, pci, PAM_BIOS_BASE, PAM_BIOS_SIZE)];
  for (let i = 0; i < PAM_REGIONS_COUNT - 1; i++) {
    out.push(new PamMemoryRegion(owner, ram, system, pci, PAM_EXPAN_BASE + i * PAM_EXPAN_SIZE, PAM_EXPAN_SIZE));
  }
  return out;
}
