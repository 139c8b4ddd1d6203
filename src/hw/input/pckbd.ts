/**
 * The i8042 keyboard controller (QEMU 7.2's hw/input/pckbd.c, type `i8042`) at ports 0x60/0x64.
 * It embeds a `ps2kbd` and a `ps2mouse` (children realized on the system bus), raises ISA IRQ 1
 * and 12 for them, and drives the A20 line (`a20` GPIO output) from its output port.
 */
import { QomError } from "../../qom/error.js";
import { addChild } from "../../qom/child.js";
import { objectNew } from "../../qom/object.js";
import type { TypeInfo } from "../../qom/type.js";
import { setIrq, type IrqState } from "../core/irq.js";
import type { DeviceClass } from "../core/qdev.js";
import { qdevRealize } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, propKinds, type PropertyKind } from "../core/qdev-properties.js";
import { sysbusGetDefault } from "../core/sysbus.js";
import {
  deviceWarn,
  ioRegionNew,
  ISA_NUM_IRQS,
  isaConnectGpioOut,
  IsaDevice,
  isaRegisterIoport,
  TYPE_ISA_DEVICE,
  type IoRegion,
} from "../isa/isa-bus.js";
import { PS2_DEVICE_IRQ, ps2WriteKeyboard, Ps2KbdState, Ps2MouseState, TYPE_PS2_KBD_DEVICE, TYPE_PS2_MOUSE_DEVICE } from "./ps2.js";

export const TYPE_I8042 = "i8042";
export const I8042_A20_LINE = "a20";
export const I8042_KBD_IRQ = 0;
export const I8042_MOUSE_IRQ = 1;

// Status register bits.
const KBD_STAT_OBF = 0x01;
const KBD_STAT_SELFTEST = 0x04;
const KBD_STAT_CMD = 0x08;
const KBD_STAT_UNLOCKED = 0x10;
const KBD_STAT_MOUSE_OBF = 0x20;
// Mode (command byte) bits.
const KBD_MODE_KBD_INT = 0x01;
const KBD_MODE_MOUSE_INT = 0x02;
const KBD_MODE_SYS = 0x04;
/** Command 0xad sets it, 0xae clears it: while set the keyboard's IRQ stays low (QEMU 7.2's kbd_update_irq_lines). */
const KBD_MODE_DISABLE_KBD = 0x10;
// Output port bits.
const KBD_OUT_RESET = 0x01;
const KBD_OUT_A20 = 0x02;
const KBD_OUT_OBF = 0x10;
const KBD_OUT_MOUSE_OBF = 0x20;

export class I8042State extends IsaDevice {
  kbdIrq = 1;
  mouseIrq = 12;
  extendedState = true;
  kbdThrottle = false;

  status = KBD_STAT_CMD | KBD_STAT_UNLOCKED;
  mode = KBD_MODE_KBD_INT | KBD_MODE_MOUSE_INT;
  outport = KBD_OUT_RESET | KBD_OUT_A20;
  pending = 0;
  cbdata = 0;
  /** The last command (0xd1 and friends take a data byte next). */
  writeCmd = 0;
  /** A guest-requested reset (command 0xfe pulses the CPU reset line); the board installs it. */
  onSystemReset: (() => void) | undefined;

  ps2kbd!: Ps2KbdState;
  ps2mouse!: Ps2MouseState;
  readonly io: IoRegion[] = [];
}

function kbdUpdateIrq(s: I8042State): void {
  let irqKbd = 0;
  let irqMouse = 0;
  s.status &= ~(KBD_STAT_OBF | KBD_STAT_MOUSE_OBF);
  s.outport &= ~(KBD_OUT_OBF | KBD_OUT_MOUSE_OBF);
  if (s.pending) {
    s.status |= KBD_STAT_OBF;
    s.outport |= KBD_OUT_OBF;
    if (s.pending & 2) {
      s.status |= KBD_STAT_MOUSE_OBF;
      s.outport |= KBD_OUT_MOUSE_OBF;
      if (s.mode & KBD_MODE_MOUSE_INT) irqMouse = 1;
    } else if (s.mode & KBD_MODE_KBD_INT && !(s.mode & KBD_MODE_DISABLE_KBD)) {
      irqKbd = 1;
    }
  }
  setIrq(s.gpioOut(I8042_KBD_IRQ), irqKbd);
  setIrq(s.gpioOut(I8042_MOUSE_IRQ), irqMouse);
}

function outportWrite(s: I8042State, val: number): void {
  s.outport = val;
  setIrq(s.gpioOut(0, I8042_A20_LINE), (val >> 1) & 1);
  if (!(val & 1)) s.onSystemReset?.();
}

function readStatus(s: I8042State): number {
  return s.status;
}

function readData(s: I8042State): number {
  if (s.pending & 4) {
    // A controller reply (command byte, output port, …).
    s.pending &= ~4;
    const v = s.cbdata;
    kbdUpdateIrq(s);
    return v;
  }
  if (s.pending & 2) {
    s.pending &= ~2;
    const v = s.ps2mouse.readData();
    if (s.ps2mouse.queue.length) s.pending |= 2;
    kbdUpdateIrq(s);
    return v;
  }
  s.pending &= ~1;
  const v = s.ps2kbd.readData();
  if (s.ps2kbd.queue.length) s.pending |= 1;
  kbdUpdateIrq(s);
  return v;
}

function reply(s: I8042State, v: number): void {
  s.cbdata = v & 0xff;
  s.pending |= 4;
  kbdUpdateIrq(s);
}

function writeCommand(s: I8042State, val: number): void {
  // 0xf0-0xff pulse output port bits; bit 0 low resets the CPU.
  if ((val & 0xf0) === 0xf0) {
    if (!(val & 1)) val = 0xfe;
  }
  switch (val) {
    case 0x20:
      reply(s, s.mode);
      break;
    case 0x60:
    case 0xd1:
    case 0xd2:
    case 0xd3:
    case 0xd4:
      s.writeCmd = val;
      break;
    case 0xa7:
      s.mode |= 0x20;
      break;
    case 0xa8:
      s.mode &= ~0x20;
      break;
    case 0xa9:
      reply(s, 0x00);
      break;
    case 0xaa:
      s.status |= KBD_STAT_SELFTEST;
      reply(s, 0x55);
      break;
    case 0xab:
      reply(s, 0x00);
      break;
    case 0xad:
      s.mode |= KBD_MODE_DISABLE_KBD;
      kbdUpdateIrq(s);
      break;
    case 0xae:
      s.mode &= ~KBD_MODE_DISABLE_KBD;
      kbdUpdateIrq(s);
      break;
    case 0xc0:
      reply(s, 0x00);
      break;
    case 0xd0:
      reply(s, s.outport);
      break;
    case 0xdd:
      outportWrite(s, s.outport & ~KBD_OUT_A20);
      break;
    case 0xdf:
      outportWrite(s, s.outport | KBD_OUT_A20);
      break;
    case 0xfe:
      s.onSystemReset?.();
      break;
    case 0xff:
      break;
    default:
      break;
  }
}

function writeData(s: I8042State, val: number): void {
  switch (s.writeCmd) {
    case 0:
      ps2WriteKeyboard(s.ps2kbd, val);
      if (s.ps2kbd.queue.length) s.pending |= 1;
      kbdUpdateIrq(s);
      break;
    case 0x60:
      s.mode = val & 0xff;
      s.status = (s.status & ~KBD_STAT_SELFTEST) | (val & KBD_MODE_SYS ? KBD_STAT_SELFTEST : 0);
      kbdUpdateIrq(s);
      break;
    case 0xd1:
      outportWrite(s, val);
      break;
    case 0xd2:
      s.ps2kbd.queueByte(val);
      s.pending |= 1;
      kbdUpdateIrq(s);
      break;
    case 0xd3:
      s.ps2mouse.queueByte(val);
      s.pending |= 2;
      kbdUpdateIrq(s);
      break;
    case 0xd4:
      s.ps2mouse.queueByte(0xfa);
      s.pending |= 2;
      kbdUpdateIrq(s);
      break;
    default:
      break;
  }
  s.writeCmd = 0;
}

function kbdReset(s: I8042State): void {
  s.mode = KBD_MODE_KBD_INT | KBD_MODE_MOUSE_INT;
  s.status = KBD_STAT_CMD | KBD_STAT_UNLOCKED;
  s.outport = KBD_OUT_RESET | KBD_OUT_A20;
  s.pending = 0;
  s.writeCmd = 0;
}

function i8042InstanceInit(s: I8042State): void {
  const impl = { minAccessSize: 1, maxAccessSize: 1 };
  s.io.push(ioRegionNew(s, "i8042-data", 1, { read: () => readData(s), write: (_a, v) => writeData(s, v), impl }));
  s.io.push(ioRegionNew(s, "i8042-cmd", 1, { read: () => readStatus(s), write: (_a, v) => writeCommand(s, v), impl }));
  s.initGpioOut(1, I8042_A20_LINE);
  s.ps2kbd = objectNew<Ps2KbdState>(s.registry, TYPE_PS2_KBD_DEVICE);
  addChild(s, "ps2kbd", s.ps2kbd);
  s.ps2kbd.unref();
  s.ps2mouse = objectNew<Ps2MouseState>(s.registry, TYPE_PS2_MOUSE_DEVICE);
  addChild(s, "ps2mouse", s.ps2mouse);
  s.ps2mouse.unref();
  s.initGpioOut(2);
  s.initGpioIn((_n, level) => {
    if (level) s.pending |= 1;
    else s.pending &= ~1;
    kbdUpdateIrq(s);
  }, 1, "ps2-kbd-input-irq");
  s.initGpioIn((_n, level) => {
    if (level) s.pending |= 2;
    else s.pending &= ~2;
    kbdUpdateIrq(s);
  }, 1, "ps2-mouse-input-irq");
}

function i8042Realize(s: I8042State): void {
  if (s.kbdIrq >= ISA_NUM_IRQS) throw new QomError(`Maximum value for "kbd-irq" is: ${ISA_NUM_IRQS - 1}`);
  if (s.mouseIrq >= ISA_NUM_IRQS) throw new QomError(`Maximum value for "mouse-irq" is: ${ISA_NUM_IRQS - 1}`);
  isaConnectGpioOut(s, I8042_KBD_IRQ, s.kbdIrq);
  isaConnectGpioOut(s, I8042_MOUSE_IRQ, s.mouseIrq);
  isaRegisterIoport(s, s.io[0]!, 0x60);
  isaRegisterIoport(s, s.io[1]!, 0x64);
  const sysbus = sysbusGetDefault(s.registry);
  qdevRealize(s.ps2kbd, sysbus);
  s.ps2kbd.connectGpioOut(PS2_DEVICE_IRQ, s.gpioIn(0, "ps2-kbd-input-irq"));
  qdevRealize(s.ps2mouse, sysbus);
  s.ps2mouse.connectGpioOut(PS2_DEVICE_IRQ, s.gpioIn(0, "ps2-mouse-input-irq"));
  if (s.kbdThrottle && !s.extendedState) {
    deviceWarn(s.registry, "i8042: can't enable kbd-throttle without extended-state, disabling kbd-throttle");
  }
}

/** QEMU's i8042_setup_a20_line: the board's A20 handler on the `a20` output. */
export function i8042SetupA20Line(dev: I8042State, a20Out: IrqState | undefined): void {
  dev.connectGpioOut(0, a20Out, I8042_A20_LINE);
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

export const i8042TypeInfo: TypeInfo<I8042State, DeviceClass> = {
  name: TYPE_I8042,
  parent: TYPE_ISA_DEVICE,
  instance: I8042State,
  instanceInit: i8042InstanceInit,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "input"]);
    k.realize = (d) => i8042Realize(d as I8042State);
    k.reset = (d) => kbdReset(d as I8042State);
    deviceClassSetProps(k, [
      defineProp("extended-state", "extendedState", plainBool, true),
      defineProp("kbd-throttle", "kbdThrottle", plainBool, false),
      defineProp("kbd-irq", "kbdIrq", propKinds.uint8, 1),
      defineProp("mouse-irq", "mouseIrq", propKinds.uint8, 12),
    ]);
  },
};
