/**
 * The VGA core every VGA-compatible card shares (QEMU 7.2's hw/display/vga.c): video RAM
 * (`vga.vram`), the legacy window at 0xa0000 (`vga-lowmem`), the VGA register ports
 * 0x3b0-0x3df (`vga[0..4]`) and the Bochs VBE index/data ports at 0x1ce (`vbe[0]`).
 *
 * The register files are kept as plain state: the guest can program and read back the
 * sequencer, graphics controller, attribute controller, CRTC, DAC and VBE registers, and the
 * legacy window reads and writes video RAM, but nothing is rendered yet.
 */
import {
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionDelSubregion,
  memoryRegionGetRamPtr,
  memoryRegionInitIo,
  memoryRegionInitRam,
  type MemoryRegion,
  type MemoryRegionOps,
} from "../../exec/memory.js";
import { QomError } from "../../qom/error.js";
import type { QomObject } from "../../qom/object.js";
import type { TypeRegistry } from "../../qom/type.js";

const MiB = 1024 * 1024;

/** Bochs VBE ("DISPI") register indexes and the values QEMU's interface reports. */
export const VBE_DISPI_INDEX_ID = 0x0;
export const VBE_DISPI_INDEX_XRES = 0x1;
export const VBE_DISPI_INDEX_YRES = 0x2;
export const VBE_DISPI_INDEX_BPP = 0x3;
export const VBE_DISPI_INDEX_ENABLE = 0x4;
export const VBE_DISPI_INDEX_BANK = 0x5;
export const VBE_DISPI_INDEX_VIRT_WIDTH = 0x6;
export const VBE_DISPI_INDEX_VIRT_HEIGHT = 0x7;
export const VBE_DISPI_INDEX_X_OFFSET = 0x8;
export const VBE_DISPI_INDEX_Y_OFFSET = 0x9;
export const VBE_DISPI_INDEX_VIDEO_MEMORY_64K = 0xa;
export const VBE_DISPI_INDEX_NB = 0xb;
export const VBE_DISPI_ID5 = 0xb0c5;
export const VBE_DISPI_ENABLED = 0x01;
export const VBE_DISPI_GETCAPS = 0x02;
export const VBE_DISPI_MAX_XRES = 16000;
export const VBE_DISPI_MAX_YRES = 12000;
export const VBE_DISPI_MAX_BPP = 32;

/** The highest attribute controller register. */
const VGA_ATT_MAX = 0x14;

/** Misc output bit 0: colour emulation, CRTC at 0x3d4 instead of 0x3b4. */
const VGA_MIS_COLOR = 0x01;
/** Input status 1: display enable / vertical retrace, toggled on each read (QEMU's dumb retrace). */
const ST01_V_RETRACE = 0x08;
const ST01_DISP_ENABLE = 0x01;

/** State shared by all VGA cards (QEMU's VGACommonState, the parts qomd models). */
export class VGACommonState {
  /** The `vgamem_mb` property as given; realize rounds it as QEMU does. */
  vramSizeMb = 16;
  vramSize = 0;
  /** The VBE view of video memory (QEMU lets a card shrink it; plain VGA uses all of it). */
  vbeSize = 0;
  globalVmstate = false;
  vram: MemoryRegion | undefined;
  lowmem: MemoryRegion | undefined;
  /** Every region the card created, so that a failed or undone realize can take them away. */
  readonly regions: MemoryRegion[] = [];

  // ---- register files ------------------------------------------------------------------------
  msr = 0;
  fcr = 0;
  st00 = 0;
  st01 = 0;
  srIndex = 0;
  readonly sr = new Uint8Array(256);
  grIndex = 0;
  readonly gr = new Uint8Array(256);
  arIndex = 0;
  /** The attribute controller's address/data flip-flop (0: next write is an index). */
  arFlipFlop = 0;
  readonly ar = new Uint8Array(0x15);
  crIndex = 0;
  readonly cr = new Uint8Array(256);
  /** DAC: 256 entries of 6-bit R, G, B. */
  readonly palette = new Uint8Array(768);
  dacReadIndex = 0;
  dacWriteIndex = 0;
  dacSubIndex = 0;
  /** 0: the DAC was last set up for writes, 3: for reads (what port 0x3c7 reports). */
  dacState = 0;
  readonly dacCache = new Uint8Array(3);
  vbeIndex = 0;
  readonly vbeRegs = new Uint16Array(VBE_DISPI_INDEX_NB);
  /** The Bochs VBE bank register selects which 64 KiB of video memory the window shows. */
  bankOffset = 0;
  bigEndianFb = false;

  /** Index bits the sequencer and graphics controller decode (Cirrus decodes all 8). */
  srMask = 0x07;
  grMask = 0x0f;

  /** The video memory bytes (an empty array before realize). */
  vramBytes(): Uint8Array {
    if (!this.vram) return new Uint8Array(0);
    const { bytes, offset } = memoryRegionGetRamPtr(this.vram);
    return bytes.subarray(offset, offset + this.vramSize);
  }

  /** QEMU's vga_reset: power-on register contents. */
  reset(): void {
    this.msr = this.fcr = this.st00 = this.st01 = 0;
    this.srIndex = this.grIndex = this.arIndex = this.arFlipFlop = this.crIndex = 0;
    this.sr.fill(0);
    this.gr.fill(0);
    this.ar.fill(0);
    this.cr.fill(0);
    this.palette.fill(0);
    this.dacReadIndex = this.dacWriteIndex = this.dacSubIndex = this.dacState = 0;
    this.dacCache.fill(0);
    this.vbeIndex = 0;
    this.vbeRegs.fill(0);
    this.vbeRegs[VBE_DISPI_INDEX_ID] = VBE_DISPI_ID5;
    this.vbeRegs[VBE_DISPI_INDEX_VIDEO_MEMORY_64K] = this.vramSize >> 16;
    this.bankOffset = 0;
  }

  // ---- the VGA register ports (QEMU's vga_ioport_read / vga_ioport_write) ----------------------

  /** Ports the current emulation mode does not decode: the mono CRTC in colour mode and vice versa. */
  private ignored(port: number): boolean {
    const color = (this.msr & VGA_MIS_COLOR) !== 0;
    if (port >= 0x3b0 && port <= 0x3bf) return color;
    if (port >= 0x3d0 && port <= 0x3df) return !color;
    return false;
  }

  ioportRead(port: number): number {
    if (this.ignored(port)) return 0xff;
    switch (port) {
      case 0x3c0:
        return this.arFlipFlop === 0 ? this.arIndex : 0;
      case 0x3c1: {
        const index = this.arIndex & 0x1f;
        return index < VGA_ATT_MAX + 1 ? this.ar[index]! : 0;
      }
      case 0x3c2:
        return this.st00;
      case 0x3c4:
        return this.srIndex;
      case 0x3c5:
        return this.sr[this.srIndex]!;
      case 0x3c7:
        return this.dacState;
      case 0x3c8:
        return this.dacWriteIndex;
      case 0x3c9: {
        const v = this.palette[this.dacReadIndex * 3 + this.dacSubIndex]!;
        if (++this.dacSubIndex === 3) {
          this.dacSubIndex = 0;
          this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
        }
        return v;
      }
      case 0x3ca:
        return this.fcr;
      case 0x3cc:
        return this.msr;
      case 0x3ce:
        return this.grIndex;
      case 0x3cf:
        return this.gr[this.grIndex]!;
      case 0x3b4:
      case 0x3d4:
        return this.crIndex;
      case 0x3b5:
      case 0x3d5:
        return this.cr[this.crIndex]!;
      case 0x3ba:
      case 0x3da:
        // Reading input status 1 resets the attribute flip-flop; retrace toggles so that
        // polling loops waiting for it finish.
        this.st01 ^= ST01_V_RETRACE | ST01_DISP_ENABLE;
        this.arFlipFlop = 0;
        return this.st01;
      default:
        return 0x00;
    }
  }

  ioportWrite(port: number, value: number): void {
    if (this.ignored(port)) return;
    value &= 0xff;
    switch (port) {
      case 0x3c0:
        if (this.arFlipFlop === 0) {
          this.arIndex = value & 0x3f;
        } else {
          const index = this.arIndex & 0x1f;
          if (index <= VGA_ATT_MAX) this.ar[index] = value;
        }
        this.arFlipFlop ^= 1;
        break;
      case 0x3c2:
        this.msr = value & ~0x10;
        break;
      case 0x3c4:
        this.srIndex = value & this.srMask;
        break;
      case 0x3c5:
        this.sr[this.srIndex] = value;
        break;
      case 0x3c7:
        this.dacReadIndex = value;
        this.dacSubIndex = 0;
        this.dacState = 3;
        break;
      case 0x3c8:
        this.dacWriteIndex = value;
        this.dacSubIndex = 0;
        this.dacState = 0;
        break;
      case 0x3c9:
        this.dacCache[this.dacSubIndex] = value;
        if (++this.dacSubIndex === 3) {
          this.palette.set(this.dacCache, this.dacWriteIndex * 3);
          this.dacSubIndex = 0;
          this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
        }
        break;
      case 0x3ce:
        this.grIndex = value & this.grMask;
        break;
      case 0x3cf:
        this.gr[this.grIndex] = value;
        break;
      case 0x3b4:
      case 0x3d4:
        this.crIndex = value;
        break;
      case 0x3b5:
      case 0x3d5:
        // CR0-CR7 are write-protected while CR11 bit 7 is set, except CR7's line-compare bit 4.
        if ((this.cr[0x11]! & 0x80) !== 0 && this.crIndex <= 7) {
          if (this.crIndex === 7) this.cr[7] = (this.cr[7]! & ~0x10) | (value & 0x10);
          return;
        }
        this.cr[this.crIndex] = value;
        break;
      case 0x3ba:
      case 0x3da:
        this.fcr = value & 0x10;
        break;
      default:
        break;
    }
  }

  // ---- Bochs VBE (QEMU's vbe_ioport_*) -----------------------------------------------------

  vbeReadIndex(): number {
    return this.vbeIndex;
  }

  vbeWriteIndex(value: number): void {
    this.vbeIndex = value & 0xffff;
  }

  vbeReadData(): number {
    const index = this.vbeIndex;
    if (index >= VBE_DISPI_INDEX_NB) return 0;
    if ((this.vbeRegs[VBE_DISPI_INDEX_ENABLE]! & VBE_DISPI_GETCAPS) !== 0) {
      // With GETCAPS set, the mode registers report the largest mode instead.
      if (index === VBE_DISPI_INDEX_XRES) return VBE_DISPI_MAX_XRES;
      if (index === VBE_DISPI_INDEX_YRES) return VBE_DISPI_MAX_YRES;
      if (index === VBE_DISPI_INDEX_BPP) return VBE_DISPI_MAX_BPP;
    }
    if (index === VBE_DISPI_INDEX_VIDEO_MEMORY_64K) return Math.floor(this.vbeSize / (64 * 1024)) & 0xffff;
    return this.vbeRegs[index]!;
  }

  vbeWriteData(value: number): void {
    const index = this.vbeIndex;
    value &= 0xffff;
    if (index >= VBE_DISPI_INDEX_NB) return;
    switch (index) {
      case VBE_DISPI_INDEX_ID:
        // Only the interface ids QEMU knows are accepted.
        if (value >= 0xb0c0 && value <= VBE_DISPI_ID5) this.vbeRegs[index] = value;
        break;
      case VBE_DISPI_INDEX_VIDEO_MEMORY_64K:
        break;
      case VBE_DISPI_INDEX_BANK:
        this.vbeRegs[index] = value;
        this.bankOffset = (value << 16) % Math.max(this.vbeSize, 1);
        break;
      default:
        this.vbeRegs[index] = value;
        break;
    }
  }

  // ---- the legacy window at 0xa0000 (QEMU's vga_mem_readb / vga_mem_writeb) -----------------

  /**
   * Where window offset `addr` (0 … 0x1ffff) lands in video RAM, by the graphics controller's
   * memory map select (GR6 bits 2-3); undefined outside the selected window.
   */
  windowOffset(addr: number): number | undefined {
    switch ((this.gr[6]! >> 2) & 3) {
      case 0:
        return addr;
      case 1:
        return addr < 0x10000 ? addr + this.bankOffset : undefined;
      case 2:
        return addr >= 0x10000 && addr < 0x18000 ? addr - 0x10000 : undefined;
      default:
        return addr >= 0x18000 ? addr - 0x18000 : undefined;
    }
  }

  memRead(addr: number): number {
    const off = this.windowOffset(addr);
    const vram = this.vramBytes();
    return off === undefined || off >= vram.length ? 0xff : vram[off]!;
  }

  memWrite(addr: number, value: number): void {
    const off = this.windowOffset(addr);
    const vram = this.vramBytes();
    if (off !== undefined && off < vram.length) vram[off] = value & 0xff;
  }
}

/** Unmaps and drops every region the card created (the card's part of unrealize). */
export function vgaReleaseRegions(s: VGACommonState): void {
  for (const mr of s.regions.splice(0).reverse()) {
    if (mr.container) memoryRegionDelSubregion(mr.container, mr);
    mr.unparent();
  }
  s.vram = s.lowmem = undefined;
}

function pow2ceil(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}

/** The cards whose video RAM is migrated globally (QEMU's one `vga.vram` RAM block name). */
const globalVgaOwners = new WeakMap<TypeRegistry, QomObject>();

/**
 * QEMU's vga_common_init: clamps `vgamem_mb` to 1-512 and rounds it to a power of two, then
 * creates `vga.vram` owned by `owner`.
 */
export function vgaCommonInit(s: VGACommonState, owner: QomObject): void {
  s.vramSizeMb = pow2ceil(Math.min(Math.max(s.vramSizeMb, 1), 512));
  s.vramSize = s.vramSizeMb * MiB;
  if (!s.vbeSize) s.vbeSize = s.vramSize;
  if (s.globalVmstate) {
    const other = globalVgaOwners.get(owner.registry);
    if (other && other.parent) throw new QomError("Only one global VGA device can be used at a time");
    globalVgaOwners.set(owner.registry, owner);
  }
  s.vram = memoryRegionInitRam(owner, "vga.vram", s.vramSize);
  s.regions.push(s.vram);
  s.reset();
}

/** QEMU's MemoryRegionPortio: `len` ports at `offset`, accessed `size` bytes at a time. */
export interface VgaPortio {
  readonly offset: number;
  readonly len: number;
  readonly size: number;
  readonly read: (port: number) => number;
  readonly write: (port: number, value: number) => void;
}

/**
 * QEMU's portio_list_add: one I/O region named `name` per run of adjacent entries, mapped at
 * `base` + the run's first offset in `io`. Handlers get absolute port numbers.
 */
export function portioListAdd(owner: QomObject, io: MemoryRegion, base: number, list: readonly VgaPortio[], name: string): MemoryRegion[] {
  // Each run becomes one region, as QEMU merges adjacent MemoryRegionPortio entries.
  const regions: MemoryRegion[] = [];
  for (let i = 0; i < list.length; i++) {
    const run = [list[i]!];
    while (i + 1 < list.length && list[i + 1]!.offset === run.at(-1)!.offset + run.at(-1)!.len) run.push(list[++i]!);
    const start = run[0]!.offset;
    const end = run.at(-1)!.offset + run.at(-1)!.len;
    // QEMU's portio_read/portio_write: an access of an entry's own width goes to it; a word
    // access over byte-wide entries is split into two byte accesses.
    const entryAt = (addr: number, size: number) =>
      run.find((e) => start + addr >= e.offset && start + addr < e.offset + e.len && e.size === size);
    const readPort = (addr: number, size: number): number => {
      const e = entryAt(addr, size);
      if (e) return e.read(base + start + addr) & (size === 4 ? 0xffffffff : (1 << (8 * size)) - 1);
      if (size === 2) return readPort(addr, 1) | (readPort(addr + 1, 1) << 8);
      return size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    };
    const writePort = (addr: number, value: number, size: number): void => {
      const e = entryAt(addr, size);
      if (e) e.write(base + start + addr, value);
      else if (size === 2) {
        writePort(addr, value & 0xff, 1);
        writePort(addr + 1, (value >> 8) & 0xff, 1);
      }
    };
    const ops: MemoryRegionOps<undefined> = {
      read: (_o, addr, size) => readPort(addr, size),
      write: (_o, addr, value, size) => writePort(addr, value, size),
      endianness: "little",
      valid: { minAccessSize: 1, maxAccessSize: 4, unaligned: true },
      impl: { minAccessSize: 1, maxAccessSize: 4, unaligned: true },
    };
    const region = memoryRegionInitIo(owner, ops, undefined, name, end - start);
    memoryRegionAddSubregion(io, base + start, region);
    regions.push(region);
  }
  return regions;
}

/** The VGA register ports, relative to 0x3b0 (QEMU's vga_portio_list). */
export function vgaPortioList(s: VGACommonState): VgaPortio[] {
  const read = (port: number) => s.ioportRead(port);
  const write = (port: number, value: number) => s.ioportWrite(port, value);
  return [
    { offset: 0x04, len: 2, size: 1, read, write },
    { offset: 0x0a, len: 1, size: 1, read, write },
    { offset: 0x10, len: 16, size: 1, read, write },
    { offset: 0x24, len: 2, size: 1, read, write },
    { offset: 0x2a, len: 1, size: 1, read, write },
  ];
}

/** The Bochs VBE ports at 0x1ce: index, then data (0x1cf on x86, and 0x1d0). */
export function vbePortioList(s: VGACommonState): VgaPortio[] {
  const readData = () => s.vbeReadData();
  const writeData = (_p: number, v: number) => s.vbeWriteData(v);
  return [
    { offset: 0, len: 1, size: 2, read: () => s.vbeReadIndex(), write: (_p, v) => s.vbeWriteIndex(v) },
    { offset: 1, len: 1, size: 2, read: readData, write: writeData },
    { offset: 2, len: 1, size: 2, read: readData, write: writeData },
  ];
}

/** The legacy window's accesses (QEMU's vga_mem_ops), byte by byte. */
export const vgaMemOps: MemoryRegionOps<VGACommonState> = {
  read: (s, addr) => s.memRead(addr),
  write: (s, addr, value) => s.memWrite(addr, value),
  endianness: "little",
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/**
 * QEMU's vga_init: the `vga-lowmem` window over 0xa0000 in `addressSpace` (above RAM and the
 * PCI hole), the register ports at 0x3b0 when `initVgaPorts`, and the VBE ports at 0x1ce.
 */
export function vgaInit(s: VGACommonState, owner: QomObject, addressSpace: MemoryRegion, io: MemoryRegion, initVgaPorts: boolean): void {
  s.lowmem = memoryRegionInitIo(owner, vgaMemOps, s, "vga-lowmem", 0x20000);
  s.regions.push(s.lowmem);
  memoryRegionAddSubregionOverlap(addressSpace, 0xa0000, s.lowmem, 1);
  if (initVgaPorts) s.regions.push(...portioListAdd(owner, io, 0x3b0, vgaPortioList(s), "vga"));
  s.regions.push(...portioListAdd(owner, io, 0x1ce, vbePortioList(s), "vbe"));
}
