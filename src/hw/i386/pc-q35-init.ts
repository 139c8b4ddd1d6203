/**
 * Board construction for the Q35 machines (QEMU 7.2's pc_q35_init in hw/i386/pc_q35.c), in
 * QEMU's order, which decides the `/machine/unattached/device[N]` numbering: CPUs, memory and
 * firmware, the `q35` host bridge with `pcie.0` and the MCH, the ICH9 LPC bridge (1f.0) with
 * `isa.0`, the 8259s, the I/O APIC, the PC's basic ISA devices, the ICH9 power management,
 * the AHCI controller (1f.2), the SMBus controller (1f.3) with its EEPROMs, then the display
 * card and the NICs at the first free slots.
 */
import { getSystemIo, getSystemMemory, memoryRegionInit, type MemoryRegion } from "../../exec/memory.js";
import { addChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { addLink, allowSetLink } from "../../qom/link.js";
import { objectNew } from "../../qom/object.js";
import { TYPE_HOTPLUG_HANDLER } from "../core/hotplug.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { sysbusGetDefault } from "../core/sysbus.js";
import { pcVgaInit } from "../display/vga-interface.js";
import { smbusEepromInit } from "../i2c/smbus-eeprom.js";
import { ich9SmbInit } from "../i2c/smbus_ich9.js";
import { ahciIdeCreateDevs, ich9AhciCreate } from "../ide/ich.js";
import { isaBusIrqs } from "../isa/isa-bus.js";
import { ICH9_GPIO_GSI, ICH9_SATA1_DEV, ICH9_SATA1_FUNC, ICH9_SMB_DEV, ICH9_SMB_FUNC, ich9LpcCreate, ich9LpcPmInit } from "../isa/lpc_ich9.js";
import { Q35PCIHost, TYPE_Q35_HOST_DEVICE } from "../pci-host/q35.js";
import { pciDevfn } from "../pci/pci-regs.js";
import { picIrqRequest } from "./x86-intr.js";
import { GSI_NUM_PINS, machineRam, pcBasicDeviceInit, pcGsiCreate, pcI8259Create, pcIoapicCreate, pcKvmclockCreate, pcMemoryInit, pcNicInit } from "./pc-init.js";
import type { PCMachineClass, PCMachineState } from "./pc.js";
import { x86CpusInit } from "./x86-cpu.js";
import { x86MachineIsSmmEnabled, x86RaiseSmi } from "./x86-smm.js";

const GiB = 2 ** 30;
/** The HPET interrupt capabilities Q35 gives pc_basic_device_init (GSI 2, 8 and 16-23). */
const Q35_HPET_INTCAP = 0xff0104;

function roundUp(v: number, align: number): number {
  return Math.ceil(v / align) * align;
}

/**
 * QEMU's Q35 RAM split: below 4 GiB up to 2 GiB when RAM reaches 2.75 GiB (leaving room for
 * the PCI hole and MMCONFIG), else up to 2.75 GiB; `max-ram-below-4g` can only lower it.
 */
export function q35SplitRam(ms: PCMachineState): { below: number; above: number } {
  let lowmem = ms.ramSize >= 0xb0000000 ? 0x80000000 : 0xb0000000;
  if (!ms.maxRamBelow4g) ms.maxRamBelow4g = 4 * GiB;
  if (lowmem > ms.maxRamBelow4g) {
    lowmem = ms.maxRamBelow4g;
    if (ms.ramSize - lowmem > lowmem && lowmem % GiB !== 0) {
      ms.warningSink?.warn(
        `There is possibly poor performance as the ram size  (0x${ms.ramSize.toString(16)}) is more then twice the size of max-ram-below-4g (${ms.maxRamBelow4g}) and max-ram-below-4g is not a multiple of 1G.`,
      );
    }
  }
  return ms.ramSize >= lowmem ? { below: lowmem, above: ms.ramSize - lowmem } : { below: ms.ramSize, above: 0 };
}

export function pcQ35Init(ms: PCMachineState): void {
  const pcmc = ms.machineClass as PCMachineClass;
  const registry = ms.registry;
  const split = q35SplitRam(ms);
  ms.below4gMemSize = split.below;
  ms.above4gMemSize = split.above;
  x86CpusInit(ms, { ...(ms.cpuOption ? { cpuOption: ms.cpuOption } : {}), ...(ms.warningSink ? { warnings: ms.warningSink } : {}) });
  pcKvmclockCreate(ms);

  let romMemory = getSystemMemory(registry);
  let pciMemory: MemoryRegion | undefined;
  if (pcmc.pciEnabled) {
    pciMemory = memoryRegionInit(registry, "pci", 2 ** 64);
    romMemory = pciMemory;
  }
  if (!pciMemory) throw new QomError(`machine type '${pcmc.name}' needs PCI`);

  // The host bridge object exists before memory is set up (its hole size sizes the layout).
  const host = objectNew<Q35PCIHost>(registry, TYPE_Q35_HOST_DEVICE);
  const ram = machineRam(ms);
  ms.fwCfg = pcMemoryInit(ms, ram, romMemory, split);

  addChild(ms, "q35", host);
  host.ramMemory = ram;
  host.pciAddressSpace = pciMemory;
  host.systemMemory = getSystemMemory(registry);
  host.addressSpaceIo = getSystemIo(registry);
  host.below4gMemSize = split.below;
  host.above4gMemSize = split.above;
  host.pciHole64StartDefault = roundUp(0x100000000 + split.above, GiB);
  qdevRealizeAndUnref(host, sysbusGetDefault(registry));
  const pciBus = host.bus!;

  const lpc = ich9LpcCreate(pciBus);
  addLink(ms, "acpi-device", TYPE_HOTPLUG_HANDLER, { check: allowSetLink, strong: true }, lpc);
  lpc.onSmi = (broadcast) => x86RaiseSmi(ms.registry, broadcast);

  const { gsi, state: gsiState } = pcGsiCreate(ms);
  for (let i = 0; i < GSI_NUM_PINS; i++) lpc.connectGpioOut(i, gsi[i], ICH9_GPIO_GSI);
  // QEMU's LPC hands its `gsi` array to isa.0 at realize; the lines are these GSIs.
  const isaBus = lpc.isaBus!;
  isaBusIrqs(isaBus, gsi);

  if (ms.pic === "on" || ms.pic === "auto") {
    // QEMU's pic_irq_request: the master PIC's output is the CPU's INTR line.
    pcI8259Create(ms, isaBus, gsiState, (level) => {
      ms.cpuIntrLevel = level;
      picIrqRequest(ms.registry, level);
    });
  }
  pcIoapicCreate(ms, host, gsiState);

  if (ms.vmport === "auto") ms.vmport = "on";
  const rtc = pcBasicDeviceInit(ms, isaBus, gsi, !pcmc.noFloppy, Q35_HPET_INTCAP, ms.backends);
  ms.rtcState = rtc;

  ich9LpcPmInit(lpc, x86MachineIsSmmEnabled(ms));

  if (ms.sataEnabled) {
    const ahci = ich9AhciCreate(pciBus, pciDevfn(ICH9_SATA1_DEV, ICH9_SATA1_FUNC));
    ahciIdeCreateDevs(ahci, ms.ideDrives);
  }
  if (ms.usb) {
    // QEMU adds the ICH9 EHCI controller with its UHCI companions, which qomd does not model.
    throw new QomError("'ich9-usb-ehci1' is not a valid device model name");
  }
  if (ms.smbusEnabled) {
    const smb = ich9SmbInit(pciBus, pciDevfn(ICH9_SMB_DEV, ICH9_SMB_FUNC));
    smbusEepromInit(smb.smbus!, 8);
  }
  // QEMU's pc_cmos_init links the RTC; mc146818_rtc_init already added the `rtc-time` alias.
  addLink(ms, "rtc_state", "isa-device", { check: allowSetLink, strong: true }, rtc);

  // The devices that take the first free slots.
  pcVgaInit(registry, isaBus, pciBus);
  pcNicInit(ms, pciBus);
}
