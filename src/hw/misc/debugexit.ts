/**
 * The debug exit port (QEMU 7.2's hw/misc/debugexit.c, type `isa-debug-exit`): writing `val`
 * to its port (0x501 by default) ends the emulator with exit status (val << 1) | 1, so a test
 * guest can report success or failure.
 */
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { ioRegionNew, IsaDevice, isaRegisterIoport, TYPE_ISA_DEVICE } from "../isa/isa-bus.js";

export const TYPE_ISA_DEBUG_EXIT_DEVICE = "isa-debug-exit";

export class IsaDebugExitState extends IsaDevice {
  iobase = 0x501;
  iosize = 0x02;
}

/** What happens on a write: the machine installs its exit path (QEMU calls exit()). */
const exitHandlers = new WeakMap<TypeRegistry, (status: number) => void>();

export function setDebugExitHandler(registry: TypeRegistry, handler: ((status: number) => void) | undefined): void {
  if (handler) exitHandlers.set(registry, handler);
  else exitHandlers.delete(registry);
}

function debugExitRealize(s: IsaDebugExitState): void {
  const io = ioRegionNew(s, TYPE_ISA_DEBUG_EXIT_DEVICE, s.iosize, {
    write: (_a, val) => exitHandlers.get(s.registry)?.(((val << 1) | 1) & 0xff),
    valid: { minAccessSize: 1, maxAccessSize: 4 },
  });
  isaRegisterIoport(s, io, s.iobase);
}

export const debugExitTypeInfo: TypeInfo<IsaDebugExitState, DeviceClass> = {
  name: TYPE_ISA_DEBUG_EXIT_DEVICE,
  parent: TYPE_ISA_DEVICE,
  instance: IsaDebugExitState,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "misc"]);
    k.realize = (d) => debugExitRealize(d as IsaDebugExitState);
    deviceClassSetProps(k, [
      defineProp("iobase", "iobase", propKinds.uint32, 0x501),
      defineProp("iosize", "iosize", propKinds.uint32, 0x02),
    ]);
  },
};
