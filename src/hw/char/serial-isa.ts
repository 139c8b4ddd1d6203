/**
 * The ISA UART (QEMU 7.2's hw/char/serial-isa.c, type `isa-serial`): a `serial` core as child
 * `serial`, whose properties it re-exports as aliases, at the COM port the index selects
 * (COM1 0x3f8/IRQ 4, COM2 0x2f8/3, COM3 0x3e8/4, COM4 0x2e8/3).
 */
import { adoptChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { addAlias } from "../../qom/link.js";
import { objectNew } from "../../qom/object.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { qdevRealize } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { ioRegionNew, IsaDevice, isaGetIrq, isaNew, isaRealizeAndUnref, isaRegisterIoport, TYPE_ISA_DEVICE, type IsaBus } from "../isa/isa-bus.js";
import { serialIoportRead, serialIoportWrite, SerialState, TYPE_SERIAL } from "./serial.js";

export const TYPE_ISA_SERIAL = "isa-serial";
export const MAX_ISA_SERIAL_PORTS = 4;
const ISA_SERIAL_IO = [0x3f8, 0x2f8, 0x3e8, 0x2e8];
const ISA_SERIAL_IRQ = [4, 3, 4, 3];
const UNSET = 0xffffffff;

export class IsaSerialState extends IsaDevice {
  index = UNSET;
  iobase = UNSET;
  isairq = UNSET;
  state!: SerialState;
}

/** QEMU's static index of the next automatically numbered port, per machine here. */
const nextIndex = new WeakMap<TypeRegistry, number>();

function serialIsaInstanceInit(isa: IsaSerialState): void {
  isa.state = adoptChild(isa, "serial", objectNew<SerialState>(isa.registry, TYPE_SERIAL));
  // QEMU's qdev_alias_all_properties: the core's properties, reachable on the wrapper.
  for (const name of ["chardev", "baudbase", "wakeup"]) addAlias(isa, name, isa.state, name);
}

function serialIsaRealize(isa: IsaSerialState): void {
  const auto = nextIndex.get(isa.registry) ?? 0;
  if (isa.index === UNSET) isa.index = auto;
  if (isa.index >= MAX_ISA_SERIAL_PORTS) {
    throw new QomError(`Max. supported number of ISA serial ports is ${MAX_ISA_SERIAL_PORTS}.`);
  }
  if (isa.iobase === UNSET) isa.iobase = ISA_SERIAL_IO[isa.index]!;
  if (isa.isairq === UNSET) isa.isairq = ISA_SERIAL_IRQ[isa.index]!;
  nextIndex.set(isa.registry, auto + 1);
  const s = isa.state;
  s.irq = isaGetIrq(isa, isa.isairq);
  qdevRealize(s);
  const io = ioRegionNew(isa, "serial", 8, {
    read: (addr) => serialIoportRead(s, addr),
    write: (addr, v) => serialIoportWrite(s, addr, v),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  isaRegisterIoport(isa, io, isa.iobase);
}

/**
 * QEMU's serial_hds_isa_init: an `isa-serial` for each of ports `from`..`to`-1 that has a
 * chardev (by label; -serial's serial0, serial1, …).
 */
export function serialHdsIsaInit(bus: IsaBus, serialHds: readonly (string | undefined)[], from: number, to: number): IsaSerialState[] {
  const out: IsaSerialState[] = [];
  for (let i = from; i < to; i++) {
    const label = serialHds[i];
    if (label === undefined) continue;
    const dev = isaNew<IsaSerialState>(bus.registry, TYPE_ISA_SERIAL);
    dev.setPropertyJson("index", i);
    dev.setPropertyJson("chardev", label);
    isaRealizeAndUnref(dev, bus);
    out.push(dev);
  }
  return out;
}

export const serialIsaTypeInfo: TypeInfo<IsaSerialState, DeviceClass> = {
  name: TYPE_ISA_SERIAL,
  parent: TYPE_ISA_DEVICE,
  instance: IsaSerialState,
  instanceInit: serialIsaInstanceInit,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "input"]);
    k.realize = (d) => serialIsaRealize(d as IsaSerialState);
    deviceClassSetProps(k, [
      defineProp("index", "index", propKinds.uint32, UNSET),
      defineProp("iobase", "iobase", propKinds.uint32, UNSET),
      defineProp("irq", "isairq", propKinds.uint32, UNSET),
    ]);
  },
};
