/**
 * The qdev `chardev` property (QEMU's DEFINE_PROP_CHR, hw/core/qdev-properties-system.c): the
 * label of a chardev under `/chardevs`, attached as the device's frontend when the property is
 * set, with QEMU's texts when it does not exist or already has a frontend.
 */
import { ChardevFrontend } from "../../chardev/char-fe.js";
import { TYPE_CHARDEV, type Chardev } from "../../chardev/chardev.js";
import { QomError } from "../../qom/error.js";
import { resolvePath } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import type { DeviceState } from "../core/qdev.js";
import type { PropertyKind } from "../core/qdev-properties.js";

const frontends = new WeakMap<DeviceState, Map<string, ChardevFrontend>>();

/** The frontend a device's chardev property attached, if any (QEMU's CharBackend). */
export function chardevFrontendOf(dev: DeviceState, name = "chardev"): ChardevFrontend | undefined {
  return frontends.get(dev)?.get(name);
}

/** QEMU's qemu_chr_fe_backend_connected. */
export function chardevConnected(dev: DeviceState, name = "chardev"): boolean {
  return chardevFrontendOf(dev, name) !== undefined;
}

export const chardevKind: PropertyKind<string> = {
  type: "str",
  description: "ID of a chardev to use as a backend",
  read(v, name, dev) {
    const label = v.typeStr(name);
    let map = frontends.get(dev);
    if (!map) frontends.set(dev, (map = new Map()));
    map.get(name)?.deinit();
    map.delete(name);
    if (label === "") return label;
    const chr = resolvePath(objectGetRoot(dev.registry), `/chardevs/${label}`).obj?.dynamicCast<Chardev>(TYPE_CHARDEV);
    if (!chr) throw new QomError(`Property '${dev.typeName}.${name}' can't find value '${label}'`);
    try {
      map.set(name, new ChardevFrontend(chr));
    } catch (err) {
      if (err instanceof QomError) {
        throw new QomError(`Property '${dev.typeName}.${name}' can't take value '${label}': ${err.message}`);
      }
      throw err;
    }
    return label;
  },
  write: (x) => x,
};
