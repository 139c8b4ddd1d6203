/**
 * The Cirrus Logic CLGD 5446 PCI card (QEMU 7.2's hw/display/cirrus_vga.c): `cirrus-vga`,
 * vendor 1013:00b8, 4 MiB of video RAM (8 or 16 accepted), the linear framebuffer and BitBLT
 * apertures in BAR 0, memory-mapped registers in BAR 1 and the `vgabios-cirrus.bin` ROM.
 *
 * Registers are plain state on top of the VGA core: the extension unlock (SR6), the
 * identification and memory configuration registers a BIOS probes, and the extended
 * sequencer/graphics/CRTC files; the BitBLT engine and rendering are not modelled.
 */
import {
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionInitIo,
  memoryRegionSetEnabled,
  type MemoryRegion,
  type MemoryRegionOps,
} from "../../exec/memory.js";
import { QomError } from "../../qom/error.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { graphicConsoleInit } from "../../ui/console.js";
import { defineProp, propKinds } from "../core/qdev-properties.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciRegisterBar,
  pciSetRomRegionPrefix,
  setPropsInDisplayOrder,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { plainBool } from "../pci/prop-kinds.js";
import { PCI_BASE_ADDRESS_MEM_PREFETCH, PCI_CLASS_DISPLAY_VGA, PCI_VENDOR_ID_CIRRUS } from "../pci/pci-regs.js";
import { VGACommonState, vgaCommonInit, vgaMemOps, vgaReleaseRegions } from "./vga.js";

export const TYPE_PCI_CIRRUS_VGA = "cirrus-vga";
/** The CLGD 5446's id, also what CR27 reads back. */
export const CIRRUS_ID_CLGD5446 = 0x2e << 2;
const CIRRUS_PNPMMIO_SIZE = 0x1000;
const MiB = 1024 * 1024;

/** The Cirrus view of the VGA core: extension registers and the SR6 unlock. */
export class CirrusVGACore extends VGACommonState {
  deviceId = CIRRUS_ID_CLGD5446;

  constructor() {
    super();
    // The extended register files use all index bits.
    this.srMask = 0xff;
    this.grMask = 0xff;
  }

  /** QEMU's cirrus_reset on top of the VGA reset. */
  override reset(): void {
    super.reset();
    this.sr[0x06] = 0x0f;
    this.sr[0x1f] = 0x2d; // memory clock
    this.gr[0x18] = 0x0f; // fastest memory configuration
    this.sr[0x0f] = 0x98;
    this.sr[0x17] = 0x20;
    this.sr[0x15] = 0x04; // 4 MiB
    this.cr[0x27] = this.deviceId;
  }

  override ioportWrite(port: number, value: number): void {
    // SR6 unlocks the extensions only with the magic value; anything else locks them again.
    if (port === 0x3c5 && this.srIndex === 0x06) {
      this.sr[0x06] = (value & 0x17) === 0x12 ? 0x12 : 0x0f;
      return;
    }
    // CR27 (part id) and CR25 (part status) are read-only.
    if ((port === 0x3d5 || port === 0x3b5) && (this.crIndex === 0x27 || this.crIndex === 0x25)) return;
    super.ioportWrite(port, value);
  }
}

export class PCICirrusVGAState extends PCIDevice {
  readonly vga = new CirrusVGACore();
  vgamemMb = 4;
  blitter = true;
  globalVmstate = false;

  io: MemoryRegion | undefined;
  lowMemContainer: MemoryRegion | undefined;
  lowMem: MemoryRegion | undefined;
  readonly banks: MemoryRegion[] = [];
  linearIo: MemoryRegion | undefined;
  bitbltIo: MemoryRegion | undefined;
  mmioIo: MemoryRegion | undefined;
  pciBar: MemoryRegion | undefined;
}

/** Ports 0x3b0-0x3df in one region, as the Cirrus card claims them. */
const cirrusIoOps: MemoryRegionOps<CirrusVGACore> = {
  read: (s, addr) => s.ioportRead(0x3b0 + addr),
  write: (s, addr, value) => s.ioportWrite(0x3b0 + addr, value),
  endianness: "little",
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/** The linear framebuffer aperture: video RAM as the guest sees it without byte swapping. */
const linearOps: MemoryRegionOps<CirrusVGACore> = {
  read: (s, addr) => s.vramBytes()[addr & (s.vramSize - 1)] ?? 0xff,
  write: (s, addr, value) => {
    const vram = s.vramBytes();
    if (vram.length) vram[addr & (s.vramSize - 1)] = value & 0xff;
  },
  endianness: "little",
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/** The BitBLT source aperture: without a blitter engine, writes go nowhere and reads float. */
const bitbltOps: MemoryRegionOps<CirrusVGACore> = {
  read: () => 0xff,
  write: () => {},
  endianness: "little",
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/** Memory-mapped registers: the VGA ports 0x3c0-0x3df below 0x100, BitBLT registers above. */
const mmioOps: MemoryRegionOps<CirrusVGACore> = {
  read: (s, addr) => (addr >= 0x100 ? 0xff : s.ioportRead(0x3c0 + addr)),
  write: (s, addr, value) => {
    if (addr < 0x100) s.ioportWrite(0x3c0 + addr, value);
  },
  endianness: "little",
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/** QEMU's cirrus_init_common for the PCI card: the regions, created in QEMU's order. */
function cirrusInitCommon(d: PCICirrusVGAState, systemMemory: MemoryRegion, systemIo: MemoryRegion): void {
  const s = d.vga;
  d.io = memoryRegionInitIo(d, cirrusIoOps, s, "cirrus-io", 0x30);
  s.regions.push(d.io);
  memoryRegionAddSubregion(systemIo, 0x3b0, d.io);

  d.lowMemContainer = memoryRegionInit(d, "cirrus-lowmem-container", 0x20000);
  d.lowMem = memoryRegionInitIo(d, vgaMemOps, s, "cirrus-low-memory", 0x20000);
  s.regions.push(d.lowMemContainer, d.lowMem);
  memoryRegionAddSubregion(d.lowMemContainer, 0, d.lowMem);
  // Two 32 KiB bank windows into video RAM, off until the guest maps banked memory.
  for (const [i, name] of ["vga.bank0", "vga.bank1"].entries()) {
    const bank = memoryRegionInitAlias(d, name, s.vram!, 0, 0x8000);
    memoryRegionSetEnabled(bank, false);
    memoryRegionAddSubregionOverlap(d.lowMemContainer, i * 0x8000, bank, 1);
    d.banks.push(bank);
    s.regions.push(bank);
  }
  memoryRegionAddSubregionOverlap(systemMemory, 0xa0000, d.lowMemContainer, 1);

  d.linearIo = memoryRegionInitIo(d, linearOps, s, "cirrus-linear-io", s.vramSizeMb * MiB);
  d.bitbltIo = memoryRegionInitIo(d, bitbltOps, s, "cirrus-bitblt-mmio", 0x400000);
  d.mmioIo = memoryRegionInitIo(d, mmioOps, s, "cirrus-mmio", CIRRUS_PNPMMIO_SIZE);
  s.regions.push(d.linearIo, d.bitbltIo, d.mmioIo);
}

function pciCirrusVgaRealize(dev: PCIDevice): void {
  const d = dev as PCICirrusVGAState;
  const s = d.vga;
  // Real cards have 4 MiB; 8 and 16 are accepted for compatibility with older QEMU.
  if (d.vgamemMb !== 4 && d.vgamemMb !== 8 && d.vgamemMb !== 16) {
    throw new QomError(`Invalid cirrus_vga ram size '${d.vgamemMb}'`);
  }
  s.vramSizeMb = d.vgamemMb;
  s.globalVmstate = d.globalVmstate;
  s.deviceId = d.pciClass.deviceId;
  const bus = d.pciBus;
  vgaCommonInit(s, d);
  try {
    cirrusInitCommon(d, bus.addressSpaceMem!, bus.addressSpaceIo!);
    // The card's display head (QEMU's graphic_console_init), /backend/console[N] once displays start.
    graphicConsoleInit(d, 0);
    d.pciBar = memoryRegionInit(d, "cirrus-pci-bar0", 0x2000000);
    s.regions.push(d.pciBar);
    memoryRegionAddSubregion(d.pciBar, 0, d.linearIo!);
    memoryRegionAddSubregion(d.pciBar, 0x1000000, d.bitbltIo!);
    pciRegisterBar(d, 0, PCI_BASE_ADDRESS_MEM_PREFETCH, d.pciBar);
    pciRegisterBar(d, 1, 0, d.mmioIo!);
  } catch (err) {
    vgaReleaseRegions(s);
    throw err;
  }
}

const cirrusProps = [
  defineProp("global-vmstate", "globalVmstate", plainBool, false),
  defineProp("blitter", "blitter", plainBool, true),
  defineProp("vgamem_mb", "vgamemMb", propKinds.uint32, 4),
];

function cirrusVgaClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.pciRealize = pciCirrusVgaRealize;
  pc.exit = (d) => vgaReleaseRegions((d as PCICirrusVGAState).vga);
  pc.pciReset = (d) => (d as PCICirrusVGAState).vga.reset();
  pc.romfile = "vgabios-cirrus.bin";
  pc.vendorId = PCI_VENDOR_ID_CIRRUS;
  pc.deviceId = CIRRUS_ID_CLGD5446;
  pc.classId = PCI_CLASS_DISPLAY_VGA;
  pc.categories.add("display");
  pc.desc = "Cirrus CLGD 54xx VGA";
  pc.hotpluggable = false;
  // The ROM region is named after the card's migration section.
  pciSetRomRegionPrefix(TYPE_PCI_CIRRUS_VGA, "cirrus_vga");
  setPropsInDisplayOrder(k, cirrusProps);
}

export const cirrusVgaTypeInfo: TypeInfo<PCICirrusVGAState, PCIDeviceClass> = {
  name: TYPE_PCI_CIRRUS_VGA,
  parent: TYPE_PCI_DEVICE,
  instance: PCICirrusVGAState,
  classInit: cirrusVgaClassInit,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
