/**
 * The per-machine command table: every machine-scope command qomd implements,
 * by QMP name.  Commands in `registryCommands` need only a type registry, so
 * the daemon also answers them without a machine.
 */
import type { MachineCommandHandler, RegistryCommandHandler } from "../machine-context.js";
import { queryAcpiOspmStatusCmd } from "./acpi.js";
import { queryChardevCmd } from "./char.js";
import {
  queryBalloonCmd,
  queryCpusFastCmd,
  queryCurrentMachineCmd,
  queryHotpluggableCpusCmd,
  queryKvmCmd,
  queryMachinesCmd,
  queryTargetCmd,
  queryUuidCmd,
  queryVmGenerationIdCmd,
} from "./machine.js";
import { queryMemdevCmd, queryMemoryDevicesCmd, queryMemorySizeSummaryCmd } from "./memory.js";
import { queryPciCmd } from "./pci.js";
import { queryCpuDefinitionsCmd, queryCpuModelExpansionCmd } from "./machine-target.js";
import { migratePauseCmd, migrateRecoverCmd, queryMigrateCapabilitiesCmd } from "./migration.js";
import { queryBlockCmd } from "./block.js";
import { queryCommandLineOptionsCmd } from "./command-line.js";
import { memsaveCmd, pmemsaveCmd } from "./memory-dump.js";
import { querySevCapabilitiesCmd, querySgxCapabilitiesCmd } from "./misc-target.js";
import { queryTpmModelsCmd, queryTpmTypesCmd } from "./tpm.js";
import { queryDisplayOptionsCmd } from "./ui.js";
import { queryYankCmd, yankCmd } from "./yank.js";
import { humanMonitorCommandCmd, queryIothreadsCmd, queryNameCmd } from "./misc.js";
import { deviceAddCmd, deviceDelCmd, deviceListPropertiesCmd } from "./qdev.js";
import { objectAddCmd, objectDelCmd, qomGetCmd, qomListCmd, qomListPropertiesCmd, qomListTypesCmd, qomSetCmd } from "./qom.js";
import { contCmd, queryStatusCmd, quitCmd, stopCmd, systemPowerdownCmd, systemResetCmd } from "./run-state.js";

export const registryCommands: Readonly<Record<string, RegistryCommandHandler>> = {
  "qom-list-types": qomListTypesCmd,
  "qom-list-properties": qomListPropertiesCmd,
  "device-list-properties": deviceListPropertiesCmd,
  "query-machines": queryMachinesCmd,
  "query-target": queryTargetCmd,
  "query-cpu-definitions": queryCpuDefinitionsCmd,
  "query-cpu-model-expansion": queryCpuModelExpansionCmd,
  "query-command-line-options": queryCommandLineOptionsCmd,
  "query-tpm-models": queryTpmModelsCmd,
  "query-tpm-types": queryTpmTypesCmd,
};

export const machineCommands: Readonly<Record<string, MachineCommandHandler>> = {
  ...registryCommands,
  "query-status": queryStatusCmd,
  "query-chardev": queryChardevCmd,
  quit: quitCmd,
  "qom-list": qomListCmd,
  "qom-get": qomGetCmd,
  "qom-set": qomSetCmd,
  "object-add": objectAddCmd,
  "object-del": objectDelCmd,
  device_add: deviceAddCmd,
  device_del: deviceDelCmd,
  "query-cpus-fast": queryCpusFastCmd,
  "query-current-machine": queryCurrentMachineCmd,
  "query-uuid": queryUuidCmd,
  system_reset: systemResetCmd,
  system_powerdown: systemPowerdownCmd,
  "query-kvm": queryKvmCmd,
  "query-hotpluggable-cpus": queryHotpluggableCpusCmd,
  "query-balloon": queryBalloonCmd,
  "query-name": queryNameCmd,
  stop: stopCmd,
  cont: contCmd,
  "human-monitor-command": humanMonitorCommandCmd,
  "migrate-pause": migratePauseCmd,
  "migrate-recover": migrateRecoverCmd,
  "query-yank": queryYankCmd,
  yank: yankCmd,
  "query-migrate-capabilities": queryMigrateCapabilitiesCmd,
  "query-sev-capabilities": querySevCapabilitiesCmd,
  "query-sgx-capabilities": querySgxCapabilitiesCmd,
  "query-block": queryBlockCmd,
  "query-display-options": queryDisplayOptionsCmd,
  memsave: memsaveCmd,
  pmemsave: pmemsaveCmd,
  "query-vm-generation-id": queryVmGenerationIdCmd,
  "query-memdev": queryMemdevCmd,
  "query-memory-size-summary": queryMemorySizeSummaryCmd,
  "query-memory-devices": queryMemoryDevicesCmd,
  "query-iothreads": queryIothreadsCmd,
  "query-acpi-ospm-status": queryAcpiOspmStatusCmd,
  "query-pci": queryPciCmd,
};

export function hasMachineCommand(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(machineCommands, name);
}
