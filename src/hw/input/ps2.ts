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
