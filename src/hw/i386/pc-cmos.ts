/**
 * The CMOS bytes a PC board fills for its firmware (QEMU 7.2's pc_cmos_init and
 * pc_cmos_init_late in hw/i386/pc.c, x86_rtc_set_cpus_count in hw/i386/x86.c): memory sizes,
 * the boot order, the equipment byte, the CPU count and, at every reset, the floppy drive types.
 */
import type { QomObject } from "../../qom/object.js";
import { qemuRegisterReset } from "../core/reset.js";
import { rtcGetMemory, rtcSetMemory, type RtcState } from "../rtc/mc146818rtc.js";
import { isaFdcGetDriveType, TYPE_ISA_FDC, type FloppyDriveType, type IsaFdcState } from "../block/fdc.js";
import { resolvePathType } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import { QomError } from "../../qom/error.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const REG_EQUIPMENT_BYTE = 0x14;

/** What pc_cmos_init reads from the machine. */
export interface PcCmosInfo {
  below4gMemSize: number;
  above4gMemSize: number;
  /** -boot order (default "cad"). */
  bootOrder: string;
  bootCpus: number;
  /** -boot strict / the fd boot-signature check (QEMU's fd_bootchk, on unless -no-fd-bootchk). */
  fdBootchk?: boolean;
}

/** QEMU's boot_device2nibble. */
function bootDeviceNibble(c: string): number {
  switch (c) {
    case "a":
    case "b":
      return 0x01;
    case "c":
      return 0x02;
    case "d":
      return 0x03;
    case "n":
      return 0x04;
    default:
      return 0;
  }
}

/** QEMU's set_boot_dev: up to three devices, first in the low nibble of 0x3d. */
export function pcCmosSetBootDev(rtc: RtcState, order: string, fdBootchk = true): void {
  if (order.length > 3) throw new QomError("Too many boot devices for PC");
  const bds = [0, 0, 0];
  for (let i = 0; i < order.length; i++) {
    bds[i] = bootDeviceNibble(order[i]!);
    if (bds[i] === 0) throw new QomError(`Invalid boot device for PC: '${order[i]}'`);
  }
  rtcSetMemory(rtc, 0x3d, (bds[1]! << 4) | bds[0]!);
  rtcSetMemory(rtc, 0x38, (bds[2]! << 4) | (fdBootchk ? 0 : 1));
}

/** QEMU's cmos_get_fd_drive_type. */
function cmosFdDriveType(t: FloppyDriveType): number {
  switch (t) {
    case "144":
      return 4;
    case "288":
      return 5;
    case "120":
      return 2;
    default:
      return 0;
  }
}

/** QEMU's pc_cmos_init_floppy: drive types at 0x10 and the drive count in the equipment byte. */
function pcCmosInitFloppy(rtc: RtcState, fdc: IsaFdcState | undefined): void {
  const types: FloppyDriveType[] = fdc ? [isaFdcGetDriveType(fdc, 0), isaFdcGetDriveType(fdc, 1)] : ["none", "none"];
  rtcSetMemory(rtc, 0x10, (cmosFdDriveType(types[0]!) << 4) | cmosFdDriveType(types[1]!));
  let val = rtcGetMemory(rtc, REG_EQUIPMENT_BYTE);
  const nb = types.filter((t) => t !== "none").length;
  if (nb === 1) val |= 0x01;
  else if (nb === 2) val |= 0x41;
  rtcSetMemory(rtc, REG_EQUIPMENT_BYTE, val);
}

/** QEMU's pc_cmos_init (IDE geometry bytes are left at 0: drives report no geometry yet). */
export function pcCmosInit(rtc: RtcState, info: PcCmosInfo): void {
  // Base memory (first MiB, in KiB, at most 640).
  let val = Math.min(Math.floor(info.below4gMemSize / KiB), 640);
  rtcSetMemory(rtc, 0x15, val);
  rtcSetMemory(rtc, 0x16, val >> 8);
  // Extended memory (KiB above 1 MiB, at most 65535).
  val = info.below4gMemSize > MiB ? Math.floor((info.below4gMemSize - MiB) / KiB) : 0;
  if (val > 65535) val = 65535;
  rtcSetMemory(rtc, 0x17, val);
  rtcSetMemory(rtc, 0x18, val >> 8);
  rtcSetMemory(rtc, 0x30, val);
  rtcSetMemory(rtc, 0x31, val >> 8);
  // Memory between 16 MiB and 4 GiB, in 64 KiB units.
  val = info.below4gMemSize > 16 * MiB ? Math.floor((info.below4gMemSize - 16 * MiB) / (64 * KiB)) : 0;
  if (val > 65535) val = 65535;
  rtcSetMemory(rtc, 0x34, val);
  rtcSetMemory(rtc, 0x35, val >> 8);
  // Memory above 4 GiB, in 64 KiB units.
  val = Math.floor(info.above4gMemSize / 65536);
  rtcSetMemory(rtc, 0x5b, val);
  rtcSetMemory(rtc, 0x5c, val >> 8);
  rtcSetMemory(rtc, 0x5d, val >> 16);
  pcCmosSetBootDev(rtc, info.bootOrder, info.fdBootchk ?? true);
  // FPU present, PS/2 mouse installed.
  rtcSetMemory(rtc, REG_EQUIPMENT_BYTE, 0x02 | 0x04);
  // QEMU's x86_rtc_set_cpus_count (at machine done): CPUs - 1, or 0 when it does not fit.
  rtcSetMemory(rtc, 0x5f, info.bootCpus > 0xff ? 0 : info.bootCpus - 1);
  // QEMU's pc_cmos_init_late runs at the first reset (the floppy drives exist by then) and only then.
  const unregister = qemuRegisterReset(rtc.registry, () => {
    rtcSetMemory(rtc, 0x12, 0);
    rtcSetMemory(rtc, 0x39, 0);
    pcCmosInitFloppy(rtc, findFdc0(rtc));
    unregister();
  });
}

/** QEMU's pc_find_fdc0: the ISA floppy controller, if there is exactly one. */
function findFdc0(anchor: QomObject): IsaFdcState | undefined {
  return resolvePathType(objectGetRoot(anchor.registry), "", TYPE_ISA_FDC).obj as IsaFdcState | undefined;
}
