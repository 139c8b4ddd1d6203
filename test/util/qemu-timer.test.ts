import { describe, expect, it } from "vitest";
import { FakeHostClock, muldiv64 } from "../../src/util/clock.js";
import {
  QEMU_CLOCK_HOST,
  QEMU_CLOCK_REALTIME,
  QEMU_CLOCK_VIRTUAL,
  QEMU_CLOCK_VIRTUAL_RT,
  QemuClocks,
  timerDel,
  timerExpired,
  timerExpireTimeNs,
  timerlistRunTimers,
  timerMod,
  timerModAnticipateNs,
  timerModNs,
  timerNewMs,
  timerNewNs,
  timerPending,
} from "../../src/util/qemu-timer.js";

function make(icountShift?: number) {
  const host = new FakeHostClock(1_000_000, 1_700_000_000_000_000_000);
  const clocks = new QemuClocks(icountShift === undefined ? { host } : { host, icountShift });
  return { host, clocks };
}

describe("muldiv64", () => {
  it("is exact beyond 2^53", () => {
    expect(muldiv64(1000, 1193182, 1e9)).toBe(1);
    expect(muldiv64(1_700_000_000_123_456_789, 32768, 1e9)).toBe(Number((1_700_000_000_123_456_789n * 32768n) / 1_000_000_000n));
    expect(muldiv64(999_999_999, 3579545, 1e9)).toBe(3579544);
  });
});

describe("clocks", () => {
  it("virtual time starts at 0 and runs only while the machine runs", () => {
    const { host, clocks } = make();
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(0);
    host.advance(500);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(0);
    clocks.vmStart();
    host.advance(1000);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(1000);
    clocks.vmStop();
    host.advance(5000);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(1000);
    expect(clocks.vmRunning).toBe(false);
    clocks.vmStart();
    host.advance(1);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(1001);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL_RT)).toBe(1001);
  });

  it("realtime and host follow the host whatever the run state", () => {
    const { host, clocks } = make();
    const rt = clocks.getNs(QEMU_CLOCK_REALTIME);
    const wall = clocks.getNs(QEMU_CLOCK_HOST);
    // Wall nanoseconds since the epoch are doubles with 256 ns steps, hence the round numbers.
    host.advance(4096);
    expect(clocks.getNs(QEMU_CLOCK_REALTIME) - rt).toBe(4096);
    expect(clocks.getNs(QEMU_CLOCK_HOST) - wall).toBe(4096);
    expect(clocks.getMs(QEMU_CLOCK_HOST)).toBe(Math.floor(host.wall / 1e6));
  });

  it("under icount follows instructions << shift, plus warps", () => {
    const { host, clocks } = make(3);
    clocks.vmStart();
    host.advance(1e9);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(0);
    clocks.icountAdd(100);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(800);
    clocks.icountWarp(200);
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(1000);
    // VIRTUAL_RT stays real-time based.
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL_RT)).toBe(1e9);
  });

  it("a machine's clocks are installed before any device makes a timer on them", async () => {
    const { TypeRegistry } = await import("../../src/qom/type.js");
    const { qemuClocksOf, setQemuClocks } = await import("../../src/util/qemu-timer.js");
    const registry = new TypeRegistry();
    const mine = new QemuClocks({ host: new FakeHostClock() });
    setQemuClocks(registry, mine);
    expect(qemuClocksOf(registry)).toBe(mine);
    timerNewNs(mine, QEMU_CLOCK_VIRTUAL, () => {});
    expect(() => setQemuClocks(registry, new QemuClocks())).toThrow(/already have timers/);
    expect(qemuClocksOf(new TypeRegistry())).not.toBe(mine);
  });

  it("refuses a shift out of range", () => {
    expect(() => new QemuClocks({ icountShift: 11 })).toThrow(RangeError);
  });
});

describe("timers", () => {
  it("fire in expiry order once due, and not before", () => {
    const { host, clocks } = make();
    clocks.vmStart();
    const fired: string[] = [];
    const a = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => fired.push("a"));
    const b = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => fired.push("b"));
    const c = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => fired.push("c"));
    timerModNs(a, 300);
    timerModNs(b, 100);
    timerModNs(c, 200);
    expect(clocks.list(QEMU_CLOCK_VIRTUAL).active).toEqual([b, c, a]);
    expect(clocks.deadlineNs()).toBe(100);
    host.advance(99);
    expect(timerlistRunTimers(clocks.list(QEMU_CLOCK_VIRTUAL))).toBe(false);
    expect(clocks.deadlineNs()).toBe(1);
    host.advance(101);
    expect(clocks.runAllTimers()).toBe(true);
    expect(fired).toEqual(["b", "c"]);
    expect(timerPending(b)).toBe(false);
    expect(timerPending(a)).toBe(true);
    expect(timerExpireTimeNs(a)).toBe(300);
    expect(timerExpired(a, 299)).toBe(false);
    expect(timerExpired(a, 300)).toBe(true);
    timerDel(a);
    expect(clocks.deadlineNs()).toBe(-1);
    host.advance(1000);
    clocks.runAllTimers();
    expect(fired).toEqual(["b", "c"]);
  });

  it("use their scale, re-arm from callbacks, and anticipate only earlier", () => {
    const { host, clocks } = make();
    clocks.vmStart();
    let ticks = 0;
    const t = timerNewMs(clocks, QEMU_CLOCK_VIRTUAL, () => {
      ticks++;
      timerMod(t, clocks.getMs(QEMU_CLOCK_VIRTUAL) + 1);
    });
    timerMod(t, 1);
    expect(timerExpireTimeNs(t)).toBe(1e6);
    for (let i = 0; i < 10; i++) {
      host.advance(1e6);
      clocks.runAllTimers();
    }
    expect(ticks).toBe(10);
    timerModAnticipateNs(t, 100e6);
    expect(timerExpireTimeNs(t)).toBe(11e6);
    timerModAnticipateNs(t, 10.5e6);
    expect(timerExpireTimeNs(t)).toBe(10.5e6);
  });

  it("a callback arming a timer for the current time runs it in the same pass", () => {
    const { host, clocks } = make();
    clocks.vmStart();
    const order: number[] = [];
    const second = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => order.push(2));
    const first = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => {
      order.push(1);
      timerModNs(second, clocks.getNs(QEMU_CLOCK_VIRTUAL));
    });
    timerModNs(first, 10);
    host.advance(10);
    clocks.runAllTimers();
    expect(order).toEqual([1, 2]);
  });

  it("virtual timers wait while the machine is stopped; host timers do not", () => {
    const { host, clocks } = make();
    let v = 0;
    let h = 0;
    const tv = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => v++);
    const th = timerNewNs(clocks, QEMU_CLOCK_HOST, () => h++);
    timerModNs(tv, 0);
    timerModNs(th, clocks.getNs(QEMU_CLOCK_HOST) + 1024);
    expect(clocks.clockDeadlineNs(QEMU_CLOCK_VIRTUAL)).toBe(-1);
    expect(clocks.deadlineNs()).toBe(1024);
    host.advance(1024);
    clocks.runAllTimers();
    expect([v, h]).toEqual([0, 1]);
    clocks.vmStart();
    expect(clocks.deadlineNs()).toBe(0);
    clocks.runAllTimers();
    expect(v).toBe(1);
  });

  it("tell the run loop when the earliest deadline moved up", () => {
    const { clocks } = make();
    let kicks = 0;
    clocks.onDeadlineChanged = () => kicks++;
    const a = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => {});
    const b = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => {});
    timerModNs(a, 100);
    expect(kicks).toBe(1);
    timerModNs(b, 200);
    expect(kicks).toBe(1);
    timerModNs(b, 50);
    expect(kicks).toBe(2);
  });

  it("under icount bound the instruction budget by the next virtual deadline", () => {
    const { clocks } = make(2);
    clocks.vmStart();
    let fired = 0;
    const t = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => fired++);
    expect(clocks.icountBudget(10000)).toBe(10000);
    timerModNs(t, 4002);
    // The virtual deadline is not a host-time deadline under icount.
    expect(clocks.deadlineNs()).toBe(-1);
    expect(clocks.icountBudget(10000)).toBe(1001);
    clocks.icountAdd(1000);
    clocks.runAllTimers();
    expect(fired).toBe(0);
    expect(clocks.icountBudget(10000)).toBe(1);
    clocks.icountAdd(1);
    expect(clocks.icountBudget(10000)).toBe(0);
    clocks.runAllTimers();
    expect(fired).toBe(1);
    // Idle: warp straight to the next deadline.
    timerModNs(t, 1_000_000);
    clocks.icountWarp(clocks.clockDeadlineNs(QEMU_CLOCK_VIRTUAL));
    expect(clocks.getNs(QEMU_CLOCK_VIRTUAL)).toBe(1_000_000);
    clocks.runAllTimers();
    expect(fired).toBe(2);
  });
});
