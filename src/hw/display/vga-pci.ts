/**
 * The standard PCI VGA card (QEMU 7.2's hw/display/vga-pci.c): `VGA`, vendor 1234:1111, with
 * video RAM in BAR 0 (prefetchable), an MMIO register page in BAR 2 (`vga.mmio`, holding the
 * VGA ports remapped, the Bochs DISPI registers, the QEMU extended registers and the EDID
 * blob) and the `vgabios-stdvga.bin` option ROM.
 */
import {
  memoryRegionAddSubregion,
  memoryRegionInitIo,
  unassignedIoOps,
  type MemoryRegion,
  type MemoryRegionOps,
} from "../../exec/memory.js";
import { addClassProperty } from "../../qom/object.js";
import type { ObjectProperty } from "../../qom/property.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { graphicConsoleInit } from "../../ui/console.js";
import { defineProp, devicePropertyToObjectProperty, propKinds } from "../core/qdev-properties.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciRegisterBar,
  pciSetRomRegionPrefix,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { bitBool, plainBool } from "../pci/prop-kinds.js";
import {
  PCI_BASE_ADDRESS_MEM_PREFETCH,
  PCI_BASE_ADDRESS_SPACE_MEMORY,
  PCI_CLASS_DISPLAY_VGA,
  PCI_DEVICE_ID_QEMU_VGA,
  PCI_REVISION_ID,
  PCI_VENDOR_ID_QEMU,
} from "../pci/pci-regs.js";
import { edidApplyDefaults, edidGenerate, type EdidInfo } from "./edid.js";
import { VGACommonState, vgaCommonInit, vgaInit, vgaReleaseRegions } from "./vga.js";

export const TYPE_PCI_VGA = "pci-vga";
export const TYPE_VGA = "VGA";

/** The MMIO BAR's layout (QEMU's include/hw/display/bochs-vbe.h). */
export const PCI_VGA_MMIO_SIZE = 0x1000;
export const PCI_VGA_IOPORT_OFFSET = 0x400;
export const PCI_VGA_IOPORT_SIZE = 0x3e0 - 0x3c0;
export const PCI_VGA_BOCHS_OFFSET = 0x500;
export const PCI_VGA_BOCHS_SIZE = 0x0b * 2;
export const PCI_VGA_QEXT_OFFSET = 0x600;
export const PCI_VGA_QEXT_SIZE = 2 * 4;
export const PCI_VGA_QEXT_REG_SIZE = 0 * 4;
export const PCI_VGA_QEXT_REG_BYTEORDER = 1 * 4;
export const PCI_VGA_QEXT_LITTLE_ENDIAN = 0x1e1e1e1e;
export const PCI_VGA_QEXT_BIG_ENDIAN = 0xbebebebe;
/** QEMU keeps 384 bytes of EDID (base block and one extension). */
export const PCI_VGA_EDID_SIZE = 384;

export class PCIVGAState extends PCIDevice {
  readonly vga = new VGACommonState();
  // The qdev properties (QEMU keeps mmio/qemu-extended-regs/edid as bits of one flags word).
  vgamemMb = 16;
  mmioEnabled = true;
  qextEnabled = true;
  edidEnabled = true;
  xres = 0;
  yres = 0;
  xmax = 0;
  ymax = 0;
  refreshRate = 0;
  globalVmstate = false;

  mmio: MemoryRegion | undefined;
  readonly edid = new Uint8Array(PCI_VGA_EDID_SIZE);

  edidInfo(): EdidInfo {
    return { prefx: this.xres, prefy: this.yres, maxx: this.xmax, maxy: this.ymax, refreshRate: this.refreshRate };
  }
}

/** The VGA ports 0x3c0-0x3df at offset 0x400 of the MMIO BAR; a word access is index then data. */
const ioportRemapOps: MemoryRegionOps<VGACommonState> = {
  read: (s, addr, size) => {
    let v = s.ioportRead(0x3c0 + addr);
    if (size === 2) v |= s.ioportRead(0x3c0 + addr + 1) << 8;
    return v;
  },
  write: (s, addr, value, size) => {
    s.ioportWrite(0x3c0 + addr, value & 0xff);
    if (size === 2) s.ioportWrite(0x3c0 + addr + 1, (value >> 8) & 0xff);
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
  impl: { minAccessSize: 1, maxAccessSize: 2 },
};

/** The Bochs DISPI registers as 16-bit MMIO words: register n at offset 2n. */
const bochsOps: MemoryRegionOps<VGACommonState> = {
  read: (s, addr) => {
    s.vbeWriteIndex(addr >> 1);
    return s.vbeReadData();
  },
  write: (s, addr, value) => {
    s.vbeWriteIndex(addr >> 1);
    s.vbeWriteData(value);
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
  impl: { minAccessSize: 2, maxAccessSize: 2 },
};

/** QEMU's extended registers: the block's size, and the framebuffer byte order switch. */
const qextOps: MemoryRegionOps<VGACommonState> = {
  read: (s, addr) => {
    if (addr === PCI_VGA_QEXT_REG_SIZE) return PCI_VGA_QEXT_SIZE;
    if (addr === PCI_VGA_QEXT_REG_BYTEORDER) return s.bigEndianFb ? PCI_VGA_QEXT_BIG_ENDIAN : PCI_VGA_QEXT_LITTLE_ENDIAN;
    return 0;
  },
  write: (s, addr, value) => {
    if (addr !== PCI_VGA_QEXT_REG_BYTEORDER) return;
    if (value >>> 0 === PCI_VGA_QEXT_BIG_ENDIAN) s.bigEndianFb = true;
    if (value >>> 0 === PCI_VGA_QEXT_LITTLE_ENDIAN) s.bigEndianFb = false;
  },
  endianness: "little",
  valid: { minAccessSize: 4, maxAccessSize: 4 },
};

/** The EDID blob, read-only, byte-addressed (QEMU's edid-region.c). */
const edidOps: MemoryRegionOps<Uint8Array> = {
  read: (edid, addr) => edid[addr] ?? 0,
  write: () => {},
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/**
 * QEMU's pci_std_vga_mmio_region_init: the sub-regions of the MMIO BAR, created in QEMU's
 * order; `qext` and `edid` are optional.
 */
export function pciStdVgaMmioRegionInit(d: PCIVGAState, parent: MemoryRegion, qext: boolean, edid: boolean): MemoryRegion[] {
  const s = d.vga;
  const subs: MemoryRegion[] = [];
  const add = (offset: number, mr: MemoryRegion) => {
    memoryRegionAddSubregion(parent, offset, mr);
    subs.push(mr);
  };
  add(PCI_VGA_IOPORT_OFFSET, memoryRegionInitIo(d, ioportRemapOps, s, "vga ioports remapped", PCI_VGA_IOPORT_SIZE));
  add(PCI_VGA_BOCHS_OFFSET, memoryRegionInitIo(d, bochsOps, s, "bochs dispi interface", PCI_VGA_BOCHS_SIZE));
  if (qext) add(PCI_VGA_QEXT_OFFSET, memoryRegionInitIo(d, qextOps, s, "qemu extended regs", PCI_VGA_QEXT_SIZE));
  if (edid) {
    const info = d.edidInfo();
    edidApplyDefaults(info);
    // QEMU's generator writes the defaults back, so `info qtree` shows xres=1280, yres=800.
    d.xres = info.prefx;
    d.yres = info.prefy;
    edidGenerate(d.edid, info);
    add(0, memoryRegionInitIo(d, edidOps, d.edid, "edid", PCI_VGA_EDID_SIZE));
  }
  return subs;
}

function pciStdVgaRealize(dev: PCIDevice): void {
  const d = dev as PCIVGAState;
  const s = d.vga;
  s.vramSizeMb = d.vgamemMb;
  s.globalVmstate = d.globalVmstate;
  const bus = d.pciBus;
  vgaCommonInit(s, d);
  d.vgamemMb = s.vramSizeMb;
  try {
    vgaInit(s, d, bus.addressSpaceMem!, bus.addressSpaceIo!, true);
    // The card's display head (QEMU's graphic_console_init), /backend/console[N] once displays start.
    graphicConsoleInit(d, 0);
    pciRegisterBar(d, 0, PCI_BASE_ADDRESS_MEM_PREFETCH, s.vram!);
    if (d.mmioEnabled) {
      d.mmio = memoryRegionInitIo(d, unassignedIoOps, undefined, "vga.mmio", PCI_VGA_MMIO_SIZE);
      s.regions.push(d.mmio);
      if (d.qextEnabled) d.config[PCI_REVISION_ID] = 2;
      s.regions.push(...pciStdVgaMmioRegionInit(d, d.mmio, d.qextEnabled, d.edidEnabled));
      pciRegisterBar(d, 2, PCI_BASE_ADDRESS_SPACE_MEMORY, d.mmio);
    }
  } catch (err) {
    vgaReleaseRegions(s);
    throw err;
  }
}

function pciVgaExit(dev: PCIDevice): void {
  const d = dev as PCIVGAState;
  vgaReleaseRegions(d.vga);
  d.mmio = undefined;
}

function pciVgaClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.vendorId = PCI_VENDOR_ID_QEMU;
  pc.deviceId = PCI_DEVICE_ID_QEMU_VGA;
  pc.categories.add("display");
  pc.exit = pciVgaExit;
  pc.pciReset = (d) => (d as PCIVGAState).vga.reset();
}

/** `big-endian-framebuffer`: the byte order the guest announced (QEMU's class property, no default). */
const bigEndianFramebuffer: ObjectProperty = {
  name: "big-endian-framebuffer",
  type: "bool",
  get: (obj) => (obj as PCIVGAState).vga.bigEndianFb,
  set: (obj, v) => {
    (obj as PCIVGAState).vga.bigEndianFb = v.typeBool("big-endian-framebuffer");
  },
};

/** VGA's own properties in device-list-properties order. */
function vgaDisplayProps(): ObjectProperty[] {
  const p = devicePropertyToObjectProperty;
  return [
    p(defineProp("refresh_rate", "refreshRate", propKinds.uint32, 0)),
    p(defineProp("global-vmstate", "globalVmstate", plainBool, false)),
    bigEndianFramebuffer,
    p(defineProp("vgamem_mb", "vgamemMb", propKinds.uint32, 16)),
    p(defineProp("qemu-extended-regs", "qextEnabled", bitBool, true)),
    p(defineProp("mmio", "mmioEnabled", bitBool, true)),
    p(defineProp("ymax", "ymax", propKinds.uint32, 0)),
    p(defineProp("yres", "yres", propKinds.uint32, 0)),
    p(defineProp("xmax", "xmax", propKinds.uint32, 0)),
    p(defineProp("edid", "edidEnabled", bitBool, true)),
    p(defineProp("xres", "xres", propKinds.uint32, 0)),
  ];
}

function vgaClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.pciRealize = pciStdVgaRealize;
  pc.romfile = "vgabios-stdvga.bin";
  pc.classId = PCI_CLASS_DISPLAY_VGA;
  pc.hotpluggable = false;
  // The ROM region is named after the card's migration section, "vga".
  pciSetRomRegionPrefix(TYPE_VGA, "vga");
  // device-list-properties shows class properties in reverse order of addition.
  for (const prop of vgaDisplayProps().reverse()) addClassProperty(k, prop);
}

export const pciVgaTypeInfo: TypeInfo<PCIVGAState, PCIDeviceClass> = {
  name: TYPE_PCI_VGA,
  parent: TYPE_PCI_DEVICE,
  abstract: true,
  instance: PCIVGAState,
  classInit: pciVgaClassInit,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};

export const vgaTypeInfo: TypeInfo<PCIVGAState, PCIDeviceClass> = {
  name: TYPE_VGA,
  parent: TYPE_PCI_VGA,
  classInit: vgaClassInit,
};
