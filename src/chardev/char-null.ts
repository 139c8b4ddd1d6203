/** `chardev-null` (QEMU's chardev/char-null.c): takes every byte and never produces any. */
import type { TypeInfo } from "../qom/type.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass } from "./chardev.js";

export const TYPE_CHARDEV_NULL = "chardev-null";

export const chardevNullTypeInfo: TypeInfo<Chardev, ChardevClass> = {
  name: TYPE_CHARDEV_NULL,
  parent: TYPE_CHARDEV,
  classInit: (k) => {
    // Open at once, never emits an OPENED event (QEMU sets be_opened = false).
    k.open = () => false;
  },
};
