/**
 * The debug console (QEMU 7.2's hw/char/debugcon.c, type `isa-debugcon`): every byte written
 * to its port (0xe9 by default; SeaBIOS logs to 0x402) goes to its chardev; reads give
 * `readback`.
 */
import { QomError } from "../../qom/error.js";
import type { TypeInfo } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { ioRegionNew, IsaDevice, isaRegisterIoport, TYPE_ISA_DEVICE } from "../isa/isa-bus.js";
import { chardevConnected, chardevFrontendOf, chardevKind } from "./char-prop.js";

export const TYPE_ISA_DEBUGCON_DEVICE = "isa-debugcon";

export class IsaDebugconState extends IsaDevice {
  iobase = 0xe9;
  chardev: string | undefined;
  readback = 0xe9;
}

function debugconRealize(s: IsaDebugconState): void {
  if (!chardevConnected(s)) throw new QomError("Can't create debugcon device, empty char device");
  const io = ioRegionNew(s, TYPE_ISA_DEBUGCON_DEVICE, 1, {
    read: () => s.readback,
    write: (_a, v) => chardevFrontendOf(s)?.write(Uint8Array.of(v & 0xff)),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  isaRegisterIoport(s, io, s.iobase);
}

export const debugconTypeInfo: TypeInfo<IsaDebugconState, DeviceClass> = {
  name: TYPE_ISA_DEBUGCON_DEVICE,
  parent: TYPE_ISA_DEVICE,
  instance: IsaDebugconState,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "misc"]);
    k.realize = (d) => debugconRealize(d as IsaDebugconState);
    deviceClassSetProps(k, [
      defineProp("iobase", "iobase", propKinds.uint32, 0xe9),
      defineProp("chardev", "chardev", chardevKind),
      defineProp("readback", "readback", propKinds.uint32, 0xe9),
    ]);
  },
};
