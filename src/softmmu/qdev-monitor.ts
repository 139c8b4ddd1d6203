/**
 * Creating devices from `-device` and `device_add`, and the `-device help` listings (QEMU's
 * softmmu/qdev-monitor.c): driver lookup with aliases, bus selection (`bus=` or the first bus
 * of the right type with room), the device's id under `/machine/peripheral`, properties, realize.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { toQmpJson } from "../qobject/json-writer.js";
import { addChild } from "../qom/child.js";
import { containerGet } from "../qom/container.js";
import { QomError } from "../qom/error.js";
import { objectNew } from "../qom/object.js";
import { objectGetRoot } from "../qom/root.js";
import type { TypeRegistry } from "../qom/type.js";
import { idWellFormed, ID_HINT } from "../qom/user-creatable.js";
import { JsonInputVisitor, KeyvalInputVisitor } from "../qom/visitor.js";
import { findBusRecursive, type BusState } from "../hw/core/bus.js";
import { DEVICE_CATEGORIES, deviceListProperties, DeviceState, qdevContext, TYPE_DEVICE, type DeviceCategory, type DeviceClass } from "../hw/core/qdev.js";
import { qdevRealize } from "../hw/core/qdev-realize.js";
import { sysbusGetDefault, TYPE_SYS_BUS_DEVICE } from "../hw/core/sysbus.js";

/** QEMU's qdev_alias_table entries that apply to x86_64: type name → alias. */
const DEVICE_ALIASES: ReadonlyArray<readonly [string, string]> = [
  ["e1000", "e1000-82540em"],
  ["ich9-ahci", "ahci"],
  ["lsi53c895a", "lsi"],
  ["virtio-9p-pci", "virtio-9p"],
  ["virtio-balloon-pci", "virtio-balloon"],
  ["virtio-blk-pci", "virtio-blk"],
  ["virtio-gpu-pci", "virtio-gpu"],
  ["virtio-input-host-pci", "virtio-input-host"],
  ["virtio-keyboard-pci", "virtio-keyboard"],
  ["virtio-mouse-pci", "virtio-mouse"],
  ["virtio-net-pci", "virtio-net"],
  ["virtio-rng-pci", "virtio-rng"],
  ["virtio-scsi-pci", "virtio-scsi"],
  ["virtio-serial-pci", "virtio-serial"],
  ["virtio-tablet-pci", "virtio-tablet"],
];

export function deviceAliasOf(typename: string): string | undefined {
  return DEVICE_ALIASES.find(([t]) => t === typename)?.[1];
}

function typenameByAlias(alias: string): string | undefined {
  return DEVICE_ALIASES.find(([, a]) => a === alias)?.[0];
}

export interface DeviceAddOptions {
  /** After machine creation devices are hotplugged (QEMU's PHASE_MACHINE_READY). */
  hotplug: boolean;
  /** Property values from QMP/JSON (typed) or from a key=value option string (text). */
  source: "json" | "keyval";
  /** Which sysbus device types the machine allows with -device (QEMU's allowed_dynamic_sysbus_devices). */
  dynamicSysbusAllowed?: (typename: string) => boolean;
}

const invalidValue = (param: string, what: string) => new QomError(`Parameter '${param}' expects ${what}`);

/** QEMU's qdev_get_device_class: the class of a pluggable device type, by name or alias. */
export function deviceClassForDriver(registry: TypeRegistry, driver: string, opts: DeviceAddOptions): DeviceClass {
  let name = driver;
  let klass = registry.classByName(name);
  if (!klass) {
    const real = typenameByAlias(driver);
    if (real) {
      name = real;
      klass = registry.classByName(real);
    }
  }
  if (!klass || !registry.classDynamicCast(klass, TYPE_DEVICE)) {
    throw new QomError(
      name !== driver
        ? `'${driver}' (alias '${name}') is not a valid device model name`
        : `'${driver}' is not a valid device model name`,
    );
  }
  if (klass.type.abstract) throw invalidValue("driver", "a non-abstract device type");
  const dc = klass as DeviceClass;
  if (!dc.userCreatable || (opts.hotplug && !dc.hotpluggable)) throw invalidValue("driver", "a pluggable device type");
  if (registry.classDynamicCast(klass, TYPE_SYS_BUS_DEVICE) && !(opts.dynamicSysbusAllowed?.(name) ?? false)) {
    throw invalidValue("driver", "a dynamic sysbus device type for the machine");
  }
  return dc;
}

/** QEMU's qbus_find: a bus by path (`pci.0`, `/i440fx/pci.0`, `ide.1`, `dev-id.0`…). */
export function qbusFind(registry: TypeRegistry, path: string): BusState {
  const root = sysbusGetDefault(registry);
  if (!path.includes("/")) {
    const found = findBusRecursive(root, path, undefined);
    if (!found) throw new QomError(`Bus '${path}' not found`, "DeviceNotFound");
    return found;
  }
  // A path names devices by id or type down to a bus; QEMU resolves it against the bus tree.
  const parts = path.split("/").filter((p) => p !== "");
  let bus: BusState = root;
  let i = 0;
  if (parts.length > 0 && !path.startsWith("/")) {
    const first = findBusRecursive(root, parts[0], undefined);
    if (!first) throw new QomError(`Bus '${parts[0]}' not found`, "DeviceNotFound");
    bus = first;
    i = 1;
  }
  for (; i < parts.length; i += 2) {
    const elem = parts[i]!;
    const dev: DeviceState | undefined = bus.devices().find((d) => d.id === elem || d.typeName === elem);
    if (!dev) throw new QomError(`Device '${elem}' not found`, "DeviceNotFound");
    if (i + 1 >= parts.length) {
      if (dev.childBuses.length === 1) return dev.childBuses[0]!;
      throw new QomError(`Device '${elem}' has multiple child buses`);
    }
    const next: BusState | undefined = dev.childBuses.find((b) => b.name === parts[i + 1]);
    if (!next) throw new QomError(`Bus '${parts[i + 1]}' not found`, "DeviceNotFound");
    bus = next;
  }
  return bus;
}

/**
 * QEMU's qdev_device_add_from_qdict. `props` holds `driver`, optional `bus` and `id`, and the
 * device's properties. On failure nothing stays behind.
 */
export function qdevDeviceAdd(registry: TypeRegistry, props: JsonObject, opts: DeviceAddOptions): DeviceState {
  const driverValue = props["driver"];
  if (driverValue === undefined) throw new QomError("Parameter 'driver' is missing");
  if (typeof driverValue !== "string") throw new QomError("Invalid parameter type for 'driver', expected: string");
  const dc = deviceClassForDriver(registry, driverValue, opts);
  const driver = dc.type.name;

  let bus: BusState | undefined;
  const busPath = props["bus"];
  if (busPath !== undefined) {
    if (typeof busPath !== "string") throw new QomError("Invalid parameter type for 'bus', expected: string");
    bus = qbusFind(registry, busPath);
    if (!dc.busType || !bus.isA(dc.busType)) {
      throw new QomError(`Device '${driver}' can't go on ${bus.typeName} bus`);
    }
  } else if (dc.busType) {
    bus = findBusRecursive(sysbusGetDefault(registry), undefined, dc.busType);
    if (!bus) throw new QomError(`No '${dc.busType}' bus found for device '${driver}'`);
  }
  if (opts.hotplug && bus && !bus.hotplugHandler) {
    throw new QomError(`Bus '${bus.name}' does not support hotplugging`);
  }

  const id = props["id"];
  if (id !== undefined && (typeof id !== "string" || !idWellFormed(id))) {
    throw new QomError("Parameter 'id' expects an identifier", "GenericError", ID_HINT);
  }

  const dev = objectNew<DeviceState>(registry, driver);
  try {
    const root = objectGetRoot(registry);
    if (id !== undefined) {
      const peripheral = containerGet(root, "/machine/peripheral");
      if (peripheral.findProperty(id)) throw new QomError(`Duplicate device ID '${id}'`);
      addChild(peripheral, id, dev);
      dev.id = id;
    } else {
      const ctx = qdevContext(registry);
      addChild(containerGet(root, "/machine/peripheral-anon"), `device[${ctx.anonCount++}]`, dev);
    }
    for (const [name, value] of Object.entries(props)) {
      if (name === "driver" || name === "bus" || name === "id") continue;
      dev.setProperty(name, opts.source === "json" ? new JsonInputVisitor(value) : new KeyvalInputVisitor(value));
    }
    qdevRealize(dev, bus);
  } catch (err) {
    dev.unparent();
    dev.unref();
    throw err;
  }
  dev.unref();
  return dev;
}

const CATEGORY_TITLES: Record<DeviceCategory, string> = {
  bridge: "Controller/Bridge/Hub",
  usb: "USB",
  storage: "Storage",
  network: "Network",
  input: "Input",
  display: "Display",
  sound: "Sound",
  misc: "Misc",
  cpu: "CPU",
  watchdog: "Watchdog",
};

function devinfoLine(dc: DeviceClass): string {
  let line = `name "${dc.type.name}"`;
  if (dc.busType) line += `, bus ${dc.busType}`;
  const alias = deviceAliasOf(dc.type.name);
  if (alias) line += `, alias "${alias}"`;
  if (dc.desc) line += `, desc "${dc.desc}"`;
  if (!dc.userCreatable) line += ", no-user";
  return line;
}

/** The text of `-device help`: user-creatable devices by category, then uncategorized ones. */
export function deviceHelpText(registry: TypeRegistry): string {
  const classes = (registry.classList(TYPE_DEVICE, false) as DeviceClass[])
    .filter((dc) => dc.userCreatable)
    .sort((a, b) => a.type.name.toLowerCase().localeCompare(b.type.name.toLowerCase()));
  const out: string[] = [];
  const sections: Array<[string, DeviceClass[]]> = DEVICE_CATEGORIES.map((c) => [
    CATEGORY_TITLES[c],
    classes.filter((dc) => dc.categories.has(c)),
  ]);
  sections.push(["Uncategorized", classes.filter((dc) => dc.categories.size === 0)]);
  for (const [title, list] of sections) {
    if (list.length === 0) continue;
    out.push(`${out.length > 0 ? "\n" : ""}${title} devices:`);
    for (const dc of list) out.push(devinfoLine(dc));
  }
  return out.join("\n") + "\n";
}

/** QEMU's object_property_help: `  name=<type>`, padded, then ` - description (default: value)`. */
export function propertyHelpLine(name: string, type: string, description: string | undefined, defval: JsonValue | undefined): string {
  let line = `  ${name}=<${type}>`;
  if (description !== undefined || defval !== undefined) line = `${line.padEnd(24)} - `;
  if (description !== undefined) line += description;
  if (defval !== undefined) line += ` (default: ${toQmpJson(defval)})`;
  return line;
}

/** The text of `-device DRIVER,help`. */
export function deviceOptionsHelpText(registry: TypeRegistry, driver: string): string {
  const dc = deviceClassForDriver(registry, driver, { hotplug: false, source: "keyval", dynamicSysbusAllowed: () => true });
  const props = deviceListProperties(registry, dc.type.name);
  if (props.length === 0) return `There are no options for ${dc.type.name}.\n`;
  const lines = props
    .map((p) =>
      propertyHelpLine(
        p["name"] as string,
        p["type"] as string,
        p["description"] as string | undefined,
        p["default-value"],
      ),
    )
    .sort();
  return `${dc.type.name} options:\n${lines.join("\n")}\n`;
}

