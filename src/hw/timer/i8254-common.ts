/**
 * What every 8254 model shares (QEMU 7.2's hw/timer/i8254_common.c, type `pit-common`): three
 * counter channels and the I/O window registered at realize.
 */
import type { DeviceClass, DeviceState } from "../core/qdev.js";
import { IsaDevice, isaRegisterIoport, TYPE_ISA_DEVICE, type IoRegion } from "../isa/isa-bus.js";
import type { TypeInfo } from "../../qom/type.js";

export const TYPE_PIT_COMMON = "pit-common";
/** The input clock of the PC's 8254, in Hz. */
export const PIT_FREQ = 1193182;

/** One counter (QEMU's PITChannelState). Times are virtual-clock nanoseconds. */
export class PitChannel {
  count = 0x10000;
  latchedCount = 0;
  countLatched = 0;
  statusLatched = false;
  status = 0;
  readState = 0;
  writeState = 0;
  writeLatch = 0;
  rwMode = 0;
  mode = 0;
  bcd = false;
  /** Channel 0 and 1 gates are tied high; channel 2's is port 0x61 bit 0. */
  gate = false;
  countLoadTime = 0;
  nextTransitionTime = 0;
  /** Whether channel 0's output drives its IRQ (the HPET's legacy mode turns this off). */
  irqDisabled = false;
}

export interface PitCommonClass extends DeviceClass {
  /** QEMU's PITCommonClass.set_channel_gate. */
  setChannelGate?: (s: PitCommonState, channel: number, gate: boolean) => void;
}

export class PitCommonState extends IsaDevice {
  iobase = 0xffffffff;
  readonly channels = [new PitChannel(), new PitChannel(), new PitChannel()];
  /** The `pit` window (4 ports), created by the model's realize. */
  ioports: IoRegion | undefined;
}

/** QEMU's pit_reset_common: every channel in mode 3 with a full count; only channel 2's gate is low. */
export function pitResetCommon(s: PitCommonState, now: number): void {
  s.channels.forEach((c, i) => {
    c.mode = 3;
    c.gate = i !== 2;
    c.countLoadTime = now;
    c.count = 0x10000;
    c.nextTransitionTime = 0;
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
