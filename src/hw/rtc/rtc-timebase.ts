/**
 * The machine's reference date for RTCs (QEMU 7.2's softmmu/rtc.c): which clock RTCs run on
 * (`-rtc clock=host|rt|vm`, QEMU's rtc_clock) and what date they start from (`-rtc base=utc|
 * localtime|DATE`). One per machine; the board's RTCs read it when they are realized.
 */
import type { RtcConfig } from "../../softmmu/rtc-config.js";
import type { TypeRegistry } from "../../qom/type.js";
import { QEMU_CLOCK_HOST, QEMU_CLOCK_REALTIME, QEMU_CLOCK_VIRTUAL, qemuClocksOf, type QemuClockType } from "../../util/qemu-timer.js";

/** A broken-down time as C's struct tm holds it (year since 1900, month 0-11, weekday 0 = Sunday). */
export interface Tm {
  sec: number;
  min: number;
  hour: number;
  mday: number;
  mon: number;
  year: number;
  wday: number;
}

/** QEMU's mktimegm: seconds since the epoch of a UTC broken-down time, normalising overflow. */
export function mktimegm(tm: Tm): number {
  return Math.floor(Date.UTC(tm.year + 1900, tm.mon, tm.mday, tm.hour, tm.min, tm.sec) / 1000);
}

/** QEMU's gmtime_r. */
export function gmtime(seconds: number): Tm {
  const d = new Date(seconds * 1000);
  return {
    sec: d.getUTCSeconds(),
    min: d.getUTCMinutes(),
    hour: d.getUTCHours(),
    mday: d.getUTCDate(),
    mon: d.getUTCMonth(),
    year: d.getUTCFullYear() - 1900,
    wday: d.getUTCDay(),
  };
}

function localtime(seconds: number): Tm {
  const d = new Date(seconds * 1000);
  return {
    sec: d.getSeconds(),
    min: d.getMinutes(),
    hour: d.getHours(),
    mday: d.getDate(),
    mon: d.getMonth(),
    year: d.getFullYear() - 1900,
    wday: d.getDay(),
  };
}

export class RtcTimebase {
  baseType: "utc" | "localtime" | "datetime" = "utc";
  /** The clock RTCs run on (QEMU's rtc_clock). */
  clock: QemuClockType = QEMU_CLOCK_HOST;
  /** Seconds since the epoch at which the guest's date starts (QEMU's rtc_ref_start_datetime). */
  refStartDatetime: number;
  /** The realtime clock's seconds at configuration (QEMU's rtc_realtime_clock_offset). */
  realtimeClockOffset: number;
  /** Host date minus the given start date, with base=DATE (QEMU's rtc_host_datetime_offset). */
  hostDatetimeOffset = -1;

  constructor(private readonly registry: TypeRegistry) {
    const clocks = qemuClocksOf(registry);
    this.refStartDatetime = Math.floor(clocks.getMs(QEMU_CLOCK_HOST) / 1000);
    this.realtimeClockOffset = Math.floor(clocks.getMs(QEMU_CLOCK_REALTIME) / 1000);
  }

  /** QEMU's configure_rtc, after the options were checked (src/softmmu/rtc-config.ts). */
  configure(cfg: RtcConfig): void {
    if (cfg.base === "utc" || cfg.base === "localtime") {
      this.baseType = cfg.base;
    } else {
      this.baseType = "datetime";
      this.hostDatetimeOffset = this.refStartDatetime - cfg.base.startSeconds;
      this.refStartDatetime = cfg.base.startSeconds;
    }
    this.clock = cfg.clock === "rt" ? QEMU_CLOCK_REALTIME : cfg.clock === "vm" ? QEMU_CLOCK_VIRTUAL : QEMU_CLOCK_HOST;
  }

  /** QEMU's qemu_ref_timedate: the guest's reference date now, in seconds, on `clock`. */
  refTimedate(clock: QemuClockType): number {
    let value = Math.floor(qemuClocksOf(this.registry).getMs(clock) / 1000);
    if (clock === QEMU_CLOCK_REALTIME) value += this.refStartDatetime - this.realtimeClockOffset;
    else if (clock === QEMU_CLOCK_VIRTUAL) value += this.refStartDatetime;
    else if (this.baseType === "datetime") value -= this.hostDatetimeOffset;
    return value;
  }

  /** QEMU's qemu_get_timedate: the date an RTC starts from, `offset` seconds on. */
  getTimedate(offset = 0): Tm {
    const t = this.refTimedate(this.clock) + offset;
    return this.baseType === "localtime" ? localtime(t) : gmtime(t);
  }

  /** QEMU's qemu_timedate_diff: how far a date the guest set is from the host's reference. */
  timedateDiff(tm: Tm): number {
    let seconds: number;
    if (this.baseType === "localtime") {
      seconds = Math.floor(new Date(tm.year + 1900, tm.mon, tm.mday, tm.hour, tm.min, tm.sec).getTime() / 1000);
    } else {
      seconds = mktimegm(tm);
    }
    return seconds - this.refTimedate(QEMU_CLOCK_HOST);
  }
}

const timebases = new WeakMap<TypeRegistry, RtcTimebase>();

/** The machine's RTC time base; the defaults (UTC, host clock) until `configure` is called. */
export function rtcTimebaseOf(registry: TypeRegistry): RtcTimebase {
  let t = timebases.get(registry);
  if (!t) timebases.set(registry, (t = new RtcTimebase(registry)));
  return t;
}
