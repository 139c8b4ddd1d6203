/**
 * The Motorola MC146818 real-time clock and CMOS memory (QEMU 7.2's hw/rtc/mc146818rtc.c, type
 * `mc146818rtc`), at ports 0x70-0x71 with ISA IRQ 8. The board fills the CMOS bytes the
 * firmware reads (memory sizes, floppy and disk types) through `rtcSetMemory`.
 *
 * Time keeping as QEMU does it: the guest's date is `baseRtc` seconds plus the time elapsed on
 * the machine's RTC clock (host by default, `-rtc clock=vm` for the virtual clock) since
 * `lastUpdate`, plus `offset` nanoseconds. The date registers are refreshed from that on every
 * read; timers on the same clock produce the update-ended and alarm interrupts once a second and
 * the periodic interrupt at the rate register A selects. Register C reports and clears them.
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
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { lowerIrq, raiseIrq, type IrqState } from "../core/irq.js";
import { qdevContext, type DeviceClass } from "../core/qdev.js";
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
import { apicGetIrqDelivered, apicResetIrqDelivered } from "../intc/apic.js";
import { muldiv64, NANOSECONDS_PER_SECOND } from "../../util/clock.js";
import {
  QEMU_CLOCK_HOST,
  qemuClocksOf,
  timerDel,
  timerExpireTimeNs,
  timerModNs,
  timerNewNs,
  timerPending,
  type QemuClocks,
  type QemuClockType,
  type QemuTimer,
} from "../../util/qemu-timer.js";
import { gmtime, mktimegm, rtcTimebaseOf, type Tm } from "./rtc-timebase.js";

export const TYPE_MC146818_RTC = "mc146818rtc";
export const RTC_ISA_BASE = 0x70;
export const RTC_ISA_IRQ = 8;
export const LOST_TICK_POLICIES = ["discard", "delay", "slew"] as const;

// CMOS register numbers.
export const RTC_SECONDS = 0;
export const RTC_SECONDS_ALARM = 1;
export const RTC_MINUTES = 2;
export const RTC_MINUTES_ALARM = 3;
export const RTC_HOURS = 4;
export const RTC_HOURS_ALARM = 5;
export const RTC_ALARM_DONT_CARE = 0xc0;
export const RTC_DAY_OF_WEEK = 6;
export const RTC_DAY_OF_MONTH = 7;
export const RTC_MONTH = 8;
export const RTC_YEAR = 9;
export const RTC_REG_A = 10;
export const RTC_REG_B = 11;
export const RTC_REG_C = 12;
export const RTC_REG_D = 13;
export const RTC_CENTURY = 0x32;
export const RTC_IBM_PS2_CENTURY_BYTE = 0x37;

export const REG_A_UIP = 0x80;
export const REG_B_SET = 0x80;
export const REG_B_PIE = 0x40;
export const REG_B_AIE = 0x20;
export const REG_B_UIE = 0x10;
export const REG_B_SQWE = 0x08;
export const REG_B_DM = 0x04;
export const REG_B_24H = 0x02;
export const REG_C_UF = 0x10;
export const REG_C_IRQF = 0x80;
export const REG_C_PF = 0x40;
export const REG_C_AF = 0x20;
export const REG_C_MASK = 0x70;

const RTC_REINJECT_ON_ACK_COUNT = 20;
export const RTC_CLOCK_RATE = 32768;
/** How long before each update UIP reads as set: 8 cycles of the 32 kHz clock (244 us). */
export const UIP_HOLD_LENGTH = Math.floor((8 * NANOSECONDS_PER_SECOND) / 32768);
const SEC_PER_MIN = 60;
const MIN_PER_HOUR = 60;
const HOUR_PER_DAY = 24;
const SEC_PER_DAY = 86400;

/** The periodic interrupt's period for a register A rate code, in 32 kHz cycles (0: off). */
export function periodicPeriodToClock(code: number): number {
  if (!code) return 0;
  if (code <= 2) code += 7;
  return 1 << (code - 1);
}

function periodicClockToNs(clocks: number): number {
  return muldiv64(clocks, NANOSECONDS_PER_SECOND, RTC_CLOCK_RATE);
}

export class RtcState extends IsaDevice {
  baseYear = 1980;
  ioBase = RTC_ISA_BASE;
  isairq = RTC_ISA_IRQ;
  lostTickPolicy: (typeof LOST_TICK_POLICIES)[number] = "discard";

  readonly cmosData = new Uint8Array(128);
  cmosIndex = 0;
  /** Where the guest's date starts, in ms since the epoch, instead of the machine's -rtc base. */
  startTimeMs: (() => number) | undefined;
  /** The clock the RTC runs on (QEMU's rtc_clock), fixed at realize. */
  rtcClock: QemuClockType = QEMU_CLOCK_HOST;
  /** The guest's date is baseRtc seconds + (clock now - lastUpdate) + offset nanoseconds. */
  baseRtc = 0;
  lastUpdate = 0;
  offset = 0;

  periodicTimer: QemuTimer | undefined;
  updateTimer: QemuTimer | undefined;
  coalescedTimer: QemuTimer | undefined;
  /** When the next periodic interrupt is due (ns), and the same instant in 32 kHz cycles. */
  nextPeriodicTime = 0;
  nextPeriodicClock = 0;
  nextAlarmTime = 0;
  /** The periodic rate in 32 kHz cycles, 0 when off. */
  period = 0;
  irqCoalesced = 0;
  irqReinjectOnAckCount = 0;
  io: IoRegion | undefined;

  get clocks(): QemuClocks {
    return qemuClocksOf(this.registry);
  }

  clockNow(): number {
    return this.clocks.getNs(this.rtcClock);
  }

  irq(): IrqState | undefined {
    return this.gpioOut(0);
  }
}

function rtcRunning(s: RtcState): boolean {
  const c = s.cmosData;
  return !(c[RTC_REG_B]! & REG_B_SET) && (c[RTC_REG_A]! & 0x70) <= 0x20;
}

/** The guest's date now: whole seconds since the epoch and nanoseconds into the second. */
function guestRtc(s: RtcState): { sec: number; nsec: number } {
  const elapsed = s.clockNow() - s.lastUpdate + s.offset;
  const extra = Math.floor(elapsed / NANOSECONDS_PER_SECOND);
  return { sec: s.baseRtc + extra, nsec: elapsed - extra * NANOSECONDS_PER_SECOND };
}

function toBcd(s: RtcState, a: number): number {
  return s.cmosData[RTC_REG_B]! & REG_B_DM ? a : (Math.trunc(a / 10) << 4) | a % 10;
}

function fromBcd(s: RtcState, a: number): number {
  if ((a & 0xc0) === 0xc0) return -1;
  return s.cmosData[RTC_REG_B]! & REG_B_DM ? a : (a >> 4) * 10 + (a & 0x0f);
}

/** QEMU's rtc_get_time: the broken-down date the registers hold. */
function rtcGetTime(s: RtcState): Tm {
  const c = s.cmosData;
  let hour = fromBcd(s, c[RTC_HOURS]! & 0x7f);
  if (!(c[RTC_REG_B]! & REG_B_24H)) {
    hour %= 12;
    if (c[RTC_HOURS]! & 0x80) hour += 12;
  }
  return {
    sec: fromBcd(s, c[RTC_SECONDS]!),
    min: fromBcd(s, c[RTC_MINUTES]!),
    hour,
    wday: fromBcd(s, c[RTC_DAY_OF_WEEK]!) - 1,
    mday: fromBcd(s, c[RTC_DAY_OF_MONTH]!),
    mon: fromBcd(s, c[RTC_MONTH]!) - 1,
    year: fromBcd(s, c[RTC_YEAR]!) + s.baseYear + fromBcd(s, c[RTC_CENTURY]!) * 100 - 1900,
  };
}

/** QEMU's rtc_set_time: the guest wrote the date registers; time runs on from them. */
function rtcSetTime(s: RtcState): void {
  const tm = rtcGetTime(s);
  s.baseRtc = mktimegm(tm);
  s.lastUpdate = s.clockNow();
  const data = { offset: rtcTimebaseOf(s.registry).timedateDiff(tm), "qom-path": s.canonicalPath ?? "" };
  qdevContext(s.registry).emitEvent?.("RTC_CHANGE", data);
}

/** QEMU's rtc_set_cmos: the date registers from a date, in the format register B selects. */
function rtcSetCmos(s: RtcState, tm: Tm): void {
  const c = s.cmosData;
  c[RTC_SECONDS] = toBcd(s, tm.sec);
  c[RTC_MINUTES] = toBcd(s, tm.min);
  if (c[RTC_REG_B]! & REG_B_24H) {
    c[RTC_HOURS] = toBcd(s, tm.hour);
  } else {
    c[RTC_HOURS] = toBcd(s, tm.hour % 12 || 12) | (tm.hour >= 12 ? 0x80 : 0);
  }
  c[RTC_DAY_OF_WEEK] = toBcd(s, tm.wday + 1);
  c[RTC_DAY_OF_MONTH] = toBcd(s, tm.mday);
  c[RTC_MONTH] = toBcd(s, tm.mon + 1);
  const year = tm.year + 1900 - s.baseYear;
  c[RTC_YEAR] = toBcd(s, year % 100);
  c[RTC_CENTURY] = toBcd(s, Math.trunc(year / 100));
}

/** QEMU's rtc_update_time: the date registers follow the clock unless SET is on. */
function rtcUpdateTime(s: RtcState): void {
  const tm = gmtime(guestRtc(s).sec);
  if ((s.cmosData[RTC_REG_B]! & REG_B_SET) === 0) rtcSetCmos(s, tm);
}

/** The guest's current RTC date, in milliseconds since the epoch (UTC). */
export function rtcGuestTimeMs(s: RtcState): number {
  const g = guestRtc(s);
  return g.sec * 1000 + Math.floor(g.nsec / 1e6);
}

// ---- periodic interrupt --------------------------------------------------------------------------

function rtcPeriodicClockTicks(s: RtcState): number {
  if (!(s.cmosData[RTC_REG_B]! & REG_B_PIE)) return 0;
  return periodicPeriodToClock(s.cmosData[RTC_REG_A]! & 0x0f);
}

function rtcCoalescedTimerUpdate(s: RtcState): void {
  if (!s.coalescedTimer) return;
  if (s.irqCoalesced === 0) {
    timerDel(s.coalescedTimer);
  } else {
    // Catch up on lost ticks at 2 to 8 times the normal rate.
    const c = Math.min(s.irqCoalesced, 7) + 1;
    timerModNs(s.coalescedTimer, s.clockNow() + periodicClockToNs(Math.floor(s.period / c)));
  }
}

/** With lost_tick_policy=slew: raise the line and report whether an APIC accepted it. */
function rtcPolicySlewDeliverIrq(s: RtcState): boolean {
  apicResetIrqDelivered(s.registry);
  raiseIrq(s.irq());
  return apicGetIrqDelivered(s.registry) !== 0;
}

function rtcCoalescedTimer(s: RtcState): void {
  if (s.irqCoalesced !== 0) {
    s.cmosData[RTC_REG_C] |= 0xc0;
    if (rtcPolicySlewDeliverIrq(s)) s.irqCoalesced--;
  }
  rtcCoalescedTimerUpdate(s);
}

/**
 * QEMU's periodic_timer_update. `curClock` is the current time in 32 kHz cycles; when the
 * period changed (`periodChange`), the time since the last tick carries over to the new period.
 */
function periodicTimerUpdate(s: RtcState, curClock: number, oldPeriod: number, periodChange: boolean): void {
  const period = rtcPeriodicClockTicks(s);
  s.period = period;
  if (!period) {
    s.irqCoalesced = 0;
    if (s.periodicTimer) timerDel(s.periodicTimer);
    return;
  }
  let lostClock = 0;
  if (oldPeriod && periodChange) {
    const lastPeriodicClock = s.nextPeriodicClock - oldPeriod;
    lostClock = Math.max(curClock - lastPeriodicClock, 0);
  }
  if (s.lostTickPolicy === "slew") {
    const oldIrqCoalesced = s.irqCoalesced;
    lostClock += oldIrqCoalesced * oldPeriod;
    s.irqCoalesced = Math.floor(lostClock / s.period);
    lostClock %= s.period;
    if (oldIrqCoalesced !== s.irqCoalesced || oldPeriod !== s.period) rtcCoalescedTimerUpdate(s);
  } else {
    // Without slew there is no catching up; time moves on whatever was lost.
    lostClock = Math.min(lostClock, period);
  }
  const nextIrqClock = curClock + period - lostClock;
  s.nextPeriodicClock = nextIrqClock;
  s.nextPeriodicTime = periodicClockToNs(nextIrqClock) + 1;
  if (s.periodicTimer) timerModNs(s.periodicTimer, s.nextPeriodicTime);
}

function clockNow32k(s: RtcState): number {
  return muldiv64(s.clockNow(), RTC_CLOCK_RATE, NANOSECONDS_PER_SECOND);
}

function rtcPeriodicTimer(s: RtcState): void {
  periodicTimerUpdate(s, s.nextPeriodicClock, s.period, false);
  s.cmosData[RTC_REG_C] |= REG_C_PF;
  if (s.cmosData[RTC_REG_B]! & REG_B_PIE) {
    s.cmosData[RTC_REG_C] |= REG_C_IRQF;
    if (s.lostTickPolicy === "slew") {
      if (s.irqReinjectOnAckCount >= RTC_REINJECT_ON_ACK_COUNT) s.irqReinjectOnAckCount = 0;
      if (!rtcPolicySlewDeliverIrq(s)) {
        s.irqCoalesced++;
        rtcCoalescedTimerUpdate(s);
      }
    } else {
      raiseIrq(s.irq());
    }
  }
}

// ---- update-ended and alarm interrupts -----------------------------------------------------------

function convertHour(s: RtcState, hour: number): number {
  if (!(s.cmosData[RTC_REG_B]! & REG_B_24H)) {
    hour %= 12;
    if (s.cmosData[RTC_HOURS]! & 0x80) hour += 12;
  }
  return hour;
}

/** QEMU's get_next_alarm: seconds from now to the alarm (1 to 86400), with don't-care fields. */
function getNextAlarm(s: RtcState): number {
  rtcUpdateTime(s);
  const c = s.cmosData;
  let alarmSec = fromBcd(s, c[RTC_SECONDS_ALARM]!);
  let alarmMin = fromBcd(s, c[RTC_MINUTES_ALARM]!);
  let alarmHour = fromBcd(s, c[RTC_HOURS_ALARM]!);
  alarmHour = alarmHour === -1 ? -1 : convertHour(s, alarmHour);
  const curSec = fromBcd(s, c[RTC_SECONDS]!);
  const curMin = fromBcd(s, c[RTC_MINUTES]!);
  const curHour = convertHour(s, fromBcd(s, c[RTC_HOURS]!));

  if (alarmHour === -1) {
    alarmHour = curHour;
    if (alarmMin === -1) {
      alarmMin = curMin;
      if (alarmSec === -1) alarmSec = curSec + 1;
      else if (curSec > alarmSec) alarmMin++;
    } else if (curMin === alarmMin) {
      if (alarmSec === -1) alarmSec = curSec + 1;
      else if (curSec > alarmSec) alarmHour++;
      if (alarmSec === SEC_PER_MIN) {
        // Minutes are not don't-care: wrap to the next hour.
        alarmSec = 0;
        alarmHour++;
      }
    } else if (curMin > alarmMin) {
      alarmHour++;
    }
  } else if (curHour === alarmHour) {
    if (alarmMin === -1) {
      alarmMin = curMin;
      if (alarmSec === -1) alarmSec = curSec + 1;
      else if (curSec > alarmSec) alarmMin++;
      if (alarmSec === SEC_PER_MIN) {
        alarmSec = 0;
        alarmMin++;
      }
      // The hour is not don't-care: wrap to the next day.
      alarmMin %= MIN_PER_HOUR;
    } else if (curMin === alarmMin) {
      if (alarmSec === -1) alarmSec = curSec + 1;
      alarmSec %= SEC_PER_MIN;
    }
  }
  // Fields still don't-care fire at the next minute or second.
  if (alarmMin === -1) alarmMin = 0;
  if (alarmSec === -1) alarmSec = 0;
  if (alarmSec === SEC_PER_MIN) {
    alarmSec = 0;
    alarmMin++;
  }
  if (alarmMin === MIN_PER_HOUR) {
    alarmMin = 0;
    alarmHour++;
  }
  alarmHour %= HOUR_PER_DAY;
  const hour = alarmHour - curHour;
  const min = hour * MIN_PER_HOUR + alarmMin - curMin;
  const sec = min * SEC_PER_MIN + alarmSec - curSec;
  return sec <= 0 ? sec + SEC_PER_DAY : sec;
}

/** QEMU's check_update_timer: arm the timer for the next update (or straight for the alarm). */
function checkUpdateTimer(s: RtcState): void {
  const timer = s.updateTimer;
  if (!timer) return;
  const c = s.cmosData;
  // Dividers held in reset: no updates, hence no update or alarm interrupts.
  if ((c[RTC_REG_A]! & 0x60) === 0x60) {
    timerDel(timer);
    return;
  }
  const guestNsec = guestRtc(s).nsec;
  let nextUpdateTime = s.clockNow() + NANOSECONDS_PER_SECOND - guestNsec;
  const nextAlarmSec = getNextAlarm(s);
  s.nextAlarmTime = nextUpdateTime + (nextAlarmSec - 1) * NANOSECONDS_PER_SECOND;
  // With UF already pending (and UIP not latched), only the alarm can change anything.
  if (!(c[RTC_REG_A]! & REG_A_UIP) && c[RTC_REG_C]! & REG_C_UF) {
    if (c[RTC_REG_B]! & REG_B_SET || c[RTC_REG_C]! & REG_C_AF) {
      timerDel(timer);
      return;
    }
    nextUpdateTime = s.nextAlarmTime;
  }
  if (nextUpdateTime !== timerExpireTimeNs(timer)) timerModNs(timer, nextUpdateTime);
}

function rtcUpdateTimer(s: RtcState): void {
  let irqs = REG_C_UF;
  // UIP may have been latched: the update is done now.
  rtcUpdateTime(s);
  s.cmosData[RTC_REG_A] &= ~REG_A_UIP;
  if (s.clockNow() >= s.nextAlarmTime) irqs |= REG_C_AF;
  const newIrqs = irqs & ~s.cmosData[RTC_REG_C]!;
  s.cmosData[RTC_REG_C] |= irqs;
  if ((newIrqs & s.cmosData[RTC_REG_B]!) !== 0) {
    s.cmosData[RTC_REG_C] |= REG_C_IRQF;
    raiseIrq(s.irq());
  }
  checkUpdateTimer(s);
}

/** QEMU's update_in_progress: UIP reads set in the 244 us before each update. */
function updateInProgress(s: RtcState): boolean {
  if (!rtcRunning(s)) return false;
  const timer = s.updateTimer;
  if (timer && timerPending(timer)) {
    // Latch UIP until the timer has run.
    if (s.clockNow() >= timerExpireTimeNs(timer) - UIP_HOLD_LENGTH) {
      s.cmosData[RTC_REG_A] |= REG_A_UIP;
      return true;
    }
  }
  return guestRtc(s).nsec >= NANOSECONDS_PER_SECOND - UIP_HOLD_LENGTH;
}

// ---- ports ----------------------------------------------------------------------------------------

function cmosIoportWrite(s: RtcState, addr: number, data: number): void {
  if ((addr & 1) === 0) {
    // Bit 7 is the NMI mask on a PC; QEMU keeps only the index.
    s.cmosIndex = data & 0x7f;
    return;
  }
  const c = s.cmosData;
  switch (s.cmosIndex) {
    case RTC_SECONDS_ALARM:
    case RTC_MINUTES_ALARM:
    case RTC_HOURS_ALARM:
      c[s.cmosIndex] = data;
      checkUpdateTimer(s);
      break;
    case RTC_IBM_PS2_CENTURY_BYTE:
    case RTC_CENTURY:
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
      if (s.cmosIndex === RTC_IBM_PS2_CENTURY_BYTE) s.cmosIndex = RTC_CENTURY;
      c[s.cmosIndex] = data;
      // In SET mode the new date takes effect when SET is cleared.
      if (rtcRunning(s)) {
        rtcSetTime(s);
        checkUpdateTimer(s);
      }
      break;
    case RTC_REG_A: {
      const updatePeriodic = ((c[RTC_REG_A]! ^ data) & 0x0f) !== 0;
      const oldPeriod = rtcPeriodicClockTicks(s);
      if ((data & 0x60) === 0x60) {
        // Divider reset.
        if (rtcRunning(s)) rtcUpdateTime(s);
        c[RTC_REG_A] &= ~REG_A_UIP;
      } else if ((c[RTC_REG_A]! & 0x60) === 0x60 && (data & 0x70) <= 0x20) {
        // Leaving divider reset: the first update comes half a second later.
        if (!(c[RTC_REG_B]! & REG_B_SET)) {
          s.offset = 500_000_000;
          rtcSetTime(s);
        }
        c[RTC_REG_A] &= ~REG_A_UIP;
      }
      // UIP is read-only.
      c[RTC_REG_A] = (data & ~REG_A_UIP) | (c[RTC_REG_A]! & REG_A_UIP);
      if (updatePeriodic) periodicTimerUpdate(s, clockNow32k(s), oldPeriod, true);
      checkUpdateTimer(s);
      break;
    }
    case RTC_REG_B: {
      const updatePeriodic = ((c[RTC_REG_B]! ^ data) & REG_B_PIE) !== 0;
      const oldPeriod = rtcPeriodicClockTicks(s);
      if (data & REG_B_SET) {
        // Entering SET mode: the registers keep the date of this moment.
        if (rtcRunning(s)) rtcUpdateTime(s);
        c[RTC_REG_A] &= ~REG_A_UIP;
        data &= ~REG_B_UIE;
      } else if (c[RTC_REG_B]! & REG_B_SET && (c[RTC_REG_A]! & 0x70) <= 0x20) {
        // Leaving SET mode: the date written meanwhile starts now, within the current second.
        s.offset = guestRtc(s).nsec;
        rtcSetTime(s);
      }
      // An interrupt already flagged fires as soon as it is enabled.
      if (data & c[RTC_REG_C]! & REG_C_MASK) {
        c[RTC_REG_C] |= REG_C_IRQF;
        raiseIrq(s.irq());
      } else {
        c[RTC_REG_C] &= ~REG_C_IRQF;
        lowerIrq(s.irq());
      }
      c[RTC_REG_B] = data;
      if (updatePeriodic) periodicTimerUpdate(s, clockNow32k(s), oldPeriod, true);
      checkUpdateTimer(s);
      break;
    }
    case RTC_REG_C:
    case RTC_REG_D:
      // Read-only.
      break;
    default:
      c[s.cmosIndex] = data;
      break;
  }
}

function cmosIoportRead(s: RtcState, addr: number): number {
  if ((addr & 1) === 0) return 0xff;
  const c = s.cmosData;
  switch (s.cmosIndex) {
    case RTC_IBM_PS2_CENTURY_BYTE:
    case RTC_CENTURY:
    case RTC_SECONDS:
    case RTC_MINUTES:
    case RTC_HOURS:
    case RTC_DAY_OF_WEEK:
    case RTC_DAY_OF_MONTH:
    case RTC_MONTH:
    case RTC_YEAR:
      if (s.cmosIndex === RTC_IBM_PS2_CENTURY_BYTE) s.cmosIndex = RTC_CENTURY;
      if (rtcRunning(s)) rtcUpdateTime(s);
      return c[s.cmosIndex]!;
    case RTC_REG_A:
      return c[RTC_REG_A]! | (updateInProgress(s) ? REG_A_UIP : 0);
    case RTC_REG_C: {
      // Reading C acknowledges: the line drops and the flags clear.
      const ret = c[RTC_REG_C]!;
      lowerIrq(s.irq());
      c[RTC_REG_C] = 0;
      if (ret & (REG_C_UF | REG_C_AF)) checkUpdateTimer(s);
      if (s.irqCoalesced && c[RTC_REG_B]! & REG_B_PIE && s.irqReinjectOnAckCount < RTC_REINJECT_ON_ACK_COUNT) {
        s.irqReinjectOnAckCount++;
        c[RTC_REG_C] |= REG_C_IRQF | REG_C_PF;
        if (rtcPolicySlewDeliverIrq(s)) s.irqCoalesced--;
      }
      return ret;
    }
    default:
      return c[s.cmosIndex]!;
  }
}

/** QEMU's rtc_set_memory: the board writes a CMOS byte. */
export function rtcSetMemory(s: RtcState, addr: number, val: number): void {
  if (addr >= 0 && addr <= 127) s.cmosData[addr] = val & 0xff;
}

/** QEMU's rtc_get_memory. */
export function rtcGetMemory(s: RtcState, addr: number): number {
  return s.cmosData[addr & 0x7f]!;
}

/** The machine's RTCs (QEMU's rtc_devices), for rtc-reset-reinjection. */
const rtcDevices = new WeakMap<TypeRegistry, RtcState[]>();

/** QMP rtc-reset-reinjection: forget the periodic ticks a slew-policy RTC still owes. */
export function qmpRtcResetReinjection(registry: TypeRegistry): void {
  for (const s of rtcDevices.get(registry) ?? []) s.irqCoalesced = 0;
}

/** QEMU's rtc_set_date_from_host: the date the machine's time base (or `startTimeMs`) gives. */
function rtcSetDateFromHost(s: RtcState): void {
  const tm = s.startTimeMs ? gmtime(Math.floor(s.startTimeMs() / 1000)) : rtcTimebaseOf(s.registry).getTimedate(0);
  s.baseRtc = mktimegm(tm);
  s.lastUpdate = s.clockNow();
  s.offset = 0;
  rtcSetCmos(s, tm);
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
  s.rtcClock = rtcTimebaseOf(s.registry).clock;
  rtcSetDateFromHost(s);
  const clocks = s.clocks;
  if (s.lostTickPolicy === "slew") {
    s.coalescedTimer = timerNewNs(clocks, s.rtcClock, () => rtcCoalescedTimer(s));
  } else if (s.lostTickPolicy !== "discard") {
    throw new QomError("Invalid lost tick policy.");
  }
  s.periodicTimer = timerNewNs(clocks, s.rtcClock, () => rtcPeriodicTimer(s));
  s.updateTimer = timerNewNs(clocks, s.rtcClock, () => rtcUpdateTimer(s));
  checkUpdateTimer(s);
  const ops = {
    read: (addr: number) => cmosIoportRead(s, addr),
    write: (addr: number, val: number) => cmosIoportWrite(s, addr, val),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  };
  s.io = ioRegionNew(s, "rtc", 2, ops);
  isaRegisterIoport(s, s.io, s.ioBase);
  // The index port again, as its own region: QEMU marks it for coalesced writes.
  memoryRegionAddSubregion(s.io, 0, ioRegionNew(s, "rtc-index", 1, ops));
  s.addProperty(
    tmProperty("date", () => {
      rtcUpdateTime(s);
      const tm = rtcGetTime(s);
      return new Date(Date.UTC(tm.year + 1900, tm.mon, tm.mday, tm.hour, tm.min, tm.sec));
    }),
  );
  s.initGpioOut(1);
  rtcDevices.set(s.registry, [s, ...(rtcDevices.get(s.registry) ?? [])]);
}

/** QEMU's rtc_reset_enter + rtc_reset_hold. */
function rtcReset(s: RtcState): void {
  const c = s.cmosData;
  // 0xfe in the shutdown byte means the guest suspended itself: keep it for the firmware.
  if (c[0x0f] !== 0xfe) c[0x0f] = 0;
  c[RTC_REG_B] &= ~(REG_B_PIE | REG_B_AIE | REG_B_SQWE);
  c[RTC_REG_C] &= ~(REG_C_UF | REG_C_IRQF | REG_C_PF | REG_C_AF);
  checkUpdateTimer(s);
  if (s.lostTickPolicy === "slew") {
    s.irqCoalesced = 0;
    s.irqReinjectOnAckCount = 0;
  }
  lowerIrq(s.irq());
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
