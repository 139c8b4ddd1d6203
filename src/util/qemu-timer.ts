/**
 * Clocks and timers (QEMU 7.2's util/qemu-timer.c, include/qemu/timer.h, softmmu/cpu-timers.c
 * and softmmu/icount.c), one set per machine.
 *
 * - QEMU_CLOCK_REALTIME: host monotonic time; runs always.
 * - QEMU_CLOCK_VIRTUAL: guest time. Starts at 0, runs only between `vmStart` and `vmStop`.
 *   With `-icount shift=N` it is (instructions executed << N) plus the idle warps the run loop
 *   grants, so a run is reproducible.
 * - QEMU_CLOCK_HOST: host wall-clock time since the epoch (follows the host, also when paused).
 * - QEMU_CLOCK_VIRTUAL_RT: like VIRTUAL, but always real-time based, also under icount.
 *
 * Each clock has one timer list. Timers carry absolute expiry times on their clock; a list runs
 * (in expiry order) the timers that have expired when `timerlistRunTimers` reads the clock.
 * The run loop asks `deadlineNs` how long it may run or sleep before the next timer is due.
 *
 * How a machine's run loop drives this (one QemuClocks per machine, `qemuClocksOf(registry)`,
 * installed with `setQemuClocks` before the board is built when icount or a fake host is wanted):
 * - `cont` / start: `vmStart()`; `stop` / pause: `vmStop()` (virtual timers then neither advance
 *   nor run; host and realtime timers go on).
 * - Between slices: `runAllTimers()`, then check the CPUs' interrupt requests.
 * - Without icount, bound a slice by `deadlineNs()` (host nanoseconds until the soonest timer,
 *   -1 for none), and when every vCPU is halted sleep at most that long (or until a kick).
 * - With icount: run at most `icountBudget(max)` instructions, then `icountAdd(executed)`. When
 *   every vCPU is halted: with sleep=off `icountWarp(clockDeadlineNs(QEMU_CLOCK_VIRTUAL))`; with
 *   sleep=on sleep for that long in host time, then `icountWarp(slept)` (capped at the deadline).
 * - `onDeadlineChanged` fires when a timer became the soonest of its clock (a device armed it
 *   from an I/O access or another timer); the loop re-reads its deadline (kick the vCPU).
 */
import type { TypeRegistry } from "../qom/type.js";
import { SCALE_MS, SCALE_NS, SCALE_US, systemHostClock, type HostClockSource } from "./clock.js";

export const QEMU_CLOCK_REALTIME = 0;
export const QEMU_CLOCK_VIRTUAL = 1;
export const QEMU_CLOCK_HOST = 2;
export const QEMU_CLOCK_VIRTUAL_RT = 3;
export type QemuClockType = typeof QEMU_CLOCK_REALTIME | typeof QEMU_CLOCK_VIRTUAL | typeof QEMU_CLOCK_HOST | typeof QEMU_CLOCK_VIRTUAL_RT;
export const QEMU_CLOCK_MAX = 4;

export type QemuTimerCb = () => void;

/** A timer (QEMU's QEMUTimer). `expireTime` is in nanoseconds, -1 while not pending. */
export class QemuTimer {
  expireTime = -1;
  constructor(
    readonly timerList: QemuTimerList,
    /** Nanoseconds per unit of the times `timerMod` takes. */
    readonly scale: number,
    public cb: QemuTimerCb,
  ) {}
}

/** The timers of one clock, soonest first (QEMU's QEMUTimerList). */
export class QemuTimerList {
  readonly active: QemuTimer[] = [];
  constructor(
    readonly clocks: QemuClocks,
    readonly type: QemuClockType,
  ) {}

  /** Whether this clock's timers may run (QEMU's QEMUClock.enabled). */
  get enabled(): boolean {
    return this.clocks.clockEnabled(this.type);
  }

  now(): number {
    return this.clocks.getNs(this.type);
  }
}

/** Options for a machine's clocks. */
export interface QemuClocksOptions {
  /** The host time source; the process's own clocks when absent. */
  host?: HostClockSource;
  /** `-icount shift=N`: virtual time follows the instruction count. Absent: icount off. */
  icountShift?: number;
  /** `-icount sleep=on|off` (default on): whether idle vCPUs wait in host time before warping. */
  icountSleep?: boolean;
}

/**
 * One machine's clocks (QEMU keeps these in globals: qemu_clocks, timers_state). The vCPU loop
 * owns the run state and, under icount, reports the instructions it executed.
 */
export class QemuClocks {
  readonly host: HostClockSource;
  readonly icountShift: number | undefined;
  readonly icountSleep: boolean;
  private readonly lists: QemuTimerList[];
  private readonly enabled = [true, false, true, false];

  // Virtual time from the host clock (QEMU's cpu_clock_offset / cpu_ticks_enabled).
  private cpuClockOffset = 0;
  private ticksEnabled = false;

  /**
   * Instructions executed by the machine's vCPUs (QEMU's timers_state.qemu_icount); the run
   * loop adds to it after each slice (`icountAdd`).
   */
  icountExecuted = 0;
  /** Nanoseconds of virtual time granted while all vCPUs idled (QEMU's qemu_icount_bias). */
  icountBias = 0;
  /** Timers made on these clocks so far (a machine's clocks cannot be swapped once used). */
  timersCreated = 0;

  /**
   * Called when a timer became the earliest of its list, so the deadline the run loop computed
   * may be too late (QEMU's timerlist_notify / qemu_notify_event). The loop kicks its vCPU here.
   */
  onDeadlineChanged: (() => void) | undefined;

  constructor(opts: QemuClocksOptions = {}) {
    this.host = opts.host ?? systemHostClock;
    if (opts.icountShift !== undefined && (!Number.isInteger(opts.icountShift) || opts.icountShift < 0 || opts.icountShift > 10)) {
      throw new RangeError("icount shift must be an integer from 0 to 10");
    }
    this.icountShift = opts.icountShift;
    this.icountSleep = opts.icountSleep ?? true;
    this.lists = [0, 1, 2, 3].map((t) => new QemuTimerList(this, t as QemuClockType));
  }

  get icountEnabled(): boolean {
    return this.icountShift !== undefined;
  }

  /** QEMU's qemu_clock_get_ns. */
  getNs(type: QemuClockType): number {
    switch (type) {
      case QEMU_CLOCK_REALTIME:
        return this.host.monotonicNs();
      case QEMU_CLOCK_VIRTUAL:
        return this.icountShift !== undefined ? this.icountNs() : this.cpuClockNs();
      case QEMU_CLOCK_HOST:
        return this.host.wallNs();
      default:
        return this.cpuClockNs();
    }
  }

  getMs(type: QemuClockType): number {
    return Math.floor(this.getNs(type) / SCALE_MS);
  }

  getUs(type: QemuClockType): number {
    return Math.floor(this.getNs(type) / SCALE_US);
  }

  /** QEMU's cpu_get_clock: host monotonic time while the machine runs, frozen while it does not. */
  private cpuClockNs(): number {
    return this.ticksEnabled ? this.cpuClockOffset + this.host.monotonicNs() : this.cpuClockOffset;
  }

  /** QEMU's icount_get_raw: executed instructions scaled, plus the idle warps. */
  private icountNs(): number {
    return this.icountBias + this.icountExecuted * 2 ** this.icountShift!;
  }

  /** The timer list of a clock (QEMU's main_loop_tlg.tl[type]). */
  list(type: QemuClockType): QemuTimerList {
    return this.lists[type]!;
  }

  clockEnabled(type: QemuClockType): boolean {
    return this.enabled[type]!;
  }

  /** QEMU's qemu_clock_enable. */
  clockEnable(type: QemuClockType, enabled: boolean): void {
    const was = this.enabled[type]!;
    this.enabled[type] = enabled;
    if (enabled && !was) this.onDeadlineChanged?.();
  }

  // ---- run state (QEMU's cpu_enable_ticks / cpu_disable_ticks, resume/pause_all_vcpus) --------

  get vmRunning(): boolean {
    return this.ticksEnabled;
  }

  /** The machine starts or resumes: virtual time runs on from where it stopped. */
  vmStart(): void {
    if (!this.ticksEnabled) {
      this.cpuClockOffset -= this.host.monotonicNs();
      this.ticksEnabled = true;
    }
    this.clockEnable(QEMU_CLOCK_VIRTUAL, true);
    this.clockEnable(QEMU_CLOCK_VIRTUAL_RT, true);
  }

  /** The machine pauses: virtual time stops and its timers do not run. */
  vmStop(): void {
    if (this.ticksEnabled) {
      this.cpuClockOffset += this.host.monotonicNs();
      this.ticksEnabled = false;
    }
    this.clockEnable(QEMU_CLOCK_VIRTUAL, false);
    this.clockEnable(QEMU_CLOCK_VIRTUAL_RT, false);
  }

  // ---- icount ----------------------------------------------------------------------------------

  /** The run loop reports `n` more instructions executed. */
  icountAdd(n: number): void {
    this.icountExecuted += n;
  }

  /**
   * How many instructions the vCPUs may run before the next virtual timer is due (QEMU's
   * icount_get_limit), at most `max`; at least 1 unless a timer is already due (0).
   */
  icountBudget(max: number): number {
    const deadline = this.clockDeadlineNs(QEMU_CLOCK_VIRTUAL);
    if (deadline < 0) return max;
    const n = Math.ceil(deadline / 2 ** (this.icountShift ?? 0));
    return Math.min(max, n);
  }

  /**
   * All vCPUs idle under icount: move virtual time forward by `ns` without instructions
   * (QEMU's icount warp). With sleep=off the loop passes the virtual deadline; with sleep=on, the
   * real time it slept, capped at that deadline.
   */
  icountWarp(ns: number): void {
    if (ns > 0) this.icountBias += ns;
  }

  // ---- deadlines and running timers ------------------------------------------------------------

  /**
   * Nanoseconds until the first timer of `type` expires (0 if already due), -1 if none or the
   * clock is stopped (QEMU's qemu_clock_deadline_ns_all for one clock).
   */
  clockDeadlineNs(type: QemuClockType): number {
    const list = this.lists[type]!;
    if (!this.enabled[type] || list.active.length === 0) return -1;
    const delta = list.active[0]!.expireTime - this.getNs(type);
    return delta <= 0 ? 0 : delta;
  }

  /**
   * Nanoseconds until any timer is due, -1 if none (QEMU's timerlistgroup_deadline_ns). Under
   * icount the virtual clock does not follow host time, so it is left out: the loop bounds its
   * instruction budget with `icountBudget` instead, and warps while idle.
   */
  deadlineNs(): number {
    let best = -1;
    for (let t = 0; t < QEMU_CLOCK_MAX; t++) {
      if (t === QEMU_CLOCK_VIRTUAL && this.icountEnabled) continue;
      const d = this.clockDeadlineNs(t as QemuClockType);
      if (d >= 0 && (best < 0 || d < best)) best = d;
    }
    return best;
  }

  /** Runs the expired timers of every clock (QEMU's qemu_clock_run_all_timers). */
  runAllTimers(): boolean {
    let progress = false;
    for (const list of this.lists) progress = timerlistRunTimers(list) || progress;
    return progress;
  }
}

// ---- timers ----------------------------------------------------------------------------------------

/** QEMU's timer_new_full: a timer on `type` of `clocks`, in units of `scale` nanoseconds. */
export function timerNew(clocks: QemuClocks, type: QemuClockType, cb: QemuTimerCb, scale = SCALE_NS): QemuTimer {
  clocks.timersCreated++;
  return new QemuTimer(clocks.list(type), scale, cb);
}

export function timerNewNs(clocks: QemuClocks, type: QemuClockType, cb: QemuTimerCb): QemuTimer {
  return timerNew(clocks, type, cb, SCALE_NS);
}

export function timerNewUs(clocks: QemuClocks, type: QemuClockType, cb: QemuTimerCb): QemuTimer {
  return timerNew(clocks, type, cb, SCALE_US);
}

export function timerNewMs(clocks: QemuClocks, type: QemuClockType, cb: QemuTimerCb): QemuTimer {
  return timerNew(clocks, type, cb, SCALE_MS);
}

function timerDelLocked(t: QemuTimer): void {
  t.expireTime = -1;
  const active = t.timerList.active;
  const i = active.indexOf(t);
  if (i >= 0) active.splice(i, 1);
}

/** Inserts `t` in expiry order (after timers expiring at the same time); true if it is first. */
function timerModLocked(t: QemuTimer, expireNs: number): boolean {
  const active = t.timerList.active;
  t.expireTime = Math.max(expireNs, 0);
  let i = 0;
  while (i < active.length && active[i]!.expireTime <= t.expireTime) i++;
  active.splice(i, 0, t);
  return i === 0;
}

/** QEMU's timer_del: the timer will not fire (until modified again). */
export function timerDel(t: QemuTimer): void {
  timerDelLocked(t);
}

/** QEMU's timer_mod_ns: fire at `expireNs` on the timer's clock. */
export function timerModNs(t: QemuTimer, expireNs: number): void {
  timerDelLocked(t);
  if (timerModLocked(t, expireNs)) t.timerList.clocks.onDeadlineChanged?.();
}

/** QEMU's timer_mod: fire at `expire`, in the timer's scale. */
export function timerMod(t: QemuTimer, expire: number): void {
  timerModNs(t, expire * t.scale);
}

/** QEMU's timer_mod_anticipate_ns: like timerModNs, but never makes a pending timer later. */
export function timerModAnticipateNs(t: QemuTimer, expireNs: number): void {
  if (t.expireTime !== -1 && t.expireTime <= expireNs) return;
  timerModNs(t, expireNs);
}

export function timerModAnticipate(t: QemuTimer, expire: number): void {
  timerModAnticipateNs(t, expire * t.scale);
}

/** QEMU's timer_pending. */
export function timerPending(t: QemuTimer): boolean {
  return t.expireTime !== -1;
}

/** QEMU's timer_expired: pending and due at `currentTime` (in the timer's scale). */
export function timerExpired(t: QemuTimer, currentTime: number): boolean {
  return t.expireTime !== -1 && t.expireTime <= currentTime * t.scale;
}

/** QEMU's timer_expire_time_ns: the expiry time, -1 if not pending. */
export function timerExpireTimeNs(t: QemuTimer): number {
  return t.expireTime;
}

/**
 * QEMU's timerlist_run_timers: reads the clock once, then fires, soonest first, every timer
 * that expired by then (timers the callbacks arm for no later than that time fire too).
 * Returns whether any fired. A stopped clock's timers do not run.
 */
export function timerlistRunTimers(list: QemuTimerList): boolean {
  if (!list.enabled || list.active.length === 0) return false;
  const now = list.now();
  let progress = false;
  for (;;) {
    const t = list.active[0];
    if (t === undefined || t.expireTime > now) break;
    list.active.shift();
    t.expireTime = -1;
    t.cb();
    progress = true;
  }
  return progress;
}

// ---- the machine's clocks ----------------------------------------------------------------------

const machineClocks = new WeakMap<TypeRegistry, QemuClocks>();

/**
 * The clocks of the machine built in `registry` (one per machine worker). Created with the host's
 * clocks on first use unless `setQemuClocks` installed others first.
 */
export function qemuClocksOf(registry: TypeRegistry): QemuClocks {
  let c = machineClocks.get(registry);
  if (!c) machineClocks.set(registry, (c = new QemuClocks()));
  return c;
}

/** Installs a machine's clocks (icount, a fake host clock in tests) before its devices exist. */
export function setQemuClocks(registry: TypeRegistry, clocks: QemuClocks): void {
  const current = machineClocks.get(registry);
  if (current && current !== clocks && current.timersCreated > 0) {
    throw new Error("setQemuClocks: devices of this machine already have timers on its clocks");
  }
  machineClocks.set(registry, clocks);
}

