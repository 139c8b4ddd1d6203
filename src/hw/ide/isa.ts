/**
 * The ISA IDE controller (QEMU's hw/ide/isa.c, `isa-ide`): one IDE bus on legacy ports, used by
 * the `isapc` machine (two of them, at 0x1f0/0x3f6 IRQ 14 and 0x170/0x376 IRQ 15).
 */
import type { TypeInfo } from "../../qom/type.js";
import type { IrqState } from "../core/irq.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import type { DeviceClass } from "../core/qdev.js";
import { IsaDevice, isaGetIrq, isaNew, isaRealizeAndUnref, isaRegisterPortioList, TYPE_ISA_DEVICE, type IsaBus, type Portio } from "../isa/isa-bus.js";
import { ideBusInit, ideBusInitOutputIrq, type IDEBus } from "./ide-bus.js";
import { ideBusCreateDrive, type LegacyIdeDrive } from "./ide-dev.js";

export const TYPE_ISA_IDE = "isa-ide";

export class IsaIdeState extends IsaDevice {
  iobase = 0x1f0;
  iobase2 = 0x3f6;
  isairq = 14;
  bus: IDEBus | undefined;
  irq: IrqState | undefined;
}

/**
 * The task-file ports (8 of them, with 16- and 32-bit data at offset 0) and the control port.
 * The ATA register file itself is emulated with the disk controller's guest-visible behaviour.
 */
const IDE_PORTIO: readonly Portio[] = [
  { offset: 0, len: 8, size: 1 },
  { offset: 0, len: 1, size: 2 },
  { offset: 0, len: 1, size: 4 },
];
const IDE_PORTIO2: readonly Portio[] = [{ offset: 0, len: 1, size: 1 }];

function isaIdeRealize(dev: IsaIdeState): void {
  const bus = ideBusInit(dev.registry, dev, 0, 2);
  dev.bus = bus;
  isaRegisterPortioList(dev, dev.iobase, IDE_PORTIO, "ide");
  if (dev.iobase2) isaRegisterPortioList(dev, dev.iobase2, IDE_PORTIO2, "ide");
  dev.irq = isaGetIrq(dev, dev.isairq);
  ideBusInitOutputIrq(bus, dev.irq);
}

/** QEMU's isa_ide_init: a controller with up to two drives. */
export function isaIdeInit(bus: IsaBus, iobase: number, iobase2: number, isairq: number, drives: ReadonlyArray<LegacyIdeDrive | undefined>): IsaIdeState {
  const dev = isaNew<IsaIdeState>(bus.registry, TYPE_ISA_IDE);
  dev.setPropertyJson("iobase", iobase);
  dev.setPropertyJson("iobase2", iobase2);
  dev.setPropertyJson("irq", isairq);
  isaRealizeAndUnref(dev, bus);
  drives.forEach((drive, unit) => {
    if (drive && dev.bus) ideBusCreateDrive(dev.bus, unit, drive);
  });
  return dev;
}

export const isaIdeTypeInfo: TypeInfo<IsaIdeState, DeviceClass> = {
  name: TYPE_ISA_IDE,
  parent: TYPE_ISA_DEVICE,
  instance: IsaIdeState,
  classInit: (k) => {
    k.categories = new Set(["storage"]);
    k.realize = (d) => isaIdeRealize(d as IsaIdeState);
    deviceClassSetProps(k, [
      defineProp("iobase", "iobase", propKinds.uint32, 0x1f0),
      defineProp("iobase2", "iobase2", propKinds.uint32, 0x3f6),
      defineProp("irq", "isairq", propKinds.uint32, 14),
    ]);
  },
};
