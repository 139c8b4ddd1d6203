/**
 * The ICH9 LPC bridge (QEMU 7.2's hw/isa/lpc_ich9.c with the ICH9 power management of
 * hw/acpi/ich9.c): `ICH9-LPC` at 1f.0 on `pcie.0`, owner of `isa.0` and its two 8237 DMA
 * controllers, the PCI interrupt router (PIRQA-H to the 8259s and IOAPIC pins 16-23, its
 * routing taken from the chipset configuration registers), the `gsi` outputs, the reset
 * control register at 0xcf9, APM at 0xb2, the PM block (PM1, timer, GPE0, SMI, TCO) the
 * firmware places through PMBASE, ACPI PCI hotplug at 0xcc0 and legacy CPU hotplug at 0xcd8.
 * It is the machine's `acpi-device` and `pcie.0`'s hotplug handler.
 *
 * Register files are plain state; ACPI events beyond raising SCI are the ACPI issue's.
 */
import {
  getSystemIo,
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionDelSubregion,
  memoryRegionInit,
  memoryRegionInitIo,
  memoryRegionSetAddress,
  memoryRegionSetEnabled,
  memoryRegionTransactionBegin,
  memoryRegionTransactionCommit,
  type MemoryRegion,
  type MemoryRegionOps,
} from "../../exec/memory.js";
import { fwCfgAddFile, fwCfgAddFileCallback, fwCfgFind } from "../nvram/fw-cfg.js";
import { acpiSystemStates } from "../acpi/core.js";
import { QomError } from "../../qom/error.js";
import { boolProperty, intProperty } from "../../qom/property.js";
import type { QomObject } from "../../qom/object.js";
import type { InterfaceClass, ObjectClass, TypeInfo } from "../../qom/type.js";
import { TYPE_ACPI_DEVICE_IF } from "../acpi/acpi-interface.js";
import { AcpiPciHpState } from "../acpi/pcihp.js";
import { TYPE_HOTPLUG_HANDLER, type HotplugHandlerClass } from "../core/hotplug.js";
import { allocateIrq, setIrq, type IrqState } from "../core/irq.js";
import { defineProp } from "../core/qdev-properties.js";
import type { DeviceState } from "../core/qdev.js";
import { i8257DmaInit } from "../dma/i8257.js";
import { pciBusIrqs, pciBusMapIrqs, type PCIBus } from "../pci/pci-bus.js";
import { pciGetLong, pciGetWord, pciSetLong } from "../pci/pci-config.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciCreateSimpleMultifunction,
  pciDefaultWriteConfig,
  setPropsInDisplayOrder,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { bitBool, plainBool } from "../pci/prop-kinds.js";
import { PCI_CLASS_BRIDGE_ISA, PCI_DEVICE_ID_INTEL_ICH9_8, PCI_NUM_PINS, PCI_VENDOR_ID_INTEL, pciDevfn, pciSlot } from "../pci/pci-regs.js";
import { isaBusNew, type IsaBus } from "./isa-bus.js";

export const TYPE_ICH9_LPC_DEVICE = "ICH9-LPC";
export const ICH9_GPIO_GSI = "gsi";
export const ICH9_LPC_DEV = 31;
export const ICH9_LPC_FUNC = 0;
export const ICH9_SATA1_DEV = 31;
export const ICH9_SATA1_FUNC = 2;
export const ICH9_SMB_DEV = 31;
export const ICH9_SMB_FUNC = 3;
export const ICH9_LPC_NB_PIRQS = 8;
const ICH9_LPC_PIC_NUM_PINS = 16;
const GSI_NUM_PINS = 24;
const PCI_SLOT_MAX = 32;

/** LPC configuration registers (QEMU's include/hw/i386/ich9.h). */
export const ICH9_LPC_PMBASE = 0x40;
const ICH9_LPC_PMBASE_BASE_ADDRESS_MASK = 0xff80;
const ICH9_LPC_PMBASE_DEFAULT = 0x1;
export const ICH9_LPC_ACPI_CTRL = 0x44;
export const ICH9_LPC_ACPI_CTRL_ACPI_EN = 0x80;
const ICH9_LPC_ACPI_CTRL_SCI_IRQ_SEL_MASK = 0x7;
const ICH9_LPC_ACPI_CTRL_DEFAULT = 0x0;
export const ICH9_LPC_PIRQA_ROUT = 0x60;
export const ICH9_LPC_PIRQE_ROUT = 0x68;
const ICH9_LPC_PIRQ_ROUT_IRQEN = 0x80;
const ICH9_LPC_PIRQ_ROUT_MASK = 0xf;
const ICH9_LPC_PIRQ_ROUT_DEFAULT = 0x80;
const ICH9_LPC_GEN_PMCON_1 = 0xa0;
const ICH9_LPC_GEN_PMCON_1_SMI_LOCK = 1 << 4;
export const ICH9_LPC_RCBA = 0xf0;
const ICH9_LPC_RCBA_BA_MASK = 0xffffc000;
const ICH9_LPC_RCBA_EN = 0x1;
const ICH9_LPC_RCBA_DEFAULT = 0x0;
const ICH9_RST_CNT_IOPORT = 0xcf9;
const ICH9_A2_LPC_REVISION = 0x2;

/** The chipset configuration registers (RCBA space) the interrupt routing lives in. */
const ICH9_CC_SIZE = 16 * 1024;
const ICH9_CC_D31IR = 0x3140;
const ICH9_CC_D30IR = 0x3142;
const ICH9_CC_D29IR = 0x3144;
const ICH9_CC_D28IR = 0x3146;
const ICH9_CC_D27IR = 0x3148;
const ICH9_CC_D26IR = 0x314c;
const ICH9_CC_D25IR = 0x3150;
const ICH9_CC_DIR_DEFAULT = 0x3210;
const ICH9_CC_GCS = 0x3410;
const ICH9_CC_GCS_DEFAULT = 0x20;

/** The PM I/O block (QEMU's ICH9_PMIO_*). */
const ICH9_PMIO_SIZE = 128;
const ICH9_PMIO_GPE0_STS = 0x20;
const ICH9_PMIO_GPE0_LEN = 16;
const ICH9_PMIO_SMI_EN = 0x30;
const ICH9_PMIO_SMI_EN_APMC_EN = 1 << 5;
/** smi-negotiated-features bit: SMIs go to every CPU (QEMU's ICH9_LPC_SMI_F_BROADCAST_BIT). */
const ICH9_LPC_SMI_F_BROADCAST_BIT = 0n;
const ICH9_PMIO_TCO_RLD = 0x60;
const ICH9_PMIO_TCO_LEN = 32;
const ICH9_APM_ACPI_ENABLE = 0x2;
const ICH9_APM_ACPI_DISABLE = 0x3;
const APM_CNT_IOPORT = 0xb2;
export const ACPI_PCIHP_ADDR_ICH9 = 0x0cc0;
const ICH9_CPU_HOTPLUG_IO_BASE = 0x0cd8;
const ACPI_GPE_PROC_LEN = 32;
/** PM1 control's SCI_EN bit, which the APM enable/disable commands flip. */
const ACPI_BITMASK_SCI_ENABLE = 0x0001;
/** The ACPI PM timer runs at 3.579545 MHz and wraps at 24 bits. */
const PM_TIMER_FREQUENCY = 3579545;

/** The ICH9's ACPI registers (QEMU's ICH9LPCPMRegs), kept as plain state. */
export class Ich9PmRegs {
  pmIoBase = 0;
  pm1Sts = 0;
  pm1En = 0;
  pm1Cnt = 0;
  readonly gpe = new Uint8Array(ICH9_PMIO_GPE0_LEN);
  smiEn = 0;
  smiEnWmask = 0xffffffff;
  smiSts = 0;
  readonly tco = new Uint8Array(ICH9_PMIO_TCO_LEN);
  disableS3 = 0;
  disableS4 = 0;
  s4Val = 2;
  smmEnabled = false;
  enableTco = true;
  useAcpiHotplugBridge = true;
  keepPciSlotHpc = true;
  memoryHotplugSupport = true;
  cpuHotplugLegacy = true;
  io: MemoryRegion | undefined;
  pcihp: AcpiPciHpState | undefined;
  /** The SCI line (QEMU's pm->irq), allocated by ich9_lpc_pm_init. */
  sci: IrqState | undefined;
}

export class ICH9LPCState extends PCIDevice {
  readonly pm = new Ich9PmRegs();
  /** PIRQ routing per slot and pin (QEMU's irr): which PIRQ (0-7 = A-H) an INTx uses. */
  readonly irr: number[][] = Array.from({ length: PCI_SLOT_MAX }, () => new Array<number>(PCI_NUM_PINS).fill(0));
  readonly chipConfig = new Uint8Array(ICH9_CC_SIZE);
  sciGsi = 9;
  sciLevel = 0;
  rstCnt = 0;
  apmCnt = 0;
  apmSts = 0;
  /** `noreboot`: the speaker strap pin QEMU reports through GCS. */
  noreboot = true;
  /** `smm-compat` (QEMU keeps it in the PM registers). */
  smmCompat = false;
  smiBroadcast = true;
  smiCpuHotplug = true;
  smiCpuHotunplug = true;
  smiNegotiatedFeatures = 0n;
  /** fw_cfg `etc/smi/requested-features` and `etc/smi/features-ok`, cleared on reset. */
  readonly smiGuestFeatures = new Uint8Array(8);
  readonly smiFeaturesOk = new Uint8Array(1);
  isaBus: IsaBus | undefined;
  rcrbMem: MemoryRegion | undefined;
  rstCntMem: MemoryRegion | undefined;
  /** Asked for a system reset through port 0xcf9; the machine installs it. */
  onResetRequest: (() => void) | undefined;
  /**
   * Asked for an SMI (APM command with SMI_EN.APMC_EN); the machine installs it. `broadcast`: the
   * firmware negotiated SMI broadcast, so every CPU gets it, else the one that wrote the command.
   */
  onSmi: ((broadcast: boolean) => void) | undefined;

  /** The GSI output lines (QEMU's lpc->gsi). */
  gsi(n: number): IrqState | undefined {
    return this.gpioOut(n, ICH9_GPIO_GSI);
  }

  /** Whether PCI interrupt line `pirq` of the bus is asserted (QEMU's pci_bus_get_irq_level). */
  private pirqLevel(pirq: number): number {
    return (this.pciBus.irqCount[pirq] ?? 0) !== 0 ? 1 : 0;
  }

  /** QEMU's ich9_lpc_pic_irq: the 8259 line PIRQ `n` routes to, and whether routing is off. */
  picIrq(pirq: number): { irq: number; disabled: boolean } {
    const reg = pirq < 4 ? ICH9_LPC_PIRQA_ROUT + pirq : ICH9_LPC_PIRQE_ROUT + (pirq - 4);
    const v = this.config[reg]!;
    return { irq: v & ICH9_LPC_PIRQ_ROUT_MASK, disabled: (v & ICH9_LPC_PIRQ_ROUT_IRQEN) !== 0 };
  }

  /** QEMU's ich9_lpc_update_pic: an 8259 line is the OR of the PIRQs routed to it (and SCI). */
  updatePic(gsi: number): void {
    let level = 0;
    for (let i = 0; i < ICH9_LPC_NB_PIRQS; i++) {
      const r = this.picIrq(i);
      if (!r.disabled && r.irq === gsi) level |= this.pirqLevel(i);
    }
    if (gsi === this.sciGsi) level |= this.sciLevel;
    setIrq(this.gsi(gsi), level);
  }

  /** QEMU's ich9_lpc_update_apic: PIRQ A-H drive IOAPIC pins 16-23 directly. */
  updateApic(gsi: number): void {
    let level = this.pirqLevel(gsi - ICH9_LPC_PIC_NUM_PINS);
    if (gsi === this.sciGsi) level |= this.sciLevel;
    setIrq(this.gsi(gsi), level);
  }

  /** QEMU's ich9_lpc_set_irq, the bus's interrupt handler. */
  setPirq(pirq: number): void {
    this.updateApic(pirq + ICH9_LPC_PIC_NUM_PINS);
    const r = this.picIrq(pirq);
    if (r.irq < ICH9_LPC_PIC_NUM_PINS) this.updatePic(r.irq);
  }

  /** QEMU's ich9_lpc_sci_irq: the GSI ACPI_CTRL selects for SCI, -1 when reserved. */
  sciIrqSelected(): number {
    switch (this.config[ICH9_LPC_ACPI_CTRL]! & ICH9_LPC_ACPI_CTRL_SCI_IRQ_SEL_MASK) {
      case 0:
        return 9;
      case 1:
        return 10;
      case 2:
        return 11;
      case 4:
        return 20;
      case 5:
        return 21;
      default:
        return -1;
    }
  }

  /** QEMU's ich9_set_sci. */
  setSci(level: number): void {
    if (level === this.sciLevel) return;
    this.sciLevel = level;
    const irq = this.sciIrqSelected();
    if (irq < 0) return;
    if (irq >= ICH9_LPC_PIC_NUM_PINS) this.updateApic(irq);
    else this.updatePic(irq);
  }

  /** QEMU's ich9_cc_update: the PIRQ each device's INTx uses, from the DnnIR registers. */
  ccUpdate(): void {
    const regs = [ICH9_CC_D25IR, ICH9_CC_D26IR, ICH9_CC_D27IR, ICH9_CC_D28IR, ICH9_CC_D29IR, ICH9_CC_D30IR, ICH9_CC_D31IR];
    regs.forEach((reg, i) => {
      const slot = 25 + i;
      // D30 is the DMI-to-PCI bridge, hardwired: INTA-D use PIRQE-H.
      if (slot === 30) return;
      const ir = pciGetWord(this.chipConfig, reg);
      for (let pin = 0; pin < PCI_NUM_PINS; pin++) this.irr[slot]![pin] = (ir >> (pin * 4)) & 0x7;
    });
    for (let pin = 0; pin < PCI_NUM_PINS; pin++) this.irr[30]![pin] = pin + 4;
  }

  /** QEMU's ich9_cc_init: slots below 25 rotate over PIRQE-H (A-D are the PCIe ports'). */
  ccInit(): void {
    for (let slot = 0; slot < PCI_SLOT_MAX; slot++) {
      for (let pin = 0; pin < PCI_NUM_PINS; pin++) this.irr[slot]![pin] = ((slot + pin) % 4) + 4;
    }
    this.ccUpdate();
  }

  /** QEMU's ich9_cc_reset. */
  ccReset(): void {
    const c = this.chipConfig;
    c.fill(0);
    for (const reg of [ICH9_CC_D31IR, ICH9_CC_D29IR, ICH9_CC_D28IR, ICH9_CC_D27IR, ICH9_CC_D26IR, ICH9_CC_D25IR]) {
      pciSetLong(c, reg, ICH9_CC_DIR_DEFAULT);
    }
    pciSetLong(c, ICH9_CC_D30IR, 0);
    pciSetLong(c, ICH9_CC_GCS, ICH9_CC_GCS_DEFAULT);
    this.ccUpdate();
  }

  /** QEMU's ich9_pm_iospace_update: the PM block follows PMBASE, enabled when ACPI_EN is set. */
  pmbaseSciUpdate(): void {
    let base = pciGetLong(this.config, ICH9_LPC_PMBASE);
    if (this.config[ICH9_LPC_ACPI_CTRL]! & ICH9_LPC_ACPI_CTRL_ACPI_EN) base &= ICH9_LPC_PMBASE_BASE_ADDRESS_MASK;
    else base = 0;
    this.pm.pmIoBase = base;
    if (this.pm.io) {
      memoryRegionTransactionBegin(this.registry);
      try {
        memoryRegionSetEnabled(this.pm.io, base !== 0);
        memoryRegionSetAddress(this.pm.io, base);
      } finally {
        memoryRegionTransactionCommit(this.registry);
      }
    }
    const gsi = this.sciIrqSelected();
    if (gsi < 0) return;
    if (this.sciLevel && gsi !== this.sciGsi) {
      // Move an asserted SCI to its new line.
      this.setSci(0);
      this.sciGsi = gsi;
      this.setSci(1);
    }
    this.sciGsi = gsi;
  }

  /** QEMU's ich9_lpc_rcba_update: the chipset configuration block follows RCBA. */
  rcbaUpdate(oldRcba: number): void {
    const rcba = pciGetLong(this.config, ICH9_LPC_RCBA);
    const system = getSystemMemory(this.registry);
    if (oldRcba & ICH9_LPC_RCBA_EN && this.rcrbMem?.container) memoryRegionDelSubregion(system, this.rcrbMem);
    if (rcba & ICH9_LPC_RCBA_EN && this.rcrbMem) {
      memoryRegionAddSubregionOverlap(system, (rcba & ICH9_LPC_RCBA_BA_MASK) >>> 0, this.rcrbMem, 1);
    }
  }

  /** QEMU's ich9_apm_ctrl_changed: ACPI enable/disable, or an SMI for the firmware. */
  apmCtrlChanged(value: number): void {
    if (value === ICH9_APM_ACPI_ENABLE) this.pm.pm1Cnt |= ACPI_BITMASK_SCI_ENABLE;
    if (value === ICH9_APM_ACPI_DISABLE) this.pm.pm1Cnt &= ~ACPI_BITMASK_SCI_ENABLE;
    if (value === ICH9_APM_ACPI_ENABLE || value === ICH9_APM_ACPI_DISABLE) return;
    if (this.pm.smiEn & ICH9_PMIO_SMI_EN_APMC_EN) {
      this.onSmi?.((this.smiNegotiatedFeatures & (1n << ICH9_LPC_SMI_F_BROADCAST_BIT)) !== 0n);
    }
  }
}

// ---- register blocks ------------------------------------------------------------------------------------

function bytesOps(get: (s: ICH9LPCState) => Uint8Array, w1c: (addr: number) => boolean): MemoryRegionOps<ICH9LPCState> {
  return {
    read: (s, addr, size) => {
      const b = get(s);
      let v = 0;
      for (let i = 0; i < size; i++) v |= (b[addr + i] ?? 0) << (8 * i);
      return v >>> 0;
    },
    write: (s, addr, value, size) => {
      const b = get(s);
      for (let i = 0; i < size && addr + i < b.length; i++) {
        const byte = (value >>> (8 * i)) & 0xff;
        b[addr + i] = w1c(addr + i) ? b[addr + i]! & ~byte : byte;
      }
    },
    endianness: "little",
    valid: { minAccessSize: 1, maxAccessSize: 4 },
  };
}

/** The chipset configuration registers in RCBA space (QEMU's rcrb_mmio_ops). */
const rcrbOps: MemoryRegionOps<ICH9LPCState> = {
  ...bytesOps((s) => s.chipConfig, () => false),
  write: (s, addr, value, size) => {
    for (let i = 0; i < size && addr + i < ICH9_CC_SIZE; i++) s.chipConfig[addr + i] = (value >>> (8 * i)) & 0xff;
    s.ccUpdate();
  },
};

/** The reset control register (QEMU's ich9_rst_cnt_ops): bit 2 resets, bits 1 and 3 are kept. */
const rstCntOps: MemoryRegionOps<ICH9LPCState> = {
  read: (s) => s.rstCnt,
  write: (s, _addr, value) => {
    if (value & 4) {
      s.onResetRequest?.();
      return;
    }
    s.rstCnt = value & 0xa;
  },
  endianness: "little",
};

/** APM control (0xb2) and status (0xb3) (QEMU's hw/isa/apm.c). */
const apmOps: MemoryRegionOps<ICH9LPCState> = {
  read: (s, addr) => (addr === 0 ? s.apmCnt : s.apmSts),
  write: (s, addr, value) => {
    if (addr === 0) {
      s.apmCnt = value & 0xff;
      s.apmCtrlChanged(s.apmCnt);
    } else {
      s.apmSts = value & 0xff;
    }
  },
  endianness: "little",
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

const pm1EvtOps: MemoryRegionOps<ICH9LPCState> = {
  read: (s, addr) => (addr === 0 ? s.pm.pm1Sts : s.pm.pm1En),
  write: (s, addr, value) => {
    if (addr === 0) s.pm.pm1Sts &= ~value;
    else s.pm.pm1En = value & 0xffff;
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
  impl: { minAccessSize: 2, maxAccessSize: 2 },
};

const pm1CntOps: MemoryRegionOps<ICH9LPCState> = {
  read: (s) => s.pm.pm1Cnt,
  write: (s, _addr, value) => {
    s.pm.pm1Cnt = value & 0xffff & ~(1 << 13); // SLP_EN reads back as zero
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
  impl: { minAccessSize: 2, maxAccessSize: 2 },
};

const pmTimerOps: MemoryRegionOps<ICH9LPCState> = {
  read: () => Math.floor((performance.now() / 1000) * PM_TIMER_FREQUENCY) & 0xffffff,
  write: () => {},
  endianness: "little",
  valid: { minAccessSize: 4, maxAccessSize: 4 },
};

const smiOps: MemoryRegionOps<ICH9LPCState> = {
  read: (s, addr) => (addr === 0 ? s.pm.smiEn : s.pm.smiSts) >>> 0,
  write: (s, addr, value) => {
    if (addr === 0) s.pm.smiEn = ((s.pm.smiEn & ~s.pm.smiEnWmask) | (value & s.pm.smiEnWmask)) >>> 0;
    else s.pm.smiSts = (s.pm.smiSts & ~value) >>> 0;
  },
  endianness: "little",
  valid: { minAccessSize: 4, maxAccessSize: 4 },
};

/** QEMU's ich9_pm_init: the PM block and its parts, the hotplug interfaces. */
function ich9PmInit(s: ICH9LPCState, smmEnabled: boolean, sci: IrqState): void {
  const pm = s.pm;
  const io = s.pciBus.addressSpaceIo ?? getSystemIo(s.registry);
  pm.io = memoryRegionInit(s, "ich9-pm", ICH9_PMIO_SIZE);
  memoryRegionSetEnabled(pm.io, false);
  memoryRegionAddSubregion(io, 0, pm.io);
  memoryRegionAddSubregion(pm.io, 8, memoryRegionInitIo(s, pmTimerOps, s, "acpi-tmr", 4));
  // QEMU's acpi_pm1_cnt_init also tells the firmware which sleep states exist.
  const fwCfg = fwCfgFind(s.registry);
  if (fwCfg) fwCfgAddFile(fwCfg, "etc/system-states", acpiSystemStates(pm.disableS3 !== 0, pm.disableS4 !== 0, pm.s4Val));
  memoryRegionAddSubregion(pm.io, 0, memoryRegionInitIo(s, pm1EvtOps, s, "acpi-evt", 4));
  memoryRegionAddSubregion(pm.io, 4, memoryRegionInitIo(s, pm1CntOps, s, "acpi-cnt", 2));
  const gpeOps = bytesOps((x) => x.pm.gpe, (addr) => addr < ICH9_PMIO_GPE0_LEN / 2);
  memoryRegionAddSubregion(pm.io, ICH9_PMIO_GPE0_STS, memoryRegionInitIo(s, gpeOps, s, "acpi-gpe0", ICH9_PMIO_GPE0_LEN));
  memoryRegionAddSubregion(pm.io, ICH9_PMIO_SMI_EN, memoryRegionInitIo(s, smiOps, s, "acpi-smi", 8));
  pm.smmEnabled = smmEnabled;
  pm.enableTco = true;
  const tcoOps = bytesOps((x) => x.pm.tco, () => false);
  memoryRegionAddSubregion(pm.io, ICH9_PMIO_TCO_RLD, memoryRegionInitIo(s, tcoOps, s, "sm-tco", ICH9_PMIO_TCO_LEN));
  if (pm.useAcpiHotplugBridge) {
    pm.pcihp = new AcpiPciHpState(s, s.pciBus, io, ACPI_PCIHP_ADDR_ICH9);
    pm.pcihp.notify = () => s.setSci(1);
    // QEMU 7.2 (as Debian ships it) leaves pcie.0 without a hotplug handler: the root bus
    // takes no hot-plugged devices ("Bus 'pcie.0' does not support hotplugging").
  }
  pm.sci = sci;
  memoryRegionAddSubregion(io, ICH9_CPU_HOTPLUG_IO_BASE, memoryRegionInitIo(s, undefined, s, "acpi-cpu-hotplug", ACPI_GPE_PROC_LEN));
}

// ---- device life cycle ------------------------------------------------------------------------------------

/** QEMU's ich9_lpc_reset. */
function ich9LpcReset(dev: PCIDevice): void {
  const s = dev as ICH9LPCState;
  if (s.config.length === 0) return;
  const oldRcba = pciGetLong(s.config, ICH9_LPC_RCBA);
  for (let i = 0; i < 4; i++) {
    s.config[ICH9_LPC_PIRQA_ROUT + i] = ICH9_LPC_PIRQ_ROUT_DEFAULT;
    s.config[ICH9_LPC_PIRQE_ROUT + i] = ICH9_LPC_PIRQ_ROUT_DEFAULT;
  }
  s.config[ICH9_LPC_ACPI_CTRL] = ICH9_LPC_ACPI_CTRL_DEFAULT;
  pciSetLong(s.config, ICH9_LPC_PMBASE, ICH9_LPC_PMBASE_DEFAULT);
  pciSetLong(s.config, ICH9_LPC_RCBA, ICH9_LPC_RCBA_DEFAULT);
  s.ccReset();
  s.pmbaseSciUpdate();
  s.rcbaUpdate(oldRcba);
  s.sciLevel = 0;
  s.rstCnt = 0;
  s.smiNegotiatedFeatures = 0n;
  s.smiGuestFeatures.fill(0);
  s.smiFeaturesOk.fill(0);
  s.pm.pcihp?.reset();
  ich9PmSmiReset(s);
}

/**
 * The SMI registers' part of QEMU's pm_reset. Without SMM, APMC_EN starts set, which is how the
 * firmware learns that SMM is already "initialised" and skips its set-up (SeaBIOS's
 * ich9_lpc_apmc_smm_setup), since no SMI could ever come.
 */
function ich9PmSmiReset(s: ICH9LPCState): void {
  s.pm.smiEn = s.pm.smmEnabled ? 0 : ICH9_PMIO_SMI_EN_APMC_EN;
  s.pm.smiEnWmask = 0xffffffff;
}

function ich9LpcRealize(dev: PCIDevice): void {
  const s = dev as ICH9LPCState;
  if (s.smiCpuHotunplug && !s.smiCpuHotplug) throw new QomError("cpu hot-unplug requires cpu hot-plug");
  s.isaBus = isaBusNew(s.registry, s, getSystemMemory(s.registry), getSystemIo(s.registry));
  // PMBASE: the base address bits, and in its low byte ACPI_EN and the SCI selection.
  pciSetLong(s.wmask, ICH9_LPC_PMBASE, ICH9_LPC_PMBASE_BASE_ADDRESS_MASK);
  s.wmask[ICH9_LPC_PMBASE] = ICH9_LPC_ACPI_CTRL_ACPI_EN | ICH9_LPC_ACPI_CTRL_SCI_IRQ_SEL_MASK;
  s.rcrbMem = memoryRegionInitIo(s, rcrbOps, s, "lpc-rcrb-mmio", ICH9_CC_SIZE);
  s.ccInit();
  const io = s.pciBus.addressSpaceIo ?? getSystemIo(s.registry);
  memoryRegionAddSubregion(io, APM_CNT_IOPORT, memoryRegionInitIo(s, apmOps, s, "apm-io", 2));
  s.rstCntMem = memoryRegionInitIo(s, rstCntOps, s, "lpc-reset-control", 1);
  memoryRegionAddSubregionOverlap(io, ICH9_RST_CNT_IOPORT, s.rstCntMem, 1);
  s.initGpioOut(GSI_NUM_PINS, ICH9_GPIO_GSI);
  // The ISA bus's interrupt lines are the GSI the board connects to `gsi` (ich9Lpc
  // board helper passes them on once connected); the two DMA controllers need none.
  i8257DmaInit(s.isaBus, false);
}

function ich9LpcWriteConfig(dev: PCIDevice, addr: number, value: number, len: number): void {
  const s = dev as ICH9LPCState;
  const oldRcba = pciGetLong(s.config, ICH9_LPC_RCBA);
  pciDefaultWriteConfig(dev, addr, value, len);
  const touches = (start: number, size: number) => addr < start + size && start < addr + len;
  if (touches(ICH9_LPC_PMBASE, 4) || touches(ICH9_LPC_ACPI_CTRL, 1)) s.pmbaseSciUpdate();
  if (touches(ICH9_LPC_RCBA, 4)) s.rcbaUpdate(oldRcba);
  if (touches(ICH9_LPC_GEN_PMCON_1, 8)) {
    // SMI_LOCK freezes itself and SMI_EN's global enable.
    if (pciGetWord(s.config, ICH9_LPC_GEN_PMCON_1) & ICH9_LPC_GEN_PMCON_1_SMI_LOCK) {
      s.wmask[ICH9_LPC_GEN_PMCON_1] = s.wmask[ICH9_LPC_GEN_PMCON_1]! & ~ICH9_LPC_GEN_PMCON_1_SMI_LOCK;
      s.pm.smiEnWmask &= ~1;
    }
  }
}

/**
 * QEMU's ich9_lpc_initfn and ich9_pm_add_properties, in QEMU's order: the instance properties
 * list in GLib hash order, which depends on the order they are added.
 */
function ich9LpcInstanceInit(s: ICH9LPCState): void {
  const pm = s.pm;
  const u8 = (name: string, get: () => number, set?: (v: number) => void) =>
    s.addProperty(intProperty(name, "uint8", set ? { get, set: (_o, v) => set(Number(v)) } : { get }));
  const flag = (name: string, get: () => boolean, set: (v: boolean) => void) =>
    s.addProperty(boolProperty(name, { get, set: (_o, v) => set(v) }));
  // ich9_lpc_initfn
  u8("sci_int", () => s.sciGsi);
  u8("acpi_enable_cmd", () => ICH9_APM_ACPI_ENABLE);
  u8("acpi_disable_cmd", () => ICH9_APM_ACPI_DISABLE);
  s.addProperty(intProperty("x-smi-negotiated-features", "uint64", { get: () => s.smiNegotiatedFeatures }));
  // ich9_pm_add_properties
  s.addProperty(intProperty("pm_io_base", "uint32", { get: () => pm.pmIoBase }));
  s.addProperty(intProperty("gpe0_blk", "uint32", { get: () => pm.pmIoBase + ICH9_PMIO_GPE0_STS }));
  s.addProperty(intProperty("gpe0_blk_len", "uint32", { get: () => ICH9_PMIO_GPE0_LEN }));
  flag("memory-hotplug-support", () => pm.memoryHotplugSupport, (v) => (pm.memoryHotplugSupport = v));
  // Switching back to the legacy CPU hotplug interface is not possible (QEMU only allows on -> off).
  flag("cpu-hotplug-legacy", () => pm.cpuHotplugLegacy, (v) => {
    if (!v) pm.cpuHotplugLegacy = false;
  });
  u8("disable_s3", () => pm.disableS3, (v) => (pm.disableS3 = v));
  u8("disable_s4", () => pm.disableS4, (v) => (pm.disableS4 = v));
  u8("s4_val", () => pm.s4Val, (v) => (pm.s4Val = v));
  flag("enable_tco", () => pm.enableTco, (v) => (pm.enableTco = v));
  flag("acpi-pci-hotplug-with-bridge-support", () => pm.useAcpiHotplugBridge, (v) => (pm.useAcpiHotplugBridge = v));
  flag("x-keep-pci-slot-hpc", () => pm.keepPciSlotHpc, (v) => (pm.keepPciSlotHpc = v));
}

// ---- hotplug handler --------------------------------------------------------------------------------------

function lpcOf(h: QomObject): ICH9LPCState {
  return h as ICH9LPCState;
}

function ich9HotplugClassInit(k: ObjectClass): void {
  const hc = (k as unknown as { interfaces: InterfaceClass[] }).interfaces.find(
    (i) => i.interfaceType.name === TYPE_HOTPLUG_HANDLER,
  ) as HotplugHandlerClass | undefined;
  if (!hc) return;
  hc.prePlug = (h, dev: DeviceState) => lpcOf(h).pm.pcihp?.prePlug(dev);
  hc.plug = (h, dev: DeviceState) => lpcOf(h).pm.pcihp?.plug(dev);
  hc.unplugRequest = (h, dev: DeviceState) => lpcOf(h).pm.pcihp?.unplugRequest(dev);
  hc.unplug = (_h, dev: DeviceState) => {
    dev.unparent();
  };
}

/** ICH9-LPC's qdev properties in device-list-properties order. */
const ich9LpcProps = [
  defineProp("x-smi-cpu-hotplug", "smiCpuHotplug", bitBool, true),
  defineProp("x-smi-cpu-hotunplug", "smiCpuHotunplug", bitBool, true),
  defineProp("smm-compat", "smmCompat", plainBool, false),
  defineProp("noreboot", "noreboot", plainBool, true),
  defineProp("x-smi-broadcast", "smiBroadcast", bitBool, true),
];

function ich9LpcClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.categories.add("bridge");
  pc.pciReset = ich9LpcReset;
  pc.pciRealize = ich9LpcRealize;
  pc.configWrite = ich9LpcWriteConfig;
  pc.desc = "ICH9 LPC bridge";
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  pc.deviceId = PCI_DEVICE_ID_INTEL_ICH9_8;
  pc.revision = ICH9_A2_LPC_REVISION;
  pc.classId = PCI_CLASS_BRIDGE_ISA;
  // Part of the ICH9 south bridge, wired by the board.
  pc.userCreatable = false;
  setPropsInDisplayOrder(k, ich9LpcProps);
  ich9HotplugClassInit(k);
}

// ---- board helpers ------------------------------------------------------------------------------------------

/** QEMU's ich9_lpc_map_irq: the PIRQ a device's INTx pin uses. */
export function ich9LpcMapIrq(dev: PCIDevice, pin: number): number {
  const lpc = dev.pciBus.slots[pciDevfn(ICH9_LPC_DEV, ICH9_LPC_FUNC)] as ICH9LPCState | undefined;
  return lpc?.irr[pciSlot(dev.devfn)]?.[pin] ?? 0;
}

/**
 * The board's LPC (pc_q35_init's part): a multifunction ICH9-LPC at 1f.0 routing the bus's
 * PIRQs. The board then connects `gsi` and passes the lines to the ISA bus.
 */
export function ich9LpcCreate(bus: PCIBus): ICH9LPCState {
  const lpc = pciCreateSimpleMultifunction<ICH9LPCState>(bus, pciDevfn(ICH9_LPC_DEV, ICH9_LPC_FUNC), true, TYPE_ICH9_LPC_DEVICE);
  pciBusIrqs(bus, (opaque, pirq) => (opaque as ICH9LPCState).setPirq(pirq), lpc, ICH9_LPC_NB_PIRQS);
  pciBusMapIrqs(bus, ich9LpcMapIrq);
  return lpc;
}

/** QEMU's ich9_lpc_pm_init: the PM block with its SCI, then the LPC's reset state. */
export function ich9LpcPmInit(lpc: ICH9LPCState, smmEnabled: boolean): void {
  const sci = allocateIrq(lpc.registry, (_n, level) => lpc.setSci(level ? 1 : 0), 0);
  ich9PmInit(lpc, smmEnabled, sci);
  ich9LpcSmiFeaturesInit(lpc);
  ich9LpcReset(lpc);
}

/** The SMI features the host offers: broadcast, CPU hotplug, CPU hot-unplug (bits 0 to 2). */
function smiHostFeatures(lpc: ICH9LPCState): bigint {
  return (lpc.smiBroadcast ? 1n : 0n) | (lpc.smiCpuHotplug ? 2n : 0n) | (lpc.smiCpuHotunplug ? 4n : 0n);
}

/**
 * QEMU's SMI feature negotiation files (ich9_lpc_pm_init): `etc/smi/supported-features` (the
 * host's features), the writable `etc/smi/requested-features`, and `etc/smi/features-ok`, whose
 * selection locks the request in when it is a valid subset (smi_features_ok_callback).
 */
function ich9LpcSmiFeaturesInit(lpc: ICH9LPCState): void {
  const host = smiHostFeatures(lpc);
  const fwCfg = fwCfgFind(lpc.registry);
  if (host === 0n || !fwCfg) return;
  const supported = new Uint8Array(8);
  new DataView(supported.buffer).setBigUint64(0, host, true);
  fwCfgAddFile(fwCfg, "etc/smi/supported-features", supported);
  fwCfgAddFileCallback(fwCfg, "etc/smi/requested-features", lpc.smiGuestFeatures, { readOnly: false });
  fwCfgAddFileCallback(fwCfg, "etc/smi/features-ok", lpc.smiFeaturesOk, {
    selectCb: () => {
      if (lpc.smiFeaturesOk[0]) return;
      const guest = new DataView(lpc.smiGuestFeatures.buffer).getBigUint64(0, true);
      if (guest & ~host) return;
      lpc.smiNegotiatedFeatures = guest;
      lpc.smiFeaturesOk[0] = 1;
    },
  });
}

export const ich9LpcTypeInfo: TypeInfo<ICH9LPCState> = {
  name: TYPE_ICH9_LPC_DEVICE,
  parent: TYPE_PCI_DEVICE,
  instance: ICH9LPCState,
  instanceInit: ich9LpcInstanceInit,
  classInit: ich9LpcClassInit,
  interfaces: [TYPE_HOTPLUG_HANDLER, TYPE_ACPI_DEVICE_IF, INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
