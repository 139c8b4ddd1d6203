/**
 * The tables a PC machine describes itself with to its firmware, built when the machine is
 * complete (QEMU's pc_machine_done): ACPI (with ACPI on) and SMBIOS, through fw_cfg.
 */
import { qemuAddMachineInitDoneNotifier } from "../core/machine-done.js";
import type { FwCfgState } from "../nvram/fw-cfg.js";
import { fwCfgBuildSmbios, smbiosLegacyMode } from "../smbios/fw-cfg-smbios.js";
import { acpiBuildPc, acpiSetupPc, type AcpiBuildResult } from "../acpi/acpi-build-pc.js";
import { acpiBuildQ35 } from "../acpi/acpi-build-q35.js";
import { TYPE_ICH9_LPC_DEVICE } from "../isa/lpc_ich9.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import { TYPE_PIIX4_PM } from "../acpi/piix4.js";
import type { PCMachineState } from "./pc.js";

/**
 * Which ACPI tables qomd builds for this machine, if any: the i440FX ones when the PIIX4 PM is
 * there, Q35's with the ICH9 LPC. Machine types whose tables QEMU sizes the legacy way (before
 * 2.1) are left to the firmware.
 */
function acpiBuilder(ms: PCMachineState): ((ms: PCMachineState) => AcpiBuildResult) | undefined {
  if (ms.acpi === "off" || smbiosLegacyMode(ms.machineClass.name)) return undefined;
  const root = objectGetRoot(ms.registry);
  if (resolvePathType(root, "", TYPE_PIIX4_PM).obj) return acpiBuildPc;
  if (resolvePathType(root, "", TYPE_ICH9_LPC_DEVICE).obj) return acpiBuildQ35;
  return undefined;
}

export function pcFirmwareTablesInit(ms: PCMachineState, fwCfg: FwCfgState): void {
  qemuAddMachineInitDoneNotifier(ms.registry, () => {
    const build = acpiBuilder(ms);
    if (build) acpiSetupPc(ms, fwCfg, build);
    fwCfgBuildSmbios(ms, fwCfg);
  });
}
