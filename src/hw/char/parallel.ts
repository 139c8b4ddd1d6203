/**
 * The ISA parallel port (QEMU 7.2's hw/char/parallel.c, type `isa-parallel`): LPT1-3 at
 * 0x378/0x278/0x3bc with IRQ 7, printing what the guest writes to its chardev.
 */
import { QomError } from "../../qom/error.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { setIrq, type IrqState } from "../core/irq.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { IsaDevice, isaGetIrq, isaNew, isaRealizeAndUnref, isaRegisterPortioList, TYPE_ISA_DEVICE, type IsaBus } from "../isa/isa-bus.js";
import { chardevConnected, chardevFrontendOf, chardevKind } from "./char-prop.js";

export const TYPE_ISA_PARALLEL = "isa-parallel";
export const MAX_PARALLEL_PORTS = 3;
const ISA_PARALLEL_IO = [0x378, 0x278, 0x3bc];
const UNSET = 0xffffffff;

// Control and status bits.
const PARA_CTR_STROBE = 0x01;
const PARA_CTR_INIT = 0x04;
const PARA_CTR_SELECT = 0x08;
const PARA_CTR_INTEN = 0x10;
const PARA_STS_BUSY = 0x80;
const PARA_STS_ACK = 0x40;
const PARA_STS_ONLINE = 0x10;
const PARA_STS_ERROR = 0x08;
const PARA_STS_TMOUT = 0x01;

export class IsaParallelState extends IsaDevice {
  index = UNSET;
  iobase = UNSET;
  isairq = 7;
  chardev: string | undefined;
  irq: IrqState | undefined;
  dataport = 0;
  status = PARA_STS_BUSY | PARA_STS_ACK | PARA_STS_ONLINE | PARA_STS_ERROR | PARA_STS_TMOUT;
  control = PARA_CTR_SELECT | PARA_CTR_INIT | 0xc0;
  irqPending = false;
}

const nextIndex = new WeakMap<TypeRegistry, number>();

function parallelUpdateIrq(s: IsaParallelState): void {
  setIrq(s.irq, s.irqPending ? 1 : 0);
}

function parallelWrite(s: IsaParallelState, port: number, val: number): void {
  switch (port & 7) {
    case 0:
      s.dataport = val & 0xff;
      parallelUpdateIrq(s);
      break;
    case 2:
      val |= 0xc0;
      if ((val & PARA_CTR_INIT) === 0) {
        s.status = PARA_STS_BUSY | PARA_STS_ACK | PARA_STS_ONLINE | PARA_STS_ERROR;
      } else if (val & PARA_CTR_SELECT) {
        if (val & PARA_CTR_STROBE) {
          s.status &= ~PARA_STS_BUSY;
          if ((s.control & PARA_CTR_STROBE) === 0) chardevFrontendOf(s)?.write(Uint8Array.of(s.dataport));
        } else if (s.control & PARA_CTR_INTEN) {
          s.irqPending = true;
        }
      }
      parallelUpdateIrq(s);
      s.control = val;
      break;
    default:
      break;
  }
}

function parallelRead(s: IsaParallelState, port: number): number {
  switch (port & 7) {
    case 0:
      return s.dataport;
    case 1: {
      const ret = s.status;
      s.irqPending = false;
      if ((s.status & PARA_STS_BUSY) === 0 && (s.control & PARA_CTR_STROBE) === 0) {
        // The printer is done: busy and ack come back.
        s.status |= PARA_STS_BUSY | PARA_STS_ACK;
      }
      parallelUpdateIrq(s);
      return ret;
    }
    case 2:
      return s.control;
    default:
      return 0xff;
  }
}

function parallelIsaRealize(isa: IsaParallelState): void {
  if (!chardevConnected(isa)) throw new QomError("Can't create parallel device, empty char device");
  const auto = nextIndex.get(isa.registry) ?? 0;
  if (isa.index === UNSET) isa.index = auto;
  if (isa.index >= MAX_PARALLEL_PORTS) {
    throw new QomError(`Max. supported number of parallel ports is ${MAX_PARALLEL_PORTS}.`);
  }
  if (isa.iobase === UNSET) isa.iobase = ISA_PARALLEL_IO[isa.index]!;
  nextIndex.set(isa.registry, auto + 1);
  isa.irq = isaGetIrq(isa, isa.isairq);
  isaRegisterPortioList(
    isa,
    isa.iobase,
    [{ offset: 0, len: 8, size: 1, read: (p) => parallelRead(isa, p), write: (p, v) => parallelWrite(isa, p, v) }],
    "parallel",
  );
}

/** QEMU's parallel_hds_isa_init: an `isa-parallel` for each of the first `n` -parallel chardevs. */
export function parallelHdsIsaInit(bus: IsaBus, parallelHds: readonly (string | undefined)[], n: number): IsaParallelState[] {
  const out: IsaParallelState[] = [];
  for (let i = 0; i < n; i++) {
    const label = parallelHds[i];
    if (label === undefined) continue;
    const dev = isaNew<IsaParallelState>(bus.registry, TYPE_ISA_PARALLEL);
    dev.setPropertyJson("index", i);
    dev.setPropertyJson("chardev", label);
    isaRealizeAndUnref(dev, bus);
    out.push(dev);
  }
  return out;
}

export const parallelIsaTypeInfo: TypeInfo<IsaParallelState, DeviceClass> = {
  name: TYPE_ISA_PARALLEL,
  parent: TYPE_ISA_DEVICE,
  instance: IsaParallelState,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "input"]);
    k.realize = (d) => parallelIsaRealize(d as IsaParallelState);
    deviceClassSetProps(k, [
      defineProp("index", "index", propKinds.uint32, UNSET),
      defineProp("iobase", "iobase", propKinds.uint32, UNSET),
      defineProp("irq", "isairq", propKinds.uint32, 7),
      defineProp("chardev", "chardev", chardevKind),
    ]);
  },
};
