/**
 * The VMware absolute mouse (QEMU 7.2's hw/i386/vmmouse.c, type `vmmouse`): a device on the ISA
 * bus without ports of its own that talks through the vmport backdoor and falls back to the
 * i8042's PS/2 mouse, given by its `i8042` link.
 */
import { QomError } from "../../qom/error.js";
import { linkProperty } from "../../qom/link.js";
import { addClassProperty } from "../../qom/object.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import type { TypeInfo } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { allowSetLinkBeforeRealize, IsaDevice, TYPE_ISA_DEVICE } from "../isa/isa-bus.js";
import { TYPE_I8042, type I8042State } from "../input/pckbd.js";
import {
  TYPE_VMPORT,
  VMPORT_CMD_VMMOUSE_COMMAND,
  VMPORT_CMD_VMMOUSE_DATA,
  VMPORT_CMD_VMMOUSE_STATUS,
  vmportRegister,
} from "./vmport.js";

export const TYPE_VMMOUSE = "vmmouse";

export class VmmouseState extends IsaDevice {
  i8042: I8042State | undefined;
  readonly queue: number[] = [];
  status = 0;
  absolute = false;
}

function vmmouseRealize(s: VmmouseState): void {
  if (!s.i8042) throw new QomError("'i8042' link is not set");
  if (!resolvePathType(objectGetRoot(s.registry), "", TYPE_VMPORT).obj) {
    throw new QomError("vmmouse needs a machine with vmport");
  }
  const read = (): number => 0;
  vmportRegister(s.registry, VMPORT_CMD_VMMOUSE_STATUS, read);
  vmportRegister(s.registry, VMPORT_CMD_VMMOUSE_COMMAND, read);
  vmportRegister(s.registry, VMPORT_CMD_VMMOUSE_DATA, read);
}

export const vmmouseTypeInfo: TypeInfo<VmmouseState, DeviceClass> = {
  name: TYPE_VMMOUSE,
  parent: TYPE_ISA_DEVICE,
  instance: VmmouseState,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "input"]);
    k.realize = (d) => vmmouseRealize(d as VmmouseState);
    // A qdev link property: QEMU adds an unreadable legacy-<name> string property before it.
    addClassProperty(k, { name: "legacy-i8042", type: "str" });
    addClassProperty(
      k,
      linkProperty(
        "i8042",
        TYPE_I8042,
        {
          get: (o) => (o as VmmouseState).i8042,
          set: (o, t) => ((o as VmmouseState).i8042 = t as I8042State | undefined),
        },
        { check: allowSetLinkBeforeRealize },
      ),
    );
  },
};
