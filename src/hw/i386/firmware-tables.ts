/**
 * The tables a PC machine describes itself with to its firmware, built when the machine is
 * complete (QEMU's pc_machine_done): ACPI (i440FX machines with ACPI on) and SMBIOS, through
 * fw_cfg.
 */
import { qemuAddMachineInitDoneNotifier } from "../core/machine-done.js";
import type { FwCfgState } from "../nvram/fw-cfg.js";
import { fwCfgBuildSmbios, smbiosLegacyMode } from "../smbios/fw-cfg-smbios.js";
import { acpiSetupPc } from "../acpi/acpi-build-pc.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import { TYPE_PIIX4_PM } from "../acpi/piix4.js";
import type { PCMachineState } from "./pc.js";

/**
 * Whether qomd builds QEMU's ACPI tables for this machine: the i440FX machines with ACPI on and
 * the PIIX4 PM present. Machine types whose tables QEMU sizes the legacy way (before 2.1) are
 * left to the firmware, and so is q35 for now.
 */
function buildsAcpi(ms: PCMachineState): boolean {
  if (ms.acpi === "off" || smbiosLegacyMode(ms.machineClass.name)) return false;
  return resolvePathType(objectGetRoot(ms.registry), "", TYPE_PIIX4_PM).obj !== undefined;
}

export function pcFirmwareTablesInit(ms: PCMachineState, fwCfg: FwCfgState): void {
  qemuAddMachineInitDoneNotifier(ms.registry, () => {
    if (buildsAcpi(ms)) acpiSetupPc(ms, fwCfg);
    fwCfgBuildSmbios(ms, fwCfg);
  });
}
