/**
 * Buses (QEMU's hw/core/bus.c). A bus is a child of the device that provides it, named
 * `<parent id>.<n>`, or `<bus type in lower case>.<n>` from a per-class counter; it lists
 * its devices as `child[N]` links, and may have a hotplug handler.
 */
import { adoptChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { allowSetLink, linkProperty } from "../../qom/link.js";
import { addClassProperty, objectNew, QomObject } from "../../qom/object.js";
import { boolProperty } from "../../qom/property.js";
import { TYPE_OBJECT, type ObjectClass, type TypeInfo, type TypeRegistry } from "../../qom/type.js";
import { TYPE_HOTPLUG_HANDLER } from "./hotplug.js";
import type { DeviceState } from "./qdev.js";

export const TYPE_BUS = "bus";

export interface BusClass extends ObjectClass {
  /** Next automatic bus number for unnamed buses of this class. */
  automaticIds: number;
  /** Most devices this bus takes (0: unlimited). */
  maxDev: number;
  /** Validates a device's address on this bus before it is plugged (PCI slot checks, …). */
  checkAddress?: (bus: BusState, dev: DeviceState) => void;
  /** The line `info qtree` prints for a device on this bus, after its properties. */
  printDev?: (bus: BusState, dev: DeviceState, indent: number) => string[];
}

interface BusChild {
  readonly index: number;
  readonly dev: DeviceState;
  readonly propName: string;
}

export class BusState extends QomObject {
  /** The device providing this bus (undefined only for the main system bus). */
  parentDevice: DeviceState | undefined;
  name = "";
  realized = false;
  hotplugHandler: QomObject | undefined;
  /** Devices on the bus, most recently added first, as QEMU keeps them. */
  readonly kids: BusChild[] = [];
  private maxIndex = 0;

  get busClass(): BusClass {
    return this.classAs<BusClass>(TYPE_BUS);
  }

  get numChildren(): number {
    return this.kids.length;
  }

  /** QEMU's bus_add_child: a `child[N]` link to the device, typed with its type name. */
  addDevice(dev: DeviceState): void {
    const max = this.busClass.maxDev;
    if (max > 0 && this.kids.length >= max) {
      throw new QomError(`Bus '${this.name}' does not support more than ${max} device${max === 1 ? "" : "s"}`);
    }
    const index = this.maxIndex++;
    const prop = this.addProperty(
      linkProperty(`child[${index}]`, dev.typeName, { get: () => dev, set: () => {} }),
    );
    this.kids.unshift({ index, dev, propName: prop.name });
    dev.ref();
    dev.parentBus = this;
    this.ref();
  }

  /** QEMU's bus_remove_child. */
  removeChild(dev: DeviceState): void {
    const i = this.kids.findIndex((k) => k.dev === dev);
    if (i < 0) return;
    const [kid] = this.kids.splice(i, 1);
    this.deleteProperty(kid!.propName);
    dev.parentBus = undefined;
    dev.unref();
    this.unref();
  }

  /** Devices in the order they were added. */
  devices(): DeviceState[] {
    return this.kids.map((k) => k.dev).reverse();
  }

  /** Unrealizing a bus unrealizes every device on it (QEMU's bus_set_realized). */
  setRealized(value: boolean): void {
    if (!value && this.realized) {
      for (const { dev } of this.kids) if (dev.realized) dev.setRealized(false);
    }
    this.realized = value;
  }

  resetChildren(): void {
    for (const dev of this.devices()) dev.reset();
  }

  /** The hotplug handler may be the bus's parent device or the machine (qbus_set_hotplug_handler). */
  setHotplugHandler(handler: QomObject | undefined): void {
    this.hotplugHandler = handler;
  }
}

function busClassInit(k: ObjectClass): void {
  const bc = k as BusClass;
  bc.automaticIds = 0;
  bc.maxDev = 0;
  addClassProperty(
    k,
    boolProperty("realized", {
      get: (o) => (o as BusState).realized,
      set: (o, v) => (o as BusState).setRealized(v),
    }),
  );
  addClassProperty(
    k,
    linkProperty(
      "hotplug-handler",
      TYPE_HOTPLUG_HANDLER,
      { get: (o) => (o as BusState).hotplugHandler, set: (o, t) => ((o as BusState).hotplugHandler = t) },
      { check: allowSetLink },
    ),
  );
  k.unparent = (obj) => {
    const bus = obj as BusState;
    while (bus.kids.length > 0) bus.kids[0]!.dev.unparent();
    const parent = bus.parentDevice;
    if (parent) {
      const i = parent.childBuses.indexOf(bus);
      if (i >= 0) parent.childBuses.splice(i, 1);
      bus.parentDevice = undefined;
    }
  };
}

export const busTypeInfo: TypeInfo<BusState> = {
  name: TYPE_BUS,
  parent: TYPE_OBJECT,
  abstract: true,
  instance: BusState,
  classInit: busClassInit,
};

/**
 * QEMU's qbus_new / qbus_init: creates a bus of `type` on `parent` and names it. The bus is a
 * child of its parent device; without a parent it is the main system bus.
 */
export function qbusCreate<T extends BusState = BusState>(
  registry: TypeRegistry,
  type: string,
  parent: DeviceState | undefined,
  name?: string,
): T {
  const bus = objectNew<T>(registry, type);
  bus.parentDevice = parent;
  if (name !== undefined) {
    bus.name = name;
  } else if (parent?.id !== undefined) {
    bus.name = `${parent.id}.${parent.childBuses.length}`;
  } else {
    const bc = bus.busClass;
    bus.name = `${type.toLowerCase()}.${bc.automaticIds++}`;
  }
  if (parent) {
    parent.childBuses.unshift(bus);
    adoptChild(parent, bus.name, bus);
    if (parent.realized) bus.setRealized(true);
  }
  return bus;
}

function busIsFull(bus: BusState): boolean {
  const max = bus.busClass.maxDev;
  return max > 0 && bus.numChildren >= max;
}

/**
 * Finds a bus by name or type below `bus` (QEMU's qbus_find_recursive): the first match that
 * still has room, searching the newest devices and buses first; a full match only as a fallback.
 */
export function findBusRecursive(bus: BusState, name: string | undefined, type: string | undefined): BusState | undefined {
  const match = name !== undefined ? bus.name === name : type !== undefined && bus.isA(type);
  if (match && !busIsFull(bus)) return bus;
  let pick = match ? bus : undefined;
  for (const { dev } of bus.kids) {
    for (const child of dev.childBuses) {
      const found = findBusRecursive(child, name, type);
      if (found && !busIsFull(found)) return found;
      pick ??= found;
    }
  }
  return pick;
}
