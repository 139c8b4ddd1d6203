/**
 * The High Precision Event Timer (QEMU 7.2's hw/timer/hpet.c, type `hpet`): a system bus
 * device with a 1 KiB register window at 0xfed00000, 32 interrupt routes (`sysbus-irq`), two
 * legacy inputs (the PIT's and the RTC's interrupts, which it replaces in legacy mode) and one
 * output that tells the PIT whether legacy mode is off.
 */
import { getSystemMemory, memoryRegionAddSubregion, type MemoryRegion } from "../../exec/memory.js";
import { QomError } from "../../qom/error.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds, type PropertyKind } from "../core/qdev-properties.js";
import { SysBusDevice, sysbusInitIrq, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { ioRegionNew } from "../isa/isa-bus.js";

export const TYPE_HPET = "hpet";
export const HPET_BASE = 0xfed00000;
export const HPET_LEN = 0x400;
export const HPET_MIN_TIMERS = 3;
export const HPET_MAX_TIMERS = 32;
export const HPET_NUM_IRQ_ROUTES = 32;
/** Index of the legacy inputs (QEMU's HPET_LEGACY_PIT_INT / HPET_LEGACY_RTC_INT). */
export const HPET_LEGACY_PIT_INT = 0;
export const HPET_LEGACY_RTC_INT = 1;
/** The main counter's period in nanoseconds (100 MHz). */
export const HPET_CLK_PERIOD = 10;
const FS_PER_NS = 1000000;
const HPET_ID_NUM_TIM_SHIFT = 8;

export class HpetTimer {
  config = 0n;
  cmp = 0n;
  fsb = 0n;
  period = 0n;
  wrapFlag = 0;
}

export class HpetState extends SysBusDevice {
  numTimers = HPET_MIN_TIMERS;
  msi = false;
  intcap = 0;
  hpetOffsetSaved = true;
  /** Which of the machine's HPETs this is (QEMU's hpet_id; fw_cfg reports them). */
  hpetId = 0;
  capability = 0n;
  config = 0n;
  isr = 0n;
  hpetCounter = 0n;
  readonly timers: HpetTimer[] = Array.from({ length: HPET_MAX_TIMERS }, () => new HpetTimer());
  /** The 1 KiB register window (`hpet[0]`), made at creation. */
  iomem: MemoryRegion | undefined;
}

/** The board's sysbus_mmio_map of the register window (at HPET_BASE on the PC). */
export function hpetMmioMap(s: HpetState, base = HPET_BASE): void {
  if (s.iomem) memoryRegionAddSubregion(getSystemMemory(s.registry), base, s.iomem);
}

/** QEMU counts HPETs per process; qomd per machine. */
const hpetCounts = new WeakMap<TypeRegistry, number>();

function hpetRealize(s: HpetState): void {
  const count = hpetCounts.get(s.registry) ?? 0;
  if (count === 8) throw new QomError("Only 8 instances of HPET is allowed");
  s.hpetId = count;
  hpetCounts.set(s.registry, count + 1);
  for (let i = 0; i < HPET_NUM_IRQ_ROUTES; i++) sysbusInitIrq(s);
  s.numTimers = Math.min(Math.max(s.numTimers, HPET_MIN_TIMERS), HPET_MAX_TIMERS);
  // 64-bit counter, legacy replacement capable, vendor 8086, revision 1.
  s.capability =
    0x8086a001n |
    (BigInt(s.numTimers - 1) << BigInt(HPET_ID_NUM_TIM_SHIFT)) |
    (BigInt(HPET_CLK_PERIOD * FS_PER_NS) << 32n);
  s.initGpioIn(() => {}, 2);
  s.initGpioOut(1);
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

export const hpetTypeInfo: TypeInfo<HpetState, DeviceClass> = {
  name: TYPE_HPET,
  parent: TYPE_SYS_BUS_DEVICE,
  instance: HpetState,
  instanceInit: (s) => {
    s.iomem = ioRegionNew(s, "hpet", HPET_LEN, { valid: { minAccessSize: 4, maxAccessSize: 8 } });
  },
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => hpetRealize(d as HpetState);
    deviceClassSetProps(k, [
      defineProp("timers", "numTimers", propKinds.uint8, HPET_MIN_TIMERS),
      defineProp("msi", "msi", propKinds.bool, false),
      defineProp("hpet-intcap", "intcap", propKinds.uint32, 0),
      defineProp("hpet-offset-saved", "hpetOffsetSaved", plainBool, true),
    ]);
  },
};
