/**
 * The emulated Intel 8254 timer (QEMU 7.2's hw/timer/i8254.c, type `isa-pit`) and the board
 * helper `i8254PitInit`. Channel 0 drives an interrupt line; its one GPIO input is the HPET's
 * legacy-replacement switch, which silences that interrupt while the HPET owns it.
 */
import type { IrqState } from "../core/irq.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { ioRegionNew, isaGetIrq, isaNew, isaRealizeAndUnref, type IsaBus } from "../isa/isa-bus.js";
import type { TypeInfo } from "../../qom/type.js";
import { pitCommonRealize, PitCommonState, pitResetCommon, TYPE_PIT_COMMON, type PitCommonClass } from "./i8254-common.js";

export const TYPE_I8254 = "isa-pit";

export class PitState extends PitCommonState {}

function pitRealize(s: PitState): void {
  s.initGpioOut(1);
  s.ioports = ioRegionNew(s, "pit", 4, { impl: { minAccessSize: 1, maxAccessSize: 1 } });
  // HPET legacy mode: a high level takes channel 0's interrupt away from the PIT.
  s.initGpioIn((_n, level) => (s.channels[0]!.irqDisabled = level !== 0), 1);
  pitCommonRealize(s);
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
    k.reset = (d) => pitResetCommon(d as PitState, 0);
    k.setChannelGate = (s, channel, gate) => {
      s.channels[channel]!.gate = gate;
    };
    deviceClassSetProps(k, [defineProp("iobase", "iobase", propKinds.uint32, 0xffffffff)]);
  },
};
