/**
 * HMP `info qtree`: the bus/device tree from the main system bus (QEMU's
 * qdev-monitor.c qbus_print/qdev_print).  Device properties print as QEMU
 * prints qdev properties: integers as "N (0xN)", strings quoted, booleans.
 */
import type { JsonValue } from "../../qobject/json-value.js";
import type { BusClass, BusState } from "../../hw/core/bus.js";
import type { DeviceState } from "../../hw/core/qdev.js";
import { classPropertyIter, isChildProperty, isLinkProperty } from "../../qom/object.js";
import { sysbusGetDefault } from "../../hw/core/sysbus.js";
import type { TypeRegistry } from "../../qom/type.js";

const NOT_QDEV = new Set(["type", "realized", "hotpluggable", "hotplugged", "parent_bus"]);

function formatValue(type: string, value: JsonValue): string {
  if (typeof value === "string") return type === "str" || type === "string" ? `"${value}"` : value;
  if (typeof value === "number" || typeof value === "bigint") {
    const big = BigInt(value);
    const hex = (big < 0n ? big + (1n << 64n) : big).toString(16);
    return `${value} (0x${hex})`;
  }
  if (typeof value === "boolean") return value ? "true" : "false";
  return JSON.stringify(value);
}

function printDevice(dev: DeviceState, bus: BusState, indent: number, out: string[]): void {
  const pad = " ".repeat(indent);
  out.push(`${pad}dev: ${dev.typeName}, id "${dev.id ?? ""}"`);
  const inner = " ".repeat(indent + 2);
  for (const [name, list] of dev.gpios) {
    const label = name === "" || name.startsWith("unnamed") ? "" : name;
    if (list.in.length) out.push(`${inner}gpio-in "${label}" ${list.in.length}`);
    if (list.out.length) out.push(`${inner}gpio-out "${label}" ${list.out.length}`);
  }
  for (const prop of classPropertyIter(dev.klass)) {
    if (NOT_QDEV.has(prop.name) || prop.name.startsWith("legacy-") || isChildProperty(prop) || isLinkProperty(prop)) continue;
    if (!prop.get) continue;
    let value: JsonValue;
    try {
      value = dev.getProperty(prop.name);
    } catch {
      continue;
    }
    out.push(`${inner}${prop.name} = ${formatValue(prop.type, value)}`);
  }
  const printDev = (bus.klass as BusClass).printDev;
  if (printDev) out.push(...printDev(bus, dev, indent + 2));
  for (const child of dev.childBuses) printBus(child, indent + 2, out);
}

function printBus(bus: BusState, indent: number, out: string[]): void {
  const pad = " ".repeat(indent);
  out.push(`${pad}bus: ${bus.name}`);
  out.push(`${pad}  type ${bus.typeName}`);
  for (const dev of bus.devices()) printDevice(dev, bus, indent + 2, out);
}

export function infoQtree(registry: TypeRegistry): string[] {
  const out: string[] = [];
  printBus(sysbusGetDefault(registry), 0, out);
  return out;
}
