/**
 * The Intel 8259A interrupt controller (QEMU 7.2's hw/intc/i8259.c, type `isa-i8259`), and the
 * PC's master/slave pair (`i8259Init`). The slave's output is the master's input 2.
 *
 * Behaviour: ICW1-ICW4 initialisation, OCW1 (mask), OCW2 (EOI, specific EOI, rotation), OCW3
 * (IRR/ISR read select, poll, special mask), edge/level triggering per line via the ELCR, and
 * the spurious IRQ 7 (or 15) when an interrupt is acknowledged that is no longer pending.
 */
import { setIrq, type IrqState } from "../core/irq.js";
import type { DeviceClass } from "../core/qdev.js";
import { ioRegionNew, type IsaBus } from "../isa/isa-bus.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { i8259InitChip, picCommonRealize, PicCommonState, picResetCommon, picStatUpdateIrq, TYPE_PIC_COMMON } from "./i8259-common.js";

export const TYPE_I8259 = "isa-i8259";

export class I8259State extends PicCommonState {}

/** The master chip of each machine (QEMU's isa_pic), and its slave, for interrupt delivery. */
const picPairs = new WeakMap<TypeRegistry, { master: I8259State; slave: I8259State }>();

export function isaPic(registry: TypeRegistry): I8259State | undefined {
  return picPairs.get(registry)?.master;
}

/** Both chips of the machine's pair, master first. */
export function i8259Chips(registry: TypeRegistry): I8259State[] {
  const pair = picPairs.get(registry);
  return pair ? [pair.master, pair.slave] : [];
}

/** The highest-priority bit of `mask` counted from the rotation base, 8 when `mask` is empty. */
function getPriority(s: PicCommonState, mask: number): number {
  if (mask === 0) return 8;
  let priority = 0;
  while ((mask & (1 << ((priority + s.priorityAdd) & 7))) === 0) priority++;
  return priority;
}

/** The IRQ the chip would deliver now, or -1. */
export function picGetIrq(s: PicCommonState): number {
  const priority = getPriority(s, s.irr & ~s.imr);
  if (priority === 8) return -1;
  // In-service interrupts block those of lower priority; the special mask lets masked ones pass,
  // and in special fully nested mode the master ignores the slave's in-service bit.
  let inService = s.isr;
  if (s.specialMask) inService &= ~s.imr;
  if (s.specialFullyNestedMode && s.master) inService &= ~(1 << 2);
  const current = getPriority(s, inService);
  return priority < current ? (priority + s.priorityAdd) & 7 : -1;
}

/** QEMU's pic_get_output: whether the master's INT output is asserted. */
export function picGetOutput(registry: TypeRegistry): boolean {
  const master = picPairs.get(registry)?.master;
  return master !== undefined && picGetIrq(master) >= 0;
}

function picUpdate(s: PicCommonState): void {
  setIrq(s.gpioOut(0), picGetIrq(s) >= 0 ? 1 : 0);
}

/** An input line changed: latch edges, follow levels (per the ELCR). */
function picSetIrq(s: PicCommonState, n: number, level: number): void {
  const mask = 1 << n;
  picStatUpdateIrq(s.registry, s.master ? n : n + 8, level);
  if (s.elcr & mask) {
    if (level) {
      s.irr |= mask;
      s.lastIrr |= mask;
    } else {
      s.irr &= ~mask;
      s.lastIrr &= ~mask;
    }
  } else if (level) {
    if ((s.lastIrr & mask) === 0) s.irr |= mask;
    s.lastIrr |= mask;
  } else {
    s.lastIrr &= ~mask;
  }
  picUpdate(s);
}

function picIntack(s: PicCommonState, irq: number): void {
  if (s.autoEoi) {
    if (s.rotateOnAutoEoi) s.priorityAdd = (irq + 1) & 7;
  } else {
    s.isr |= 1 << irq;
  }
  // An edge-triggered request is consumed by the acknowledge; a level stays pending.
  if ((s.elcr & (1 << irq)) === 0) s.irr &= ~(1 << irq);
  picUpdate(s);
}

/** QEMU's pic_read_irq: the vector the CPU gets for an INTA cycle on the master. */
export function picReadIrq(registry: TypeRegistry): number {
  const pair = picPairs.get(registry);
  if (!pair) return 0;
  const { master, slave } = pair;
  let irq = picGetIrq(master);
  let vector: number;
  if (irq >= 0) {
    if (irq === 2) {
      let irq2 = picGetIrq(slave);
      if (irq2 >= 0) picIntack(slave, irq2);
      else irq2 = 7; // spurious IRQ on the slave
      vector = slave.irqBase + irq2;
    } else {
      vector = master.irqBase + irq;
    }
    picIntack(master, irq);
  } else {
    irq = 7; // spurious IRQ on the master
    vector = master.irqBase + irq;
  }
  return vector;
}

function picInitReset(s: PicCommonState): void {
  picResetCommon(s);
  picUpdate(s);
}

function picPollRead(s: PicCommonState): number {
  const irq = picGetIrq(s);
  if (irq < 0) return 0;
  picIntack(s, irq);
  return irq | 0x80;
}

export function picIoportWrite(s: PicCommonState, addr: number, val: number): void {
  if ((addr & 1) === 0) {
    if (val & 0x10) {
      // ICW1 starts the initialisation sequence.
      picInitReset(s);
      s.initState = 1;
      s.init4 = (val & 1) !== 0;
      s.singleMode = (val & 2) !== 0;
      s.ltim = (val & 8) !== 0;
    } else if (val & 0x08) {
      // OCW3
      if (val & 0x04) s.poll = true;
      if (val & 0x02) s.readRegSelect = val & 1;
      if (val & 0x40) s.specialMask = ((val >> 5) & 1) !== 0;
    } else {
      // OCW2
      const cmd = val >> 5;
      switch (cmd) {
        case 0:
        case 4:
          s.rotateOnAutoEoi = cmd >> 2 !== 0;
          break;
        case 1:
        case 5: {
          const priority = getPriority(s, s.isr);
          if (priority !== 8) {
            const irq = (priority + s.priorityAdd) & 7;
            s.isr &= ~(1 << irq);
            if (cmd === 5) s.priorityAdd = (irq + 1) & 7;
            picUpdate(s);
          }
          break;
        }
        case 3:
          s.isr &= ~(1 << (val & 7));
          picUpdate(s);
          break;
        case 6:
          s.priorityAdd = (val + 1) & 7;
          picUpdate(s);
          break;
        case 7: {
          const irq = val & 7;
          s.isr &= ~(1 << irq);
          s.priorityAdd = (irq + 1) & 7;
          picUpdate(s);
          break;
        }
        default:
          break;
      }
    }
    return;
  }
  switch (s.initState) {
    case 0:
      s.imr = val & 0xff;
      picUpdate(s);
      break;
    case 1:
      s.irqBase = val & 0xf8;
      s.initState = s.singleMode ? (s.init4 ? 3 : 0) : 2;
      break;
    case 2:
      s.initState = s.init4 ? 3 : 0;
      break;
    case 3:
      s.specialFullyNestedMode = ((val >> 4) & 1) !== 0;
      s.autoEoi = ((val >> 1) & 1) !== 0;
      s.initState = 0;
      break;
  }
}

export function picIoportRead(s: PicCommonState, addr: number): number {
  if (s.poll) {
    s.poll = false;
    return picPollRead(s);
  }
  if ((addr & 1) === 0) return s.readRegSelect ? s.isr : s.irr;
  return s.imr;
}

function picRealize(dev: I8259State): void {
  dev.baseIo = ioRegionNew(dev, "pic", 2, {
    read: (addr) => picIoportRead(dev, addr),
    write: (addr, val) => picIoportWrite(dev, addr, val),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  dev.elcrIo = ioRegionNew(dev, "elcr", 1, {
    read: () => dev.elcr,
    write: (_addr, val) => (dev.elcr = val & dev.elcrMask),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  dev.initGpioOut(1);
  dev.initGpioIn((n, level) => picSetIrq(dev, n, level), 8);
  picCommonRealize(dev);
}

function picReset(dev: I8259State): void {
  dev.elcr = 0;
  picInitReset(dev);
}

/**
 * QEMU's i8259_init: the master at 0x20 (output to `parentIrq`, the CPU's INTR) and the slave
 * at 0xa0 cascaded on master input 2. Returns the 16 ISA input lines (0-7 master, 8-15 slave).
 */
export function i8259Init(bus: IsaBus, parentIrq: IrqState | undefined): IrqState[] {
  const master = i8259InitChip(TYPE_I8259, bus, true) as I8259State;
  master.connectGpioOut(0, parentIrq);
  const irqs: IrqState[] = [];
  for (let i = 0; i < 8; i++) irqs.push(master.gpioIn(i));
  const slave = i8259InitChip(TYPE_I8259, bus, false) as I8259State;
  slave.connectGpioOut(0, irqs[2]);
  for (let i = 0; i < 8; i++) irqs.push(slave.gpioIn(i));
  picPairs.set(bus.registry, { master, slave });
  return irqs;
}

export const i8259TypeInfo: TypeInfo<I8259State, DeviceClass> = {
  name: TYPE_I8259,
  parent: TYPE_PIC_COMMON,
  instance: I8259State,
  classInit: (k) => {
    k.realize = (d) => picRealize(d as I8259State);
    k.reset = (d) => picReset(d as I8259State);
  },
};
