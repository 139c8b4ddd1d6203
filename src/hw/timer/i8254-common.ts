/**
 * What every 8254 model shares (QEMU 7.2's hw/timer/i8254_common.c, type `pit-common`): three
 * counter channels, the output and next-transition arithmetic on the virtual clock, and the I/O
 * window registered at realize.
 */
import type { DeviceClass, DeviceState } from "../core/qdev.js";
import type { IrqState } from "../core/irq.js";
import { IsaDevice, isaRegisterIoport, TYPE_ISA_DEVICE, type IoRegion } from "../isa/isa-bus.js";
import type { TypeInfo } from "../../qom/type.js";
import { muldiv64, NANOSECONDS_PER_SECOND } from "../../util/clock.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf, type QemuClocks, type QemuTimer } from "../../util/qemu-timer.js";

export const TYPE_PIT_COMMON = "pit-common";
/** The input clock of the PC's 8254, in Hz. */
export const PIT_FREQ = 1193182;

/** One counter (QEMU's PITChannelState). Times are virtual-clock nanoseconds. */
export class PitChannel {
  /**
   * The initial count; 0 as written means 0x10000. Zero until the first reset, as QEMU's zeroed
   * PITChannelState: the HPET resets first and enables the PIT's output, which in mode 0 with
   * count 0 is high, so IRQ 0 rises once at power-on (`info irq` counts it).
   */
  count = 0;
  latchedCount = 0;
  /** Which bytes of a latched count remain to be read (an RW_STATE value), 0 if none. */
  countLatched = 0;
  statusLatched = false;
  status = 0;
  readState = 0;
  writeState = 0;
  writeLatch = 0;
  rwMode = 0;
  mode = 0;
  /** Stored and reported by read-back; QEMU counts in binary whatever this says. */
  bcd = 0;
  /** Channel 0 and 1 gates are tied high; channel 2's is port 0x61 bit 0. */
  gate = 0;
  countLoadTime = 0;
  nextTransitionTime = 0;
  /** Channel 0 only: the timer that moves its output, and the line it drives. */
  irqTimer: QemuTimer | undefined;
  /** The line OUT drives (the device's GPIO output 0, looked up when used). */
  irq: () => IrqState | undefined = () => undefined;
  /** Whether channel 0's output is cut from its IRQ (the HPET's legacy mode). */
  irqDisabled = false;
}

/** What `pitGetChannelInfo` reports (QEMU's PITChannelInfo). */
export interface PitChannelInfo {
  gate: number;
  mode: number;
  initialCount: number;
  out: number;
}

export interface PitCommonClass extends DeviceClass {
  /** QEMU's PITCommonClass.set_channel_gate. */
  setChannelGate?: (s: PitCommonState, channel: PitChannel, gate: number) => void;
}

export class PitCommonState extends IsaDevice {
  iobase = 0xffffffff;
  readonly channels = [new PitChannel(), new PitChannel(), new PitChannel()];
  /** The `pit` window (4 ports), created by the model's realize. */
  ioports: IoRegion | undefined;

  get clocks(): QemuClocks {
    return qemuClocksOf(this.registry);
  }

  /** Virtual time now. */
  now(): number {
    return this.clocks.getNs(QEMU_CLOCK_VIRTUAL);
  }
}

/** Input clock ticks between the channel's load and `time`. */
function ticksSinceLoad(c: PitChannel, time: number): number {
  return muldiv64(Math.max(time - c.countLoadTime, 0), PIT_FREQ, NANOSECONDS_PER_SECOND);
}

/** QEMU's pit_get_out: the channel's OUT pin at `time`. */
export function pitGetOut(c: PitChannel, time: number): number {
  const d = ticksSinceLoad(c, time);
  switch (c.mode) {
    case 1:
      return d < c.count ? 1 : 0;
    case 2:
      return d % c.count === 0 && d !== 0 ? 1 : 0;
    case 3:
      return d % c.count < (c.count + 1) >> 1 ? 1 : 0;
    case 4:
    case 5:
      return d === c.count ? 1 : 0;
    default:
      // Mode 0, and 6 and 7 as QEMU treats them.
      return d >= c.count ? 1 : 0;
  }
}

/** QEMU's pit_get_next_transition_time: when OUT next changes after `time`, -1 if never. */
export function pitGetNextTransitionTime(c: PitChannel, time: number): number {
  const d = ticksSinceLoad(c, time);
  let next: number;
  switch (c.mode) {
    case 2: {
      const base = d - (d % c.count);
      next = d - base === 0 && d !== 0 ? base + c.count : base + c.count + 1;
      break;
    }
    case 3: {
      const base = d - (d % c.count);
      const half = (c.count + 1) >> 1;
      next = d - base < half ? base + half : base + c.count;
      break;
    }
    case 4:
    case 5:
      if (d < c.count) next = c.count;
      else if (d === c.count) next = c.count + 1;
      else return -1;
      break;
    default:
      // Modes 0 and 1 (and 6, 7): one transition, at the terminal count.
      if (d < c.count) next = c.count;
      else return -1;
      break;
  }
  let t = c.countLoadTime + muldiv64(next, NANOSECONDS_PER_SECOND, PIT_FREQ);
  // Rounding can land on or before `time`; the transition is always in the future.
  if (t <= time) t = time + 1;
  return t;
}

/** QEMU's pit_get_channel_info_common. */
export function pitGetChannelInfo(s: PitCommonState, channel: number): PitChannelInfo {
  const c = s.channels[channel]!;
  return { gate: c.gate, mode: c.mode, initialCount: c.count, out: pitGetOut(c, s.now()) };
}

/** QEMU's pit_set_gate: drive a channel's GATE input (0 or 1) through the model. */
export function pitSetGate(s: PitCommonState, channel: number, gate: number): void {
  s.classAs<PitCommonClass>(TYPE_PIT_COMMON).setChannelGate?.(s, s.channels[channel]!, gate);
}

/** QEMU's pit_reset_common: every channel in mode 3 with a full count; only channel 2's gate is low. */
export function pitResetCommon(s: PitCommonState): void {
  const now = s.now();
  s.channels.forEach((c, i) => {
    c.mode = 3;
    c.gate = i !== 2 ? 1 : 0;
    c.countLoadTime = now;
    c.count = 0x10000;
    if (i === 0 && !c.irqDisabled) c.nextTransitionTime = pitGetNextTransitionTime(c, now);
  });
}

export function pitCommonRealize(dev: DeviceState): void {
  const s = dev as PitCommonState;
  if (s.ioports) isaRegisterIoport(s, s.ioports, s.iobase);
}

export const pitCommonTypeInfo: TypeInfo<PitCommonState, PitCommonClass> = {
  name: TYPE_PIT_COMMON,
  parent: TYPE_ISA_DEVICE,
  abstract: true,
  instance: PitCommonState,
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = pitCommonRealize;
  },
};
