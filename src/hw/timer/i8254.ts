/**
 * The emulated Intel 8254 timer (QEMU 7.2's hw/timer/i8254.c, type `isa-pit`) and the board
 * helper `i8254PitInit`.
 *
 * Ports: 0x40-0x42 the three counters, 0x43 the control word (counter latch, mode/access
 * setting, read-back). Counting is computed from the virtual clock rather than stepped: a
 * channel remembers when its count was loaded, and reads derive the current count from that.
 * Channel 0 drives an interrupt line through a timer at each output transition. Its one GPIO
 * input is the HPET's "PIT enabled" line: low while the HPET's legacy mode owns IRQ 0.
 */
import { setIrq, type IrqState } from "../core/irq.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { ioRegionNew, isaGetIrq, isaNew, isaRealizeAndUnref, type IsaBus } from "../isa/isa-bus.js";
import type { TypeInfo } from "../../qom/type.js";
import { muldiv64, NANOSECONDS_PER_SECOND } from "../../util/clock.js";
import { QEMU_CLOCK_VIRTUAL, timerDel, timerMod, timerNewNs } from "../../util/qemu-timer.js";
import {
  PIT_FREQ,
  pitCommonRealize,
  PitCommonState,
  pitGetNextTransitionTime,
  pitGetOut,
  pitResetCommon,
  TYPE_PIT_COMMON,
  type PitChannel,
  type PitCommonClass,
} from "./i8254-common.js";

export const TYPE_I8254 = "isa-pit";

/** Access modes (RW_STATE_LSB = 1 is the default branch below). */
const RW_STATE_MSB = 2;
const RW_STATE_WORD0 = 3;
const RW_STATE_WORD1 = 4;

export class PitState extends PitCommonState {}

/** QEMU's pit_get_count: the counter's current value. */
function pitGetCount(s: PitCommonState, c: PitChannel): number {
  const d = muldiv64(Math.max(s.now() - c.countLoadTime, 0), PIT_FREQ, NANOSECONDS_PER_SECOND);
  switch (c.mode) {
    case 0:
    case 1:
    case 4:
    case 5:
      return (c.count - d) & 0xffff;
    case 3:
      // Square wave mode counts down by two (QEMU's approximation, odd counts included).
      return c.count - ((2 * d) % c.count);
    default:
      return c.count - (d % c.count);
  }
}

/** QEMU's pit_irq_timer_update: drive channel 0's line and arm the next transition. */
function pitIrqTimerUpdate(c: PitChannel, time: number): void {
  if (!c.irqTimer || c.irqDisabled) return;
  const expire = pitGetNextTransitionTime(c, time);
  setIrq(c.irq(), pitGetOut(c, time));
  c.nextTransitionTime = expire;
  if (expire !== -1) timerMod(c.irqTimer, expire);
  else timerDel(c.irqTimer);
}

/** QEMU's pit_set_channel_gate: a rising gate restarts modes 1, 2, 3 and 5. */
function pitSetChannelGate(s: PitCommonState, c: PitChannel, val: number): void {
  switch (c.mode) {
    case 1:
    case 2:
    case 3:
    case 5:
      if (c.gate < val) {
        c.countLoadTime = s.now();
        pitIrqTimerUpdate(c, c.countLoadTime);
      }
      break;
    default:
      // Modes 0 and 4: QEMU keeps counting whatever the gate does.
      break;
  }
  c.gate = val;
}

function pitLoadCount(s: PitCommonState, c: PitChannel, val: number): void {
  c.countLoadTime = s.now();
  c.count = val === 0 ? 0x10000 : val;
  pitIrqTimerUpdate(c, c.countLoadTime);
}

/** A counter latch command; a count already latched and not yet read is kept. */
function pitLatchCount(s: PitCommonState, c: PitChannel): void {
  if (!c.countLatched) {
    c.latchedCount = pitGetCount(s, c) & 0xffff;
    c.countLatched = c.rwMode;
  }
}

function pitIoportWrite(s: PitCommonState, addr: number, val: number): void {
  addr &= 3;
  if (addr === 3) {
    const channel = val >> 6;
    if (channel === 3) {
      // Read-back: bit 5 clear latches counts, bit 4 clear latches status, bits 1-3 select.
      for (let i = 0; i < 3; i++) {
        if ((val & (2 << i)) === 0) continue;
        const c = s.channels[i]!;
        if (!(val & 0x20)) pitLatchCount(s, c);
        if (!(val & 0x10) && !c.statusLatched) {
          c.status = (pitGetOut(c, s.now()) << 7) | (c.rwMode << 4) | (c.mode << 1) | c.bcd;
          c.statusLatched = true;
        }
      }
      return;
    }
    const c = s.channels[channel]!;
    const access = (val >> 4) & 3;
    if (access === 0) {
      pitLatchCount(s, c);
    } else {
      c.rwMode = access;
      c.readState = access;
      c.writeState = access;
      c.mode = (val >> 1) & 7;
      c.bcd = val & 1;
      // As in QEMU, the output keeps its old course until a count is written.
    }
    return;
  }
  const c = s.channels[addr]!;
  switch (c.writeState) {
    case RW_STATE_MSB:
      pitLoadCount(s, c, val << 8);
      break;
    case RW_STATE_WORD0:
      c.writeLatch = val;
      c.writeState = RW_STATE_WORD1;
      break;
    case RW_STATE_WORD1:
      pitLoadCount(s, c, c.writeLatch | (val << 8));
      c.writeState = RW_STATE_WORD0;
      break;
    default:
      pitLoadCount(s, c, val);
      break;
  }
}

function pitIoportRead(s: PitCommonState, addr: number): number {
  addr &= 3;
  // The control word register cannot be read.
  if (addr === 3) return 0;
  const c = s.channels[addr]!;
  if (c.statusLatched) {
    c.statusLatched = false;
    return c.status;
  }
  if (c.countLatched) {
    switch (c.countLatched) {
      case RW_STATE_MSB:
        c.countLatched = 0;
        return c.latchedCount >> 8;
      case RW_STATE_WORD0:
        c.countLatched = RW_STATE_MSB;
        return c.latchedCount & 0xff;
      default:
        c.countLatched = 0;
        return c.latchedCount & 0xff;
    }
  }
  switch (c.readState) {
    case RW_STATE_MSB:
      return (pitGetCount(s, c) >> 8) & 0xff;
    case RW_STATE_WORD0:
      c.readState = RW_STATE_WORD1;
      return pitGetCount(s, c) & 0xff;
    case RW_STATE_WORD1:
      c.readState = RW_STATE_WORD0;
      return (pitGetCount(s, c) >> 8) & 0xff;
    default:
      return pitGetCount(s, c) & 0xff;
  }
}

/** QEMU's pit_irq_control: the HPET takes channel 0's interrupt away (0) or gives it back (1). */
function pitIrqControl(s: PitState, enable: number): void {
  const c = s.channels[0]!;
  if (enable) {
    c.irqDisabled = false;
    pitIrqTimerUpdate(c, s.now());
  } else {
    c.irqDisabled = true;
    if (c.irqTimer) timerDel(c.irqTimer);
  }
}

function pitRealize(s: PitState): void {
  const c = s.channels[0]!;
  c.irqTimer = timerNewNs(s.clocks, QEMU_CLOCK_VIRTUAL, () => pitIrqTimerUpdate(c, c.nextTransitionTime));
  s.initGpioOut(1);
  c.irq = () => s.gpioOut(0);
  s.ioports = ioRegionNew(s, "pit", 4, {
    read: (addr) => pitIoportRead(s, addr),
    write: (addr, val) => pitIoportWrite(s, addr, val),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  s.initGpioIn((_n, level) => pitIrqControl(s, level), 1);
  pitCommonRealize(s);
}

function pitReset(s: PitState): void {
  pitResetCommon(s);
  const c = s.channels[0]!;
  // The output starts at its reset course; its first transition is already computed.
  if (!c.irqDisabled && c.irqTimer) timerMod(c.irqTimer, c.nextTransitionTime);
}

/**
 * QEMU's i8254_pit_init: an `isa-pit` at `base`, its output on ISA line `isaIrq`, or on
 * `altIrq` when `isaIrq` is negative (the HPET's legacy input).
 */
export function i8254PitInit(bus: IsaBus, base: number, isaIrq: number, altIrq: IrqState | undefined): PitState {
  const dev = isaNew<PitState>(bus.registry, TYPE_I8254);
  dev.setPropertyJson("iobase", base);
  isaRealizeAndUnref(dev, bus);
  dev.connectGpioOut(0, isaIrq >= 0 ? isaGetIrq(dev, isaIrq) : altIrq);
  return dev;
}

export const i8254TypeInfo: TypeInfo<PitState, PitCommonClass> = {
  name: TYPE_I8254,
  parent: TYPE_PIT_COMMON,
  instance: PitState,
  classInit: (k) => {
    k.realize = (d) => pitRealize(d as PitState);
    k.reset = (d) => pitReset(d as PitState);
    k.setChannelGate = pitSetChannelGate;
    deviceClassSetProps(k, [defineProp("iobase", "iobase", propKinds.uint32, 0xffffffff)]);
  },
};
