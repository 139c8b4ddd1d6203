/**
 * PS/2 keyboard and mouse (QEMU 7.2's hw/input/ps2.c): `ps2-device` (abstract, on the system
 * bus), `ps2-kbd` and `ps2-mouse`. Each has one output line, raised while its queue holds data;
 * the i8042 that embeds them connects it to its own inputs.
 */
import type { TypeInfo } from "../../qom/type.js";
import { setIrq } from "../core/irq.js";
import type { DeviceClass } from "../core/qdev.js";
import { SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";

export const TYPE_PS2_DEVICE = "ps2-device";
export const TYPE_PS2_KBD_DEVICE = "ps2-kbd";
export const TYPE_PS2_MOUSE_DEVICE = "ps2-mouse";
export const PS2_DEVICE_IRQ = 0;
const PS2_QUEUE_SIZE = 256;

export class Ps2State extends SysBusDevice {
  readonly queue: number[] = [];
  /** The last command byte written, while it waits for its parameter. */
  writeCmd = -1;

  /** Appends a byte for the host (QEMU's ps2_queue) and raises the line. */
  queueByte(b: number): void {
    if (this.queue.length >= PS2_QUEUE_SIZE) return;
    this.queue.push(b & 0xff);
    setIrq(this.gpioOut(PS2_DEVICE_IRQ), 1);
  }

  /** QEMU's ps2_read_data: the next byte (the last one again when empty). */
  readData(): number {
    const b = this.queue.length > 0 ? this.queue.shift()! : this.lastByte;
    this.lastByte = b;
    setIrq(this.gpioOut(PS2_DEVICE_IRQ), this.queue.length > 0 ? 1 : 0);
    return b;
  }

  lastByte = 0;
}

export class Ps2KbdState extends Ps2State {
  scanEnabled = true;
  translate = false;
  scancodeSet = 2;
  ledstate = 0;
}

export class Ps2MouseState extends Ps2State {
  status = 0;
  resolution = 2;
  sampleRate = 100;
  wrap = false;
  mouseType = 0;
}

const KBD_REPLY_ACK = 0xfa;
const KBD_REPLY_RESEND = 0xfe;
const KBD_REPLY_POR = 0xaa;
const KBD_REPLY_ID = 0xab;
/** The scancode set the host sees when the i8042 translates (QEMU's translate_table). */
const TRANSLATED_SET = [0xff, 0x43, 0x41, 0x3f];

/** QEMU's ps2_reset_keyboard: scanning on, set 2, queue empty, LEDs off. */
function ps2ResetKeyboard(s: Ps2KbdState): void {
  s.scanEnabled = true;
  s.scancodeSet = 2;
  s.queue.length = 0;
  s.ledstate = 0;
}

/** QEMU's ps2_write_keyboard: a byte the host sends to the keyboard, and the keyboard's replies. */
export function ps2WriteKeyboard(s: Ps2KbdState, val: number): void {
  const reply = (...bytes: number[]) => {
    for (const b of bytes) s.queueByte(b);
  };
  switch (s.writeCmd) {
    case 0xf3: // typematic rate: its parameter
    case 0xfb: // set make/break (QEMU's KBD_CMD_SET_MAKE_BREAK)
      reply(KBD_REPLY_ACK);
      s.writeCmd = -1;
      return;
    case 0xf0: // scancode set: 0 queries, 1-3 select
      if (val === 0) reply(KBD_REPLY_ACK, s.translate ? TRANSLATED_SET[s.scancodeSet]! : s.scancodeSet);
      else if (val >= 1 && val <= 3) {
        s.scancodeSet = val;
        reply(KBD_REPLY_ACK);
      } else reply(KBD_REPLY_RESEND);
      s.writeCmd = -1;
      return;
    case 0xed: // LEDs
      s.ledstate = val;
      reply(KBD_REPLY_ACK);
      s.writeCmd = -1;
      return;
  }
  switch (val) {
    case 0x00:
      reply(KBD_REPLY_ACK);
      break;
    case 0x05:
      reply(KBD_REPLY_RESEND);
      break;
    case 0xf2: // get id: an MF2 AT keyboard
      reply(KBD_REPLY_ACK, KBD_REPLY_ID, s.translate ? 0x41 : 0x83);
      break;
    case 0xee: // echo
      reply(0xee);
      break;
    case 0xf4: // enable
      s.scanEnabled = true;
      reply(KBD_REPLY_ACK);
      break;
    case 0xf0:
    case 0xed:
    case 0xf3:
    case 0xfb:
      s.writeCmd = val;
      reply(KBD_REPLY_ACK);
      break;
    case 0xf5: // reset, disabled
      ps2ResetKeyboard(s);
      s.scanEnabled = false;
      reply(KBD_REPLY_ACK);
      break;
    case 0xf6: // reset, enabled
      ps2ResetKeyboard(s);
      reply(KBD_REPLY_ACK);
      break;
    case 0xff: // reset: acknowledge, then the power-on self-test result
      ps2ResetKeyboard(s);
      reply(KBD_REPLY_ACK, KBD_REPLY_POR);
      break;
    case 0xfa: // set typematic (all keys)
      reply(KBD_REPLY_ACK);
      break;
    default:
      reply(KBD_REPLY_RESEND);
  }
}

function ps2Reset(s: Ps2State): void {
  s.queue.length = 0;
  s.writeCmd = -1;
  setIrq(s.gpioOut(PS2_DEVICE_IRQ), 0);
}

export const ps2DeviceTypeInfo: TypeInfo<Ps2State, DeviceClass> = {
  name: TYPE_PS2_DEVICE,
  parent: TYPE_SYS_BUS_DEVICE,
  abstract: true,
  instance: Ps2State,
  instanceInit: (s) => s.initGpioOut(1),
  classInit: (k) => {
    k.userCreatable = false;
    k.categories = new Set([...k.categories, "input"]);
    k.reset = (d) => ps2Reset(d as Ps2State);
  },
};

export const ps2KbdTypeInfo: TypeInfo<Ps2KbdState, DeviceClass> = {
  name: TYPE_PS2_KBD_DEVICE,
  parent: TYPE_PS2_DEVICE,
  instance: Ps2KbdState,
};

export const ps2MouseTypeInfo: TypeInfo<Ps2MouseState, DeviceClass> = {
  name: TYPE_PS2_MOUSE_DEVICE,
  parent: TYPE_PS2_DEVICE,
  instance: Ps2MouseState,
};
