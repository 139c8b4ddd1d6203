/**
 * Devices (QEMU's hw/core/qdev.c). A device is built in two phases: creation, which cannot
 * fail, and realization (the `realized` property), which validates properties, claims
 * resources and may fail. A device realized without a parent is placed under
 * `/machine/unattached/device[N]`.
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { addChild } from "../../qom/child.js";
import { containerGet } from "../../qom/container.js";
import { QomError } from "../../qom/error.js";
import { addLink, allowSetLink, linkProperty } from "../../qom/link.js";
import { addClassProperty, objectNew, QomObject } from "../../qom/object.js";
import { boolProperty } from "../../qom/property.js";
import { qemuPropertyIter } from "../../qom/qom-qmp-cmds.js";
import { objectGetRoot } from "../../qom/root.js";
import { TYPE_OBJECT, type ObjectClass, type TypeInfo, type TypeRegistry } from "../../qom/type.js";
import type { BusState } from "./bus.js";
import { hotplugHandlerClass } from "./hotplug.js";
import { allocateIrq, IrqState, TYPE_IRQ, type IrqHandler } from "./irq.js";
import { qdevPropSetGlobals, type GlobalProperty } from "./qdev-globals.js";

export const TYPE_DEVICE = "device";

/** QEMU's DeviceCategory, in its order (the `-device help` section order). */
export const DEVICE_CATEGORIES = [
  "bridge",
  "usb",
  "storage",
  "network",
  "input",
  "display",
  "sound",
  "misc",
  "cpu",
  "watchdog",
] as const;
export type DeviceCategory = (typeof DEVICE_CATEGORIES)[number];

export interface DeviceClass extends ObjectClass {
  desc?: string;
  categories: Set<DeviceCategory>;
  /** Whether -device / device_add may create it. */
  userCreatable: boolean;
  hotpluggable: boolean;
  /** The bus type a device of this class plugs into, if any. */
  busType?: string;
  /** Validates and brings the device up; throws a QomError to refuse. */
  realize?: (dev: DeviceState) => void;
  unrealize?: (dev: DeviceState) => void;
  /** Puts the device back in its power-on state. */
  reset?: (dev: DeviceState) => void;
}

/** Per-registry qdev bookkeeping that QEMU keeps in static variables. */
export interface QdevContext {
  unattachedCount: number;
  anonCount: number;
  /** -global properties (QEMU's global_props), applied to each new device. */
  globals: GlobalProperty[];
  /** Set once the machine is built (QEMU's PHASE_MACHINE_READY): new devices are hotplugged. */
  machineReady: boolean;
  /** warn_report for device-level warnings (hotplugged devices' bad globals). */
  warn?: (text: string) => void;
  /** Where DEVICE_DELETED and other device events go (the machine's monitor). */
  emitEvent?: (name: string, data: JsonObject) => void;
  /** The machine's hotplug handler hook (MachineClass.get_hotplug_handler). */
  machineHotplugHandler?: (dev: DeviceState) => QomObject | undefined;
}

const contexts = new WeakMap<TypeRegistry, QdevContext>();

export function qdevContext(registry: TypeRegistry): QdevContext {
  let ctx = contexts.get(registry);
  if (!ctx) contexts.set(registry, (ctx = { unattachedCount: 0, anonCount: 0, globals: [], machineReady: false }));
  return ctx;
}

interface GpioList {
  readonly in: IrqState[];
  readonly out: Array<{ target(): IrqState | undefined; propName: string }>;
}

export class DeviceState extends QomObject {
  /** The `id` given by -device/device_add (QEMU's DeviceState.id). */
  id: string | undefined;
  realized = false;
  hotplugged = false;
  parentBus: BusState | undefined;
  /** Child buses, most recently added first (QEMU inserts at the head). */
  readonly childBuses: BusState[] = [];
  readonly gpios = new Map<string, GpioList>();
  /** Set at realize; DEVICE_DELETED reports it after unrealize. */
  canonicalPathAtRealize: string | undefined;
  pendingDeletedEvent = false;

  get deviceClass(): DeviceClass {
    return this.classAs<DeviceClass>(TYPE_DEVICE);
  }

  /** Realizes or unrealizes, as setting the `realized` property does. */
  setRealized(value: boolean): void {
    if (value === this.realized) return;
    if (value) realizeDevice(this);
    else unrealizeDevice(this);
  }

  realize(): void {
    this.setRealized(true);
  }

  reset(): void {
    this.deviceClass.reset?.(this);
    for (const bus of this.childBuses) bus.resetChildren();
  }

  // ---- GPIO ---------------------------------------------------------------------------------

  private gpioList(name: string | undefined): GpioList {
    const key = name ?? "";
    let list = this.gpios.get(key);
    if (!list) this.gpios.set(key, (list = { in: [], out: [] }));
    return list;
  }

  /** QEMU's qdev_init_gpio_in_named: `n` input pins as child `irq` objects. */
  initGpioIn(handler: IrqHandler, n: number, name?: string): void {
    const list = this.gpioList(name);
    const prop = `${name ?? "unnamed-gpio-in"}[*]`;
    for (let i = 0; i < n; i++) {
      const irq = allocateIrq(this.registry, handler, list.in.length);
      addChild(this, prop, irq);
      irq.unref();
      list.in.push(irq);
    }
  }

  /** QEMU's qdev_init_gpio_out_named: `n` output pins as strong link<irq> properties. */
  initGpioOut(n: number, name?: string): void {
    const list = this.gpioList(name);
    const prop = `${name ?? "unnamed-gpio-out"}[*]`;
    for (let i = 0; i < n; i++) {
      const link = addLink(this, prop, TYPE_IRQ, { check: allowSetLink, strong: true });
      list.out.push({ target: () => link.target() as IrqState | undefined, propName: link.prop.name });
    }
  }

  gpioIn(n: number, name?: string): IrqState {
    const irq = this.gpios.get(name ?? "")?.in[n];
    if (!irq) throw new QomError(`'${this.typeName}' has no GPIO input ${name ?? ""}[${n}]`);
    return irq;
  }

  gpioOut(n: number, name?: string): IrqState | undefined {
    return this.gpios.get(name ?? "")?.out[n]?.target();
  }

  /**
   * QEMU's qdev_connect_gpio_out_named. A pin that belongs to no device yet is parked under
   * `/machine/unattached/non-qdev-gpio[N]` so that it has a path.
   */
  connectGpioOut(n: number, pin: IrqState | undefined, name?: string): void {
    const out = this.gpios.get(name ?? "")?.out[n];
    if (!out) throw new QomError(`'${this.typeName}' has no GPIO output ${name ?? ""}[${n}]`);
    if (pin && !pin.parent) {
      const unattached = containerGet(objectGetRoot(this.registry), "/machine/unattached");
      addChild(unattached, "non-qdev-gpio[*]", pin);
    }
    this.setPropertyJson(out.propName, pin?.canonicalPath ?? "");
  }
}

/** The hotplug handler for a device: the machine's, else its bus's (QEMU's qdev_get_hotplug_handler). */
export function hotplugHandlerFor(dev: DeviceState): QomObject | undefined {
  return qdevContext(dev.registry).machineHotplugHandler?.(dev) ?? dev.parentBus?.hotplugHandler;
}

function realizeDevice(dev: DeviceState): void {
  const ctx = qdevContext(dev.registry);
  let unattached = false;
  if (!dev.parent) {
    const container = containerGet(objectGetRoot(dev.registry), "/machine/unattached");
    addChild(container, `device[${ctx.unattachedCount++}]`, dev);
    unattached = true;
  }
  try {
    const handler = hotplugHandlerFor(dev);
    if (handler) hotplugHandlerClass(handler).prePlug?.(handler, dev);
    dev.deviceClass.realize?.(dev);
    dev.canonicalPathAtRealize = dev.canonicalPath;
    for (const bus of [...dev.childBuses].reverse()) bus.setRealized(true);
    if (dev.hotplugged) dev.reset();
    dev.pendingDeletedEvent = false;
    if (handler) hotplugHandlerClass(handler).plug?.(handler, dev);
  } catch (err) {
    for (const bus of dev.childBuses) if (bus.realized) bus.setRealized(false);
    if (unattached) {
      dev.unparent();
      ctx.unattachedCount--;
    }
    throw err;
  }
  dev.realized = true;
}

function unrealizeDevice(dev: DeviceState): void {
  for (const bus of dev.childBuses) bus.setRealized(false);
  dev.deviceClass.unrealize?.(dev);
  dev.realized = false;
  dev.pendingDeletedEvent = true;
}

function deviceClassInit(k: ObjectClass): void {
  const dc = k as DeviceClass;
  dc.categories = new Set();
  dc.userCreatable = true;
  dc.hotpluggable = true;
  // Added in this order so that qom-list-properties lists them as QEMU does.
  // QEMU's device_get_hotpluggable: the class allows it and the device is on no bus or on one
  // with a hotplug handler (qbus_is_hotpluggable).
  addClassProperty(
    k,
    boolProperty("hotpluggable", {
      get: (o) => {
        const d = o as DeviceState;
        return d.deviceClass.hotpluggable && (d.parentBus === undefined || d.parentBus.hotplugHandler !== undefined);
      },
    }),
  );
  addClassProperty(k, boolProperty("hotplugged", { get: (o) => (o as DeviceState).hotplugged }));
  addClassProperty(
    k,
    boolProperty("realized", {
      get: (o) => (o as DeviceState).realized,
      set: (o, v) => (o as DeviceState).setRealized(v),
    }),
  );
  addClassProperty(
    k,
    linkProperty("parent_bus", "bus", { get: (o) => (o as DeviceState).parentBus, set: () => {} }),
  );
  k.unparent = (obj) => deviceUnparent(obj as DeviceState);
}

/** QEMU's device_unparent: unrealize, drop child buses, leave the parent bus. */
function deviceUnparent(dev: DeviceState): void {
  if (dev.realized) dev.setRealized(false);
  while (dev.childBuses.length > 0) dev.childBuses[0]!.unparent();
  dev.parentBus?.removeChild(dev);
}

function deviceFinalize(dev: DeviceState): void {
  if (dev.pendingDeletedEvent && dev.canonicalPathAtRealize !== undefined) {
    const data: JsonObject = { path: dev.canonicalPathAtRealize };
    if (dev.id !== undefined) data["device"] = dev.id;
    qdevContext(dev.registry).emitEvent?.("DEVICE_DELETED", data);
  }
}

export const deviceTypeInfo: TypeInfo<DeviceState> = {
  name: TYPE_DEVICE,
  parent: TYPE_OBJECT,
  abstract: true,
  instance: DeviceState,
  classInit: deviceClassInit,
  // QEMU's device_initfn: a device created after the machine is built is a hotplugged one.
  instanceInit: (dev) => {
    dev.hotplugged = qdevContext(dev.registry).machineReady;
  },
  // QEMU's device_post_init: -global values, before any property the creator sets.
  instancePostInit: (dev) => qdevPropSetGlobals(dev),
  instanceFinalize: deviceFinalize,
};

/** Properties `device-list-properties` leaves out: those of Object and DeviceState. */
const DEVICE_BASE_PROPERTIES = new Set(["type", "realized", "hotpluggable", "hotplugged", "parent_bus"]);

/** QEMU's qmp_device_list_properties: a fresh instance's properties in QEMU's iteration order, reversed. */
export function deviceListProperties(registry: TypeRegistry, typename: string): JsonObject[] {
  const klass = registry.classByName(typename);
  if (!klass) throw new QomError(`Device '${typename}' not found`, "DeviceNotFound");
  if (!registry.classDynamicCast(klass, TYPE_DEVICE) || klass.type.abstract) {
    throw new QomError("Parameter 'typename' expects a non-abstract device type");
  }
  const obj = objectNew(registry, typename);
  try {
    const out: JsonObject[] = [];
    for (const prop of qemuPropertyIter(obj)) {
      if (DEVICE_BASE_PROPERTIES.has(prop.name) || prop.name.startsWith("legacy-")) continue;
      const info: JsonObject = { name: prop.name, type: prop.type };
      if (prop.description !== undefined) info["description"] = prop.description;
      if (prop.defval !== undefined) info["default-value"] = prop.defval;
      out.push(info);
    }
    return out.reverse();
  } finally {
    obj.unref();
  }
}
