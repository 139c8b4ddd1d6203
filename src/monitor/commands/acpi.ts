/**
 * acpi.json: query-acpi-ospm-status (QEMU's qmp_query_acpi_ospm_status and the PIIX4 / ICH9
 * ospm_status hooks): the _OST state of the ACPI device's memory and CPU hotplug slots.
 *
 * qomd's guests do not run the hotplug AML that reports _OST, so every slot shows event 0 and
 * status 0, as in QEMU before the guest has reported anything.
 */
import { QmpError } from "../../qapi/error.js";
import type { JsonObject } from "../../qobject/json-value.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import type { QomObject } from "../../qom/object.js";
import { TYPE_ACPI_DEVICE_IF } from "../../hw/acpi/acpi-interface.js";
import { TYPE_MACHINE, type MachineState } from "../../hw/core/machine.js";
import { x86PossibleCpuArchIds } from "../../hw/i386/x86-cpu.js";
import type { MachineCommandHandler } from "../machine-context.js";
import { x86Machine } from "./machine.js";

/** ACPIOSTInfo of slot `index`; `device` is the qdev id of what is plugged in, if it has one. */
function slot(index: number, slotType: "DIMM" | "CPU", device: string | undefined): JsonObject {
  const info: JsonObject = device === undefined ? {} : { device };
  return Object.assign(info, { slot: String(index), "slot-type": slotType, source: 0, status: 0 });
}

/**
 * The DIMM slots (QEMU's acpi_memory_ospm_status): one per `-m slots=N` slot when the device
 * supports memory hotplug. qomd has no DIMM device type, so no slot names a device.
 */
function dimmSlots(acpi: QomObject, machine: MachineState | undefined): JsonObject[] {
  if (!machine || acpi.getProperty("memory-hotplug-support") !== true) return [];
  return Array.from({ length: machine.ramSlots }, (_, i) => slot(i, "DIMM", undefined));
}

/**
 * The CPU slots (QEMU's acpi_cpu_ospm_status), present once the CPU hotplug interface left its
 * legacy mode: every possible CPU, naming the plugged CPU by its qdev id when it has one.
 */
function cpuSlots(acpi: QomObject, ctx: Parameters<MachineCommandHandler>[1]): JsonObject[] {
  if (acpi.getProperty("cpu-hotplug-legacy") !== false) return [];
  const machine = x86Machine(ctx);
  if (!machine) return [];
  return x86PossibleCpuArchIds(machine).map((s, i) => slot(i, "CPU", s.cpu?.id));
}

export const queryAcpiOspmStatusCmd: MachineCommandHandler = (_args, ctx) => {
  const { obj: acpi } = resolvePathType(objectGetRoot(ctx.registry), "", TYPE_ACPI_DEVICE_IF);
  if (!acpi) throw new QmpError("GenericError", "command is not supported, missing ACPI device");
  const machine = ctx.instance.machine.dynamicCast<MachineState>(TYPE_MACHINE);
  return [...dimmSlots(acpi, machine), ...cpuSlots(acpi, ctx)];
};
