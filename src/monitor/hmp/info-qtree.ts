/**
 * HMP `info qtree`: the bus/device tree from the main system bus, in QEMU's
 * format (softmmu/qdev-monitor.c qbus_print/qdev_print):
 *
 *   bus: NAME / type BUSTYPE, then the bus's devices, newest first (QEMU's
 *   children list is head-inserted);
 *   dev: TYPE, id "ID", then its GPIO lists (newest first, inputs before
 *   outputs), its qdev properties, what the bus prints about it (sysbus
 *   MMIO windows, PCI class/address/BARs), and its own buses, newest first (qomd keeps them in that order too).
 *
 * Only qdev (static) properties print, each class's own in QEMU's
 * declaration order, the device's class first (QTREE_PROPERTY_ORDER has that
 * order for the types QEMU's output shows; others keep qomd's class order).
 * Values print as QEMU's human string output visitor does: integers "N (0xN)"
 * (signed decimal, 64-bit hex: a uint64 of all ones is "-1"), sizes "N (2 GiB)", strings and enums quoted, booleans bare,
 * and a PCI address through its legacy form "01.3".
 */
import type { JsonValue } from "../../qobject/json-value.js";
import type { BusClass, BusState } from "../../hw/core/bus.js";
import type { DeviceState } from "../../hw/core/qdev.js";
import { qdevPropertyDeclaration } from "../../hw/core/qdev-properties.js";
import { sysbusGetDefault } from "../../hw/core/sysbus.js";
import { formatPciDevfn, pciDevfnKind } from "../../hw/pci/pci-devfn.js";
import type { ObjectProperty } from "../../qom/property.js";
import type { ObjectClass, TypeRegistry } from "../../qom/type.js";
import { QTREE_PROPERTY_ORDER } from "./qtree-property-order.js";

const INT_TYPES = new Set(["uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32", "int64", "int"]);
const IEC_PREFIXES = ["", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"];

/** QEMU's size_to_str: three significant digits in the largest binary unit that keeps the number under 1000. */
export function sizeToStr(value: number | bigint): string {
  const v = Number(value);
  if (v === 0) return "0 B";
  // frexp(v / (1000/1024)) gives an exponent e with 2^(e-1) <= x < 2^e.
  const e = Math.floor(Math.log2(v / (1000 / 1024))) + 1;
  const i = Math.floor((e - 1) / 10) * 10;
  const scaled = v / 2 ** i;
  return `${Number.parseFloat(scaled.toPrecision(3))} ${IEC_PREFIXES[i / 10]}B`;
}

function hex64(v: number | bigint): string {
  return BigInt.asUintN(64, BigInt(v)).toString(16);
}

function formatValue(prop: ObjectProperty, value: JsonValue): string | undefined {
  const decl = qdevPropertyDeclaration(prop);
  if (decl?.kind === pciDevfnKind && typeof value === "number") return formatPciDevfn(value);
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" || typeof value === "bigint") {
    if (prop.type === "size") return `${value} (${sizeToStr(value)})`;
    // QEMU's string output visitor prints unsigned 64-bit values through its signed printer.
    if (INT_TYPES.has(prop.type) || Number.isInteger(value) || typeof value === "bigint") {
      return `${BigInt.asIntN(64, BigInt(value))} (0x${hex64(value)})`;
    }
    return String(value);
  }
  if (typeof value === "string") return `"${value}"`;
  return undefined;
}

/**
 * A class's own qdev properties, in the order they were declared to qomd: those made from qdev
 * declarations, and any other class property QEMU prints for the type (links, hand-made ones).
 */
function ownQdevProperties(klass: ObjectClass, printed: ReadonlySet<string>): ObjectProperty[] {
  return [...klass.properties.values()].filter((p) => qdevPropertyDeclaration(p) !== undefined || printed.has(p.name));
}

/** The device's qdev properties in QEMU's printing order. */
function qdevProperties(dev: DeviceState): ObjectProperty[] {
  const registry = dev.registry;
  const order = QTREE_PROPERTY_ORDER[dev.typeName];
  const printed = new Set(order ?? []);
  const walked: ObjectProperty[] = [];
  for (let k: ObjectClass | undefined = dev.klass; k && k.type.name !== "device"; k = registry.classGetParent(k)) {
    walked.push(...ownQdevProperties(k, printed));
  }
  if (!order) return walked;
  const rank = new Map(order.map((name, i) => [name, i]));
  const known = walked.filter((p) => rank.has(p.name)).sort((a, b) => rank.get(a.name)! - rank.get(b.name)!);
  return [...known, ...walked.filter((p) => !rank.has(p.name))];
}

function printDevice(dev: DeviceState, bus: BusState, indent: number, out: string[]): void {
  out.push(`${" ".repeat(indent)}dev: ${dev.typeName}, id "${dev.id ?? ""}"`);
  const inner = " ".repeat(indent + 2);
  for (const [name, list] of [...dev.gpios].reverse()) {
    if (list.in.length) out.push(`${inner}gpio-in "${name}" ${list.in.length}`);
    if (list.out.length) out.push(`${inner}gpio-out "${name}" ${list.out.length}`);
  }
  for (const prop of qdevProperties(dev)) {
    let text: string | undefined;
    try {
      text = formatValue(prop, dev.getProperty(prop.name));
    } catch {
      continue;
    }
    if (text === undefined) continue;
    out.push(`${inner}${prop.name} = ${text === "" ? "<null>" : text}`);
  }
  const printDev = (bus.klass as BusClass).printDev;
  if (printDev) out.push(...printDev(bus, dev, indent + 2));
  for (const child of dev.childBuses) printBus(child, indent + 2, out);
}

function printBus(bus: BusState, indent: number, out: string[]): void {
  const pad = " ".repeat(indent);
  out.push(`${pad}bus: ${bus.name}`);
  out.push(`${pad}  type ${bus.typeName}`);
  for (const dev of bus.devices().reverse()) printDevice(dev, bus, indent + 2, out);
}

/** The lines of `info qtree`. */
export function infoQtree(registry: TypeRegistry): string[] {
  const out: string[] = [];
  printBus(sysbusGetDefault(registry), 0, out);
  return out;
}
