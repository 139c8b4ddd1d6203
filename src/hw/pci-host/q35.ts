/**
 * The Q35 host bridge (QEMU 7.2's hw/pci-host/q35.c): `q35-pcihost` at `/machine/q35` owns the
 * PCI Express root bus `pcie.0`, the configuration ports 0xcf8/0xcfc and the MMCONFIG window;
 * its PCI face `mch` (00.0, the 82P35 memory controller hub) holds the PAM registers that
 * route 640 KiB-1 MiB between RAM and PCI, SMRAM (the VGA window, the high SMRAM alias at
 * 0xfeda0000, TSEG below the top of low RAM, the SMBASE area) and PCIEXBAR.
 */
import {
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionDelSubregion,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionInitIo,
  memoryRegionSetAddress,
  memoryRegionSetAliasOffset,
  memoryRegionSetEnabled,
  memoryRegionSetSize,
  memoryRegionTransactionBegin,
  memoryRegionTransactionCommit,
  type MemoryRegion,
  type MemoryRegionOps,
} from "../../exec/memory.js";
import { addChild } from "../../qom/child.js";
import { QomBug, QomError } from "../../qom/error.js";
import { addConstLink, linkProperty } from "../../qom/link.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import type { ObjectProperty } from "../../qom/property.js";
import { intProperty } from "../../qom/property.js";
import { objectGetRoot } from "../../qom/root.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { defineProp, propKinds } from "../core/qdev-properties.js";
import { qdevRealize } from "../core/qdev-realize.js";
import type { DeviceClass } from "../core/qdev.js";
import { allowSetLinkBeforeRealize } from "../isa/isa-bus.js";
import { pciRootBusNew, TYPE_PCIE_BUS } from "../pci/pci-bus.js";
import { pciGetWord, pciSetQuad, pciSetWord } from "../pci/pci-config.js";
import { PCIHostState, pciHostConfOps, pciHostDataOps, TYPE_PCIE_HOST_BRIDGE } from "../pci/pci-host.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciDefaultWriteConfig,
  setPropsInDisplayOrder,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { plainBool } from "../pci/prop-kinds.js";
import { PCI_CLASS_BRIDGE_HOST, PCI_DEVICE_ID_INTEL_Q35_MCH, PCI_VENDOR_ID_INTEL } from "../pci/pci-regs.js";
import { IO_APIC_DEFAULT_ADDRESS } from "./i440fx.js";
import { initPamRegions, type PamMemoryRegion } from "./pam.js";

export const TYPE_Q35_HOST_DEVICE = "q35-pcihost";
export const TYPE_MCH_PCI_DEVICE = "mch";

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;

/** The MCH's configuration registers (QEMU's include/hw/pci-host/q35.h). */
export const MCH_HOST_BRIDGE_CONFIG_ADDR = 0xcf8;
export const MCH_HOST_BRIDGE_CONFIG_DATA = 0xcfc;
export const MCH_HOST_BRIDGE_EXT_TSEG_MBYTES = 0x50;
const MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_SIZE = 2;
export const MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_QUERY = 0xffff;
const MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_MAX = 0xfff;
const MCH_HOST_BRIDGE_SMBASE_SIZE = 128 * KiB;
const MCH_HOST_BRIDGE_SMBASE_ADDR = 0x30000;
export const MCH_HOST_BRIDGE_F_SMBASE = 0x9c;
export const MCH_HOST_BRIDGE_F_SMBASE_QUERY = 0xff;
export const MCH_HOST_BRIDGE_F_SMBASE_IN_RAM = 0x01;
export const MCH_HOST_BRIDGE_F_SMBASE_LCK = 0x02;
export const MCH_HOST_BRIDGE_PCIEXBAR = 0x60;
const MCH_HOST_BRIDGE_PCIEXBAR_SIZE = 8;
export const MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT = 0xb0000000;
/** Address bits 35..28 of PCIEXBAR. */
const MCH_HOST_BRIDGE_PCIEXBAR_ADMSK = 0xff0000000n;
const MCH_HOST_BRIDGE_PCIEXBAR_128ADMSK = 1n << 26n;
const MCH_HOST_BRIDGE_PCIEXBAR_64ADMSK = 1n << 25n;
const MCH_HOST_BRIDGE_PCIEXBAREN = 1n;
export const MCH_HOST_BRIDGE_PAM0 = 0x90;
const MCH_HOST_BRIDGE_PAM_SIZE = 7;
export const MCH_HOST_BRIDGE_SMRAM = 0x9d;
const MCH_HOST_BRIDGE_SMRAM_SIZE = 2;
const SMRAM_D_OPEN = 1 << 6;
const SMRAM_D_CLS = 1 << 5;
const SMRAM_D_LCK = 1 << 4;
const SMRAM_G_SMRAME = 1 << 3;
const MCH_HOST_BRIDGE_SMRAM_DEFAULT = 0x02;
const MCH_HOST_BRIDGE_SMRAM_WMASK = SMRAM_D_OPEN | SMRAM_D_CLS | SMRAM_D_LCK | SMRAM_G_SMRAME;
const MCH_HOST_BRIDGE_SMRAM_WMASK_LCK = SMRAM_D_CLS;
const MCH_HOST_BRIDGE_SMRAM_C_BASE = 0xa0000;
const MCH_HOST_BRIDGE_SMRAM_C_SIZE = 0x20000;
export const MCH_HOST_BRIDGE_ESMRAMC = 0x9e;
const ESMRAMC_H_SMRAME = 1 << 7;
const ESMRAMC_SM_CACHE = 1 << 5;
const ESMRAMC_SM_L1 = 1 << 4;
const ESMRAMC_SM_L2 = 1 << 3;
const ESMRAMC_TSEG_SZ_MASK = 0x3 << 1;
const ESMRAMC_TSEG_SZ_1MB = 0x0 << 1;
const ESMRAMC_TSEG_SZ_2MB = 0x1 << 1;
const ESMRAMC_TSEG_SZ_8MB = 0x2 << 1;
const ESMRAMC_T_EN = 1;
const MCH_HOST_BRIDGE_ESMRAMC_DEFAULT = ESMRAMC_SM_CACHE | ESMRAMC_SM_L1 | ESMRAMC_SM_L2;
const MCH_HOST_BRIDGE_ESMRAMC_WMASK = ESMRAMC_H_SMRAME | ESMRAMC_TSEG_SZ_MASK | ESMRAMC_T_EN;
const MCH_HOST_BRIDGE_ESMRAMC_WMASK_LCK = 0;

/** The 64-bit PCI hole's default size on Q35 (32 GiB). */
export const Q35_PCI_HOST_HOLE64_SIZE_DEFAULT = 2 ** 35;
/** PCIExpressHost's base address while MMCONFIG is not mapped. */
export const PCIE_BASE_ADDR_UNMAPPED = 0xffffffffffffffffn;
/** The largest MMCONFIG window (256 buses). */
const PCIE_MMCFG_SIZE_MAX = 1 << 28;

function roundUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}

function rangesOverlap(a: number, alen: number, b: number, blen: number): boolean {
  return a < b + blen && b < a + alen;
}

export class Q35PCIHost extends PCIHostState {
  /** `MCFG` (PCIExpressHost.base_addr): where MMCONFIG is mapped, PCIE_BASE_ADDR_UNMAPPED when not. */
  mcfgBase: number | bigint = MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT;
  /** `mcfg_size`: the mapped MMCONFIG size, 0 until the firmware enables PCIEXBAR. */
  mcfgSize = 0;
  pciHole64Size: number | bigint = Q35_PCI_HOST_HOLE64_SIZE_DEFAULT;
  shortRootBus = 0;
  below4gMemSize: number | bigint = 0;
  above4gMemSize: number | bigint = 0;
  pciHole64Fix = true;
  /** Where the 64-bit hole starts when no device claimed 64-bit space; set by the board. */
  pciHole64StartDefault = 0x100000000;
  ramMemory: MemoryRegion | undefined;
  pciAddressSpace: MemoryRegion | undefined;
  systemMemory: MemoryRegion | undefined;
  addressSpaceIo: MemoryRegion | undefined;
  confIdx: MemoryRegion | undefined;
  confData: MemoryRegion | undefined;
  mmcfg: MemoryRegion | undefined;
  mch!: MCHPCIState;

  get below4g(): number {
    return Number(this.below4gMemSize);
  }

  /** QEMU's q35_host_get_pci_hole64_start_value (no device claims 64-bit space yet). */
  hole64Start(): number {
    return this.pciHole64Fix ? this.pciHole64StartDefault : 0;
  }

  hole64End(): number {
    const end = roundUp(this.hole64Start() + Number(this.pciHole64Size), GiB);
    return this.pciHole64Fix ? end : 0;
  }

  /** QEMU's pcie_host_mmcfg_update: MMCONFIG is unmapped, then mapped at `addr` when enabled. */
  mmcfgUpdate(enable: boolean, addr: number, size: number): void {
    const system = getSystemMemory(this.registry);
    memoryRegionTransactionBegin(this.registry);
    try {
      if (this.mcfgBase !== PCIE_BASE_ADDR_UNMAPPED && this.mmcfg?.container) {
        memoryRegionDelSubregion(system, this.mmcfg);
      }
      if (this.mcfgBase !== PCIE_BASE_ADDR_UNMAPPED) this.mcfgBase = PCIE_BASE_ADDR_UNMAPPED;
      if (enable && this.mmcfg) {
        this.mcfgSize = size;
        memoryRegionSetSize(this.mmcfg, size);
        this.mcfgBase = addr;
        memoryRegionAddSubregion(system, addr, this.mmcfg);
      }
    } finally {
      memoryRegionTransactionCommit(this.registry);
    }
  }
}

/** MMCONFIG accesses: bus in bits 27..20, devfn in 19..12, register in 11..0. */
const mmcfgOps: MemoryRegionOps<Q35PCIHost> = {
  read: (s, addr, size) => {
    const dev = (addr >>> 20) & 0xff ? undefined : s.bus?.slots[(addr >>> 12) & 0xff];
    const reg = addr & 0xfff;
    if (!dev || reg + size > dev.configSize()) return size === 4 ? 0xffffffff : (1 << (8 * size)) - 1;
    return dev.readConfig(reg, size);
  },
  write: (s, addr, value, size) => {
    const dev = (addr >>> 20) & 0xff ? undefined : s.bus?.slots[(addr >>> 12) & 0xff];
    const reg = addr & 0xfff;
    if (dev && reg + size <= dev.configSize()) dev.writeConfig(reg, value, size);
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
};

// ---- the host bridge --------------------------------------------------------------------------------

function memLink(name: string, field: "ramMemory" | "pciAddressSpace" | "systemMemory" | "addressSpaceIo"): ObjectProperty {
  return linkProperty(
    name,
    "memory-region",
    {
      get: (o) => (o as Q35PCIHost)[field],
      set: (o, t) => ((o as Q35PCIHost)[field] = t as MemoryRegion | undefined),
    },
    { check: allowSetLinkBeforeRealize },
  );
}

function q35HostInstanceInit(s: Q35PCIHost): void {
  // The PCIe host's MMCONFIG window (QEMU's pcie_host_init), not mapped until PCIEXBAR says so.
  s.mmcfg = memoryRegionInitIo(s, mmcfgOps, s, "pcie-mmcfg-mmio", PCIE_MMCFG_SIZE_MAX);
  s.mcfgBase = PCIE_BASE_ADDR_UNMAPPED;
  // QEMU's q35_host_initfn, in its order: the instance properties list in GLib hash order,
  // which depends on the order they are added.
  s.confIdx = memoryRegionInitIo(s, pciHostConfOps, s, "pci-conf-idx", 4);
  s.confData = memoryRegionInitIo(s, pciHostDataOps, s, "pci-conf-data", 4);
  const mch = objectNew<MCHPCIState>(s.registry, TYPE_MCH_PCI_DEVICE);
  addChild(s, "mch", mch);
  mch.unref();
  mch.devfn = 0;
  mch.multifunction = false;
  s.mch = mch;
  s.addProperty(intProperty("pci-hole-start", "uint32", { get: (o) => (o as Q35PCIHost).below4g }));
  s.addProperty(
    intProperty("pci-hole-end", "uint32", { get: (o) => ((o as Q35PCIHost).below4g ? IO_APIC_DEFAULT_ADDRESS : 0) }),
  );
  s.addProperty(intProperty("pci-hole64-start", "uint64", { get: (o) => (o as Q35PCIHost).hole64Start() }));
  s.addProperty(intProperty("pci-hole64-end", "uint64", { get: (o) => (o as Q35PCIHost).hole64End() }));
  s.addProperty(intProperty("mcfg_size", "uint64", { get: (o) => (o as Q35PCIHost).mcfgSize }));
  s.addProperty(memLink("ram-mem", "ramMemory"));
  s.addProperty(memLink("pci-mem", "pciAddressSpace"));
  s.addProperty(memLink("system-mem", "systemMemory"));
  s.addProperty(memLink("io-mem", "addressSpaceIo"));
}

function q35HostRealize(s: Q35PCIHost): void {
  const io = s.addressSpaceIo;
  if (!io || !s.pciAddressSpace || !s.systemMemory || !s.ramMemory) {
    throw new QomBug("q35-pcihost needs its ram-mem, pci-mem, system-mem and io-mem links before realize");
  }
  memoryRegionAddSubregion(io, MCH_HOST_BRIDGE_CONFIG_ADDR, s.confIdx!);
  memoryRegionAddSubregion(io, MCH_HOST_BRIDGE_CONFIG_DATA, s.confData!);
  s.bus = pciRootBusNew(s.registry, s, "pcie.0", s.pciAddressSpace, io, 0, TYPE_PCIE_BUS);
  qdevRealize(s.mch, s.bus);
}

/** q35-pcihost's own qdev properties in device-list-properties order. */
const q35HostProps = [
  defineProp("pci-hole64-size", "pciHole64Size", propKinds.size, Q35_PCI_HOST_HOLE64_SIZE_DEFAULT),
  defineProp("below-4g-mem-size", "below4gMemSize", propKinds.size, 0),
  defineProp("short_root_bus", "shortRootBus", propKinds.uint32, 0),
  defineProp("x-pci-hole64-fix", "pciHole64Fix", plainBool, true),
  defineProp("MCFG", "mcfgBase", propKinds.uint64, MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT),
  defineProp("above-4g-mem-size", "above4gMemSize", propKinds.size, 0),
];

function q35HostClassInit(k: ObjectClass): void {
  const dc = k as DeviceClass;
  dc.realize = (d) => q35HostRealize(d as Q35PCIHost);
  // Wired up by the board only.
  dc.userCreatable = false;
  dc.categories.add("bridge");
  setPropsInDisplayOrder(k, q35HostProps);
}

// ---- the MCH (00.0) ---------------------------------------------------------------------------------------

/** Reads and writes that hit a closed SMRAM area see nothing (QEMU's blackhole_ops). */
const blackholeOps: MemoryRegionOps<undefined> = {
  read: () => 0xffffffff,
  write: () => {},
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
  impl: { minAccessSize: 4, maxAccessSize: 4 },
};

export class MCHPCIState extends PCIDevice {
  extTsegMbytes = 16;
  hasSmramAtSmbase = true;

  pamRegions: PamMemoryRegion[] = [];
  smramRegion: MemoryRegion | undefined;
  openHighSmram: MemoryRegion | undefined;
  smram: MemoryRegion | undefined;
  lowSmram: MemoryRegion | undefined;
  highSmram: MemoryRegion | undefined;
  tsegBlackhole: MemoryRegion | undefined;
  tsegWindow: MemoryRegion | undefined;
  smbaseBlackhole: MemoryRegion | undefined;
  smbaseWindow: MemoryRegion | undefined;

  get host(): Q35PCIHost {
    const h = this.parent;
    if (!(h instanceof Q35PCIHost)) throw new QomBug("mch is not part of a q35-pcihost");
    return h;
  }

  /** QEMU's mch_update_pciexbar. */
  updatePciexbar(): void {
    const c = this.config;
    let bar = 0n;
    for (let i = 7; i >= 0; i--) bar = (bar << 8n) | BigInt(c[MCH_HOST_BRIDGE_PCIEXBAR + i]!);
    const enable = (bar & MCH_HOST_BRIDGE_PCIEXBAREN) !== 0n;
    let mask = MCH_HOST_BRIDGE_PCIEXBAR_ADMSK;
    let length: number;
    switch (Number((bar >> 1n) & 3n)) {
      case 0:
        length = 256 * MiB;
        break;
      case 1:
        length = 128 * MiB;
        mask |= MCH_HOST_BRIDGE_PCIEXBAR_128ADMSK | MCH_HOST_BRIDGE_PCIEXBAR_64ADMSK;
        break;
      case 2:
        length = 64 * MiB;
        mask |= MCH_HOST_BRIDGE_PCIEXBAR_64ADMSK;
        break;
      default:
        // Reserved length: the guest's mistake, nothing changes.
        return;
    }
    this.host.mmcfgUpdate(enable, Number(bar & mask), length);
  }

  /** QEMU's mch_update_pam. */
  updatePam(): void {
    memoryRegionTransactionBegin(this.registry);
    try {
      this.pamRegions.forEach((pam, i) => pam.update(i, this.config[MCH_HOST_BRIDGE_PAM0 + Math.ceil(i / 2)]!));
    } finally {
      memoryRegionTransactionCommit(this.registry);
    }
  }

  /** QEMU's mch_update_smram: the SMRAM views follow SMRAM and ESMRAMC, TSEG included. */
  updateSmram(): void {
    const c = this.config;
    if (!this.smramRegion) return;
    const hSmrame = (c[MCH_HOST_BRIDGE_ESMRAMC]! & ESMRAMC_H_SMRAME) !== 0;
    if (c[MCH_HOST_BRIDGE_SMRAM]! & SMRAM_D_LCK) {
      c[MCH_HOST_BRIDGE_SMRAM] = c[MCH_HOST_BRIDGE_SMRAM]! & ~SMRAM_D_OPEN;
      this.wmask[MCH_HOST_BRIDGE_SMRAM] = MCH_HOST_BRIDGE_SMRAM_WMASK_LCK;
      this.wmask[MCH_HOST_BRIDGE_ESMRAMC] = MCH_HOST_BRIDGE_ESMRAMC_WMASK_LCK;
    }
    const below4g = this.host.below4g;
    memoryRegionTransactionBegin(this.registry);
    try {
      if (c[MCH_HOST_BRIDGE_SMRAM]! & SMRAM_D_OPEN) {
        // Open: low SMRAM is visible unless H_SMRAME moves it up to 0xfeda0000.
        memoryRegionSetEnabled(this.smramRegion, hSmrame);
        memoryRegionSetEnabled(this.openHighSmram!, hSmrame);
      } else {
        memoryRegionSetEnabled(this.smramRegion, true);
        memoryRegionSetEnabled(this.openHighSmram!, false);
      }
      const gSmrame = (c[MCH_HOST_BRIDGE_SMRAM]! & SMRAM_G_SMRAME) !== 0;
      memoryRegionSetEnabled(this.lowSmram!, gSmrame && !hSmrame);
      memoryRegionSetEnabled(this.highSmram!, gSmrame && hSmrame);

      let tsegSize = 0;
      if (c[MCH_HOST_BRIDGE_ESMRAMC]! & ESMRAMC_T_EN && gSmrame) {
        switch (c[MCH_HOST_BRIDGE_ESMRAMC]! & ESMRAMC_TSEG_SZ_MASK) {
          case ESMRAMC_TSEG_SZ_1MB:
            tsegSize = 1 * MiB;
            break;
          case ESMRAMC_TSEG_SZ_2MB:
            tsegSize = 2 * MiB;
            break;
          case ESMRAMC_TSEG_SZ_8MB:
            tsegSize = 8 * MiB;
            break;
          default:
            tsegSize = this.extTsegMbytes * MiB;
            break;
        }
      }
      const system = this.host.systemMemory!;
      if (this.tsegBlackhole!.container) memoryRegionDelSubregion(system, this.tsegBlackhole!);
      memoryRegionSetEnabled(this.tsegBlackhole!, tsegSize !== 0);
      memoryRegionSetSize(this.tsegBlackhole!, tsegSize);
      memoryRegionAddSubregionOverlap(system, below4g - tsegSize, this.tsegBlackhole!, 1);
      memoryRegionSetEnabled(this.tsegWindow!, tsegSize !== 0);
      memoryRegionSetSize(this.tsegWindow!, tsegSize);
      memoryRegionSetAddress(this.tsegWindow!, below4g - tsegSize);
      memoryRegionSetAliasOffset(this.tsegWindow!, below4g - tsegSize);
    } finally {
      memoryRegionTransactionCommit(this.registry);
    }
  }

  /** QEMU's mch_update_ext_tseg_mbytes: the firmware's query register answers the TSEG size. */
  updateExtTsegMbytes(): void {
    if (this.extTsegMbytes > 0 && pciGetWord(this.config, MCH_HOST_BRIDGE_EXT_TSEG_MBYTES) === MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_QUERY) {
      pciSetWord(this.config, MCH_HOST_BRIDGE_EXT_TSEG_MBYTES, this.extTsegMbytes);
    }
  }

  /** QEMU's mch_update_smbase_smram: the SMBASE area protocol (query, then lock). */
  updateSmbaseSmram(): void {
    if (!this.hasSmramAtSmbase || !this.smbaseBlackhole) return;
    const c = this.config;
    const reg = MCH_HOST_BRIDGE_F_SMBASE;
    if (c[reg] === MCH_HOST_BRIDGE_F_SMBASE_QUERY) {
      this.wmask[reg] = MCH_HOST_BRIDGE_F_SMBASE_LCK;
      c[reg] = MCH_HOST_BRIDGE_F_SMBASE_IN_RAM;
      return;
    }
    // In the reset state any written value is discarded.
    if (this.wmask[reg] === 0xff) c[reg] = 0;
    let lck = false;
    if (c[reg]! & MCH_HOST_BRIDGE_F_SMBASE_LCK) {
      this.wmask[reg] = this.wmask[reg]! & ~MCH_HOST_BRIDGE_F_SMBASE_LCK;
      c[reg] = MCH_HOST_BRIDGE_F_SMBASE_LCK;
      lck = true;
    }
    memoryRegionTransactionBegin(this.registry);
    try {
      memoryRegionSetEnabled(this.smbaseBlackhole, lck);
      memoryRegionSetEnabled(this.smbaseWindow!, lck);
    } finally {
      memoryRegionTransactionCommit(this.registry);
    }
  }

  /** QEMU's mch_update. */
  update(): void {
    this.updatePciexbar();
    this.updatePam();
    this.updateSmram();
    this.updateExtTsegMbytes();
    this.updateSmbaseSmram();
  }
}

function mchWriteConfig(dev: PCIDevice, addr: number, value: number, len: number): void {
  const mch = dev as MCHPCIState;
  pciDefaultWriteConfig(dev, addr, value, len);
  if (rangesOverlap(addr, len, MCH_HOST_BRIDGE_PAM0, MCH_HOST_BRIDGE_PAM_SIZE)) mch.updatePam();
  if (rangesOverlap(addr, len, MCH_HOST_BRIDGE_PCIEXBAR, MCH_HOST_BRIDGE_PCIEXBAR_SIZE)) mch.updatePciexbar();
  if (rangesOverlap(addr, len, MCH_HOST_BRIDGE_SMRAM, MCH_HOST_BRIDGE_SMRAM_SIZE)) mch.updateSmram();
  if (rangesOverlap(addr, len, MCH_HOST_BRIDGE_EXT_TSEG_MBYTES, MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_SIZE)) {
    mch.updateExtTsegMbytes();
  }
  if (rangesOverlap(addr, len, MCH_HOST_BRIDGE_F_SMBASE, 1)) mch.updateSmbaseSmram();
}

/** QEMU's mch_reset. */
function mchReset(dev: PCIDevice): void {
  const mch = dev as MCHPCIState;
  const c = mch.config;
  pciSetQuad(c, MCH_HOST_BRIDGE_PCIEXBAR, BigInt(MCH_HOST_BRIDGE_PCIEXBAR_DEFAULT));
  c[MCH_HOST_BRIDGE_SMRAM] = MCH_HOST_BRIDGE_SMRAM_DEFAULT;
  c[MCH_HOST_BRIDGE_ESMRAMC] = MCH_HOST_BRIDGE_ESMRAMC_DEFAULT;
  mch.wmask[MCH_HOST_BRIDGE_SMRAM] = MCH_HOST_BRIDGE_SMRAM_WMASK;
  mch.wmask[MCH_HOST_BRIDGE_ESMRAMC] = MCH_HOST_BRIDGE_ESMRAMC_WMASK;
  if (mch.extTsegMbytes > 0) pciSetWord(c, MCH_HOST_BRIDGE_EXT_TSEG_MBYTES, MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_QUERY);
  c[MCH_HOST_BRIDGE_F_SMBASE] = 0;
  mch.wmask[MCH_HOST_BRIDGE_F_SMBASE] = 0xff;
  mch.update();
}

function machineOf(dev: QomObject): QomObject {
  const machine = objectGetRoot(dev.registry).resolveComponent("machine");
  if (!machine) throw new QomBug("the MCH needs /machine");
  return machine;
}

/** QEMU's mch_realize: the SMRAM regions, in QEMU's creation order, and the PAM windows. */
function mchRealize(dev: PCIDevice): void {
  const mch = dev as MCHPCIState;
  if (mch.extTsegMbytes > MCH_HOST_BRIDGE_EXT_TSEG_MBYTES_MAX) {
    throw new QomError(`invalid extended-tseg-mbytes value: ${mch.extTsegMbytes}`);
  }
  const host = mch.host;
  const system = host.systemMemory!;
  const pci = host.pciAddressSpace!;
  const ram = host.ramMemory!;
  const below4g = host.below4g;

  // PCI space lies under everything else (QEMU's pc_pci_as_mapping_init).
  memoryRegionAddSubregionOverlap(system, 0, pci, -1);

  // With SMRAM closed the VGA window shows PCI.
  mch.smramRegion = memoryRegionInitAlias(mch, "smram-region", pci, MCH_HOST_BRIDGE_SMRAM_C_BASE, MCH_HOST_BRIDGE_SMRAM_C_SIZE);
  memoryRegionAddSubregionOverlap(system, MCH_HOST_BRIDGE_SMRAM_C_BASE, mch.smramRegion, 1);
  memoryRegionSetEnabled(mch.smramRegion, true);

  mch.openHighSmram = memoryRegionInitAlias(mch, "smram-open-high", ram, MCH_HOST_BRIDGE_SMRAM_C_BASE, MCH_HOST_BRIDGE_SMRAM_C_SIZE);
  memoryRegionAddSubregionOverlap(system, 0xfeda0000, mch.openHighSmram, 1);
  memoryRegionSetEnabled(mch.openHighSmram, false);

  // What SMM code sees.
  mch.smram = memoryRegionInit(mch, "smram", 4 * GiB);
  memoryRegionSetEnabled(mch.smram, true);
  mch.lowSmram = memoryRegionInitAlias(mch, "smram-low", ram, MCH_HOST_BRIDGE_SMRAM_C_BASE, MCH_HOST_BRIDGE_SMRAM_C_SIZE);
  memoryRegionSetEnabled(mch.lowSmram, true);
  memoryRegionAddSubregion(mch.smram, MCH_HOST_BRIDGE_SMRAM_C_BASE, mch.lowSmram);
  mch.highSmram = memoryRegionInitAlias(mch, "smram-high", ram, MCH_HOST_BRIDGE_SMRAM_C_BASE, MCH_HOST_BRIDGE_SMRAM_C_SIZE);
  memoryRegionSetEnabled(mch.highSmram, true);
  memoryRegionAddSubregion(mch.smram, 0xfeda0000, mch.highSmram);

  mch.tsegBlackhole = memoryRegionInitIo(mch, blackholeOps, undefined, "tseg-blackhole", 0);
  memoryRegionSetEnabled(mch.tsegBlackhole, false);
  memoryRegionAddSubregionOverlap(system, below4g, mch.tsegBlackhole, 1);
  mch.tsegWindow = memoryRegionInitAlias(mch, "tseg-window", ram, below4g, 0);
  memoryRegionSetEnabled(mch.tsegWindow, false);
  memoryRegionAddSubregion(mch.smram, below4g, mch.tsegWindow);

  // QEMU's own addition: RAM at SMBASE that only SMM sees once the firmware locks it.
  mch.smbaseBlackhole = memoryRegionInitIo(mch, blackholeOps, undefined, "smbase-blackhole", MCH_HOST_BRIDGE_SMBASE_SIZE);
  memoryRegionSetEnabled(mch.smbaseBlackhole, false);
  memoryRegionAddSubregionOverlap(system, MCH_HOST_BRIDGE_SMBASE_ADDR, mch.smbaseBlackhole, 1);
  mch.smbaseWindow = memoryRegionInitAlias(mch, "smbase-window", ram, MCH_HOST_BRIDGE_SMBASE_ADDR, MCH_HOST_BRIDGE_SMBASE_SIZE);
  memoryRegionSetEnabled(mch.smbaseWindow, false);
  memoryRegionAddSubregion(mch.smram, MCH_HOST_BRIDGE_SMBASE_ADDR, mch.smbaseWindow);

  addConstLink(machineOf(mch), "smram", mch.smram);

  mch.pamRegions = initPamRegions(mch, ram, system, pci);
  // The power-on register state (QEMU applies it at the first system reset).
  mchReset(mch);
}

const mchProps = [
  defineProp("smbase-smram", "hasSmramAtSmbase", plainBool, true),
  defineProp("extended-tseg-mbytes", "extTsegMbytes", propKinds.uint16, 16),
];

function mchClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.pciRealize = mchRealize;
  pc.configWrite = mchWriteConfig;
  pc.pciReset = mchReset;
  pc.categories.add("bridge");
  pc.desc = "Host bridge";
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  // QEMU presents the 82P35 (no integrated graphics) rather than the 82Q35.
  pc.deviceId = PCI_DEVICE_ID_INTEL_Q35_MCH;
  pc.revision = 0;
  pc.classId = PCI_CLASS_BRIDGE_HOST;
  // The PCI half of the host bridge is useless without the other half.
  pc.userCreatable = false;
  setPropsInDisplayOrder(k, mchProps);
}

export const q35HostTypeInfo: TypeInfo<Q35PCIHost> = {
  name: TYPE_Q35_HOST_DEVICE,
  parent: TYPE_PCIE_HOST_BRIDGE,
  instance: Q35PCIHost,
  instanceInit: q35HostInstanceInit,
  classInit: q35HostClassInit,
};

export const mchTypeInfo: TypeInfo<MCHPCIState> = {
  name: TYPE_MCH_PCI_DEVICE,
  parent: TYPE_PCI_DEVICE,
  instance: MCHPCIState,
  classInit: mchClassInit,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
