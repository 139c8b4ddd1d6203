/**
 * Where time comes from (QEMU's get_clock / get_clock_realtime in include/qemu/timer.h) and the
 * integer arithmetic timer code needs (muldiv64 from include/qemu/host-utils.h).
 *
 * Times are nanoseconds held in JS numbers. Monotonic and virtual times stay far below 2^53
 * (104 days), so they are exact; wall-clock nanoseconds since the epoch (~1.7e18) are not, and
 * carry about 256 ns of rounding, which only the RTC's host-clock mode ever sees.
 */

export const NANOSECONDS_PER_SECOND = 1_000_000_000;
/** Timer scales (QEMU's SCALE_NS / SCALE_US / SCALE_MS): nanoseconds per unit. */
export const SCALE_NS = 1;
export const SCALE_US = 1000;
export const SCALE_MS = 1_000_000;

/** The host's clocks, injectable so tests (and record/replay) can drive time by hand. */
export interface HostClockSource {
  /** A monotonic nanosecond count with an arbitrary origin (QEMU's get_clock). */
  monotonicNs(): number;
  /** Wall-clock nanoseconds since the Unix epoch, UTC (QEMU's get_clock_realtime). */
  wallNs(): number;
}

/** The real host clocks of this process. */
export const systemHostClock: HostClockSource = {
  monotonicNs: () => Number(process.hrtime.bigint()),
  wallNs: () => Math.round((performance.timeOrigin + performance.now()) * 1e6),
};

/** A host clock that only moves when told to. */
export class FakeHostClock implements HostClockSource {
  constructor(
    public mono = 0,
    /** Wall time at mono = 0 plus whatever `advance` added; 2020-01-01T00:00:00Z unless given. */
    public wall = Date.UTC(2020, 0, 1) * 1e6,
  ) {}

  monotonicNs(): number {
    return this.mono;
  }

  wallNs(): number {
    return this.wall;
  }

  /** Moves both clocks forward by `ns`. */
  advance(ns: number): void {
    this.mono += ns;
    this.wall += ns;
  }
}

const TWO_53 = 2 ** 53;

/**
 * QEMU's muldiv64: floor(a * b / c) for non-negative integers, exact even when the product
 * leaves the range of exactly representable integers (then it goes through BigInt).
 */
export function muldiv64(a: number, b: number, c: number): number {
  const p = a * b;
  if (p < TWO_53) return Math.floor(p / c);
  return Number((BigInt(a) * BigInt(b)) / BigInt(c));
}
