/**
 * The Motorola MC146818 real-time clock and CMOS memory (QEMU 7.2's hw/rtc/mc146818rtc.c, type
 * `mc146818rtc`), at ports 0x70-0x71 with ISA IRQ 8. The board fills the CMOS bytes the
 * firmware reads (memory sizes, floppy and disk types) through `rtcSetMemory`.
 *
 * Its `date` property is the guest's current RTC time as a `struct tm`; the machine gets an
 * alias to it named `rtc-time`.
 */
import { memoryRegionAddSubregion } from "../../exec/memory.js";
import { addAlias } from "../../qom/link.js";
import { QomError } from "../../qom/error.js";
import { tmProperty } from "../../qom/property.js";
import { objectGetRoot } from "../../qom/root.js";
import { resolvePath } from "../../qom/path.js";
import type { TypeInfo } from "../../qom/type.js";
import { lowerIrq, type IrqState } from "../core/irq.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, enumKind, propKinds } from "../core/qdev-properties.js";
import {
  ioRegionNew,
  ISA_NUM_IRQS,
  isaConnectGpioOut,
  IsaDevice,
  isaNew,
  isaRealizeAndUnref,
  isaRegisterIoport,
  TYPE_ISA_DEVICE,
  type IoRegion,
  type IsaBus,
} from "../isa/isa-bus.js";

export const TYPE_MC146818_RTC = "mc146818rtc";
export const RTC_ISA_BASE = 0x70;
export const RTC_ISA_IRQ = 8;
export const LOST_TICK_POLICIES = ["discard", "delay", "slew"] as const;

// CMOS register numbers.
export const RTC_SECONDS = 0;
export const RTC_MINUTES = 2;
export const RTC_HOURS = 4;
export const RTC_DAY_OF_WEEK = 6;
export const RTC_DAY_OF_MONTH = 7;
export const RTC_MONTH = 8;
export const RTC_YEAR = 9;
export const RTC_REG_A = 10;
export const RTC_REG_B = 11;
export const RTC_REG_C = 12;
export const RTC_REG_D = 13;
export const RTC_CENTURY = 0x32;
const REG_B_DM = 0x04;
const REG_B_24H = 0x02;

export class RtcState extends IsaDevice {
  baseYear = 1980;
  ioBase = RTC_ISA_BASE;
  isairq = RTC_ISA_IRQ;
  lostTickPolicy: (typeof LOST_TICK_POLICIES)[number] = "discard";

  readonly cmosData = new Uint8Array(128);
  cmosIndex = 0;
  /**
   * The guest's RTC time is `baseTimeMs` plus the time elapsed on `clockMs` since
   * `baseClockMs`. The board may replace the clock (the virtual clock, -rtc clock=vm).
   */
  clockMs: () => number = () => Date.now();
  /** Where the guest's RTC starts (-rtc base); the host's time when unset. */
  startTimeMs: (() => number) | undefined;
  baseTimeMs = 0;
  baseClockMs = 0;
  io: IoRegion | undefined;
}

function toBcd(s: RtcState, a: number): number {
  return s.cmosData[RTC_REG_B]! & REG_B_DM ? a : (Math.trunc(a / 10) << 4) | a % 10;
}

function fromBcd(s: RtcState, a: number): number {
  if ((a & 0xc0) === 0xc0) return -1;
  return s.cmosData[RTC_REG_B]! & REG_B_DM ? a : (a >> 4) * 10 + (a & 0x0f);
}

/** The guest's current RTC time, in milliseconds since the epoch (UTC). */
export function rtcGuestTimeMs(s: RtcState): number {
  return s.baseTimeMs + (s.clockMs() - s.baseClockMs);
}

/** QEMU's rtc_set_cmos: the time registers from a date, in the mode register B selects. */
function rtcSetCmos(s: RtcState, d: Date): void {
  const c = s.cmosData;
  c[RTC_SECONDS] = toBcd(s, d.getUTCSeconds());
  c[RTC_MINUTES] = toBcd(s, d.getUTCMinutes());
  const hour = d.getUTCHours();
  if (c[RTC_REG_B]! & REG_B_24H) {
    c[RTC_HOURS] = toBcd(s, hour);
  } else {
    c[RTC_HOURS] = toBcd(s, hour % 12 || 12) | (hour >= 12 ? 0x80 : 0);
  }
  c[RTC_DAY_OF_WEEK] = toBcd(s, d.getUTCDay() + 1);
  c[RTC_DAY_OF_MONTH] = toBcd(s, d.getUTCDate());
  c[RTC_MONTH] = toBcd(s, d.getUTCMonth() + 1);
  const year = d.getUTCFullYear() - s.baseYear;
  c[RTC_YEAR] = toBcd(s, year % 100);
  c[RTC_CENTURY] = toBcd(s, Math.trunc(year / 100));
}

/** QEMU's rtc_get_time: the date the time registers hold. */
function rtcGetTime(s: RtcState): Date {
  const c = s.cmosData;
  let hour = fromBcd(s, c[RTC_HOURS]! & 0x7f);
  if (!(c[RTC_REG_B]! & REG_B_24H)) {
    hour %= 12;
    if (c[RTC_HOURS]! & 0x80) hour += 12;
  }
  const year = fromBcd(s, c[RTC_YEAR]!) + s.baseYear + fromBcd(s, c[RTC_CENTURY]!) * 100;
  return new Date(
    Date.UTC(year, fromBcd(s, c[RTC_MONTH]!) - 1, fromBcd(s, c[RTC_DAY_OF_MONTH]!), hour, fromBcd(s, c[RTC_MINUTES]!), fromBcd(s, c[RTC_SECONDS]!)),
  );
}

/** Brings the time registers up to the guest's current time (QEMU's rtc_update_time). */
function rtcUpdateTime(s: RtcState): void {
  rtcSetCmos(s, new Date(rtcGuestTimeMs(s)));
}

/** QEMU's rtc_set_memory: the board writes a CMOS byte. */
export function rtcSetMemory(s: RtcState, addr: number, val: number): void {
  if (addr >= 0 && addr <= 127) s.cmosData[addr] = val & 0xff;
}

/** QEMU's rtc_get_memory. */
export function rtcGetMemory(s: RtcState, addr: number): number {
  return s.cmosData[addr & 0x7f]!;
}

function cmosRead(s: RtcState, addr: number): number {
  if ((addr & 1) === 0) return 0xff;
  const index = s.cmosIndex;
  if (index <= RTC_YEAR || index === RTC_CENTURY) {
    if (index <= RTC_YEAR && index !== 1 && index !== 3 && index !== 5) rtcUpdateTime(s);
    else if (index === RTC_CENTURY) rtcUpdateTime(s);
    return s.cmosData[index]!;
  }
  if (index === RTC_REG_C) {
    // Reading register C acknowledges the interrupt.
    const ret = s.cmosData[RTC_REG_C]!;
    s.cmosData[RTC_REG_C] = 0;
    lowerIrq(s.gpioOut(0));
    return ret;
  }
  return s.cmosData[index]!;
}

function cmosWrite(s: RtcState, addr: number, val: number): void {
  if ((addr & 1) === 0) {
    // Bit 7 is the NMI mask on a PC; QEMU keeps only the index.
    s.cmosIndex = val & 0x7f;
    return;
  }
  const index = s.cmosIndex;
  if (index === RTC_REG_C || index === RTC_REG_D) return; // read-only
  s.cmosData[index] = val & 0xff;
  if (index <= RTC_YEAR || index === RTC_CENTURY) {
    // The guest sets the clock: its new time runs from now.
    const d = rtcGetTime(s);
    if (!Number.isNaN(d.getTime())) {
      s.baseTimeMs = d.getTime();
      s.baseClockMs = s.clockMs();
    }
  }
}

function rtcRealize(s: RtcState): void {
  const c = s.cmosData;
  c[RTC_REG_A] = 0x26;
  c[RTC_REG_B] = 0x02;
  c[RTC_REG_C] = 0x00;
  c[RTC_REG_D] = 0x80;
  // Boards that asked for base year 2000 before the century byte existed mean "century 0".
  if (s.baseYear === 2000) s.baseYear = 0;
  if (s.isairq >= ISA_NUM_IRQS) throw new QomError(`Maximum value for "irq" is: ${ISA_NUM_IRQS - 1}`);
  s.baseTimeMs = s.startTimeMs ? s.startTimeMs() : Date.now();
  s.baseClockMs = s.clockMs();
  rtcSetCmos(s, new Date(s.baseTimeMs));
  if (s.lostTickPolicy !== "slew" && s.lostTickPolicy !== "discard") {
    throw new QomError("Invalid lost tick policy.");
  }
  const ops = {
    read: (addr: number) => cmosRead(s, addr),
    write: (addr: number, val: number) => cmosWrite(s, addr, val),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  };
  s.io = ioRegionNew(s, "rtc", 2, ops);
  isaRegisterIoport(s, s.io, s.ioBase);
  // The index port again, as its own region: QEMU marks it for coalesced writes.
  memoryRegionAddSubregion(s.io, 0, ioRegionNew(s, "rtc-index", 1, ops));
  s.addProperty(tmProperty("date", () => (rtcUpdateTime(s), rtcGetTime(s))));
  s.initGpioOut(1);
}

function rtcReset(s: RtcState): void {
  const c = s.cmosData;
  c[RTC_REG_B] &= ~0x70; // periodic, alarm and update-ended interrupts off
  c[RTC_REG_C] &= ~0xf0;
  lowerIrq(s.gpioOut(0));
}

/**
 * QEMU's mc146818_rtc_init: an RTC with `baseYear`, its interrupt on `interceptIrq` (the HPET's
 * legacy input) or else its ISA line, and the `rtc-time` alias on /machine.
 */
export function mc146818RtcInit(bus: IsaBus, baseYear: number, interceptIrq: IrqState | undefined): RtcState {
  const dev = isaNew<RtcState>(bus.registry, TYPE_MC146818_RTC);
  dev.setPropertyJson("base_year", baseYear);
  isaRealizeAndUnref(dev, bus);
  if (interceptIrq) dev.connectGpioOut(0, interceptIrq);
  else isaConnectGpioOut(dev, 0, dev.isairq);
  const machine = resolvePath(objectGetRoot(bus.registry), "/machine").obj;
  if (machine) addAlias(machine, "rtc-time", dev, "date");
  return dev;
}

export const mc146818RtcTypeInfo: TypeInfo<RtcState, DeviceClass> = {
  name: TYPE_MC146818_RTC,
  parent: TYPE_ISA_DEVICE,
  instance: RtcState,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "misc"]);
    k.realize = (d) => rtcRealize(d as RtcState);
    k.reset = (d) => rtcReset(d as RtcState);
    deviceClassSetProps(k, [
      defineProp("base_year", "baseYear", propKinds.int32, 1980),
      defineProp("iobase", "ioBase", propKinds.uint16, RTC_ISA_BASE),
      defineProp("irq", "isairq", propKinds.uint8, RTC_ISA_IRQ),
      defineProp("lost_tick_policy", "lostTickPolicy", enumKind("LostTickPolicy", LOST_TICK_POLICIES), "discard"),
    ]);
  },
};
