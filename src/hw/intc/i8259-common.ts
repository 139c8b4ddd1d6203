/**
 * The state and properties every 8259 model shares (QEMU 7.2's hw/intc/i8259_common.c, type
 * `pic-common`), and `i8259InitChip`, which creates one chip at the PC's addresses.
 */
import { DeviceState, type DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import {
  IsaDevice,
  isaNew,
  isaRealizeAndUnref,
  isaRegisterIoport,
  TYPE_ISA_DEVICE,
  type IoRegion,
  type IsaBus,
} from "../isa/isa-bus.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { QomObject } from "../../qom/object.js";
import { interruptStatsProviderClassOf, TYPE_INTERRUPT_STATS_PROVIDER } from "./intc.js";

export const TYPE_PIC_COMMON = "pic-common";

export class PicCommonState extends IsaDevice {
  // Properties (QEMU's -1 defaults are the uint32/uint8 maxima).
  iobase = 0xffffffff;
  elcrAddr = 0xffffffff;
  elcrMask = 0xff;
  master = false;

  // The chip's registers, as the guest sees them (the behaviour is in i8259.ts).
  lastIrr = 0;
  irr = 0;
  imr = 0;
  isr = 0;
  priorityAdd = 0;
  irqBase = 0;
  readRegSelect = 0;
  poll = false;
  specialMask = false;
  initState = 0;
  autoEoi = false;
  rotateOnAutoEoi = false;
  specialFullyNestedMode = false;
  init4 = false;
  singleMode = false;
  ltim = false;
  elcr = 0;

  /** Set by the model's realize before the common part registers them. */
  baseIo: IoRegion | undefined;
  elcrIo: IoRegion | undefined;
}

/**
 * Rising input levels per ISA IRQ (0-7 master, 8-15 slave), one table for the pair as QEMU's
 * irq_count; the master reports it.
 */
const irqStats = new WeakMap<TypeRegistry, { level: Uint8Array; count: number[] }>();

function statsOf(registry: TypeRegistry): { level: Uint8Array; count: number[] } {
  let st = irqStats.get(registry);
  if (!st) irqStats.set(registry, (st = { level: new Uint8Array(16), count: new Array<number>(16).fill(0) }));
  return st;
}

/** QEMU's pic_stat_update_irq: `irq` is the ISA IRQ (slave inputs are 8-15). */
export function picStatUpdateIrq(registry: TypeRegistry, irq: number, level: number): void {
  const st = statsOf(registry);
  const l = level ? 1 : 0;
  if (l !== st.level[irq]) {
    st.level[irq] = l;
    if (l) st.count[irq]!++;
  }
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, "0");
}

/** QEMU's pic_print_info (HMP `info pic`). */
function picPrintInfo(obj: QomObject): string {
  const s = obj as PicCommonState;
  return (
    `pic${s.master ? 0 : 1}: irr=${hex2(s.irr)} imr=${hex2(s.imr)} isr=${hex2(s.isr)} hprio=${s.priorityAdd} ` +
    `irq_base=${hex2(s.irqBase)} rr_sel=${s.readRegSelect} elcr=${hex2(s.elcr)} fnm=${s.specialFullyNestedMode ? 1 : 0}\n`
  );
}

/** QEMU's pic_reset_common: the power-on register values (ELCR and its mask survive). */
export function picResetCommon(s: PicCommonState): void {
  s.lastIrr = 0;
  s.irr &= s.elcr;
  s.imr = 0;
  s.isr = 0;
  s.priorityAdd = 0;
  s.irqBase = 0;
  s.readRegSelect = 0;
  s.poll = false;
  s.specialMask = false;
  s.initState = 0;
  s.autoEoi = false;
  s.rotateOnAutoEoi = false;
  s.specialFullyNestedMode = false;
  s.init4 = false;
  s.singleMode = false;
  // ltim and elcr are kept: they are programmed by firmware, not reset by the chip.
}

/** The common realize: map the command/data ports and, when the chip has one, the ELCR port. */
export function picCommonRealize(dev: DeviceState): void {
  const s = dev as PicCommonState;
  if (s.baseIo) isaRegisterIoport(s, s.baseIo, s.iobase);
  if (s.elcrAddr !== 0xffffffff && s.elcrIo) isaRegisterIoport(s, s.elcrIo, s.elcrAddr);
}

/** QEMU's i8259_init_chip: a master (0x20, ELCR 0x4d0) or slave (0xa0, ELCR 0x4d1) chip. */
export function i8259InitChip(type: string, bus: IsaBus, master: boolean): PicCommonState {
  const dev = isaNew<PicCommonState>(bus.registry, type);
  dev.parseProperty("iobase", master ? "0x20" : "0xa0");
  dev.parseProperty("elcr_addr", master ? "0x4d0" : "0x4d1");
  dev.parseProperty("elcr_mask", master ? "0xf8" : "0xde");
  dev.setPropertyJson("master", master);
  isaRealizeAndUnref(dev, bus);
  return dev;
}

export const picCommonTypeInfo: TypeInfo<PicCommonState, DeviceClass> = {
  name: TYPE_PIC_COMMON,
  parent: TYPE_ISA_DEVICE,
  abstract: true,
  instance: PicCommonState,
  interfaces: [TYPE_INTERRUPT_STATS_PROVIDER],
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = picCommonRealize;
    const ic = interruptStatsProviderClassOf(k);
    if (ic) {
      ic.printInfo = picPrintInfo;
      ic.getStatistics = (obj) => ((obj as PicCommonState).master ? statsOf(obj.registry).count : undefined);
    }
    deviceClassSetProps(k, [
      defineProp("iobase", "iobase", propKinds.uint32, 0xffffffff),
      defineProp("elcr_addr", "elcrAddr", propKinds.uint32, 0xffffffff),
      defineProp("elcr_mask", "elcrMask", propKinds.uint8, 0xff),
      // A DEFINE_PROP_BIT in QEMU, hence the "on/off" description.
      defineProp("master", "master", propKinds.bool, false),
    ]);
  },
};
