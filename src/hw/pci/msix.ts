/**
 * MSI-X (QEMU 7.2's hw/pci/msix.c, without message delivery): the capability in configuration
 * space, the vector table and pending bit array as the `msix-table` and `msix-pba` regions the
 * device places inside its BARs. Entries start masked; the guest programs address, data and
 * vector control through the table. Sending the messages needs the interrupt controller's MSI
 * path, which is not modelled; pending bits therefore stay clear.
 */
import { memoryRegionAddSubregion, memoryRegionDelSubregion, memoryRegionInitIo, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";
import { QomBug } from "../../qom/error.js";
import { pciGetLong, pciSetLong, pciSetWord } from "./pci-config.js";
import { pciAddCapability, type PCIDevice } from "./pci.js";
import { PCI_CAP_ID_MSIX } from "./pci-regs.js";

export const PCI_MSIX_FLAGS = 2;
export const PCI_MSIX_TABLE = 4;
export const PCI_MSIX_PBA = 8;
export const PCI_MSIX_FLAGS_QSIZE = 0x07ff;
export const PCI_MSIX_FLAGS_MASKALL = 0x4000;
export const PCI_MSIX_FLAGS_ENABLE = 0x8000;
/** The BAR indicator in the low bits of the table and PBA offsets. */
export const PCI_MSIX_FLAGS_BIRMASK = 0x7;
export const PCI_MSIX_ENTRY_SIZE = 16;
export const PCI_MSIX_ENTRY_VECTOR_CTRL = 0xc;
export const PCI_MSIX_ENTRY_CTRL_MASKBIT = 0x1;
export const MSIX_CAP_LENGTH = 12;

/** The byte of message control the guest writes (enable and function mask are its high bits). */
const MSIX_CONTROL_OFFSET = PCI_MSIX_FLAGS + 1;

const states = new WeakMap<PCIDevice, MsixState>();

export function msixPresent(dev: PCIDevice): boolean {
  return states.has(dev);
}

export function msixState(dev: PCIDevice): MsixState | undefined {
  return states.get(dev);
}

/** Table and PBA accept 4- and 8-byte accesses, which reach them as dwords. */
const tableOps: MemoryRegionOps<MsixState> = {
  read: (s, addr) => pciGetLong(s.table, addr & ~3),
  write: (s, addr, value) => pciSetLong(s.table, addr & ~3, value),
  endianness: "little",
  valid: { minAccessSize: 4, maxAccessSize: 8 },
  impl: { maxAccessSize: 4 },
};

const pbaOps: MemoryRegionOps<MsixState> = {
  read: (s, addr) => pciGetLong(s.pba, addr),
  // The pending bits are the device's; guest writes are ignored.
  write: () => {},
  endianness: "little",
  valid: { minAccessSize: 4, maxAccessSize: 8 },
  impl: { maxAccessSize: 4 },
};

/** A device's vector table and pending bits, and where they are mapped. */
export class MsixState {
  readonly table: Uint8Array;
  readonly pba: Uint8Array;
  readonly tableMmio: MemoryRegion;
  readonly pbaMmio: MemoryRegion;

  constructor(
    dev: PCIDevice,
    readonly cap: number,
    readonly entries: number,
    readonly tableBar: MemoryRegion,
    readonly pbaBar: MemoryRegion,
  ) {
    this.table = new Uint8Array(entries * PCI_MSIX_ENTRY_SIZE);
    this.pba = new Uint8Array(Math.ceil(entries / 64) * 8);
    this.tableMmio = memoryRegionInitIo(dev, tableOps, this, "msix-table", this.table.length);
    this.pbaMmio = memoryRegionInitIo(dev, pbaOps, this, "msix-pba", this.pba.length);
  }
}

function maskAll(s: MsixState): void {
  for (let v = 0; v < s.entries; v++) s.table[v * PCI_MSIX_ENTRY_SIZE + PCI_MSIX_ENTRY_VECTOR_CTRL]! |= PCI_MSIX_ENTRY_CTRL_MASKBIT;
}

function overlaps(a: number, alen: number, b: number, blen: number): boolean {
  return a < b + blen && b < a + alen;
}

/**
 * QEMU's msix_init: `nentries` vectors, the table at `tableOffset` of BAR `tableBarNr` (whose
 * region is `tableBar`), the PBA likewise, the capability at `capPos`. Returns its offset.
 */
export function msixInit(
  dev: PCIDevice,
  nentries: number,
  tableBar: MemoryRegion,
  tableBarNr: number,
  tableOffset: number,
  pbaBar: MemoryRegion,
  pbaBarNr: number,
  pbaOffset: number,
  capPos: number,
): number {
  if (nentries < 1 || nentries > PCI_MSIX_FLAGS_QSIZE + 1) throw new QomBug("The number of MSI-X vectors is invalid");
  const tableSize = nentries * PCI_MSIX_ENTRY_SIZE;
  const pbaSize = Math.ceil(nentries / 64) * 8;
  if (
    (tableBarNr === pbaBarNr && overlaps(tableOffset, tableSize, pbaOffset, pbaSize)) ||
    tableOffset + tableSize > tableBar.size ||
    pbaOffset + pbaSize > pbaBar.size ||
    ((tableOffset | pbaOffset) & PCI_MSIX_FLAGS_BIRMASK) !== 0
  ) {
    throw new QomBug("table & pba overlap, or they don't fit in BARs, or don't align");
  }
  const cap = pciAddCapability(dev, PCI_CAP_ID_MSIX, capPos, MSIX_CAP_LENGTH);
  pciSetWord(dev.config, cap + PCI_MSIX_FLAGS, nentries - 1);
  pciSetLong(dev.config, cap + PCI_MSIX_TABLE, tableOffset | tableBarNr);
  pciSetLong(dev.config, cap + PCI_MSIX_PBA, pbaOffset | pbaBarNr);
  dev.wmask[cap + MSIX_CONTROL_OFFSET]! |= (PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL) >> 8;

  const s = new MsixState(dev, cap, nentries, tableBar, pbaBar);
  maskAll(s);
  memoryRegionAddSubregion(tableBar, tableOffset, s.tableMmio);
  memoryRegionAddSubregion(pbaBar, pbaOffset, s.pbaMmio);
  states.set(dev, s);
  return cap;
}

/** QEMU's msix_reset: MSI-X disabled and unmasked at function level, every vector cleared and masked. */
export function msixReset(dev: PCIDevice): void {
  const s = states.get(dev);
  if (!s) return;
  dev.config[s.cap + MSIX_CONTROL_OFFSET]! &= ~dev.wmask[s.cap + MSIX_CONTROL_OFFSET]!;
  s.table.fill(0);
  s.pba.fill(0);
  maskAll(s);
}

/** QEMU's msix_uninit: the table and PBA leave their BARs and the device. */
export function msixUninit(dev: PCIDevice): void {
  const s = states.get(dev);
  if (!s) return;
  states.delete(dev);
  memoryRegionDelSubregion(s.pbaBar, s.pbaMmio);
  memoryRegionDelSubregion(s.tableBar, s.tableMmio);
  s.pbaMmio.unparent();
  s.tableMmio.unparent();
}
