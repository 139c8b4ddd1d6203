/**
 * Board construction for the PC machines (QEMU's pc_init1 in hw/i386/pc_piix.c, with the
 * helpers of hw/i386/pc.c). The order of device creation is QEMU's, because it decides the
 * `/machine/unattached/device[N]` numbering that management tools see.
 */
import { QomError } from "../../qom/error.js";
import { addAlias, addLink, allowSetLink } from "../../qom/link.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import {
  getSystemIo,
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionInitIo,
  memoryRegionInitRam,
  memoryRegionSetReadonly,
  type MemoryRegion,
} from "../../exec/memory.js";
import { hostMemoryBackendGetMemory, hostMemoryBackendSetMapped, type HostMemoryBackend } from "../../backends/hostmem.js";
import { allocateIrq, setIrq, type IrqState } from "../core/irq.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { sysbusConnectIrq, sysbusGetDefault } from "../core/sysbus.js";
import { isaBusIrqs, isaBusNew, isaCreateSimple, isaNew, isaRealizeAndUnref, type IsaBus } from "../isa/isa-bus.js";
import { i8257DmaInit } from "../dma/i8257.js";
import { i8259Init } from "../intc/i8259.js";
import { ioapicInit } from "../intc/ioapic.js";
import { ioapicUseKvmSplit } from "./kvm/ioapic-kvm-split.js";
import { HPET_LEGACY_PIT_INT, HPET_LEGACY_RTC_INT, hpetMmioMap, TYPE_HPET, type HpetState } from "../timer/hpet.js";
import { i8254PitInit } from "../timer/i8254.js";
import { kvmEnabled, kvmIrqchipIsSplit, kvmPicInKernel } from "../../accel/kvm/kvm-machine.js";
import { KVM_IDENTITY_MAP_ADDR, KVM_IDENTITY_MAP_SIZE } from "../../accel/kvm/kvm-accel.js";
import { kvmclockCreate, kvmI8259Init, kvmIoapicInit, kvmPitInit } from "./kvm/kvm-irqchip.js";
import { FW } from "../../target/i386/cpu-features.js";
import { mc146818RtcInit } from "../rtc/mc146818rtc.js";
import { pcspkInit, TYPE_PC_SPEAKER, type PcSpkState } from "../audio/pcspk.js";
import { isaFdcInitDrives, TYPE_ISA_FDC, type IsaFdcState } from "../block/fdc.js";
import { i8042SetupA20Line, TYPE_I8042, type I8042State } from "../input/pckbd.js";
import { TYPE_VMPORT } from "./vmport.js";
import { TYPE_VMMOUSE } from "./vmmouse.js";
import { port92ConnectA20, TYPE_PORT92, type Port92State } from "./port92.js";
import { serialHdsIsaInit } from "../char/serial-isa.js";
import { parallelHdsIsaInit } from "../char/parallel.js";
import type { FwCfgIoState } from "../nvram/fw-cfg.js";
import { E820_RESERVED, type E820Entry, fwCfgAddOptionRoms, fwCfgArchCreate, pcAdvertisesAmdHtHole, pcE820Entries } from "./fw-cfg.js";
import { machineX86Cpus } from "../../softmmu/x86-vcpus.js";
import { pcCmosInit } from "./pc-cmos.js";
import { pcFirmwareTablesInit } from "./firmware-tables.js";
import type { RtcState } from "../rtc/mc146818rtc.js";
import { loadFirmware } from "./pc-firmware.js";
import { x86MachineIsSmmEnabled, x86RaiseSmiFirstCpu } from "./x86-smm.js";
import { x86BootCpus, x86CpuApicIdFromIndex, x86CpusInit } from "./x86-cpu.js";
import { pcVgaInit } from "../display/vga-interface.js";
import { i440fxInit } from "../pci-host/i440fx.js";
import { piix3Create } from "../isa/piix3.js";
import { isaBusOf } from "../isa/isa-bus.js";
import { piix3IdeCreate } from "../ide/piix.js";
import { isaIdeInit } from "../ide/isa.js";
import { pciIdeCreateDevs } from "../ide/pci.js";
import { piix4PmInit } from "../acpi/piix4.js";
import { smbusEepromInit } from "../i2c/smbus-eeprom.js";
import { TYPE_HOTPLUG_HANDLER } from "../core/hotplug.js";
import type { PCIBus } from "../pci/pci-bus.js";
import { pciNew, pciRealizeAndUnref } from "../pci/pci.js";
import { pciNicModels } from "../../net/net.js";
import type { PCMachineClass, PCMachineState } from "./pc.js";
import { picIrqRequest } from "./x86-intr.js";
import { qemuSystemResetRequest } from "../../softmmu/runstate.js";

/** QEMU's GSI_NUM_PINS and ISA_NUM_IRQS. */
export const GSI_NUM_PINS = 24;
export const ISA_NUM_IRQS = 16;
/** The option ROM area below the BIOS (QEMU's PC_ROM_MIN_VGA … PC_ROM_MAX). */
const PC_ROM_MIN_VGA = 0xc0000;
const PC_ROM_MAX = 0xe0000;

/** The devices a board wires later (QEMU's GSIState): where each GSI goes. */
export interface GsiState {
  i8259Irq: Array<IrqState | undefined>;
  ioapicIrq: Array<IrqState | undefined>;
}

/**
 * QEMU's pc_gsi_create: 24 GSI lines fanning out to the PIC (0-15) and the IOAPIC. With the
 * kernel's PIC and IOAPIC (kvm_pc_gsi_handler) GSIs 0-15 go to the kvm-i8259 lines only, since
 * the kernel routes each to both chips itself; the others to the kvm-ioapic.
 */
export function pcGsiCreate(ms: PCMachineState): { gsi: IrqState[]; state: GsiState } {
  const state: GsiState = { i8259Irq: [], ioapicIrq: [] };
  const gsi: IrqState[] = [];
  const kernelChips = kvmPicInKernel(ms.registry);
  for (let n = 0; n < GSI_NUM_PINS; n++) {
    gsi.push(
      allocateIrq(
        ms.registry,
        (line, level) => {
          if (line < ISA_NUM_IRQS) setIrq(state.i8259Irq[line], level);
          if (!kernelChips || line >= ISA_NUM_IRQS) setIrq(state.ioapicIrq[line], level);
        },
        n,
      ),
    );
  }
  return { gsi, state };
}

/** The RAM split below and above 4 GiB (QEMU's pc_init1 comment explains the history). */
function splitRam(ms: PCMachineState): { below: number; above: number } {
  if (!ms.maxRamBelow4g) ms.maxRamBelow4g = (ms.machineClass as PCMachineClass).defaultMaxRamBelow4g;
  let lowmem = ms.maxRamBelow4g;
  if (ms.ramSize >= ms.maxRamBelow4g && lowmem > 0xc0000000) lowmem = 0xc0000000;
  return ms.ramSize >= lowmem ? { below: lowmem, above: ms.ramSize - lowmem } : { below: ms.ramSize, above: 0 };
}

/** The machine's RAM region, taken from its memory backend (machine_run_board_init). */
export function machineRam(ms: PCMachineState): MemoryRegion {
  const backend = ms.memdev as HostMemoryBackend | undefined;
  if (!backend) throw new QomError("Memory backend is missing");
  const ram = hostMemoryBackendGetMemory(backend);
  if (!ram) throw new QomError("Memory backend is missing its memory");
  hostMemoryBackendSetMapped(backend, true);
  return ram;
}

/** QEMU's pc_memory_init, for the parts the board tree shows: RAM aliases, firmware, option ROM space, fw_cfg. */
export function pcMemoryInit(ms: PCMachineState, ram: MemoryRegion, romMemory: MemoryRegion, split: { below: number; above: number }, apicIdLimit = x86CpuApicIdFromIndex(ms, ms.smp.maxCpus - 1) + 1): FwCfgIoState {
  const system = getSystemMemory(ms.registry);
  const below = memoryRegionInitAlias(ms.registry, "ram-below-4g", ram, 0, split.below);
  memoryRegionAddSubregion(system, 0, below);
  if (split.above > 0) {
    const above = memoryRegionInitAlias(ms.registry, "ram-above-4g", ram, split.below, split.above);
    memoryRegionAddSubregion(system, 0x100000000, above);
  }
  const pciEnabled = (ms.machineClass as PCMachineClass).pciEnabled;
  loadFirmware(ms, romMemory, !pciEnabled);
  const optionRom = memoryRegionInitRam(ms.registry, "pc.rom", PC_ROM_MAX - PC_ROM_MIN_VGA);
  if (pciEnabled) memoryRegionSetReadonly(optionRom, true);
  memoryRegionAddSubregionOverlap(romMemory, PC_ROM_MIN_VGA, optionRom, 1);
  const fwCfg = fwCfgArchCreate(ms, {
    bootCpus: x86BootCpus(ms),
    apicIdLimit,
    ramSize: ms.ramSize,
    e820: [...kvmE820Entries(ms), ...pcE820Entries(split.below, split.above, amdHtHole(ms))],
    info: { graphics: ms.enableGraphics },
  });
  fwCfgAddOptionRoms(fwCfg, ms);
  pcFirmwareTablesInit(ms, fwCfg);
  return fwCfg;
}

/** pc_memory_init's test for the AMD HyperTransport hole, on the first CPU. */
function amdHtHole(ms: PCMachineState): boolean {
  const st = machineX86Cpus(ms)[0]?.state;
  return st !== undefined && pcAdvertisesAmdHtHole(ms.machineClass.name, st.vendorWords, st.physBits);
}

/** QEMU's ioport80/ioportF0: the POST code and FPU error ports, which ignore what they get. */
function pcIoportStubs(ms: PCMachineState, bus: IsaBus): void {
  const io = bus.addressSpaceIo ?? getSystemIo(ms.registry);
  const port80 = memoryRegionInitIo(ms.registry, { read: () => 0xff, write: () => {} }, undefined, "ioport80", 1);
  memoryRegionAddSubregion(io, 0x80, port80);
  const portF0 = memoryRegionInitIo(ms.registry, { read: () => 0xff, write: () => {} }, undefined, "ioportF0", 1);
  memoryRegionAddSubregion(io, 0xf0, portF0);
}

/** QEMU's pc_superio_init: serial and parallel ports, the floppy controller, the keyboard controller, vmport, port 92. */
function pcSuperioInit(ms: PCMachineState, bus: IsaBus, createFdctrl: boolean, noVmport: boolean, serialHds: readonly (string | undefined)[], parallelHds: readonly (string | undefined)[], floppies: readonly (string | undefined)[]): void {
  serialHdsIsaInit(bus, serialHds, 0, 4);
  parallelHdsIsaInit(bus, parallelHds, 3);
  if (createFdctrl || floppies.some((f) => f !== undefined)) {
    const fdc = isaNew<IsaFdcState>(ms.registry, TYPE_ISA_FDC);
    isaRealizeAndUnref(fdc, bus);
    isaFdcInitDrives(fdc, floppies);
  }
  if (!ms.i8042Enabled) return;
  const i8042 = isaCreateSimple<I8042State>(bus, TYPE_I8042);
  if (!noVmport) {
    isaCreateSimple(bus, TYPE_VMPORT);
    const vmmouse = isaNew(ms.registry, TYPE_VMMOUSE);
    vmmouse.setPropertyJson("i8042", i8042.canonicalPath ?? "");
    isaRealizeAndUnref(vmmouse, bus);
  }
  const port92 = isaCreateSimple<Port92State>(bus, TYPE_PORT92);
  // QEMU's handle_a20_line_change: either source sets the CPU's A20 gate.
  const a20 = [0, 1].map((n) =>
    allocateIrq(
      ms.registry,
      (_n, level) => {
        ms.a20Enabled = level !== 0;
        ms.onA20Change?.(ms.a20Enabled);
      },
      n,
    ),
  );
  i8042SetupA20Line(i8042, a20[0]);
  port92ConnectA20(port92, a20[1]);
  // Both pulse the CPU's reset line: a guest reset (QEMU's qemu_system_reset_request).
  i8042.onSystemReset = () => qemuSystemResetRequest(ms.registry, "guest-reset");
  port92.onSystemReset = () => qemuSystemResetRequest(ms.registry, "guest-reset");
}

/** What kvm_arch_init adds to the e820 table on kvm: its identity map and TSS pages, reserved. */
function kvmE820Entries(ms: PCMachineState): E820Entry[] {
  return kvmEnabled(ms.registry) ? [{ address: KVM_IDENTITY_MAP_ADDR, length: KVM_IDENTITY_MAP_SIZE, type: E820_RESERVED }] : [];
}

/**
 * QEMU's pc_i8259_create and ioapic_init_gsi choices: the kernel's PIC pair (no CPU INTR line:
 * the kernel delivers) under kvm with the in-kernel irqchip, else the userspace `isa-i8259`s
 * with their output on `cpuIntr`. Fills the PIC half of `gsiState`.
 */
export function pcI8259Create(ms: PCMachineState, bus: IsaBus, gsiState: GsiState, cpuIntr: (level: number) => void): void {
  if (kvmPicInKernel(ms.registry)) {
    const pic = kvmI8259Init(bus);
    for (let i = 0; i < ISA_NUM_IRQS; i++) gsiState.i8259Irq[i] = pic[i];
    return;
  }
  const cpuIrq = allocateIrq(ms.registry, (_n, level) => cpuIntr(level), 0);
  const pic = i8259Init(bus, cpuIrq);
  for (let i = 0; i < ISA_NUM_IRQS; i++) gsiState.i8259Irq[i] = pic[i];
}

/**
 * QEMU's ioapic_init_gsi: `kvm-ioapic` under kvm with the in-kernel irqchip, else `ioapic` (which
 * with a split irqchip reaches the kernel's local APICs through MSI routes); fills the IOAPIC half
 * of `gsiState`.
 */
export function pcIoapicCreate(ms: PCMachineState, parent: QomObject, gsiState: GsiState): void {
  const ioapic = kvmPicInKernel(ms.registry) ? kvmIoapicInit(ms.registry, parent) : ioapicInit(ms.registry, parent);
  if (kvmIrqchipIsSplit(ms.registry)) ioapicUseKvmSplit(ioapic);
  for (let i = 0; i < GSI_NUM_PINS; i++) gsiState.ioapicIrq[i] = ioapic.gpioIn(i);
}

/**
 * QEMU's kvmclock_create for the board: on kvm, when the first CPU has kvmclock or the machine
 * type creates it always (kvmclock_create_always, true for the 7.2 types).
 */
export function pcKvmclockCreate(ms: PCMachineState): void {
  const features = machineX86Cpus(ms)[0]?.config.features;
  // KVM_FEATURE_CLOCKSOURCE and KVM_FEATURE_CLOCKSOURCE2 (both are "kvmclock").
  const has = features !== undefined && ((features[FW.FEAT_KVM] ?? 0n) & 0x9n) !== 0n;
  kvmclockCreate(ms.registry, has, true);
}

/** QEMU's pc_basic_device_init: HPET, RTC, PIT, speaker and the Super I/O devices. */
export function pcBasicDeviceInit(ms: PCMachineState, bus: IsaBus, gsi: IrqState[], createFdctrl: boolean, hpetIrqs: number, backends: BoardBackends): QomObject {
  pcIoportStubs(ms, bus);
  let hpet: HpetState | undefined;
  let pitIsaIrq = 0;
  let pitAltIrq: IrqState | undefined;
  let rtcIrq: IrqState | undefined;
  if (ms.hpetEnabled) {
    hpet = objectNew<HpetState>(ms.registry, TYPE_HPET);
    if (!hpet.intcap) hpet.setPropertyJson("hpet-intcap", hpetIrqs);
    qdevRealizeAndUnref(hpet, sysbusGetDefault(ms.registry));
    hpetMmioMap(hpet);
    for (let i = 0; i < GSI_NUM_PINS; i++) sysbusConnectIrq(hpet, i, gsi[i]);
    pitIsaIrq = -1;
    pitAltIrq = hpet.gpioIn(HPET_LEGACY_PIT_INT);
    rtcIrq = hpet.gpioIn(HPET_LEGACY_RTC_INT);
  }
  const rtc = mc146818RtcInit(bus, 2000, rtcIrq);
  if (ms.pit === "auto" || ms.pit === "on") {
    // QEMU's pc_basic_device_init: the kernel's PIT under kvm with the in-kernel irqchip.
    const pit = kvmPicInKernel(ms.registry) ? kvmPitInit(bus, 0x40) : i8254PitInit(bus, 0x40, pitIsaIrq, pitAltIrq);
    if (hpet) hpet.connectGpioOut(0, pit.gpioIn(0));
    pcspkInit(ms.pcspk, bus, pit);
  }
  pcSuperioInit(ms, bus, createFdctrl, ms.vmport !== "on", backends.serial, backends.parallel, backends.floppy);
  return rtc;
}

/**
 * QEMU's pc_nic_init with pci_nic_init_nofail: one NIC device for each -net nic/-nic entry, of
 * its model or the machine's default, at its address or the first free slot.
 */
export function pcNicInit(ms: PCMachineState, pciBus: PCIBus | undefined): void {
  const nets = ms.netClients;
  if (!nets) return;
  const defaultModel = ms.machineClass.defaultNicModel ?? "e1000";
  for (const nd of nets.nics) {
    if (!pciBus) throw new QomError("Unsupported NIC model: " + (nd.model ?? defaultModel));
    const model = nets.resolveNicModel(nd, defaultModel, pciNicModels(ms.registry));
    const devfn = nd.devaddr !== undefined ? pciParseDevaddr(nd.devaddr) : -1;
    const dev = pciNew(ms.registry, devfn, model);
    dev.parseProperty("mac", nd.macaddr);
    if (nd.netdev) dev.parseProperty("netdev", nd.netdev.name);
    if (nd.vectors !== undefined && dev.findProperty("vectors")) dev.setPropertyJson("vectors", nd.vectors);
    pciRealizeAndUnref(dev, pciBus);
    nets.nicCreated(nd, model);
  }
}

/** QEMU's pci_parse_devaddr for `-net nic,addr=`: `slot` or `slot.function` in hex on bus 0. */
function pciParseDevaddr(addr: string): number {
  const m = /^(?:(?:[0-9a-fA-F]+:)?0*0:)?([0-9a-fA-F]+)(?:\.([0-7]))?$/.exec(addr);
  if (!m) throw new QomError(`Invalid PCI device address ${addr} for device ${addr}`);
  const slot = parseInt(m[1]!, 16);
  if (slot > 31) throw new QomError(`Invalid PCI device address ${addr} for device ${addr}`);
  return (slot << 3) | (m[2] !== undefined ? parseInt(m[2], 10) : 0);
}

/** What the board needs to know about the backends the command line created. */
export interface BoardBackends {
  serial: readonly (string | undefined)[];
  parallel: readonly (string | undefined)[];
  floppy: readonly (string | undefined)[];
}

/** QEMU's pc_machine_initfn parts that create objects: the PC speaker (realized later by the board). */
export function pcMachineInitfn(ms: PCMachineState): void {
  ms.pcspk = isaNew<PcSpkState>(ms.registry, TYPE_PC_SPEAKER);
  addAlias(ms, "pcspk-audiodev", ms.pcspk, "audiodev");
}

export function pcInit1(ms: PCMachineState, hostType: string | undefined, pciType: string | undefined): void {
  const pcmc = ms.machineClass as PCMachineClass;
  const split = splitRam(ms);
  ms.below4gMemSize = split.below;
  ms.above4gMemSize = split.above;
  const { apicIdLimit } = x86CpusInit(ms, { ...(ms.cpuOption ? { cpuOption: ms.cpuOption } : {}), ...(ms.warningSink ? { warnings: ms.warningSink } : {}) });
  pcKvmclockCreate(ms);

  let romMemory = getSystemMemory(ms.registry);
  let pciMemory: MemoryRegion | undefined;
  if (pcmc.pciEnabled) {
    pciMemory = memoryRegionInit(ms.registry, "pci", 2 ** 64);
    romMemory = pciMemory;
  }
  const ram = machineRam(ms);
  ms.fwCfg = pcMemoryInit(ms, ram, romMemory, split, apicIdLimit);

  const { gsi, state: gsiState } = pcGsiCreate(ms);
  let bus: IsaBus;
  let hostBridge: QomObject | undefined;
  let pciBus: PCIBus | undefined;
  let piix3Devfn = -1;
  if (pcmc.pciEnabled && hostType && pciType && pciMemory) {
    const parts = i440fxInit(ms.registry, {
      hostType,
      pciType,
      systemMemory: getSystemMemory(ms.registry),
      systemIo: getSystemIo(ms.registry),
      ramSize: ms.ramSize,
      belowFourGMemSize: split.below,
      aboveFourGMemSize: split.above,
      pciAddressSpace: pciMemory,
      ramMemory: ram,
    });
    hostBridge = parts.host;
    pciBus = parts.bus;
    const piix3 = piix3Create(pciBus, gsi);
    piix3.onResetRequest = () => qemuSystemResetRequest(ms.registry, "guest-reset");
    piix3Devfn = piix3.devfn;
    const isa = isaBusOf(ms.registry);
    if (!isa) throw new QomError("PIIX3 did not create its ISA bus");
    bus = isa;
  } else {
    bus = isaBusNew(ms.registry, undefined, getSystemMemory(ms.registry), getSystemIo(ms.registry));
    i8257DmaInit(bus, false);
    ms.hpetEnabled = false;
  }
  isaBusIrqs(bus, gsi);
  if (ms.pic === "on" || ms.pic === "auto") {
    // QEMU's pic_irq_request: the master PIC's output is the CPU's INTR line.
    pcI8259Create(ms, bus, gsiState, (level) => {
      ms.cpuIntrLevel = level;
      picIrqRequest(ms.registry, level);
    });
  }
  if (hostBridge) pcIoapicCreate(ms, hostBridge, gsiState);
  pcVgaInit(ms.registry, bus, pciBus);
  if (ms.vmport === "auto") ms.vmport = "on";
  const rtc = pcBasicDeviceInit(ms, bus, gsi, true, 0x4, ms.backends);
  ms.rtcState = rtc;
  pcNicInit(ms, pciBus);

  if (pciBus) {
    const ide = piix3IdeCreate(pciBus, piix3Devfn + 1);
    pciIdeCreateDevs(ide, ms.ideDrives);
  } else {
    // QEMU's isapc: two ISA IDE controllers on the legacy ports.
    isaIdeInit(bus, 0x1f0, 0x3f6, 14, ms.ideDrives.slice(0, 2));
    isaIdeInit(bus, 0x170, 0x376, 15, ms.ideDrives.slice(2, 4));
  }
  // QEMU's pc_cmos_init links the RTC; mc146818_rtc_init already added the `rtc-time` alias.
  addLink(ms, "rtc_state", "isa-device", { check: allowSetLink, strong: true }, rtc);
  pcCmosInit(rtc as RtcState, {
    below4gMemSize: split.below,
    above4gMemSize: split.above,
    bootOrder: ms.boot.order ?? "cad",
    bootCpus: x86BootCpus(ms),
  });

  if (pciBus && ms.usb) {
    throw new QomError("'piix3-usb-uhci' is not a valid device model name");
  }
  if (pciBus && ms.acpi !== "off") {
    // QEMU's pc_acpi_smi_interrupt: an SMI for the first CPU.
    const smiIrq = allocateIrq(ms.registry, (_n, level) => level && x86RaiseSmiFirstCpu(ms.registry), 0);
    const pm = piix4PmInit(pciBus, {
      devfn: piix3Devfn + 3,
      smbIoBase: 0xb100,
      sciIrq: gsi[9],
      smiIrq,
      smmEnabled: x86MachineIsSmmEnabled(ms),
    });
    if (pm.smbus) smbusEepromInit(pm.smbus, 8);
    addLink(ms, "acpi-device", TYPE_HOTPLUG_HANDLER, { check: allowSetLink, strong: true }, pm);
  }
}

export { pcQ35Init } from "./pc-q35-init.js";
