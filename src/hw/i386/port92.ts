/**
 * System control port A (QEMU 7.2's hw/i386/port92.c, type `port92`) at I/O port 0x92: bit 1
 * is the fast A20 gate (the `a20` GPIO output), a rising bit 0 resets the machine.
 */
import type { TypeInfo } from "../../qom/type.js";
import { setIrq, type IrqState } from "../core/irq.js";
import type { DeviceClass } from "../core/qdev.js";
import { ioRegionNew, IsaDevice, isaRegisterIoport, TYPE_ISA_DEVICE, type IoRegion } from "../isa/isa-bus.js";

export const TYPE_PORT92 = "port92";
export const PORT92_A20_LINE = "a20";

export class Port92State extends IsaDevice {
  outport = 0;
  io: IoRegion | undefined;
  /** The board's guest-reset request (QEMU's qemu_system_reset_request). */
  onSystemReset: (() => void) | undefined;
}

function port92Write(s: Port92State, val: number): void {
  const old = s.outport;
  s.outport = val & 0xff;
  setIrq(s.gpioOut(0, PORT92_A20_LINE), (val >> 1) & 1);
  if (val & 1 && !(old & 1)) s.onSystemReset?.();
}

/** QEMU's port92_init helper: the board's A20 handler on the `a20` output. */
export function port92ConnectA20(dev: Port92State, a20: IrqState | undefined): void {
  dev.connectGpioOut(0, a20, PORT92_A20_LINE);
}

export const port92TypeInfo: TypeInfo<Port92State, DeviceClass> = {
  name: TYPE_PORT92,
  parent: TYPE_ISA_DEVICE,
  instance: Port92State,
  instanceInit: (s) => {
    s.io = ioRegionNew(s, "port92", 1, {
      read: () => s.outport,
      write: (_a, v) => port92Write(s, v),
      impl: { minAccessSize: 1, maxAccessSize: 1 },
    });
    s.initGpioOut(1, PORT92_A20_LINE);
  },
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => {
      const s = d as Port92State;
      isaRegisterIoport(s, s.io!, 0x92);
    };
    k.reset = (d) => {
      (d as Port92State).outport &= ~1;
    };
  },
};
