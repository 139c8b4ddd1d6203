/**
 * `chardev-vc` (QEMU's ui/console.c text console): the default serial and parallel backends when
 * a display exists. qomd has no graphical console yet, so output is discarded, as it is on a
 * console nobody looks at; what QEMU reports about the chardev (type, filename "vc") is kept.
 */
import type { TypeInfo } from "../qom/type.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass } from "./chardev.js";

export const TYPE_CHARDEV_VC = "chardev-vc";

export const chardevVcTypeInfo: TypeInfo<Chardev, ChardevClass> = {
  name: TYPE_CHARDEV_VC,
  parent: TYPE_CHARDEV,
  classInit: (k) => {
    k.open = () => true;
  },
};
