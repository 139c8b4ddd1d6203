/**
 * The 8254 through its ports 0x40-0x43 and the speaker port 0x61, with virtual time moved by
 * hand. Expected values follow QEMU 7.2's arithmetic (counts derived from the time since the
 * count was loaded, at 1193182 Hz).
 */
import { beforeEach, describe, expect, it } from "vitest";
import { i8254PitInit, type PitState } from "../../../src/hw/timer/i8254.js";
import { PIT_FREQ, pitGetChannelInfo } from "../../../src/hw/timer/i8254-common.js";
import { isaNew } from "../../../src/hw/isa/isa-bus.js";
import { pcspkInit, type PcSpkState } from "../../../src/hw/audio/pcspk.js";
import { timerWorld, type TimerWorld } from "../fixtures/timer-world.js";

let w: TimerWorld;
let pit: PitState;

/** Nanoseconds for `ticks` PIT input clocks, rounded up so the ticks have surely elapsed. */
const ticksNs = (ticks: number) => Math.ceil((ticks * 1e9) / PIT_FREQ);

beforeEach(() => {
  w = timerWorld();
  pit = i8254PitInit(w.bus, 0x40, 0, undefined);
  pit.reset();
});

function readCount16(ch: number): number {
  const lo = w.io.read(0x40 + ch, 1);
  const hi = w.io.read(0x40 + ch, 1);
  return lo | (hi << 8);
}

function program(ch: number, mode: number, count: number): void {
  w.io.write(0x43, (ch << 6) | 0x30 | (mode << 1), 1);
  w.io.write(0x40 + ch, count & 0xff, 1);
  w.io.write(0x40 + ch, (count >> 8) & 0xff, 1);
}

describe("i8254 channel 0", () => {
  it("after reset runs mode 3 with a full count and toggles IRQ 0 at 18.2 Hz", () => {
    expect(pitGetChannelInfo(pit, 0)).toEqual({ gate: 1, mode: 3, initialCount: 0x10000, out: 1 });
    // Reset does not drive the line; the first timer (half a period in) does, with OUT still
    // high, so the line rises then, and then once per 65536-clock period: 19 edges in a second.
    w.advance(1e9, 1e6);
    const e = w.edges[0]!;
    expect(e.length).toBe(19);
    expect(e[0]).toBe(28e6);
    const period = (0x10000 * 1e9) / PIT_FREQ;
    for (let i = 2; i < e.length; i++) expect(Math.abs(e[i]! - e[i - 1]! - period)).toBeLessThanOrEqual(1e6);
  });

  it("mode 2 raises IRQ 0 once per period", () => {
    program(0, 2, 1193); // ~1 kHz
    w.advance(10e6, 50_000);
    // QEMU's mode 2 output pulses high for one input clock at each terminal count.
    expect(w.edges[0]!.length).toBe(10);
    const gaps = w.edges[0]!.slice(1).map((t, i) => t - w.edges[0]![i]!);
    for (const g of gaps) expect(Math.abs(g - 1e6)).toBeLessThanOrEqual(50_000);
  });

  it("counts down from the loaded value; a latch freezes the value until read", () => {
    program(0, 2, 1193);
    w.advance(500_000);
    const d = Math.floor((500_000 * PIT_FREQ) / 1e9);
    w.io.write(0x43, 0x00, 1); // latch channel 0
    w.advance(100_000);
    // A second latch before the first is read changes nothing.
    w.io.write(0x43, 0x00, 1);
    expect(readCount16(0)).toBe(1193 - d);
    // Unlatched reads follow the clock again.
    const d2 = Math.floor((600_000 * PIT_FREQ) / 1e9);
    expect(readCount16(0)).toBe(1193 - d2);
  });

  it("mode 3 counts by two and holds OUT high for the first half", () => {
    program(0, 3, 1000);
    w.advance(ticksNs(100));
    expect(pitGetChannelInfo(pit, 0).out).toBe(1);
    expect(readCount16(0)).toBe(1000 - 200);
    w.advance(ticksNs(550) - ticksNs(100));
    expect(pitGetChannelInfo(pit, 0).out).toBe(0);
    expect(w.lines[0]).toBe(0);
  });

  it("mode 0 raises OUT at the terminal count and stays high; LSB-only access", () => {
    w.io.write(0x43, 0x10, 1); // channel 0, LSB only, mode 0
    w.io.write(0x40, 100, 1);
    expect(w.lines[0]).toBe(0);
    w.advance(ticksNs(99));
    expect(w.lines[0]).toBe(0);
    expect(w.io.read(0x40, 1)).toBe(1);
    w.advance(ticksNs(2));
    expect(w.lines[0]).toBe(1);
    w.advance(1e6);
    expect(w.edges[0]!.length).toBe(1);
    // The count wraps through 0xffff after the terminal count.
    expect(w.io.read(0x40, 1)).toBe((100 - Math.floor((w.now() * PIT_FREQ) / 1e9)) & 0xff);
  });

  it("read-back latches status and count; status first", () => {
    program(0, 2, 0x1234);
    w.io.write(0x43, 0xc2, 1); // read-back: count and status of channel 0
    // Status: OUT low, access LSB/MSB (3), mode 2, binary.
    expect(w.io.read(0x40, 1)).toBe((3 << 4) | (2 << 1));
    expect(readCount16(0)).toBe(0x1234);
    // Status only (bit 5 set: do not latch the count), BCD mode reported back.
    w.io.write(0x43, 0x35, 1); // channel 0, LSB/MSB, mode 2, BCD
    w.io.write(0x43, 0xe2, 1);
    expect(w.io.read(0x40, 1)).toBe(0x35 & 0x3f);
  });

  it("the control port reads as 0", () => {
    expect(w.io.read(0x43, 1)).toBe(0);
  });

  it("a count of 0 means 65536", () => {
    program(0, 2, 0);
    expect(pitGetChannelInfo(pit, 0).initialCount).toBe(0x10000);
    expect(readCount16(0)).toBe(0);
    w.advance(ticksNs(1));
    expect(readCount16(0)).toBe(0xffff);
  });

  it("is silenced while the HPET's legacy mode holds its line", () => {
    program(0, 2, 1193);
    pit.gpioIn(0).handler!(0, 0);
    w.advance(5e6, 100_000);
    expect(w.edges[0]!.length).toBe(0);
    pit.gpioIn(0).handler!(0, 1);
    w.advance(5e6, 100_000);
    expect(w.edges[0]!.length).toBeGreaterThanOrEqual(4);
  });
});

describe("channel 2 and port 0x61", () => {
  let spk: PcSpkState;
  beforeEach(() => {
    spk = isaNew<PcSpkState>(w.types, "isa-pcspk");
    pcspkInit(spk, w.bus, pit);
  });

  it("SeaBIOS's TSC calibration: gate on, mode 0, poll bit 5", () => {
    // As SeaBIOS's tsctimer_setup does it.
    w.io.write(0x61, (w.io.read(0x61, 1) & ~0x02) | 0x01, 1);
    w.io.write(0x43, 0xb0, 1);
    w.io.write(0x42, 0xff, 1);
    w.io.write(0x42, 0xff, 1);
    expect(w.io.read(0x61, 1) & 0x20).toBe(0);
    w.advance(ticksNs(0xffff) - 1000);
    expect(w.io.read(0x61, 1) & 0x20).toBe(0);
    w.advance(2000);
    expect(w.io.read(0x61, 1) & 0x21).toBe(0x21);
  });

  it("bit 4 toggles on every read; bits 0 and 1 read back", () => {
    const a = w.io.read(0x61, 1);
    const b = w.io.read(0x61, 1);
    expect((a ^ b) & 0x10).toBe(0x10);
    w.io.write(0x61, 0x03, 1);
    expect(w.io.read(0x61, 1) & 0x03).toBe(0x03);
  });

  it("a rising gate restarts mode 1 (one-shot) and mode 2 counting", () => {
    program(2, 1, 500);
    // QEMU starts a mode 1 count when it is written, without waiting for a trigger.
    w.advance(ticksNs(600));
    expect(pitGetChannelInfo(pit, 2).out).toBe(0);
    w.io.write(0x61, 0x01, 1); // gate rises: restart
    expect(pitGetChannelInfo(pit, 2).out).toBe(1);
    w.advance(ticksNs(499));
    expect(pitGetChannelInfo(pit, 2).out).toBe(1);
    w.advance(ticksNs(2));
    expect(pitGetChannelInfo(pit, 2).out).toBe(0);
    // Mode 2: the count restarts from the initial value on the rising edge.
    w.io.write(0x61, 0x00, 1);
    program(2, 2, 1000);
    w.advance(ticksNs(300));
    w.io.write(0x61, 0x01, 1);
    expect(readCount16(2)).toBe(1000);
  });
});
