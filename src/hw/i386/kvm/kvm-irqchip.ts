/**
 * The KVM variants of the PC's interrupt controllers and timer (QEMU 7.2's hw/i386/kvm/i8259.c,
 * ioapic.c, i8254.c, apic.c and clock.c): `kvm-i8259`, `kvm-ioapic`, `kvm-pit`, `kvm-apic` and
 * `kvmclock`. With `-accel kvm` and the in-kernel irqchip the board builds these instead of the
 * userspace models. The behaviour is the kernel's (its PIC, IOAPIC, PIT and local APICs answer
 * the guest's port and MMIO accesses themselves, so the regions here never see an access); these
 * objects carry the QOM identity, properties, regions and GSI wiring QEMU shows, and forward
 * their input lines to the kernel.
 */
import { kvmEnabled, kvmMachineOf } from "../../../accel/kvm/kvm-machine.js";
import { isKvmSyscallError } from "../../../accel/kvm/kvm-addon.js";
import { QomError } from "../../../qom/error.js";
import { getSystemMemory, memoryRegionAddSubregion } from "../../../exec/memory.js";
import { addChild } from "../../../qom/child.js";
import { objectNew, type QomObject } from "../../../qom/object.js";
import type { TypeInfo, TypeRegistry } from "../../../qom/type.js";
import { allocateIrq, type IrqState } from "../../core/irq.js";
import type { DeviceClass } from "../../core/qdev.js";
import { defineProp, deviceClassSetProps, enumKind, type PropertyKind, propKinds } from "../../core/qdev-properties.js";
import { qdevRealizeAndUnref } from "../../core/qdev-realize.js";
import { sysbusGetDefault, SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../../core/sysbus.js";
import { ioRegionNew, isaNew, isaRealizeAndUnref, type IsaBus } from "../../isa/isa-bus.js";
import { type ApicCommonClass, type ApicCommonState, apicReset, TYPE_APIC_COMMON } from "../../intc/apic.js";
import { i8259InitChip, picCommonRealize, picResetCommon, picStatUpdateIrq, type PicCommonState, TYPE_PIC_COMMON } from "../../intc/i8259-common.js";
import { interruptStatsProviderClassOf } from "../../intc/intc.js";
import { pitResetCommon } from "../../timer/i8254-common.js";
import { qemuAddVmChangeStateHandler } from "../../../softmmu/vm-state-change.js";
import {
  kvmApicExternalNmi,
  kvmApicPut,
  kvmIoapicGet,
  kvmIoapicPut,
  kvmPicGet,
  kvmPicPut,
  kvmPitGet,
  kvmPitPut,
  kvmPitUpdateClockOffset,
  type KvmPitClockState,
} from "./kvm-chip-state.js";
import { kvmclockRealize, kvmclockVmStateChange, type KvmClockSaved } from "./kvmclock-state.js";
import { IO_APIC_DEFAULT_ADDRESS, IOAPIC_NUM_PINS, type IoapicCommonClass, IoapicCommonState, TYPE_IOAPIC_COMMON } from "../../intc/ioapic.js";
import { pitCommonRealize, type PitCommonClass, PitCommonState, TYPE_PIT_COMMON } from "../../timer/i8254-common.js";
import { LOST_TICK_POLICIES } from "../../rtc/mc146818rtc.js";

export const TYPE_KVM_I8259 = "kvm-i8259";
export const TYPE_KVM_IOAPIC = "kvm-ioapic";
export const TYPE_KVM_PIT = "kvm-pit";
export const TYPE_KVM_APIC = "kvm-apic";
export const TYPE_KVMCLOCK = "kvmclock";

/** The local APIC window's size (QEMU's APIC_SPACE_SIZE). */
const APIC_SPACE_SIZE = 0x100000;
/** Where the local APICs' window starts (QEMU's APIC_DEFAULT_ADDRESS). */
const APIC_DEFAULT_ADDRESS = 0xfee00000;

/** An input line of the kernel's irqchip: GSI `gsi` follows `level` (KVM_IRQ_LINE). */
function kvmSetIrq(registry: TypeRegistry, gsi: number, level: number): void {
  kvmMachineOf(registry)?.accel.setIrq(gsi, level !== 0);
}

// ---- kvm-i8259 ------------------------------------------------------------------------------------

/** The kernel PIC's ports: the command/data pair and the ELCR, answered by the kernel. */
function kvmPicRealize(s: PicCommonState): void {
  s.baseIo = ioRegionNew(s, "kvm-pic", 2, {});
  s.elcrIo = ioRegionNew(s, "kvm-elcr", 1, {});
}

/**
 * QEMU's kvm_i8259_init: the master and slave `kvm-i8259` on `bus`, and the 16 ISA lines, which
 * go to the kernel (it forwards each to both its PIC and its IOAPIC).
 */
export function kvmI8259Init(bus: IsaBus): IrqState[] {
  i8259InitChip(TYPE_KVM_I8259, bus, true);
  i8259InitChip(TYPE_KVM_I8259, bus, false);
  const irqs: IrqState[] = [];
  // QEMU's kvm_pic_set_irq: counted for `info irq`, then to the kernel.
  const setIrq = (line: number, level: number) => {
    picStatUpdateIrq(bus.registry, line, level);
    kvmSetIrq(bus.registry, line, level);
  };
  for (let n = 0; n < 16; n++) irqs.push(allocateIrq(bus.registry, setIrq, n));
  return irqs;
}

export const kvmI8259TypeInfo: TypeInfo<PicCommonState, DeviceClass> = {
  name: TYPE_KVM_I8259,
  parent: TYPE_PIC_COMMON,
  classInit: (k) => {
    k.realize = (d) => {
      kvmPicRealize(d as PicCommonState);
      picCommonRealize(d);
    };
    // QEMU's kvm_pic_reset: the ELCR too goes back to 0, and the kernel gets the reset state.
    k.reset = (d) => {
      const s = d as PicCommonState;
      s.elcr = 0;
      picResetCommon(s);
      kvmPicPut(s);
    };
    // pic_print_info reads the kernel's state first (the class's pre_save, kvm_pic_get).
    const ic = interruptStatsProviderClassOf(k);
    const commonPrint = ic?.printInfo;
    if (ic && commonPrint) {
      ic.printInfo = (obj) => {
        kvmPicGet(obj as PicCommonState);
        return commonPrint(obj);
      };
    }
  },
};

// ---- kvm-ioapic -----------------------------------------------------------------------------------

export class KvmIoapicState extends IoapicCommonState {
  gsiBase = 0;
}

/** The kernel IOAPIC's window, and its 24 pins as GSIs from `gsi_base`. */
function kvmIoapicRealize(s: IoapicCommonState): void {
  const k = s as KvmIoapicState;
  s.ioMemory = ioRegionNew(s, "kvm-ioapic", 0x1000, {});
  // The kernel's IOAPIC is version 0x11; QEMU sets it for `info pic` only.
  s.version = 0x11;
  // QEMU's kvm_ioapic_set_irq: counted for `info irq` (ioapic_stat_update_irq), then to the kernel.
  s.initGpioIn((n, level) => {
    const l = level ? 1 : 0;
    if (l !== s.irqLevel[n]) {
      s.irqLevel[n] = l;
      if (l) s.irqCount[n]!++;
    }
    kvmSetIrq(s.registry, k.gsiBase + n, level);
  }, IOAPIC_NUM_PINS);
}

/** QEMU's kvm_ioapic_reset: ioapic_reset_common's values, then into the kernel. */
function kvmIoapicReset(s: IoapicCommonState): void {
  s.ioapicId = 0;
  s.ioregsel = 0;
  s.irr = 0;
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) s.ioredtbl[i] = 1n << 16n; // masked
  kvmIoapicPut(s);
}

/** ioapic_init_gsi with the kernel's IOAPIC: a `kvm-ioapic` as child `ioapic` of `parent`, mapped at 0xfec00000. */
export function kvmIoapicInit(registry: TypeRegistry, parent: QomObject): IoapicCommonState {
  const dev = objectNew<IoapicCommonState>(registry, TYPE_KVM_IOAPIC);
  addChild(parent, "ioapic", dev);
  qdevRealizeAndUnref(dev, sysbusGetDefault(registry));
  memoryRegionAddSubregion(getSystemMemory(registry), IO_APIC_DEFAULT_ADDRESS, dev.ioMemory!);
  return dev;
}

export const kvmIoapicTypeInfo: TypeInfo<KvmIoapicState, IoapicCommonClass> = {
  name: TYPE_KVM_IOAPIC,
  parent: TYPE_IOAPIC_COMMON,
  instance: KvmIoapicState,
  classInit: (k) => {
    k.ioapicRealize = kvmIoapicRealize;
    k.reset = (d) => kvmIoapicReset(d as IoapicCommonState);
    // ioapic_print_info reads the kernel's state first (the class's pre_save, kvm_ioapic_get).
    const ic = interruptStatsProviderClassOf(k);
    const commonPrint = ic?.printInfo;
    if (ic && commonPrint) {
      ic.printInfo = (obj) => {
        kvmIoapicGet(obj as IoapicCommonState);
        return commonPrint(obj);
      };
    }
    deviceClassSetProps(k, [defineProp("gsi_base", "gsiBase", propKinds.uint32, 0)]);
  },
};

// ---- kvm-pit --------------------------------------------------------------------------------------

export class KvmPitState extends PitCommonState implements KvmPitClockState {
  lostTickPolicy: (typeof LOST_TICK_POLICIES)[number] = "delay";
  vmStopped = false;
  kernelClockOffset = 0;
}

/**
 * QEMU's kvm_pit_vm_state_change: at a stop the state is read (load times in the virtual clock,
 * which then stands still); at the resume it is written back with the offset measured anew, so
 * the kernel's counters go on from where they stopped instead of jumping by the pause.
 */
function kvmPitVmStateChange(s: KvmPitState, running: boolean): void {
  kvmPitUpdateClockOffset(s);
  if (running) {
    kvmPitPut(s);
    s.vmStopped = false;
  } else {
    kvmPitGet(s);
    s.vmStopped = true;
  }
}

/** QEMU's kvm_pit_irq_control: the HPET's legacy mode cuts channel 0 from IRQ 0 in the kernel. */
function kvmPitIrqControl(s: KvmPitState, enable: boolean): void {
  kvmPitGet(s);
  s.channels[0]!.irqDisabled = !enable;
  kvmPitPut(s);
}

/**
 * QEMU's kvm_pit_realizefn: the kernel's i8254 (KVM_CREATE_PIT2; it also answers port 0x61),
 * its lost tick policy (KVM_REINJECT_CONTROL), its `kvm-pit` ports, the HPET's legacy-mode
 * input, and its handler for stop and cont.
 */
function kvmPitRealize(s: KvmPitState): void {
  const km = kvmMachineOf(s.registry);
  km?.accel.createPit();
  // The kernel reinjects missed ticks by default (delay); discard turns that off; the kernel
  // cannot slew.
  if (s.lostTickPolicy === "discard") {
    if (km && km.accel.checkExtension("REINJECT_CONTROL") > 0) {
      try {
        km.accel.vm.reinjectControl(false);
      } catch (err) {
        throw new QomError(`Can't disable in-kernel PIT reinjection: ${isKvmSyscallError(err) ? err.description : String(err)}`);
      }
    }
  } else if (s.lostTickPolicy !== "delay") {
    throw new QomError("Lost tick policy not supported.");
  }
  s.ioports = ioRegionNew(s, "kvm-pit", 4, {});
  s.initGpioIn((_n, level) => kvmPitIrqControl(s, level !== 0), 1);
  qemuAddVmChangeStateHandler(s.registry, (running) => kvmPitVmStateChange(s, running));
}

/** QEMU's kvm_pit_init: a `kvm-pit` at `base`; it has no output line (the kernel raises IRQ 0 itself). */
export function kvmPitInit(bus: IsaBus, base: number): KvmPitState {
  const dev = isaNew<KvmPitState>(bus.registry, TYPE_KVM_PIT);
  dev.setPropertyJson("iobase", base);
  isaRealizeAndUnref(dev, bus);
  return dev;
}

export const kvmPitTypeInfo: TypeInfo<KvmPitState, PitCommonClass> = {
  name: TYPE_KVM_PIT,
  parent: TYPE_PIT_COMMON,
  instance: KvmPitState,
  classInit: (k) => {
    k.realize = (d) => {
      kvmPitRealize(d as KvmPitState);
      pitCommonRealize(d);
    };
    // QEMU's kvm_pit_reset.
    k.reset = (d) => {
      const s = d as KvmPitState;
      pitResetCommon(s);
      kvmPitPut(s);
    };
    // Defined in this order so that device-list-properties lists them as QEMU does.
    deviceClassSetProps(k, [
      defineProp("iobase", "iobase", propKinds.uint32, 0xffffffff),
      defineProp("lost_tick_policy", "lostTickPolicy", enumKind("LostTickPolicy", LOST_TICK_POLICIES), "delay"),
    ]);
  },
};

// ---- kvm-apic -------------------------------------------------------------------------------------

/**
 * The kernel local APIC's MSI window (`kvm-apic-msi`; QEMU's kvm_apic_io_ops): the kernel answers
 * the CPUs' own APIC page accesses, so what arrives here are device writes at 0xfee00000 + offset,
 * MSIs that KVM delivers (KVM_SIGNAL_MSI). Reads see all ones.
 */
function kvmApicRealize(s: ApicCommonState): void {
  s.ioMemory = ioRegionNew(s, "kvm-apic-msi", APIC_SPACE_SIZE, {
    read: () => 0xffffffff,
    write: (addr, value) => kvmMachineOf(s.registry)?.accel.sendMsi(APIC_DEFAULT_ADDRESS + addr, value),
  });
}

export const kvmApicTypeInfo: TypeInfo<ApicCommonState, ApicCommonClass> = {
  name: TYPE_KVM_APIC,
  parent: TYPE_APIC_COMMON,
  classInit: (k) => {
    k.apicRealize = kvmApicRealize;
    k.externalNmi = kvmApicExternalNmi;
    // apic_reset_common, then the reset state into the kernel's LAPIC, as QEMU's
    // kvm_arch_put_registers(KVM_PUT_RESET_STATE) does after the CPU reset.
    k.reset = (d) => {
      const s = d as ApicCommonState;
      apicReset(s);
      kvmApicPut(s);
    };
  },
};

// ---- kvmclock -------------------------------------------------------------------------------------

/** DEFINE_PROP_BOOL has no description. */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

export class KvmClockState extends SysBusDevice implements KvmClockSaved {
  machUseReliableGetClock = true;
  clock = 0n;
  clockValid = false;
  clockIsReliable = false;
}

/**
 * QEMU's kvmclock_create: on kvm, a `kvmclock` on the system bus when the first CPU has the
 * kvmclock feature (or always, for `createAlways`).
 */
export function kvmclockCreate(registry: TypeRegistry, cpuHasKvmclock: boolean, createAlways = false): void {
  if (!kvmEnabled(registry)) return;
  if (!createAlways && !cpuHasKvmclock) return;
  const dev = objectNew<KvmClockState>(registry, TYPE_KVMCLOCK);
  qdevRealizeAndUnref(dev, sysbusGetDefault(registry));
}

export const kvmclockTypeInfo: TypeInfo<KvmClockState, DeviceClass> = {
  name: TYPE_KVMCLOCK,
  parent: TYPE_SYS_BUS_DEVICE,
  instance: KvmClockState,
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => {
      const s = d as KvmClockState;
      kvmclockRealize(s);
      qemuAddVmChangeStateHandler(s.registry, (running) => kvmclockVmStateChange(s, running));
    };
    deviceClassSetProps(k, [defineProp("x-mach-use-reliable-get-clock", "machUseReliableGetClock", plainBool, true)]);
  },
};

export function registerKvmI386Types(types: TypeRegistry): void {
  types.register(kvmI8259TypeInfo);
  types.register(kvmIoapicTypeInfo);
  types.register(kvmPitTypeInfo);
  types.register(kvmApicTypeInfo);
  types.register(kvmclockTypeInfo);
}
