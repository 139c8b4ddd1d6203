/**
 * The local APIC (QEMU 7.2's hw/intc/apic_common.c + apic.c): the abstract `apic-common`, the
 * emulated `apic` that each x86 CPU owns as its `lapic` child, and `kvmvapic` (QEMU's
 * hw/i386/kvmvapic.c), the TPR-patching helper the first APIC with `vapic=on` creates on the
 * system bus.
 */
import { getSystemIo, getSystemMemory, memoryRegionAddSubregion, memoryRegionAddSubregionOverlap, type MemoryRegion } from "../../exec/memory.js";
import { adoptChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import { intProperty } from "../../qom/property.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { qdevRealize, qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, propKinds, setAfterRealizeError, type PropertyKind } from "../core/qdev-properties.js";
import { sysbusGetDefault, SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { ioRegionNew } from "../isa/isa-bus.js";

export const TYPE_APIC_COMMON = "apic-common";
export const TYPE_APIC = "apic";
export const TYPE_KVMVAPIC = "kvmvapic";
export const APIC_DEFAULT_ADDRESS = 0xfee00000;
export const APIC_SPACE_SIZE = 0x100000;
/** QEMU's MAX_APICS: xAPIC ids are 8 bits and 0xff is the broadcast id. */
export const MAX_APICS = 255;
export const MSR_IA32_APICBASE_BSP = 1 << 8;
export const MSR_IA32_APICBASE_ENABLE = 1 << 11;
/** The I/O port the vapic option ROM talks to. */
export const VAPIC_IO_PORT = 0x7e;

export interface ApicCommonClass extends DeviceClass {
  /** The model's part of realize (QEMU's APICCommonClass.realize). */
  apicRealize?: (dev: ApicCommonState) => void;
}

export class ApicCommonState extends DeviceState {
  /** The `id` property: the initial APIC id; `apicId` is the (8-bit) register value. */
  initialApicId = 0xffffffff;
  apicId = 0xff;
  version = 0x14;
  vapicEnabled = true;
  legacyInstanceId = false;
  apicbase = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE;
  /** The CPU this APIC belongs to (QEMU's APICCommonState.cpu). */
  cpu: QomObject | undefined;
  /** The machine's kvmvapic, once created. */
  vapic: DeviceState | undefined;
  extendedLogDest = 0;
  ioMemory: MemoryRegion | undefined;

  // Registers (the behaviour comes with the interrupt delivery model).
  tpr = 0;
  spuriousVec = 0xff;
  logDest = 0;
  destMode = 0xf;
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  readonly irr = new Uint32Array(8);
  readonly lvt = new Uint32Array(7).fill(1 << 16);
  esr = 0;
  icr: [number, number] = [0, 0];
  divideConf = 0;
  initialCount = 0;
}

const vapics = new WeakMap<TypeRegistry, DeviceState>();

/**
 * How many interrupts APICs newly accepted since the last reset of the count (QEMU's
 * apic_irq_delivered); the RTC's lost_tick_policy=slew uses it to see whether a tick got through.
 */
const irqDelivered = new WeakMap<TypeRegistry, number>();

export function apicReportIrqDelivered(registry: TypeRegistry, delivered: number): void {
  irqDelivered.set(registry, (irqDelivered.get(registry) ?? 0) + delivered);
}

export function apicResetIrqDelivered(registry: TypeRegistry): void {
  irqDelivered.set(registry, 0);
}

export function apicGetIrqDelivered(registry: TypeRegistry): number {
  return irqDelivered.get(registry) ?? 0;
}

function apicCommonRealize(dev: DeviceState): void {
  const s = dev as ApicCommonState;
  s.classAs<ApicCommonClass>(TYPE_APIC_COMMON).apicRealize?.(s);
  // The first APIC with vapic enabled brings the machine's single kvmvapic.
  let vapic = vapics.get(s.registry);
  if (!vapic && s.vapicEnabled) {
    vapic = objectNew<DeviceState>(s.registry, TYPE_KVMVAPIC);
    qdevRealizeAndUnref(vapic, sysbusGetDefault(s.registry));
    vapics.set(s.registry, vapic);
  }
  s.vapic = vapic;
  s.extendedLogDest = ((s.initialApicId >>> 4) << 16) | (1 << (s.initialApicId & 0xf));
}

function apicRealize(s: ApicCommonState): void {
  if (s.apicId >= MAX_APICS) {
    throw new QomError(`${s.typeName} initialization failed. APIC ID ${s.apicId} is invalid`);
  }
  // The local APIC window; writes here are also how MSIs reach the APICs.
  s.ioMemory = ioRegionNew(s, "apic-msi", APIC_SPACE_SIZE, { impl: { minAccessSize: 4, maxAccessSize: 4 } });
}

/** QEMU's apic_reset_common + apic_init_reset: the power-on register state. */
function apicReset(s: ApicCommonState): void {
  s.apicbase = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE | (s.apicbase & MSR_IA32_APICBASE_BSP);
  s.tpr = 0;
  s.spuriousVec = 0xff;
  s.logDest = 0;
  s.destMode = 0xf;
  s.isr.fill(0);
  s.tmr.fill(0);
  s.irr.fill(0);
  s.lvt.fill(1 << 16);
  s.esr = 0;
  s.icr = [0, 0];
  s.divideConf = 0;
  s.initialCount = 0;
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

function apicCommonClassInit(k: ApicCommonClass): void {
  k.userCreatable = false;
  k.realize = apicCommonRealize;
  deviceClassSetProps(k, [
    defineProp("version", "version", propKinds.uint8, 0x14),
    defineProp("vapic", "vapicEnabled", propKinds.bool, true),
    defineProp("legacy-instance-id", "legacyInstanceId", plainBool, false),
  ]);
}

/**
 * The `id` property (an instance property in QEMU, without a default): the initial APIC id,
 * fixed once the APIC is realized.
 */
function apicCommonInstanceInit(s: ApicCommonState): void {
  s.addProperty(
    intProperty("id", "uint32", {
      get: () => s.initialApicId,
      set: (_o, v) => {
        if (s.realized) throw setAfterRealizeError(s, "id");
        s.initialApicId = Number(v);
        s.apicId = Number(v) & 0xff;
      },
    }),
  );
}

/**
 * The CPU side of QEMU's x86_cpu_apic_create: a new APIC of `type` as child `lapic` of `cpu`,
 * with the CPU's APIC id. `apicRealizeForCpu` realizes it during the CPU's realize.
 */
export function apicCreateForCpu(cpu: DeviceState, apicId: number, type = TYPE_APIC, bsp = false): ApicCommonState {
  const apic = adoptChild(cpu, "lapic", objectNew<ApicCommonState>(cpu.registry, type));
  apic.setPropertyJson("id", apicId);
  apic.cpu = cpu;
  apic.apicbase = APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE | (bsp ? MSR_IA32_APICBASE_BSP : 0);
  return apic;
}

export function apicRealizeForCpu(apic: ApicCommonState): void {
  qdevRealize(apic);
  // Every CPU's APIC sits at the same address; the first one's window is the one mapped.
  if (apic.ioMemory && !apicWindowMapped.has(apic.registry)) {
    memoryRegionAddSubregionOverlap(getSystemMemory(apic.registry), APIC_DEFAULT_ADDRESS, apic.ioMemory, 0x1000);
    apicWindowMapped.add(apic.registry);
  }
}

const apicWindowMapped = new WeakSet<TypeRegistry>();

export class VapicRomState extends SysBusDevice {
  io: MemoryRegion | undefined;
}

function vapicRealize(s: VapicRomState): void {
  s.io = ioRegionNew(s, "kvmvapic", 2, {});
  memoryRegionAddSubregion(getSystemIo(s.registry), VAPIC_IO_PORT, s.io);
}

export const apicCommonTypeInfo: TypeInfo<ApicCommonState, ApicCommonClass> = {
  name: TYPE_APIC_COMMON,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: ApicCommonState,
  classInit: apicCommonClassInit,
  instanceInit: apicCommonInstanceInit,
};

export const apicTypeInfo: TypeInfo<ApicCommonState, ApicCommonClass> = {
  name: TYPE_APIC,
  parent: TYPE_APIC_COMMON,
  classInit: (k) => {
    k.apicRealize = apicRealize;
    k.reset = (d) => apicReset(d as ApicCommonState);
  },
};

export const kvmvapicTypeInfo: TypeInfo<VapicRomState, DeviceClass> = {
  name: TYPE_KVMVAPIC,
  parent: TYPE_SYS_BUS_DEVICE,
  instance: VapicRomState,
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => vapicRealize(d as VapicRomState);
  },
};
