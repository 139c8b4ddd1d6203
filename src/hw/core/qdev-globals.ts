/**
 * Global device properties (QEMU's -global and qdev_prop_set_globals): defaults that apply to
 * every device of a type — or of any of its subtypes — when it is created, before its own
 * properties are set. Globals that never matched are reported once the machine is built.
 */
import { QomError } from "../../qom/error.js";
import type { TypeRegistry } from "../../qom/type.js";
import type { WarningSink } from "../../util/error.js";
import { qdevContext, TYPE_DEVICE, type DeviceClass, type DeviceState } from "./qdev.js";

export interface GlobalProperty {
  readonly driver: string;
  readonly property: string;
  readonly value: string;
  used: boolean;
}

export function qdevAddGlobal(registry: TypeRegistry, driver: string, property: string, value: string): void {
  qdevContext(registry).globals.push({ driver, property, value, used: false });
}

/**
 * QEMU's object_apply_global_props for a new device: each matching global is parsed as from
 * the command line. A device created while the machine is built fails on a bad global; a
 * hotplugged one only warns and keeps going, as in QEMU.
 */
export function qdevPropSetGlobals(dev: DeviceState): void {
  const ctx = qdevContext(dev.registry);
  for (const g of ctx.globals) {
    if (!dev.isA(g.driver)) continue;
    g.used = true;
    try {
      dev.parseProperty(g.property, g.value);
    } catch (err) {
      if (!(err instanceof QomError)) throw err;
      const text = `can't apply global ${g.driver}.${g.property}=${g.value}: ${err.message}`;
      if (!dev.hotplugged) throw new QomError(text);
      ctx.warn?.(text);
    }
  }
}

/** QEMU's qdev_prop_check_globals: warnings for globals that never applied to anything. */
export function qdevPropCheckGlobals(registry: TypeRegistry, warnings: WarningSink): void {
  for (const g of qdevContext(registry).globals) {
    if (g.used) continue;
    const klass = registry.classByName(g.driver);
    const dc = klass && (registry.classDynamicCast(klass, TYPE_DEVICE) as DeviceClass | undefined);
    if (!dc) {
      warnings.warn(`global ${g.driver}.${g.property} has invalid class name`);
    } else if (!dc.hotpluggable) {
      warnings.warn(`global ${g.driver}.${g.property}=${g.value} not used`);
    }
  }
}
