/**
 * The PIIX4 power management function (QEMU 7.2's hw/acpi/piix4.c), `PIIX4_PM` at 01.3 on `pc`:
 * ACPI PM1 event/control and PM timer in a 64-port block the firmware places, the GPE0 block,
 * APM, the SMBus controller with its `i2c` bus, legacy CPU hotplug, and ACPI PCI hotplug, for
 * which it is `pci.0`'s hotplug handler.
 *
 * The ACPI register semantics are the next issue's; the device, its properties, regions and
 * configuration space are built here as QEMU builds them.
 */
import {
  memoryRegionAddSubregion,
  memoryRegionInit,
  memoryRegionInitIo,
  memoryRegionSetAddress,
  memoryRegionSetEnabled,
  type MemoryRegion,
} from "../../exec/memory.js";
import { objectNew } from "../../qom/object.js";
import { boolProperty, intProperty } from "../../qom/property.js";
import type { QomObject } from "../../qom/object.js";
import type { InterfaceClass, ObjectClass, TypeInfo } from "../../qom/type.js";
import { TYPE_HOTPLUG_HANDLER, type HotplugHandlerClass } from "../core/hotplug.js";
import { setIrq, type IrqState } from "../core/irq.js";
import { defineProp, propKinds } from "../core/qdev-properties.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import type { DeviceState } from "../core/qdev.js";
import { i2cInitBus, type I2CBus } from "../i2c/core.js";
import type { PCIBus } from "../pci/pci-bus.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciSetIrq,
  setPropsInDisplayOrder,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import { plainBool } from "../pci/prop-kinds.js";
import { PCI_CLASS_BRIDGE_OTHER, PCI_DEVICE_ID_INTEL_82371AB_3, PCI_VENDOR_ID_INTEL } from "../pci/pci-regs.js";
import { ACPI_PCIHP_ADDR_PIIX4, AcpiPciHpState } from "./pcihp.js";
import { TYPE_ACPI_DEVICE_IF } from "./acpi-interface.js";
import {
  acpiPm1CntInit,
  acpiPm1CntReset,
  acpiPm1CntUpdate,
  acpiPm1EvtInit,
  acpiPm1EvtPowerDown,
  acpiPm1EvtReset,
  acpiPmTmrInit,
  acpiPmTmrReset,
  acpiRegsNew,
  acpiSystemStates,
  acpiUpdateSci,
  type AcpiRegs,
} from "./core.js";
import { qemuRegisterPowerdownNotifier, qemuSystemShutdownRequest } from "../../softmmu/runstate.js";
import { fwCfgAddFile, fwCfgFind } from "../nvram/fw-cfg.js";
import { apmInit } from "../isa/apm.js";

export const TYPE_PIIX4_PM = "PIIX4_PM";

const ACPI_ENABLE = 0xf1;
const ACPI_DISABLE = 0xf0;
const GPE_BASE = 0xafe0;
const GPE_LEN = 4;
const SCI_INT = 9;
const PIIX4_CPU_HOTPLUG_IO_BASE = 0xaf00;
const ACPI_GPE_PROC_LEN = 32;
/** The PM I/O base register (PMBA) and its enable bit (PMIOSE at 0x80). */
const PIIX4_PMBA = 0x40;
const PIIX4_PMREGMISC = 0x80;
const PIIX4_SMBHSTCFG = 0xd2;

export class PIIX4PMState extends PCIDevice {
  smbIoBase = 0;
  disableS3 = 0;
  disableS4 = 0;
  s4Val = 2;
  useAcpiHotplugBridge = true;
  useAcpiRootPciHotplug = true;
  memoryHotplugSupport = true;
  smmCompat = false;
  smmEnabled = false;
  notMigrateAcpiIndex = false;
  cpuHotplugLegacy = true;

  /** Where the firmware put the PM block (PMBA); 0 until it does. */
  ioBase = 0;
  io: MemoryRegion | undefined;
  smbusIo: MemoryRegion | undefined;
  smbus: I2CBus | undefined;
  pcihp: AcpiPciHpState | undefined;
  /** PM1 event/control and the PM timer (QEMU's s->ar). */
  ar: AcpiRegs | undefined;
  /** The SCI line (unnamed-gpio-out[0]) and the SMI line (smi-irq[0]). */
  get sciIrq(): IrqState | undefined {
    return this.gpioOut(0);
  }
  get smiIrq(): IrqState | undefined {
    return this.gpioOut(0, "smi-irq");
  }
}

const piix4PmProps = [
  defineProp("acpi-pci-hotplug-with-bridge-support", "useAcpiHotplugBridge", plainBool, true),
  defineProp("smb_io_base", "smbIoBase", propKinds.uint32, 0),
  defineProp("disable_s3", "disableS3", propKinds.uint8, 0),
  defineProp("acpi-root-pci-hotplug", "useAcpiRootPciHotplug", plainBool, true),
  defineProp("smm-enabled", "smmEnabled", plainBool, false),
  defineProp("disable_s4", "disableS4", propKinds.uint8, 0),
  defineProp("memory-hotplug-support", "memoryHotplugSupport", plainBool, true),
  defineProp("smm-compat", "smmCompat", plainBool, false),
  defineProp("x-not-migrate-acpi-index", "notMigrateAcpiIndex", plainBool, false),
  defineProp("s4_val", "s4Val", propKinds.uint8, 2),
];

function piix4PmInstanceInit(s: PIIX4PMState): void {
  // Added SCI first so that they list as QEMU lists them (smi-irq first).
  s.initGpioOut(1);
  s.initGpioOut(1, "smi-irq");
}

/** QEMU's pm_io_space_update / smbus_io_space_update, after config writes and at reset. */
function updateIoSpaces(s: PIIX4PMState): void {
  const c = s.config;
  s.ioBase = ((c[PIIX4_PMBA]! | (c[PIIX4_PMBA + 1]! << 8) | (c[PIIX4_PMBA + 2]! << 16) | (c[PIIX4_PMBA + 3]! << 24)) >>> 0) & 0xffc0;
  if (s.io) {
    memoryRegionSetEnabled(s.io, (c[PIIX4_PMREGMISC]! & 1) !== 0);
    // The block moves with PMBA; QEMU's memory_region_set_address.
    memoryRegionSetAddress(s.io, s.ioBase);
  }
  if (s.smbusIo) memoryRegionSetEnabled(s.smbusIo, (c[PIIX4_SMBHSTCFG]! & 1) !== 0);
}

function addReadOnlyProps(s: PIIX4PMState): void {
  s.addProperty(intProperty("acpi_enable_cmd", "uint8", { get: () => ACPI_ENABLE }));
  s.addProperty(intProperty("acpi_disable_cmd", "uint8", { get: () => ACPI_DISABLE }));
  s.addProperty(intProperty("gpe0_blk", "uint32", { get: () => GPE_BASE }));
  s.addProperty(intProperty("gpe0_blk_len", "uint32", { get: () => GPE_LEN }));
  s.addProperty(intProperty("sci_int", "uint16", { get: () => SCI_INT }));
  s.addProperty(intProperty("pm_io_base", "uint32", { get: () => s.ioBase }));
}

function piix4PmRealize(dev: PCIDevice): void {
  const s = dev as PIIX4PMState;
  const bus = s.pciBus;
  const io = bus.addressSpaceIo!;
  const c = s.config;
  c[0x06] = 0x80;
  c[0x07] = 0x02;
  c[0x09] = 0x00;
  c[0x3d] = 0x01; // INTA

  // APM control/status ports (QEMU's apm_ctrl_changed): ACPI enable/disable, else an SMI when
  // APMC_EN (config 0x5b bit 1) is set.
  apmInit(s, io, (value) => {
    if (s.ar) acpiPm1CntUpdate(s.ar, value === ACPI_ENABLE, value === ACPI_DISABLE);
    if (value === ACPI_ENABLE || value === ACPI_DISABLE) return;
    if (s.config[0x5b]! & (1 << 1)) setIrq(s.smiIrq, 1);
  });
  // Without SMM the firmware must not try to enter it: mark SMM as already initialised.
  if (!s.smmEnabled) c[0x5b] = 0x02;

  // SMBus host controller and its bus of EEPROMs.
  s.smbusIo = memoryRegionInitIo(s, undefined, s, "pm-smbus", 64);
  s.smbus = i2cInitBus(s.registry, s, "i2c");
  c[0x90] = (s.smbIoBase | 1) & 0xff;
  c[0x91] = (s.smbIoBase >> 8) & 0xff;
  c[PIIX4_SMBHSTCFG] = 0x09;
  memoryRegionSetEnabled(s.smbusIo, (c[PIIX4_SMBHSTCFG]! & 1) !== 0);
  memoryRegionAddSubregion(io, s.smbIoBase, s.smbusIo);

  // The PM block: PM1 event at 0, PM1 control at 4, PM timer at 8; off until PMIOSE.
  s.io = memoryRegionInit(s, "piix4-pm", 64);
  memoryRegionSetEnabled(s.io, false);
  memoryRegionAddSubregion(io, 0, s.io);
  // QEMU's piix4_pm_realize order: timer, PM1 event, PM1 control.
  const ar = (s.ar = acpiRegsNew(s));
  // QEMU's pm_tmr_timer / piix4_pm_update_sci: the SCI follows PM1 and GPE status.
  const updateSci = (r: AcpiRegs) => acpiUpdateSci(r, s.sciIrq);
  acpiPmTmrInit(ar, s, updateSci, s.io);
  acpiPm1EvtInit(ar, s, updateSci, s.io);
  acpiPm1CntInit(ar, s, s.io, s.s4Val, false, {
    shutdown: () => qemuSystemShutdownRequest(s.registry, "guest-shutdown"),
    suspend: () => {},
  });
  // QEMU's acpi_pm1_cnt_init also tells the firmware which sleep states exist.
  const fwCfg = fwCfgFind(s.registry);
  if (fwCfg) fwCfgAddFile(fwCfg, "etc/system-states", acpiSystemStates(s.disableS3 !== 0, s.disableS4 !== 0, s.s4Val));
  // QEMU's piix4_pm_powerdown_req: system_powerdown presses the power button.
  qemuRegisterPowerdownNotifier(s.registry, () => acpiPm1EvtPowerDown(ar));

  systemHotAddInit(s, io, bus);
  addReadOnlyProps(s);
}

/** QEMU's piix4_acpi_system_hot_add_init. */
function systemHotAddInit(s: PIIX4PMState, io: MemoryRegion, bus: PCIBus): void {
  memoryRegionAddSubregion(io, GPE_BASE, memoryRegionInitIo(s, undefined, s, "acpi-gpe0", GPE_LEN));
  if (s.useAcpiHotplugBridge || s.useAcpiRootPciHotplug) {
    s.pcihp = new AcpiPciHpState(s, bus, io, ACPI_PCIHP_ADDR_PIIX4);
    s.pcihp.notify = () => pciSetIrq(s, 1);
    bus.setHotplugHandler(s);
    s.pcihp.assignBsel();
  }
  s.addProperty(
    boolProperty("cpu-hotplug-legacy", {
      get: () => s.cpuHotplugLegacy,
      set: (_o, v) => {
        // Switching back to the legacy interface is not possible (QEMU only allows on -> off).
        if (!v) s.cpuHotplugLegacy = false;
      },
    }),
  );
  memoryRegionAddSubregion(
    io,
    PIIX4_CPU_HOTPLUG_IO_BASE,
    memoryRegionInitIo(s, undefined, s, "acpi-cpu-hotplug", ACPI_GPE_PROC_LEN),
  );
}

function piix4PmReset(dev: PCIDevice): void {
  const s = dev as PIIX4PMState;
  const c = s.config;
  c[0x58] = 0;
  c[0x59] = 0;
  c[0x5a] = 0;
  c[0x5b] = 0;
  c[0x40] = 0x01; // PM I/O base: I/O space indicator
  c[0x80] = 0;
  if (!s.smmEnabled) c[0x5b] = 0x02;
  if (s.ar) {
    acpiPm1EvtReset(s.ar);
    acpiPm1CntReset(s.ar);
    acpiPmTmrReset(s.ar);
  }
  updateIoSpaces(s);
  s.pcihp?.reset();
}

function piix4PmWriteConfig(dev: PCIDevice, addr: number, value: number, len: number): void {
  for (let i = 0; i < len; i++) {
    const a = addr + i;
    dev.config[a] = (dev.config[a]! & ~dev.wmask[a]!) | (((value >>> (8 * i)) & 0xff) & dev.wmask[a]!);
  }
  const touches = (start: number, size: number) => addr < start + size && addr + len > start;
  if (touches(PIIX4_PMBA, 4) || touches(PIIX4_PMREGMISC, 1) || touches(PIIX4_SMBHSTCFG, 1)) {
    updateIoSpaces(dev as PIIX4PMState);
  }
}

// ---- hotplug handler --------------------------------------------------------------------------------------

function handlerOf(h: QomObject): PIIX4PMState {
  return h as PIIX4PMState;
}

function piix4HotplugClassInit(k: ObjectClass): void {
  const hc = (k as unknown as { interfaces: InterfaceClass[] }).interfaces.find(
    (i) => i.interfaceType.name === TYPE_HOTPLUG_HANDLER,
  ) as HotplugHandlerClass | undefined;
  if (!hc) return;
  hc.prePlug = (h, dev: DeviceState) => handlerOf(h).pcihp?.prePlug(dev);
  hc.plug = (h, dev: DeviceState) => handlerOf(h).pcihp?.plug(dev);
  hc.unplugRequest = (h, dev: DeviceState) => handlerOf(h).pcihp?.unplugRequest(dev);
  hc.unplug = (_h, dev: DeviceState) => {
    dev.unparent();
  };
}

function piix4PmClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.pciRealize = piix4PmRealize;
  pc.pciReset = piix4PmReset;
  pc.configWrite = piix4PmWriteConfig;
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  pc.deviceId = PCI_DEVICE_ID_INTEL_82371AB_3;
  pc.revision = 0x03;
  pc.classId = PCI_CLASS_BRIDGE_OTHER;
  pc.desc = "PM";
  // Part of the south bridge (it also owns the PIIX4 SMBus and its EEPROMs).
  pc.userCreatable = false;
  pc.hotpluggable = false;
  setPropsInDisplayOrder(k, piix4PmProps);
  piix4HotplugClassInit(k);
}

export interface Piix4PmInitArgs {
  devfn: number;
  smbIoBase: number;
  sciIrq: IrqState | undefined;
  smiIrq: IrqState | undefined;
  smmEnabled: boolean;
}

/**
 * QEMU's piix4_pm_init as pc_init1 calls it (01.3, SMBus at 0xb100): the device realized on
 * `bus` with its SCI and SMI lines connected. The board then adds the SPD EEPROMs
 * (`smbusEepromInit(pm.smbus, 8, …)`) and sets the machine's `acpi-device` link.
 */
export function piix4PmInit(bus: PCIBus, args: Piix4PmInitArgs): PIIX4PMState {
  const s = objectNew<PIIX4PMState>(bus.registry, TYPE_PIIX4_PM);
  s.devfn = args.devfn;
  s.smbIoBase = args.smbIoBase;
  s.smmEnabled = args.smmEnabled;
  s.connectGpioOut(0, args.sciIrq);
  s.connectGpioOut(0, args.smiIrq, "smi-irq");
  qdevRealizeAndUnref(s, bus);
  return s;
}

export const piix4PmTypeInfo: TypeInfo<PIIX4PMState> = {
  name: TYPE_PIIX4_PM,
  parent: TYPE_PCI_DEVICE,
  instance: PIIX4PMState,
  instanceInit: piix4PmInstanceInit,
  classInit: piix4PmClassInit,
  interfaces: [TYPE_HOTPLUG_HANDLER, TYPE_ACPI_DEVICE_IF, INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
