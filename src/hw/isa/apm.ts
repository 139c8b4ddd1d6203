/**
 * Advanced Power Management ports (QEMU 7.2's hw/isa/apm.c): APM control at 0xb2, whose writes
 * are the firmware's and the OS's commands to the chipset (ACPI enable/disable, or an SMI), and
 * APM status at 0xb3, a scratch byte the firmware uses to talk to its SMI handler.
 */
import { memoryRegionAddSubregion, memoryRegionInitIo, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";
import type { QomObject } from "../../qom/object.js";

export const APM_CNT_IOPORT = 0xb2;

export class ApmState {
  cnt = 0;
  sts = 0;
  constructor(
    /** QEMU's apm_ctrl_changed_t: the chipset's reaction to a command byte. */
    readonly callback: (value: number) => void,
  ) {}
}

const apmOps: MemoryRegionOps<ApmState> = {
  read: (s, addr) => (addr === 0 ? s.cnt : s.sts),
  write: (s, addr, value) => {
    if (addr === 0) {
      s.cnt = value & 0xff;
      s.callback(s.cnt);
    } else {
      s.sts = value & 0xff;
    }
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 4 },
  impl: { minAccessSize: 1, maxAccessSize: 1 },
};

/** QEMU's apm_init: the two ports in `io` at 0xb2, as region `apm-io` of `owner`. */
export function apmInit(owner: QomObject, io: MemoryRegion, callback: (value: number) => void): ApmState {
  const apm = new ApmState(callback);
  memoryRegionAddSubregion(io, APM_CNT_IOPORT, memoryRegionInitIo(owner, apmOps, apm, "apm-io", 2));
  return apm;
}
