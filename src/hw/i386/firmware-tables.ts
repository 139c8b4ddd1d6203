/**
 * The tables a PC machine describes itself with to its firmware, built when the machine is
 * complete (QEMU's pc_machine_done): SMBIOS through fw_cfg.
 */
import { qemuAddMachineInitDoneNotifier } from "../core/machine-done.js";
import type { FwCfgState } from "../nvram/fw-cfg.js";
import { fwCfgBuildSmbios } from "../smbios/fw-cfg-smbios.js";
import type { PCMachineState } from "./pc.js";

export function pcFirmwareTablesInit(ms: PCMachineState, fwCfg: FwCfgState): void {
  qemuAddMachineInitDoneNotifier(ms.registry, () => fwCfgBuildSmbios(ms, fwCfg));
}
