/**
 * The `bootindex` property (QEMU's device_add_bootindex_property, softmmu/bootdevice.c): an
 * int32 instance property with no default, -1 meaning "not in the boot order". Indexes are
 * unique per machine; the machine reads the order from `bootOrder()` when it writes fw_cfg.
 * Lives here until the board code has a home for QEMU's boot device list.
 */
import { QomError } from "../../qom/error.js";
import type { QomObject } from "../../qom/object.js";
import type { TypeRegistry } from "../../qom/type.js";
import type { DeviceState } from "../core/qdev.js";

interface BootEntry {
  readonly index: number;
  readonly dev: DeviceState;
  readonly suffix: string | undefined;
}

const bootLists = new WeakMap<TypeRegistry, BootEntry[]>();

function bootList(registry: TypeRegistry): BootEntry[] {
  let list = bootLists.get(registry);
  if (!list) bootLists.set(registry, (list = []));
  return list;
}

/** The devices with a boot index, lowest index first (QEMU's fw_boot_order). */
export function bootOrder(registry: TypeRegistry): readonly BootEntry[] {
  return [...bootList(registry)].sort((a, b) => a.index - b.index);
}

function removeEntry(registry: TypeRegistry, dev: DeviceState, suffix: string | undefined): void {
  const list = bootList(registry);
  const i = list.findIndex((e) => e.dev === dev && e.suffix === suffix);
  if (i >= 0) list.splice(i, 1);
}

/**
 * Adds `name` (usually "bootindex") to `dev`. `get`/`set` reach the field the device keeps
 * the index in; the setter refuses an index another device already holds.
 */
export function deviceAddBootindexProperty(
  dev: DeviceState,
  name: string,
  suffix: string | undefined,
  acc: { get(): number; set(v: number): void },
): void {
  const registry = dev.registry;
  dev.addProperty({
    name,
    type: "int32",
    get: () => acc.get(),
    set: (_obj: QomObject, v) => {
      const value = Number(v.typeInt(name, "int32"));
      if (value >= 0 && bootList(registry).some((e) => e.index === value && !(e.dev === dev && e.suffix === suffix))) {
        throw new QomError(`The bootindex ${value} has already been used`);
      }
      acc.set(value);
      removeEntry(registry, dev, suffix);
      if (value >= 0) bootList(registry).push({ index: value, dev, suffix });
    },
    release: () => removeEntry(registry, dev, suffix),
  });
  acc.set(-1);
}
