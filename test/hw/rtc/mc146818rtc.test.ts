/**
 * The MC146818 through ports 0x70/0x71 with `-rtc clock=vm`, virtual time moved by hand. The
 * sequences follow what QEMU 7.2's tests/qtest/rtc-test.c checks against QEMU's model (date
 * registers in BCD/binary and 12/24 h, SET and divider reset, UIP timing, alarms, periodic
 * interrupt), written anew here.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { qdevContext } from "../../../src/hw/core/qdev.js";
import {
  mc146818RtcInit,
  REG_A_UIP,
  REG_B_24H,
  REG_B_AIE,
  REG_B_DM,
  REG_B_PIE,
  REG_B_SET,
  REG_B_UIE,
  REG_C_AF,
  REG_C_IRQF,
  REG_C_PF,
  REG_C_UF,
  RTC_ALARM_DONT_CARE,
  RTC_CENTURY,
  RTC_DAY_OF_MONTH,
  RTC_HOURS,
  RTC_HOURS_ALARM,
  RTC_MINUTES,
  RTC_MINUTES_ALARM,
  RTC_MONTH,
  RTC_REG_A,
  RTC_REG_B,
  RTC_REG_C,
  RTC_REG_D,
  RTC_SECONDS,
  RTC_SECONDS_ALARM,
  RTC_YEAR,
  UIP_HOLD_LENGTH,
  type RtcState,
} from "../../../src/hw/rtc/mc146818rtc.js";
import { rtcTimebaseOf } from "../../../src/hw/rtc/rtc-timebase.js";
import { timerWorld, type TimerWorld } from "../fixtures/timer-world.js";

const SEC = 1e9;
let w: TimerWorld;
let rtc: RtcState;
let events: Array<[string, unknown]>;

/** 2011-02-02T02:04:58Z, the date rtc-test.c likes. */
const START = Date.UTC(2011, 1, 2, 2, 4, 58) / 1000;

beforeEach(() => {
  w = timerWorld();
  rtcTimebaseOf(w.types).configure({ base: { startSeconds: START }, clock: "vm", driftfix: "none" });
  events = [];
  qdevContext(w.types).emitEvent = (name, data) => events.push([name, data]);
  rtc = mc146818RtcInit(w.bus, 2000, undefined);
  rtc.reset();
});

const read = (reg: number) => (w.io.write(0x70, reg, 1), w.io.read(0x71, 1));
const write = (reg: number, val: number) => (w.io.write(0x70, reg, 1), w.io.write(0x71, val, 1));

function setTime(mode: number, h: number, m: number, s: number): void {
  write(RTC_REG_B, mode);
  write(RTC_REG_A, 0x76); // divider reset while the time is written
  write(RTC_HOURS, h);
  write(RTC_MINUTES, m);
  write(RTC_SECONDS, s);
  write(RTC_REG_A, 0x26);
}

const time = () => [read(RTC_HOURS), read(RTC_MINUTES), read(RTC_SECONDS)];

function setDatetimeBcd(h: number, min: number, s: number, d: number, m: number, y: number): void {
  write(RTC_HOURS, h);
  write(RTC_MINUTES, min);
  write(RTC_SECONDS, s);
  write(RTC_YEAR, y & 0xff);
  write(RTC_CENTURY, y >> 8);
  write(RTC_MONTH, m);
  write(RTC_DAY_OF_MONTH, d);
}

const datetime = () => [RTC_HOURS, RTC_MINUTES, RTC_SECONDS, RTC_DAY_OF_MONTH, RTC_MONTH, RTC_YEAR, RTC_CENTURY].map(read);

describe("date registers", () => {
  it("start at -rtc base, in BCD with 24 h, and the date property agrees", () => {
    expect(read(RTC_REG_A)).toBe(0x26);
    expect(read(RTC_REG_B)).toBe(0x02);
    expect(read(RTC_REG_D)).toBe(0x80);
    expect(datetime()).toEqual([0x02, 0x04, 0x58, 0x02, 0x02, 0x11, 0x20]);
    w.advance(3 * SEC);
    expect(time()).toEqual([0x02, 0x05, 0x01]);
    const tm = w.types.rootObject!.resolveComponent("machine")!.getProperty("rtc-time");
    expect(tm).toEqual({ tm_year: 111, tm_mon: 1, tm_mday: 2, tm_hour: 2, tm_min: 5, tm_sec: 1 });
  });

  it("count in 24 h BCD and binary, wrapping at midnight", () => {
    setTime(REG_B_24H, 0x09, 0x59, 0x00);
    w.advance(SEC);
    expect(time()).toEqual([0x09, 0x59, 0x01]);
    w.advance(59 * SEC);
    expect(time()).toEqual([0x10, 0x00, 0x00]);
    setTime(REG_B_24H, 0x23, 0x59, 0x00);
    w.advance(60 * SEC);
    expect(time()).toEqual([0x00, 0x00, 0x00]);
    setTime(REG_B_24H | REG_B_DM, 9, 59, 0);
    w.advance(60 * SEC);
    expect(time()).toEqual([10, 0, 0]);
  });

  it("count in 12 h mode with the PM bit", () => {
    setTime(0, 0x81, 0x59, 0x00); // 1:59 PM, BCD
    w.advance(60 * SEC);
    expect(time()).toEqual([0x82, 0x00, 0x00]);
    setTime(0, 0x12, 0x59, 0x59); // 12 AM -> 1 AM
    w.advance(SEC);
    expect(time()).toEqual([0x01, 0x00, 0x00]);
    setTime(0, 0x11, 0x59, 0x59); // 11 AM -> 12 PM
    w.advance(SEC);
    expect(time()).toEqual([0x92, 0x00, 0x00]);
    setTime(REG_B_DM, 0x8b, 59, 59); // 11 PM -> 12 AM, binary
    w.advance(SEC);
    expect(time()).toEqual([0x0c, 0, 0]);
  });

  it("keep a year and century the guest wrote", () => {
    write(RTC_REG_B, REG_B_24H);
    write(RTC_REG_A, 0x76);
    setDatetimeBcd(0x02, 0x04, 0x58, 0x02, 0x02, 0x1980);
    write(RTC_REG_A, 0x26);
    expect(datetime()).toEqual([0x02, 0x04, 0x58, 0x02, 0x02, 0x80, 0x19]);
    // The guest's change is reported as RTC_CHANGE, relative to the base date.
    const last = events.at(-1)!;
    expect(last[0]).toBe("RTC_CHANGE");
    expect((last[1] as { offset: number }).offset).toBe(Date.UTC(1980, 1, 2, 2, 4, 58) / 1000 - START);
    expect((last[1] as Record<string, string>)["qom-path"]).toBe(rtc.canonicalPath);
  });

  it("stand still while SET is on and run on when it is cleared", () => {
    write(RTC_REG_B, REG_B_24H | REG_B_SET);
    setDatetimeBcd(0x02, 0x04, 0x58, 0x02, 0x02, 0x2011);
    w.advance(SEC);
    expect(datetime()).toEqual([0x02, 0x04, 0x58, 0x02, 0x02, 0x11, 0x20]);
    write(RTC_REG_B, read(RTC_REG_B) & ~REG_B_SET);
    expect(datetime()).toEqual([0x02, 0x04, 0x58, 0x02, 0x02, 0x11, 0x20]);
    w.advance(SEC);
    expect(read(RTC_SECONDS)).toBe(0x59);
  });

  it("take the NMI mask bit of port 0x70 as part of nothing but the index", () => {
    w.io.write(0x70, 0x80 | RTC_REG_B, 1);
    expect(w.io.read(0x71, 1)).toBe(0x02);
    expect(w.io.read(0x70, 1)).toBe(0xff);
    // Plain CMOS memory beyond the clock.
    write(0x40, 0xa5);
    expect(read(0x40)).toBe(0xa5);
    // C and D cannot be written.
    write(RTC_REG_D, 0);
    expect(read(RTC_REG_D)).toBe(0x80);
  });
});

describe("update cycle", () => {
  it("after a divider reset the first update ends 500 ms later, UIP set for its last 244 us", () => {
    write(RTC_REG_B, REG_B_24H);
    write(RTC_REG_A, 0x76);
    setDatetimeBcd(0x02, 0x04, 0x58, 0x02, 0x02, 0x2011);
    w.advance(SEC);
    expect(read(RTC_SECONDS)).toBe(0x58);
    write(RTC_REG_A, 0x26);
    w.advance(500_000_000 - UIP_HOLD_LENGTH - 1);
    expect(read(RTC_REG_A) & REG_A_UIP).toBe(0);
    expect(read(RTC_SECONDS)).toBe(0x58);
    w.advance(1);
    expect(read(RTC_REG_A) & REG_A_UIP).toBe(REG_A_UIP);
    w.advance(UIP_HOLD_LENGTH);
    expect(read(RTC_REG_A) & REG_A_UIP).toBe(0);
    expect(read(RTC_SECONDS)).toBe(0x59);
  });

  it("moving the alarm away does not leave UIP stuck", () => {
    setTime(REG_B_24H, 0x02, 0x04, 0x58);
    read(RTC_REG_C);
    w.advance(500_000_000);
    expect(read(RTC_REG_A) & REG_A_UIP).toBe(0);
    expect(read(RTC_SECONDS)).toBe(0x59);
    write(RTC_HOURS_ALARM, 0x02);
    write(RTC_MINUTES_ALARM, RTC_ALARM_DONT_CARE);
    write(RTC_SECONDS_ALARM, RTC_ALARM_DONT_CARE);
    w.advance(SEC - UIP_HOLD_LENGTH / 2);
    expect(read(RTC_REG_A) & REG_A_UIP).toBe(REG_A_UIP);
    write(RTC_HOURS_ALARM, 0x03);
    w.advance(UIP_HOLD_LENGTH);
    expect(read(RTC_REG_A) & REG_A_UIP).toBe(0);
  });

  it("raises IRQ 8 once a second with UIE, and reading C acknowledges", () => {
    read(RTC_REG_C);
    write(RTC_REG_B, REG_B_24H | REG_B_UIE);
    let count = 0;
    for (let i = 0; i < 50; i++) {
      w.advance(100_000_000);
      if (w.lines[8]) {
        const c = read(RTC_REG_C);
        expect(c & (REG_C_IRQF | REG_C_UF)).toBe(REG_C_IRQF | REG_C_UF);
        expect(w.lines[8]).toBe(0);
        expect(read(RTC_REG_C)).toBe(0);
        count++;
      }
    }
    expect(count).toBe(5);
  });
});

describe("alarm", () => {
  it("fires at the alarm second with minutes and hours don't-care", () => {
    write(RTC_REG_B, REG_B_24H | REG_B_DM);
    read(RTC_REG_C);
    const now = read(RTC_SECONDS);
    write(RTC_SECONDS_ALARM, now);
    write(RTC_MINUTES_ALARM, RTC_ALARM_DONT_CARE);
    write(RTC_HOURS_ALARM, RTC_ALARM_DONT_CARE);
    write(RTC_REG_B, read(RTC_REG_B) | REG_B_AIE);
    expect(w.lines[8]).toBe(0);
    let seconds = 0;
    while (!w.lines[8] && seconds < 70) {
      w.advance(SEC);
      seconds++;
    }
    // A minute after the second we read.
    expect(seconds).toBe(60);
    expect(read(RTC_SECONDS)).toBe(now);
    expect(read(RTC_REG_C) & REG_C_AF).toBe(REG_C_AF);
    expect(read(RTC_REG_C)).toBe(0);
  });

  it("compares hours including the PM bit in 12 h mode", () => {
    write(RTC_MINUTES_ALARM, 0xc0);
    write(RTC_SECONDS_ALARM, 0xc0);
    write(RTC_REG_B, 0);
    write(RTC_REG_A, 0x76);
    write(RTC_HOURS_ALARM, 0x82);
    write(RTC_HOURS, 0x81);
    write(RTC_MINUTES, 0x59);
    write(RTC_SECONDS, 0x00);
    read(RTC_REG_C);
    write(RTC_REG_A, 0x26);
    w.advance(60 * SEC);
    expect(read(RTC_HOURS)).toBe(0x82);
    expect(read(RTC_REG_C) & REG_C_AF).toBe(REG_C_AF);
  });
});

describe("periodic interrupt", () => {
  it("at the default rate (1024 Hz) raises IRQ 8 1024 times a second", () => {
    read(RTC_REG_C);
    write(RTC_REG_B, read(RTC_REG_B) | REG_B_PIE);
    let count = 0;
    // A guest handler: on each interrupt, read C (which lowers the line).
    // The k-th tick is due 1 ns after k/1024 s, so the 1024th lands just past the second.
    for (let t = 0; t < 10_001; t++) {
      w.advance(100_000);
      if (w.lines[8]) {
        expect(read(RTC_REG_C) & (REG_C_IRQF | REG_C_PF)).toBe(REG_C_IRQF | REG_C_PF);
        count++;
      }
    }
    expect(count).toBe(1024);
    expect(w.edges[8]!.length).toBe(1024);
  });

  it("follows rate changes (8 Hz and 2 Hz alternating) with the period carried over", () => {
    write(RTC_REG_B, read(RTC_REG_B) & ~(REG_B_PIE | REG_B_AIE | REG_B_UIE));
    write(RTC_REG_A, 13); // 8 Hz
    write(RTC_REG_B, read(RTC_REG_B) | REG_B_PIE);
    const start = w.now();
    const wait = () => {
      while (!w.lines[8]) {
        const d = w.clocks.clockDeadlineNs(1);
        w.advance(Math.max(d, 1));
      }
      expect(read(RTC_REG_C) & REG_C_PF).toBe(REG_C_PF);
    };
    for (let i = 0; i < 50; i++) {
      write(RTC_REG_A, 13);
      wait();
      write(RTC_REG_A, 15); // 2 Hz
      wait();
    }
    const expected = (50 * (4096 + 16384) * 1e9) / 32768;
    expect(Math.abs(w.now() - start - expected)).toBeLessThanOrEqual(0.5e9);
  });

  it("stops at reset, which lowers IRQ 8 and clears PIE and AIE", () => {
    write(RTC_REG_B, REG_B_24H | REG_B_PIE);
    w.advance(2_000_000);
    expect(w.lines[8]).toBe(1);
    rtc.reset();
    expect(w.lines[8]).toBe(0);
    expect(read(RTC_REG_B) & (REG_B_PIE | REG_B_AIE)).toBe(0);
  });
});

describe("lost_tick_policy=slew", () => {
  it("counts ticks no APIC took, re-injects them on register C reads, and rtc-reset-reinjection forgets them", async () => {
    const { apicWorld } = await import("../fixtures/apic-world.js");
    const { isaNew, isaRealizeAndUnref } = await import("../../../src/hw/isa/isa-bus.js");
    const { qmpRtcResetReinjection } = await import("../../../src/hw/rtc/mc146818rtc.js");
    const a = apicWorld();
    rtcTimebaseOf(a.types).configure({ base: { startSeconds: START }, clock: "vm", driftfix: "slew" });
    const dev = isaNew<RtcState>(a.types, "mc146818rtc");
    dev.parseProperty("lost_tick_policy", "slew");
    isaRealizeAndUnref(dev, a.bus);
    dev.connectGpioOut(0, a.ioapic.gpioIn(8));
    dev.reset();
    a.lapicWrite(0xf0, 0x1ff);
    a.ioapicWrite(0x10 + 2 * 8, 0x28); // pin 8 -> vector 0x28, edge, APIC 0
    const rd = (reg: number) => (a.io.write(0x70, reg, 1), a.io.read(0x71, 1));
    const wr = (reg: number, v: number) => (a.io.write(0x70, reg, 1), a.io.write(0x71, v, 1));
    wr(RTC_REG_A, 0x2f); // 2 Hz
    wr(RTC_REG_B, REG_B_24H | REG_B_PIE);
    // The guest never takes the interrupt: after the first tick each further one is coalesced.
    a.advance(2 * SEC + 1000, 1e6);
    expect(dev.irqCoalesced).toBe(3);
    // Reading C (the handler's ack) re-injects one at once.
    a.cpus[0]!.acknowledgeInterrupt();
    a.lapicWrite(0xb0, 0);
    expect(rd(RTC_REG_C) & REG_C_PF).toBe(REG_C_PF);
    expect(rd(RTC_REG_C) & (REG_C_IRQF | REG_C_PF)).toBe(REG_C_IRQF | REG_C_PF);
    expect(dev.irqCoalesced).toBe(2);
    qmpRtcResetReinjection(a.types);
    expect(dev.irqCoalesced).toBe(0);
  });
});
