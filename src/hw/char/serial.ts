/**
 * The 16550A UART core (QEMU 7.2's hw/char/serial.c, type `serial`): a device without a bus
 * that bus-specific wrappers (`isa-serial`) embed as their `serial` child. Bytes the guest
 * writes go to the chardev; bytes from the chardev fill the receive FIFO.
 */
import type { TypeInfo } from "../../qom/type.js";
import { setIrq, type IrqState } from "../core/irq.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds, type PropertyKind } from "../core/qdev-properties.js";
import { chardevFrontendOf, chardevKind } from "./char-prop.js";

export const TYPE_SERIAL = "serial";
const UART_FIFO_LENGTH = 16;

// Register bits.
const UART_LCR_DLAB = 0x80;
const UART_IER_RDI = 0x01;
const UART_IER_THRI = 0x02;
const UART_IER_RLSI = 0x04;
const UART_IER_MSI = 0x08;
const UART_IIR_NO_INT = 0x01;
const UART_IIR_RDI = 0x04;
const UART_IIR_THRI = 0x02;
const UART_IIR_RLSI = 0x06;
const UART_IIR_MSI = 0x00;
const UART_IIR_FE = 0xc0;
const UART_LSR_DR = 0x01;
const UART_LSR_OE = 0x02;
const UART_LSR_THRE = 0x20;
const UART_LSR_TEMT = 0x40;
const UART_LSR_INT_ANY = 0x1e;
const UART_MCR_LOOP = 0x10;
const UART_MCR_OUT2 = 0x08;
const UART_MSR_DCD = 0x80;
const UART_MSR_DSR = 0x20;
const UART_MSR_CTS = 0x10;
const UART_FCR_FE = 0x01;
const UART_FCR_RFR = 0x02;
const UART_FCR_XFR = 0x04;

export class SerialState extends DeviceState {
  chardev: string | undefined;
  baudbase = 115200;
  wakeup = false;
  /** The interrupt line; the wrapper sets it before realize. */
  irq: IrqState | undefined;

  divider = 0x0c;
  rbr = 0;
  thr = 0;
  ier = 0;
  iir = UART_IIR_NO_INT;
  lcr = 0;
  mcr = UART_MCR_OUT2;
  lsr = UART_LSR_TEMT | UART_LSR_THRE;
  msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
  scr = 0;
  fcr = 0;
  thrIpending = false;
  readonly recvFifo: number[] = [];
}

function serialUpdateIrq(s: SerialState): void {
  let id = UART_IIR_NO_INT;
  if (s.ier & UART_IER_RLSI && s.lsr & UART_LSR_INT_ANY) id = UART_IIR_RLSI;
  else if (s.ier & UART_IER_RDI && s.lsr & UART_LSR_DR) id = UART_IIR_RDI;
  else if (s.ier & UART_IER_THRI && s.thrIpending) id = UART_IIR_THRI;
  else if (s.ier & UART_IER_MSI && s.msr & 0x0f) id = UART_IIR_MSI;
  s.iir = id | (s.iir & ~0x0f);
  setIrq(s.irq, id !== UART_IIR_NO_INT ? 1 : 0);
}

/** The bytes the host sends (QEMU's serial_receive1). */
export function serialReceive(s: SerialState, buf: Uint8Array): void {
  for (const b of buf) {
    if (s.fcr & UART_FCR_FE) {
      if (s.recvFifo.length >= UART_FIFO_LENGTH) s.lsr |= UART_LSR_OE;
      else s.recvFifo.push(b);
    } else {
      if (s.lsr & UART_LSR_DR) s.lsr |= UART_LSR_OE;
      s.rbr = b;
    }
    s.lsr |= UART_LSR_DR;
  }
  serialUpdateIrq(s);
}

function canReceive(s: SerialState): number {
  if (s.fcr & UART_FCR_FE) return UART_FIFO_LENGTH - s.recvFifo.length;
  return s.lsr & UART_LSR_DR ? 0 : 1;
}

export function serialIoportWrite(s: SerialState, addr: number, val: number): void {
  switch (addr & 7) {
    case 0:
      if (s.lcr & UART_LCR_DLAB) {
        s.divider = (s.divider & 0xff00) | val;
        return;
      }
      s.thr = val;
      if (s.mcr & UART_MCR_LOOP) serialReceive(s, Uint8Array.of(val));
      else chardevFrontendOf(s)?.write(Uint8Array.of(val));
      // Transmission is instantaneous: the holding register is empty again at once.
      s.thrIpending = true;
      s.lsr |= UART_LSR_THRE | UART_LSR_TEMT;
      serialUpdateIrq(s);
      break;
    case 1:
      if (s.lcr & UART_LCR_DLAB) {
        s.divider = (s.divider & 0x00ff) | (val << 8);
        return;
      }
      {
        const changed = (s.ier ^ val) & 0x0f;
        s.ier = val & 0x0f;
        if (changed & UART_IER_THRI) s.thrIpending = (s.ier & UART_IER_THRI) !== 0 && (s.lsr & UART_LSR_THRE) !== 0;
        serialUpdateIrq(s);
      }
      break;
    case 2:
      if (val & UART_FCR_RFR) {
        s.recvFifo.length = 0;
        s.lsr &= ~(UART_LSR_DR | UART_LSR_OE);
      }
      if (val & UART_FCR_XFR) s.lsr |= UART_LSR_THRE | UART_LSR_TEMT;
      s.fcr = val & 0xc9;
      s.iir = (s.iir & ~UART_IIR_FE) | (s.fcr & UART_FCR_FE ? UART_IIR_FE : 0);
      serialUpdateIrq(s);
      break;
    case 3:
      s.lcr = val;
      break;
    case 4:
      s.mcr = val & 0x1f;
      break;
    case 7:
      s.scr = val;
      break;
    default:
      break;
  }
}

export function serialIoportRead(s: SerialState, addr: number): number {
  switch (addr & 7) {
    case 0: {
      if (s.lcr & UART_LCR_DLAB) return s.divider & 0xff;
      let ret: number;
      if (s.fcr & UART_FCR_FE) {
        ret = s.recvFifo.shift() ?? 0;
        if (s.recvFifo.length === 0) s.lsr &= ~UART_LSR_DR;
      } else {
        ret = s.rbr;
        s.lsr &= ~UART_LSR_DR;
      }
      serialUpdateIrq(s);
      chardevFrontendOf(s)?.chr.acceptInput();
      return ret;
    }
    case 1:
      return s.lcr & UART_LCR_DLAB ? (s.divider >> 8) & 0xff : s.ier;
    case 2: {
      const ret = s.iir;
      // Reading IIR acknowledges a THR-empty interrupt.
      if ((ret & 0x0f) === UART_IIR_THRI) {
        s.thrIpending = false;
        serialUpdateIrq(s);
      }
      return ret;
    }
    case 3:
      return s.lcr;
    case 4:
      return s.mcr;
    case 5: {
      const ret = s.lsr;
      if (s.lsr & (UART_LSR_INT_ANY & ~UART_LSR_DR)) {
        s.lsr &= ~UART_LSR_OE;
        serialUpdateIrq(s);
      }
      return ret;
    }
    case 6: {
      if (s.mcr & UART_MCR_LOOP) return ((s.mcr & 0x0c) << 4) | ((s.mcr & 0x02) << 3) | ((s.mcr & 0x01) << 5);
      const ret = s.msr;
      s.msr &= 0xf0;
      return ret;
    }
    default:
      return s.scr;
  }
}

function serialReset(s: SerialState): void {
  s.rbr = 0;
  s.ier = 0;
  s.iir = UART_IIR_NO_INT;
  s.lcr = 0;
  s.lsr = UART_LSR_TEMT | UART_LSR_THRE;
  s.msr = UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
  s.divider = 0x0c;
  s.mcr = UART_MCR_OUT2;
  s.scr = 0;
  s.fcr = 0;
  s.thrIpending = false;
  s.recvFifo.length = 0;
  setIrq(s.irq, 0);
}

function serialRealize(s: SerialState): void {
  chardevFrontendOf(s)?.setReceiver(
    (buf) => serialReceive(s, buf),
    () => canReceive(s),
  );
  serialReset(s);
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

export const serialTypeInfo: TypeInfo<SerialState, DeviceClass> = {
  name: TYPE_SERIAL,
  parent: TYPE_DEVICE,
  instance: SerialState,
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => serialRealize(d as SerialState);
    k.reset = (d) => serialReset(d as SerialState);
    deviceClassSetProps(k, [
      defineProp("chardev", "chardev", chardevKind),
      defineProp("baudbase", "baudbase", propKinds.uint32, 115200),
      defineProp("wakeup", "wakeup", plainBool, false),
    ]);
  },
};
