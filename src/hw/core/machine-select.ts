/**
 * Finding machine types: by name or alias, the default one, the `-machine help` listing and
 * `query-machines` (QEMU's select_machine and machine_help_func in softmmu/vl.c, and
 * qmp_query_machines in hw/core/machine-qmp-cmds.c).
 */
import type { JsonObject } from "../../qobject/json-value.js";
import type { TypeRegistry } from "../../qom/type.js";
import { TYPE_MACHINE, type MachineClass } from "./machine.js";

export function machineClasses(registry: TypeRegistry): MachineClass[] {
  return registry.classList(TYPE_MACHINE, false) as MachineClass[];
}

/** QEMU's find_machine: a machine class by its name or its alias. */
export function findMachine(registry: TypeRegistry, name: string): MachineClass | undefined {
  return machineClasses(registry).find((mc) => mc.name === name || mc.alias === name);
}

export function findDefaultMachine(registry: TypeRegistry): MachineClass | undefined {
  return machineClasses(registry).find((mc) => mc.isDefault);
}

/** QEMU's machine_class_cmp: families alphabetically (newest version first inside a family), then standalone machines. */
function machineClassCompare(a: MachineClass, b: MachineClass): number {
  const cmp = (x: string, y: string) => (x < y ? -1 : x > y ? 1 : 0);
  if (a.family === undefined) return b.family === undefined ? cmp(a.type.name, b.type.name) : 1;
  if (b.family === undefined) return -1;
  return cmp(a.family, b.family) || cmp(b.type.name, a.type.name);
}

/** The text QEMU prints for `-machine help`. */
export function machineHelpText(registry: TypeRegistry): string {
  const lines = ["Supported machines are:"];
  for (const mc of [...machineClasses(registry)].sort(machineClassCompare)) {
    if (mc.alias !== undefined) lines.push(`${mc.alias.padEnd(20)} ${mc.desc} (alias of ${mc.name})`);
    lines.push(`${mc.name.padEnd(20)} ${mc.desc}${mc.isDefault ? " (default)" : ""}${mc.deprecationReason ? " (deprecated)" : ""}`);
  }
  return lines.join("\n") + "\n";
}

/** One `query-machines` entry (MachineInfo), built as QEMU builds it. */
export function machineInfo(mc: MachineClass): JsonObject {
  const info: JsonObject = { name: mc.name };
  if (mc.alias !== undefined) info["alias"] = mc.alias;
  if (mc.isDefault) info["is-default"] = true;
  info["cpu-max"] = mc.maxCpus;
  info["hotpluggable-cpus"] = mc.hasHotpluggableCpus;
  info["numa-mem-supported"] = mc.numaMemSupported;
  info["deprecated"] = mc.deprecationReason !== undefined;
  if (mc.defaultCpuType !== undefined) info["default-cpu-type"] = mc.defaultCpuType;
  if (mc.defaultRamId !== undefined) info["default-ram-id"] = mc.defaultRamId;
  return info;
}

export function queryMachines(registry: TypeRegistry): JsonObject[] {
  return machineClasses(registry).map(machineInfo).reverse();
}
