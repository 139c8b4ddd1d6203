/**
 * The High Precision Event Timer (QEMU 7.2's hw/timer/hpet.c, type `hpet`): a system bus
 * device with a 1 KiB register window at 0xfed00000, 32 interrupt routes (`sysbus-irq`), two
 * legacy inputs (the PIT's and the RTC's interrupts, which it replaces in legacy mode) and one
 * output that tells the PIT whether it still owns IRQ 0.
 *
 * The main counter runs at 100 MHz on the virtual clock while enabled: it is kept as an offset
 * from virtual time. Each comparator has a virtual-clock timer armed for its next match; a
 * match raises (level) or pulses (edge) its route, or writes its FSB message. Registers are
 * 64-bit, read and written 32 bits at a time; arithmetic is modulo 2^64 as on the chip.
 */
import { addressSpaceMemory, getSystemMemory, memoryRegionAddSubregion, type MemoryRegion } from "../../exec/memory.js";
import { QomError } from "../../qom/error.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { lowerIrq, pulseIrq, raiseIrq, setIrq } from "../core/irq.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds, type PropertyKind } from "../core/qdev-properties.js";
import { sysbusGetIrq, SysBusDevice, sysbusInitIrq, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { ioRegionNew } from "../isa/isa-bus.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf, timerDel, timerModNs, timerNewNs, type QemuTimer } from "../../util/qemu-timer.js";

export const TYPE_HPET = "hpet";
export const HPET_BASE = 0xfed00000;
export const HPET_LEN = 0x400;
export const HPET_MIN_TIMERS = 3;
export const HPET_MAX_TIMERS = 32;
export const HPET_NUM_IRQ_ROUTES = 32;
/** Index of the legacy inputs (QEMU's HPET_LEGACY_PIT_INT / HPET_LEGACY_RTC_INT). */
export const HPET_LEGACY_PIT_INT = 0;
export const HPET_LEGACY_RTC_INT = 1;
/** The main counter's period in nanoseconds (100 MHz). */
export const HPET_CLK_PERIOD = 10;
const FS_PER_NS = 1000000;
const HPET_ID_NUM_TIM_SHIFT = 8;
const RTC_ISA_IRQ = 8;

// Register offsets.
export const HPET_ID = 0x000;
export const HPET_PERIOD = 0x004;
export const HPET_CFG = 0x010;
export const HPET_STATUS = 0x020;
export const HPET_COUNTER = 0x0f0;
export const HPET_TN_CFG = 0x000;
export const HPET_TN_CMP = 0x008;
export const HPET_TN_ROUTE = 0x010;

export const HPET_CFG_ENABLE = 0x001;
export const HPET_CFG_LEGACY = 0x002;
const HPET_CFG_WRITE_MASK = 0x3n;
export const HPET_TN_TYPE_LEVEL = 0x002;
export const HPET_TN_ENABLE = 0x004;
export const HPET_TN_PERIODIC = 0x008;
export const HPET_TN_PERIODIC_CAP = 0x010;
export const HPET_TN_SIZE_CAP = 0x020;
export const HPET_TN_SETVAL = 0x040;
export const HPET_TN_32BIT = 0x100;
const HPET_TN_INT_ROUTE_MASK = 0x3e00;
const HPET_TN_INT_ROUTE_SHIFT = 9;
export const HPET_TN_FSB_ENABLE = 0x4000;
export const HPET_TN_FSB_CAP = 0x8000;
const HPET_TN_CFG_WRITE_MASK = 0x7f4en;

const U64 = (1n << 64n) - 1n;
const U32 = 0xffffffffn;
const HI32 = U64 ^ U32;

export class HpetTimer {
  tn = 0;
  qemuTimer: QemuTimer | undefined;
  /** Configuration and capabilities (the upper half says which IOAPIC inputs it may use). */
  config = 0n;
  cmp = 0n;
  fsb = 0n;
  /** The last value written to the comparator in periodic mode. */
  period = 0n;
  /** A 32-bit one-shot armed for the counter's wrap first; the match comes next. */
  wrapFlag = 0;
  constructor(readonly state: HpetState) {}
}

export class HpetState extends SysBusDevice {
  numTimers = HPET_MIN_TIMERS;
  msi = false;
  intcap = 0;
  hpetOffsetSaved = true;
  /** Which of the machine's HPETs this is (QEMU's hpet_id; fw_cfg reports them). */
  hpetId = 0;
  capability = 0n;
  config = 0n;
  isr = 0n;
  /** The counter while halted; while running it is virtual time plus `hpetOffset`, in ticks. */
  hpetCounter = 0n;
  hpetOffset = 0n;
  /** The RTC's interrupt level, passed on when legacy mode ends. */
  rtcIrqLevel = 0;
  readonly timers: HpetTimer[] = Array.from({ length: HPET_MAX_TIMERS }, () => new HpetTimer(this));
  /** The 1 KiB register window (`hpet[0]`), made at creation. */
  iomem: MemoryRegion | undefined;
}

/** The board's sysbus_mmio_map of the register window (at HPET_BASE on the PC). */
export function hpetMmioMap(s: HpetState, base = HPET_BASE): void {
  if (s.iomem) memoryRegionAddSubregion(getSystemMemory(s.registry), base, s.iomem);
}

const inLegacyMode = (s: HpetState) => (s.config & BigInt(HPET_CFG_LEGACY)) !== 0n;
const hpetEnabled = (s: HpetState) => (s.config & BigInt(HPET_CFG_ENABLE)) !== 0n;
const timerIsPeriodic = (t: HpetTimer) => (t.config & BigInt(HPET_TN_PERIODIC)) !== 0n;
const timerEnabled = (t: HpetTimer) => (t.config & BigInt(HPET_TN_ENABLE)) !== 0n;
const timerFsbRoute = (t: HpetTimer) => (t.config & BigInt(HPET_TN_FSB_ENABLE)) !== 0n;
const timerIs32 = (t: HpetTimer) => (t.config & BigInt(HPET_TN_32BIT)) !== 0n;
const timerIntRoute = (t: HpetTimer) => Number((t.config & BigInt(HPET_TN_INT_ROUTE_MASK)) >> BigInt(HPET_TN_INT_ROUTE_SHIFT));

function virtualNow(s: HpetState): bigint {
  return BigInt(qemuClocksOf(s.registry).getNs(QEMU_CLOCK_VIRTUAL));
}

/** The running main counter: (virtual time + offset) / 10 ns, modulo 2^64. */
function hpetGetTicks(s: HpetState): bigint {
  return ((virtualNow(s) + s.hpetOffset) & U64) / BigInt(HPET_CLK_PERIOD);
}

/** Ticks from `current` to the comparator; 1 if it is not ahead (QEMU's hpet_calculate_diff). */
function hpetCalculateDiff(t: HpetTimer, current: bigint): bigint {
  if (timerIs32(t)) {
    const diff = ((t.cmp & U32) - (current & U32)) & U32;
    return BigInt.asIntN(32, diff) > 0n ? diff : 1n;
  }
  const diff = (t.cmp - current) & U64;
  return BigInt.asIntN(64, diff) > 0n ? diff : 1n;
}

/** Arms the timer `diff` ticks from now (the nanosecond product wraps as a signed 64-bit value). */
function armIn(t: HpetTimer, diff: bigint): void {
  const delta = BigInt.asIntN(64, diff * BigInt(HPET_CLK_PERIOD));
  timerModNs(t.qemuTimer!, Number(virtualNow(t.state) + delta));
}

function updateIrq(t: HpetTimer, set: boolean): void {
  const s = t.state;
  // In legacy mode timer 0 drives IRQ 0 and timer 1 the RTC's IRQ 8.
  const route = t.tn <= 1 && inLegacyMode(s) ? (t.tn === 0 ? 0 : RTC_ISA_IRQ) : timerIntRoute(t);
  const mask = 1n << BigInt(t.tn);
  const irq = sysbusGetIrq(s, route);
  if (!set || !timerEnabled(t) || !hpetEnabled(s)) {
    s.isr &= ~mask;
    if (!timerFsbRoute(t)) lowerIrq(irq);
  } else if (timerFsbRoute(t)) {
    // The FSB message: data in the low half of the route register, address in the high half.
    addressSpaceMemory(s.registry).write(Number(t.fsb >> 32n), Number(t.fsb & U32), 4);
  } else if (t.config & BigInt(HPET_TN_TYPE_LEVEL)) {
    s.isr |= mask;
    raiseIrq(irq);
  } else {
    s.isr &= ~mask;
    pulseIrq(irq);
  }
}

/** A comparator matched (QEMU's hpet_timer): re-arm periodic timers and signal. */
function hpetTimerExpired(t: HpetTimer): void {
  const curTick = hpetGetTicks(t.state);
  if (timerIsPeriodic(t) && t.period !== 0n) {
    if (timerIs32(t)) {
      while (BigInt.asIntN(32, (t.cmp - curTick) & U32) < 0n) t.cmp = (t.cmp + t.period) & U32;
    } else {
      while (BigInt.asIntN(64, (t.cmp - curTick) & U64) < 0n) t.cmp = (t.cmp + t.period) & U64;
    }
    armIn(t, hpetCalculateDiff(t, curTick));
  } else if (timerIs32(t) && !timerIsPeriodic(t) && t.wrapFlag) {
    armIn(t, hpetCalculateDiff(t, curTick));
    t.wrapFlag = 0;
  }
  updateIrq(t, true);
}

function hpetSetTimer(t: HpetTimer): void {
  const curTick = hpetGetTicks(t.state);
  t.wrapFlag = 0;
  let diff = hpetCalculateDiff(t, curTick);
  // A 32-bit one-shot also interrupts when the counter wraps, before the match.
  if (timerIs32(t) && !timerIsPeriodic(t)) {
    const wrapDiff = U32 - (curTick & U32);
    if (wrapDiff < (diff & U32)) {
      diff = wrapDiff;
      t.wrapFlag = 1;
    }
  }
  armIn(t, diff);
}

function hpetDelTimer(t: HpetTimer): void {
  if (t.qemuTimer) timerDel(t.qemuTimer);
  updateIrq(t, false);
}

/** A register, 64 bits wide; the memory API keeps the 32 bits of the access. */
function hpetRamRead(s: HpetState, addr: number): bigint {
  if (addr >= 0x100 && addr <= 0x3ff) {
    const timerId = Math.floor((addr - 0x100) / 0x20);
    // QEMU lets the timer just past the last answer too.
    if (timerId > s.numTimers) return 0n;
    const t = s.timers[timerId]!;
    switch ((addr - 0x100) % 0x20) {
      case HPET_TN_CFG:
        return t.config;
      case HPET_TN_CFG + 4:
        return t.config >> 32n;
      case HPET_TN_CMP:
        return t.cmp;
      case HPET_TN_CMP + 4:
        return t.cmp >> 32n;
      case HPET_TN_ROUTE:
        return t.fsb;
      case HPET_TN_ROUTE + 4:
        return t.fsb >> 32n;
      default:
        return 0n;
    }
  }
  switch (addr) {
    case HPET_ID:
      return s.capability;
    case HPET_PERIOD:
      return s.capability >> 32n;
    case HPET_CFG:
      return s.config;
    case HPET_COUNTER:
      return hpetEnabled(s) ? hpetGetTicks(s) : s.hpetCounter;
    case HPET_COUNTER + 4:
      return (hpetEnabled(s) ? hpetGetTicks(s) : s.hpetCounter) >> 32n;
    case HPET_STATUS:
      return s.isr;
    default:
      return 0n;
  }
}

const activating = (oldV: bigint, newV: bigint, mask: number) => (oldV & BigInt(mask)) === 0n && (newV & BigInt(mask)) !== 0n;
const deactivating = (oldV: bigint, newV: bigint, mask: number) => (oldV & BigInt(mask)) !== 0n && (newV & BigInt(mask)) === 0n;
const fixupReg = (newV: bigint, oldV: bigint, mask: bigint) => (newV & mask) | (oldV & ~mask & U64);

function hpetRamWrite(s: HpetState, addr: number, value: number): void {
  const oldVal = hpetRamRead(s, addr);
  let newVal = BigInt(value >>> 0);
  if (addr >= 0x100 && addr <= 0x3ff) {
    const timerId = Math.floor((addr - 0x100) / 0x20);
    if (timerId > s.numTimers) return;
    const t = s.timers[timerId]!;
    switch ((addr - 0x100) % 0x20) {
      case HPET_TN_CFG: {
        if (activating(oldVal, newVal, HPET_TN_FSB_ENABLE)) updateIrq(t, false);
        const val = fixupReg(newVal, oldVal, HPET_TN_CFG_WRITE_MASK);
        t.config = (t.config & HI32) | (val & U32);
        if (newVal & BigInt(HPET_TN_32BIT)) {
          t.cmp &= U32;
          t.period &= U32;
        }
        if (activating(oldVal, newVal, HPET_TN_ENABLE) && hpetEnabled(s)) hpetSetTimer(t);
        else if (deactivating(oldVal, newVal, HPET_TN_ENABLE)) hpetDelTimer(t);
        break;
      }
      case HPET_TN_CFG + 4:
        // The interrupt capabilities are read-only.
        break;
      case HPET_TN_CMP:
        if (timerIs32(t)) newVal &= U32;
        if (!timerIsPeriodic(t) || t.config & BigInt(HPET_TN_SETVAL)) t.cmp = (t.cmp & HI32) | newVal;
        if (timerIsPeriodic(t)) {
          newVal &= (timerIs32(t) ? U32 : U64) >> 1n;
          t.period = (t.period & HI32) | newVal;
        }
        t.config &= ~BigInt(HPET_TN_SETVAL);
        if (hpetEnabled(s)) hpetSetTimer(t);
        break;
      case HPET_TN_CMP + 4:
        if (!timerIsPeriodic(t) || t.config & BigInt(HPET_TN_SETVAL)) {
          t.cmp = (t.cmp & U32) | (newVal << 32n);
        } else {
          newVal &= (timerIs32(t) ? U32 : U64) >> 1n;
          t.period = (t.period & U32) | ((newVal << 32n) & U64);
        }
        t.config &= ~BigInt(HPET_TN_SETVAL);
        if (hpetEnabled(s)) hpetSetTimer(t);
        break;
      case HPET_TN_ROUTE:
        t.fsb = (t.fsb & HI32) | newVal;
        break;
      case HPET_TN_ROUTE + 4:
        t.fsb = (newVal << 32n) | (t.fsb & U32);
        break;
      default:
        break;
    }
    return;
  }
  switch (addr) {
    case HPET_CFG: {
      const val = fixupReg(newVal, oldVal, HPET_CFG_WRITE_MASK);
      s.config = (s.config & HI32) | (val & U32);
      if (activating(oldVal, newVal, HPET_CFG_ENABLE)) {
        // The counter starts from the value it holds.
        s.hpetOffset = (s.hpetCounter * BigInt(HPET_CLK_PERIOD) - virtualNow(s)) & U64;
        for (let i = 0; i < s.numTimers; i++) {
          if (s.timers[i]!.cmp !== U64) hpetSetTimer(s.timers[i]!);
        }
      } else if (deactivating(oldVal, newVal, HPET_CFG_ENABLE)) {
        s.hpetCounter = hpetGetTicks(s);
        for (let i = 0; i < s.numTimers; i++) hpetDelTimer(s.timers[i]!);
      }
      // In legacy mode the PIT's and the RTC's own outputs are cut off.
      if (activating(oldVal, newVal, HPET_CFG_LEGACY)) {
        setIrq(s.gpioOut(0), 0);
        lowerIrq(sysbusGetIrq(s, 0));
        lowerIrq(sysbusGetIrq(s, RTC_ISA_IRQ));
      } else if (deactivating(oldVal, newVal, HPET_CFG_LEGACY)) {
        lowerIrq(sysbusGetIrq(s, 0));
        setIrq(s.gpioOut(0), 1);
        setIrq(sysbusGetIrq(s, RTC_ISA_IRQ), s.rtcIrqLevel);
      }
      break;
    }
    case HPET_STATUS: {
      // Writing 1 clears a level-triggered timer's status (and its line).
      const val = newVal & s.isr;
      for (let i = 0; i < s.numTimers; i++) {
        if (val & (1n << BigInt(i))) updateIrq(s.timers[i]!, false);
      }
      break;
    }
    case HPET_COUNTER:
      s.hpetCounter = (s.hpetCounter & HI32) | newVal;
      break;
    case HPET_COUNTER + 4:
      s.hpetCounter = (s.hpetCounter & U32) | (newVal << 32n);
      break;
    default:
      // HPET_ID, HPET_CFG + 4 and the rest are read-only or reserved.
      break;
  }
}

function hpetReset(s: HpetState): void {
  for (let i = 0; i < s.numTimers; i++) {
    const t = s.timers[i]!;
    hpetDelTimer(t);
    t.cmp = U64;
    t.config = BigInt(HPET_TN_PERIODIC_CAP | HPET_TN_SIZE_CAP);
    if (s.msi) t.config |= BigInt(HPET_TN_FSB_CAP);
    // Which IOAPIC inputs the timer may route to.
    t.config |= BigInt(s.intcap >>> 0) << 32n;
    t.period = 0n;
    t.wrapFlag = 0;
  }
  setIrq(s.gpioOut(0), 1);
  s.hpetCounter = 0n;
  s.hpetOffset = 0n;
  s.config = 0n;
  s.rtcIrqLevel = 0;
}

/** The PIT's and the RTC's interrupts come through here; legacy mode swallows them. */
function hpetHandleLegacyIrq(s: HpetState, n: number, level: number): void {
  if (n === HPET_LEGACY_PIT_INT) {
    if (!inLegacyMode(s)) setIrq(sysbusGetIrq(s, 0), level);
  } else {
    s.rtcIrqLevel = level;
    if (!inLegacyMode(s)) setIrq(sysbusGetIrq(s, RTC_ISA_IRQ), level);
  }
}

/** QEMU counts HPETs per process; qomd per machine. */
const hpetCounts = new WeakMap<TypeRegistry, number>();

function hpetRealize(s: HpetState): void {
  const count = hpetCounts.get(s.registry) ?? 0;
  if (count === 8) throw new QomError("Only 8 instances of HPET is allowed");
  s.hpetId = count;
  hpetCounts.set(s.registry, count + 1);
  for (let i = 0; i < HPET_NUM_IRQ_ROUTES; i++) sysbusInitIrq(s);
  s.numTimers = Math.min(Math.max(s.numTimers, HPET_MIN_TIMERS), HPET_MAX_TIMERS);
  const clocks = qemuClocksOf(s.registry);
  s.timers.forEach((t, i) => {
    t.tn = i;
    t.qemuTimer = timerNewNs(clocks, QEMU_CLOCK_VIRTUAL, () => hpetTimerExpired(t));
  });
  // 64-bit counter, legacy replacement capable, vendor 8086, revision 1.
  s.capability =
    0x8086a001n |
    (BigInt(s.numTimers - 1) << BigInt(HPET_ID_NUM_TIM_SHIFT)) |
    (BigInt(HPET_CLK_PERIOD * FS_PER_NS) << 32n);
  s.initGpioIn((n, level) => hpetHandleLegacyIrq(s, n, level), 2);
  s.initGpioOut(1);
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

export const hpetTypeInfo: TypeInfo<HpetState, DeviceClass> = {
  name: TYPE_HPET,
  parent: TYPE_SYS_BUS_DEVICE,
  instance: HpetState,
  instanceInit: (s) => {
    s.iomem = ioRegionNew(s, "hpet", HPET_LEN, {
      read: (addr) => Number(hpetRamRead(s, addr) & U32),
      write: (addr, value) => hpetRamWrite(s, addr, value),
      valid: { minAccessSize: 4, maxAccessSize: 4 },
    });
  },
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => hpetRealize(d as HpetState);
    k.reset = (d) => hpetReset(d as HpetState);
    deviceClassSetProps(k, [
      defineProp("timers", "numTimers", propKinds.uint8, HPET_MIN_TIMERS),
      defineProp("msi", "msi", propKinds.bool, false),
      defineProp("hpet-intcap", "intcap", propKinds.uint32, 0),
      defineProp("hpet-offset-saved", "hpetOffsetSaved", plainBool, true),
    ]);
  },
};
