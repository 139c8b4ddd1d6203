/**
 * Property kinds the PCI family needs besides hw/core's: QEMU's DEFINE_PROP_BOOL reports no
 * description (only DEFINE_PROP_BIT says "on/off"), and the block-device enums.
 */
import { enumKind, propKinds, type PropertyKind } from "../core/qdev-properties.js";

/** DEFINE_PROP_BOOL: type `bool`, no description. */
export const plainBool: PropertyKind<boolean> = {
  type: "bool",
  read: (v, n) => v.typeBool(n),
  write: (x) => x,
};

/** DEFINE_PROP_BIT / DEFINE_PROP_BIT64: type `bool`, described "on/off". */
export const bitBool = propKinds.bool;

export const blockdevOnErrorKind = enumKind(
  "BlockdevOnError",
  ["report", "ignore", "enospc", "stop", "auto"],
  "Error handling policy, report/ignore/enospc/stop/auto",
);

export const biosAtaTranslationKind = enumKind(
  "BiosAtaTranslation",
  ["auto", "none", "lba", "large", "rechs"],
  "Logical CHS translation algorithm, auto/none/lba/large/rechs",
);

/** DEFINE_PROP_BLOCKSIZE: a size, described as QEMU describes it. */
export const blocksizeKind: PropertyKind<number | bigint> = {
  ...propKinds.size,
  description: "A power of two between 512 B and 2 MiB",
};
