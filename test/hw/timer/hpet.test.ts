/**
 * The HPET through its MMIO window at 0xfed00000 (32-bit accesses through the memory address
 * space), with virtual time moved by hand.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { allocateIrq } from "../../../src/hw/core/irq.js";
import { qdevRealizeAndUnref } from "../../../src/hw/core/qdev-realize.js";
import { sysbusConnectIrq, sysbusGetDefault } from "../../../src/hw/core/sysbus.js";
import { isaGetIrq } from "../../../src/hw/isa/isa-bus.js";
import {
  HPET_BASE,
  HPET_CFG,
  HPET_CFG_ENABLE,
  HPET_CFG_LEGACY,
  HPET_COUNTER,
  HPET_ID,
  HPET_PERIOD,
  HPET_STATUS,
  HPET_TN_32BIT,
  HPET_TN_ENABLE,
  HPET_TN_PERIODIC,
  HPET_TN_SETVAL,
  HPET_TN_TYPE_LEVEL,
  hpetMmioMap,
  type HpetState,
} from "../../../src/hw/timer/hpet.js";
import { objectNew } from "../../../src/qom/object.js";
import { timerWorld, type TimerWorld } from "../fixtures/timer-world.js";

let w: TimerWorld;
let hpet: HpetState;
let pitEnabled: number[];

beforeEach(() => {
  w = timerWorld();
  hpet = objectNew<HpetState>(w.types, "hpet");
  hpet.setPropertyJson("hpet-intcap", 0x00ff0004);
  qdevRealizeAndUnref(hpet, sysbusGetDefault(w.types));
  hpetMmioMap(hpet);
  // Routes 0-15 onto the ISA lines the fixture records, as the PC's GSIs do.
  for (let i = 0; i < 16; i++) sysbusConnectIrq(hpet, i, isaGetIrq(hpet as never, i));
  pitEnabled = [];
  hpet.connectGpioOut(0, allocateIrq(w.types, (_n, l) => pitEnabled.push(l), 0));
  hpet.reset();
});

const rd = (off: number) => w.mem.read(HPET_BASE + off, 4);
const wr = (off: number, v: number) => w.mem.write(HPET_BASE + off, v, 4);
const tn = (n: number, reg: number) => 0x100 + n * 0x20 + reg;
/**
 * Sets a comparator (and, for a periodic timer, its period) to a 64-bit value the way a guest
 * must: after reset it holds all ones, so the high half needs writing too, and each write to a
 * periodic timer's comparator needs SETVAL again.
 */
function setComparator(n: number, cfg: number, value: number): void {
  const setval = cfg & HPET_TN_PERIODIC ? HPET_TN_SETVAL : 0;
  wr(tn(n, 0), cfg | setval);
  wr(tn(n, 0xc), 0);
  wr(tn(n, 0), cfg | setval);
  wr(tn(n, 8), value);
}
const counter = () => rd(HPET_COUNTER) + rd(HPET_COUNTER + 4) * 2 ** 32;

describe("hpet", () => {
  it("identifies itself: 3 timers, legacy capable, 64-bit, 10 ns period", () => {
    expect(rd(HPET_ID) >>> 0).toBe(0x8086a201);
    expect(rd(HPET_PERIOD)).toBe(10_000_000);
    // Timer capabilities: periodic and 64-bit capable, the IOAPIC inputs from hpet-intcap.
    expect(rd(tn(0, 0))).toBe(0x30);
    expect(rd(tn(0, 4))).toBe(0x00ff0004);
    expect(rd(tn(0, 8)) >>> 0).toBe(0xffffffff);
    expect(pitEnabled).toEqual([1]);
  });

  it("counts at 100 MHz while enabled and holds while disabled", () => {
    w.advance(1000);
    expect(counter()).toBe(0);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(1000);
    expect(counter()).toBe(100);
    wr(HPET_CFG, 0);
    w.advance(5000);
    expect(counter()).toBe(100);
    wr(HPET_COUNTER, 0xfffffff0);
    wr(HPET_COUNTER + 4, 1);
    expect(counter()).toBe(0x1fffffff0);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(200);
    expect(counter()).toBe(0x200000004);
  });

  it("a comparator whose high half still holds the reset value fires at once", () => {
    wr(tn(0, 0), HPET_TN_ENABLE | (5 << 9));
    wr(tn(0, 8), 1000); // the comparator is now 0xffffffff000003e8: "behind" the counter
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(10);
    expect(w.edges[5]).toEqual([10]);
  });

  it("a one-shot comparator pulses its route when the counter reaches it", () => {
    setComparator(0, HPET_TN_ENABLE | (5 << 9), 1000);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(9_990, 10);
    expect(w.edges[5]).toEqual([]);
    w.advance(20, 10);
    expect(w.edges[5]).toEqual([10_000]);
    expect(w.lines[5]).toBe(0); // edge-triggered: a pulse
    w.advance(100_000, 1000);
    expect(w.edges[5]!.length).toBe(1);
  });

  it("a periodic comparator fires every period", () => {
    setComparator(1, HPET_TN_ENABLE | HPET_TN_PERIODIC | (3 << 9), 1000); // first match and period: 10 us
    wr(HPET_CFG, HPET_CFG_ENABLE);
    // Timers run a while after their expiry, as in a real run loop (see the next test for
    // what happens when they run exactly on time).
    w.advance(100_500, 1003);
    expect(w.edges[3]!.length).toBe(10);
    expect(w.edges[3]!.slice(0, 3).map((t) => Math.round(t / 1000))).toEqual([10, 20, 30]);
    // The comparator has moved on by the period each time.
    expect(rd(tn(1, 8))).toBe(11_000);
  });

  it("run exactly at the match, a periodic timer fires again one tick later (QEMU 7.2)", () => {
    // The counter equals the comparator, so the model does not advance it yet; 10 ns later
    // it does, and signals again.
    setComparator(1, HPET_TN_ENABLE | HPET_TN_PERIODIC | (3 << 9), 1000);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(25_000, 10);
    expect(w.edges[3]).toEqual([10_000, 10_010, 20_000, 20_010]);
  });

  it("a level-triggered timer holds its line and status bit until the status is written", () => {
    setComparator(2, HPET_TN_ENABLE | HPET_TN_TYPE_LEVEL | (10 << 9), 50);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(1000);
    expect(w.lines[10]).toBe(1);
    expect(rd(HPET_STATUS)).toBe(4);
    wr(HPET_STATUS, 4);
    expect(w.lines[10]).toBe(0);
    expect(rd(HPET_STATUS)).toBe(0);
  });

  it("legacy replacement routes timers 0 and 1 to IRQ 0 and 8 and silences the PIT", () => {
    // The RTC's line passes through while legacy mode is off.
    hpet.gpioIn(1).handler!(1, 1);
    expect(w.lines[8]).toBe(1);
    hpet.gpioIn(1).handler!(1, 0);
    wr(HPET_CFG, HPET_CFG_ENABLE | HPET_CFG_LEGACY);
    expect(pitEnabled.at(-1)).toBe(0);
    hpet.gpioIn(0).handler!(0, 1); // the PIT's output is ignored now
    expect(w.lines[0]).toBe(0);
    setComparator(0, HPET_TN_ENABLE | HPET_TN_PERIODIC | (7 << 9), 100_000); // 1 ms
    setComparator(1, HPET_TN_ENABLE | (7 << 9), 50_000);
    w.advance(3_500_000, 7_003);
    expect(w.edges[0]!.length).toBe(3);
    // The first edge on IRQ 8 was the RTC's, passed through above.
    expect(w.edges[8]!.length).toBe(2);
    expect(w.edges[7]).toEqual([]);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    expect(pitEnabled.at(-1)).toBe(1);
  });

  it("a 32-bit one-shot also fires when the counter wraps", () => {
    wr(HPET_COUNTER, 0xffffff00);
    wr(tn(0, 0), HPET_TN_ENABLE | HPET_TN_32BIT | (4 << 9));
    wr(tn(0, 8), 0x100);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(0x100 * 10 + 10, 10);
    expect(w.edges[4]!.length).toBe(1); // the wrap
    w.advance(0x100 * 10, 10);
    expect(w.edges[4]!.length).toBe(2); // the match
  });

  it("stops and clears timers when disabled", () => {
    setComparator(0, HPET_TN_ENABLE | HPET_TN_PERIODIC | HPET_TN_TYPE_LEVEL | (9 << 9), 100);
    wr(HPET_CFG, HPET_CFG_ENABLE);
    w.advance(1500);
    expect(w.lines[9]).toBe(1);
    wr(HPET_CFG, 0);
    expect(w.lines[9]).toBe(0);
    expect(rd(HPET_STATUS)).toBe(0);
    expect(w.clocks.clockDeadlineNs(1)).toBe(-1);
  });
});
