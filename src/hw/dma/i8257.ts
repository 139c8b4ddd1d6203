/**
 * The Intel 8237/8257 DMA controller (QEMU 7.2's hw/dma/i8257.c, type `i8257`). A PC has two:
 * the 8-bit one at 0x00 (channels 0-3, page registers at 0x80) and the 16-bit one at 0xc0
 * (channels 4-7, page registers at 0x88, ports spaced by two). Both implement `isa-dma`, the
 * interface ISA devices (the floppy controller) use to move data.
 */
import type { TypeInfo } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import {
  ioRegionNew,
  isaBusDma,
  IsaDevice,
  isaNew,
  isaRealizeAndUnref,
  isaRegisterIoport,
  isaRegisterPortioList,
  TYPE_ISA_DEVICE,
  TYPE_ISADMA,
  type IsaBus,
  type IsaDma,
  type IsaDmaTransferHandler,
  type Portio,
} from "../isa/isa-bus.js";

export const TYPE_I8257 = "i8257";

/** Page register port (low 3 bits) to channel; -1 for the ports that are not page registers. */
const PAGE_PORT_CHANNEL = [-1, 2, 3, 1, -1, -1, -1, 0];

export class I8257Regs {
  /** Current address and count. */
  now: [number, number] = [0, 0];
  /** Base address [0] and base count [1], as programmed. */
  base: [number, number] = [0, 0];
  mode = 0;
  page = 0;
  pageh = 0;
  dack = 0;
  eop = 0;
  transferHandler: IsaDmaTransferHandler | undefined;
  opaque: unknown;
}

export class I8257State extends IsaDevice implements IsaDma {
  base = 0;
  pageBase = 0x80;
  pagehBase = 0x480;
  dshift = 0;
  status = 0;
  command = 0;
  mask = 0;
  flipFlop = 0;
  readonly regs = [new I8257Regs(), new I8257Regs(), new I8257Regs(), new I8257Regs()];
  running = false;

  registerChannel(nchan: number, handler: IsaDmaTransferHandler, opaque: unknown): void {
    const r = this.regs[nchan & 3]!;
    r.transferHandler = handler;
    r.opaque = opaque;
  }

  holdDreq(nchan: number): void {
    this.status |= 1 << ((nchan & 3) + 4);
  }

  releaseDreq(nchan: number): void {
    this.status &= ~(1 << ((nchan & 3) + 4));
  }

  readMemory(_nchan: number, _buf: Uint8Array, _pos: number, len: number): number {
    // Guest memory access arrives with the memory API; nothing is transferred until then.
    return len;
  }

  writeMemory(_nchan: number, _buf: Uint8Array, _pos: number, len: number): number {
    return len;
  }

  schedule(): void {
    this.running = true;
  }
}

function getFlipFlop(d: I8257State): number {
  const ff = d.flipFlop;
  d.flipFlop = ff ^ 1;
  return ff;
}

function initChan(d: I8257State, ichan: number): void {
  const r = d.regs[ichan]!;
  r.now[0] = r.base[0] << (d.dshift ? 1 : 0);
  r.now[1] = 0;
}

function writeChan(d: I8257State, port: number, data: number): void {
  const iport = (port >> d.dshift) & 0x0f;
  const ichan = iport >> 1;
  const nreg = iport & 1;
  const r = d.regs[ichan]!;
  if (getFlipFlop(d)) {
    r.base[nreg] = (r.base[nreg] & 0xff) | ((data << 8) & 0xff00);
    initChan(d, ichan);
  } else {
    r.base[nreg] = (r.base[nreg] & 0xff00) | (data & 0xff);
  }
}

function readChan(d: I8257State, port: number): number {
  const iport = (port >> d.dshift) & 0x0f;
  const ichan = iport >> 1;
  const nreg = iport & 1;
  const r = d.regs[ichan]!;
  const dir = ((r.mode >> 5) & 1) !== 0 ? -1 : 1;
  const ff = getFlipFlop(d);
  const val = nreg ? r.base[1] - (r.now[1] >> d.dshift) : r.now[0] + r.now[1] * dir;
  return (val >> (d.dshift + ff * 8)) & 0xff;
}

function writeCont(d: I8257State, port: number, data: number): void {
  const iport = (port >> d.dshift) & 0x0f;
  switch (iport) {
    case 0x00: // command
      d.command = data & 0xff;
      break;
    case 0x01: // request
      if (data & 4) d.status |= 1 << ((data & 3) + 4);
      else d.status &= ~(1 << ((data & 3) + 4));
      d.status &= ~(1 << (data & 3));
      break;
    case 0x02: // single mask
      if (data & 4) d.mask |= 1 << (data & 3);
      else d.mask &= ~(1 << (data & 3));
      break;
    case 0x03: // mode
      d.regs[data & 3]!.mode = data & 0xff;
      break;
    case 0x04: // clear flip flop
      d.flipFlop = 0;
      break;
    case 0x05: // reset
      i8257Reset(d);
      break;
    case 0x06: // clear mask for all channels
      d.mask = 0;
      break;
    case 0x07: // write mask for all channels
      d.mask = data & 0x0f;
      break;
    default:
      break;
  }
}

function readCont(d: I8257State, port: number): number {
  const iport = (port >> d.dshift) & 0x0f;
  switch (iport) {
    case 0x00: {
      // Reading the status clears the terminal-count bits.
      const val = d.status;
      d.status &= 0xf0;
      return val;
    }
    case 0x01:
      return d.mask;
    default:
      return 0;
  }
}

function pagePortio(d: I8257State, high: boolean): Portio[] {
  const rw = {
    read: (port: number) => {
      const ichan = PAGE_PORT_CHANNEL[port & 7]!;
      if (ichan === -1) return 0;
      return high ? d.regs[ichan]!.pageh : d.regs[ichan]!.page;
    },
    write: (port: number, value: number) => {
      const ichan = PAGE_PORT_CHANNEL[port & 7]!;
      if (ichan === -1) return;
      if (high) d.regs[ichan]!.pageh = value & 0x7f;
      else d.regs[ichan]!.page = value & 0xff;
    },
  };
  return [
    { offset: 0x01, len: 3, size: 1, ...rw },
    { offset: 0x07, len: 1, size: 1, ...rw },
  ];
}

function i8257Reset(d: I8257State): void {
  d.status = 0;
  d.command = 0;
  d.mask = ~0 & 0x0f;
  d.flipFlop = 0;
  for (let i = 0; i < 4; i++) initChan(d, i);
}

function i8257Realize(d: I8257State): void {
  const span = 8 << d.dshift;
  const chan = ioRegionNew(d, "dma-chan", span, {
    read: (addr) => readChan(d, d.base + addr),
    write: (addr, v) => writeChan(d, d.base + addr, v),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  isaRegisterIoport(d, chan, d.base);
  isaRegisterPortioList(d, d.pageBase, pagePortio(d, false), "dma-page");
  if (d.pagehBase >= 0) isaRegisterPortioList(d, d.pagehBase, pagePortio(d, true), "dma-pageh");
  const cont = ioRegionNew(d, "dma-cont", span, {
    read: (addr) => readCont(d, d.base + span + addr),
    write: (addr, v) => writeCont(d, d.base + span + addr, v),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  isaRegisterIoport(d, cont, d.base + span);
  i8257Reset(d);
}

/**
 * QEMU's i8257_dma_init: the PC's two controllers, registered as the bus's DMA. The high page
 * registers (0x480/0x488) exist only when `highPageEnable` (EISA); the PC has none.
 */
export function i8257DmaInit(bus: IsaBus, highPageEnable: boolean): [I8257State, I8257State] {
  const make = (base: number, pageBase: number, pagehBase: number, dshift: number): I8257State => {
    const d = isaNew<I8257State>(bus.registry, TYPE_I8257);
    d.setPropertyJson("base", base);
    d.setPropertyJson("page-base", pageBase);
    d.setPropertyJson("pageh-base", highPageEnable ? pagehBase : -1);
    d.setPropertyJson("dshift", dshift);
    isaRealizeAndUnref(d, bus);
    return d;
  };
  const dma8 = make(0x00, 0x80, 0x480, 0);
  const dma16 = make(0xc0, 0x88, 0x488, 1);
  isaBusDma(bus, dma8, dma16);
  return [dma8, dma16];
}

export const i8257TypeInfo: TypeInfo<I8257State, DeviceClass> = {
  name: TYPE_I8257,
  parent: TYPE_ISA_DEVICE,
  instance: I8257State,
  interfaces: [TYPE_ISADMA],
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => i8257Realize(d as I8257State);
    k.reset = (d) => i8257Reset(d as I8257State);
    deviceClassSetProps(k, [
      defineProp("base", "base", propKinds.int32, 0x00),
      defineProp("page-base", "pageBase", propKinds.int32, 0x80),
      defineProp("pageh-base", "pagehBase", propKinds.int32, 0x480),
      defineProp("dshift", "dshift", propKinds.int32, 0),
    ]);
  },
};
