/**
 * The ACPI fixed-hardware registers every ACPI power-management device shares (QEMU 7.2's
 * hw/acpi/core.c, its ACPIREGS): the 24-bit PM timer at 3.579545 MHz on the virtual clock with
 * its overflow status and SCI, the PM1 event (status/enable) and control registers, and the GPE
 * block. A device (PIIX4 PM, ICH9 LPC) owns an `AcpiRegs`, maps the register windows with the
 * `…Init` helpers into its I/O block, and passes its own `updateSci` (which normally calls
 * `acpiUpdateSci` with its SCI line).
 */
import { memoryRegionAddSubregion, memoryRegionInitIo, type MemoryRegion } from "../../exec/memory.js";
import type { QomObject } from "../../qom/object.js";
import { setIrq, type IrqState } from "../core/irq.js";
import { muldiv64, NANOSECONDS_PER_SECOND } from "../../util/clock.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf, timerDel, timerModNs, timerNewNs, type QemuClocks, type QemuTimer } from "../../util/qemu-timer.js";

export const PM_TIMER_FREQUENCY = 3579545;

export const ACPI_BITMASK_TIMER_STATUS = 0x0001;
export const ACPI_BITMASK_BUS_MASTER_STATUS = 0x0010;
export const ACPI_BITMASK_GLOBAL_LOCK_STATUS = 0x0020;
export const ACPI_BITMASK_POWER_BUTTON_STATUS = 0x0100;
export const ACPI_BITMASK_SLEEP_BUTTON_STATUS = 0x0200;
export const ACPI_BITMASK_RT_CLOCK_STATUS = 0x0400;
export const ACPI_BITMASK_PCIEXP_WAKE_STATUS = 0x4000;
export const ACPI_BITMASK_WAKE_STATUS = 0x8000;
export const ACPI_BITMASK_TIMER_ENABLE = 0x0001;
export const ACPI_BITMASK_GLOBAL_LOCK_ENABLE = 0x0020;
export const ACPI_BITMASK_POWER_BUTTON_ENABLE = 0x0100;
export const ACPI_BITMASK_SLEEP_BUTTON_ENABLE = 0x0200;
export const ACPI_BITMASK_RT_CLOCK_ENABLE = 0x0400;
export const ACPI_BITMASK_PM1_COMMON_ENABLED =
  ACPI_BITMASK_RT_CLOCK_ENABLE | ACPI_BITMASK_POWER_BUTTON_ENABLE | ACPI_BITMASK_GLOBAL_LOCK_ENABLE | ACPI_BITMASK_TIMER_ENABLE;
export const ACPI_BITMASK_SCI_ENABLE = 0x0001;
export const ACPI_BITMASK_SLEEP_ENABLE = 0x2000;

export type AcpiUpdateSciFn = (ar: AcpiRegs) => void;

/** What the PM1 control register asks of the machine when the guest sets SLP_EN. */
export interface AcpiSleepRequests {
  /** S5 (type 0) or S4 (the configured s4_val): QEMU's qemu_system_shutdown_request(guest-shutdown). */
  shutdown(): void;
  /** S3 (type 1): QEMU's qemu_system_suspend_request. */
  suspend(): void;
  /** S4 also sends SUSPEND_DISK before shutting down. */
  suspendDisk?(): void;
}

/** QEMU's ACPIREGS. */
export class AcpiRegs {
  readonly tmr = {
    timer: undefined as QemuTimer | undefined,
    io: undefined as MemoryRegion | undefined,
    /** When the timer's bit 23 next flips, in PM timer ticks. */
    overflowTime: 0,
    updateSci: undefined as AcpiUpdateSciFn | undefined,
  };
  readonly pm1 = {
    evt: { io: undefined as MemoryRegion | undefined, sts: 0, en: 0, updateSci: undefined as AcpiUpdateSciFn | undefined },
    cnt: { io: undefined as MemoryRegion | undefined, cnt: 0, s4Val: 2, acpiOnly: false, requests: undefined as AcpiSleepRequests | undefined },
  };
  readonly gpe = { len: 0, sts: new Uint8Array(0), en: new Uint8Array(0) };

  constructor(readonly clocks: QemuClocks) {}

  virtualNs(): number {
    return this.clocks.getNs(QEMU_CLOCK_VIRTUAL);
  }
}

/** A new register set on the machine's clocks. */
export function acpiRegsNew(owner: QomObject): AcpiRegs {
  return new AcpiRegs(qemuClocksOf(owner.registry));
}

// ---- PM timer -----------------------------------------------------------------------------------

/** PM timer ticks since the virtual clock started. */
function acpiPmTmrGetClock(ar: AcpiRegs): number {
  return muldiv64(ar.virtualNs(), PM_TIMER_FREQUENCY, NANOSECONDS_PER_SECOND);
}

/** QEMU's acpi_pm_tmr_update: arm the overflow interrupt, or not. */
export function acpiPmTmrUpdate(ar: AcpiRegs, enable: boolean): void {
  if (!ar.tmr.timer) return;
  if (enable) timerModNs(ar.tmr.timer, muldiv64(ar.tmr.overflowTime, NANOSECONDS_PER_SECOND, PM_TIMER_FREQUENCY));
  else timerDel(ar.tmr.timer);
}

/** QEMU's acpi_pm_tmr_calc_overflow_time: the next flip of bit 23. */
export function acpiPmTmrCalcOverflowTime(ar: AcpiRegs): void {
  const d = acpiPmTmrGetClock(ar);
  ar.tmr.overflowTime = Math.floor((d + 0x800000) / 0x800000) * 0x800000;
}

/** The PM timer register: 24 bits of the 3.579545 MHz count. */
export function acpiPmTmrGet(ar: AcpiRegs): number {
  return acpiPmTmrGetClock(ar) % 0x1000000;
}

/** QEMU's acpi_pm_tmr_init: the `acpi-tmr` window at offset 8 of `parent`. */
export function acpiPmTmrInit(ar: AcpiRegs, owner: QomObject, updateSci: AcpiUpdateSciFn, parent: MemoryRegion): void {
  ar.tmr.updateSci = updateSci;
  ar.tmr.timer = timerNewNs(ar.clocks, QEMU_CLOCK_VIRTUAL, () => ar.tmr.updateSci?.(ar));
  ar.tmr.io = memoryRegionInitIo(
    owner,
    {
      read: () => acpiPmTmrGet(ar),
      write: () => {},
      impl: { minAccessSize: 4, maxAccessSize: 4 },
      valid: { minAccessSize: 1, maxAccessSize: 4 },
      endianness: "little",
    },
    ar,
    "acpi-tmr",
    4,
  );
  memoryRegionAddSubregion(parent, 8, ar.tmr.io);
}

export function acpiPmTmrReset(ar: AcpiRegs): void {
  ar.tmr.overflowTime = 0;
  if (ar.tmr.timer) timerDel(ar.tmr.timer);
}

// ---- PM1 event ------------------------------------------------------------------------------------

/** QEMU's acpi_pm1_evt_get_sts: the status, with TMR_STS once the overflow time has passed. */
export function acpiPm1EvtGetSts(ar: AcpiRegs): number {
  // Compared in nanoseconds, as the overflow timer is armed in nanoseconds.
  if (ar.virtualNs() >= muldiv64(ar.tmr.overflowTime, NANOSECONDS_PER_SECOND, PM_TIMER_FREQUENCY)) {
    ar.pm1.evt.sts |= ACPI_BITMASK_TIMER_STATUS;
  }
  return ar.pm1.evt.sts;
}

/** Writing 1s clears status bits; clearing TMR_STS schedules the next overflow. */
function acpiPm1EvtWriteSts(ar: AcpiRegs, val: number): void {
  const sts = acpiPm1EvtGetSts(ar);
  if (sts & val & ACPI_BITMASK_TIMER_STATUS) acpiPmTmrCalcOverflowTime(ar);
  ar.pm1.evt.sts &= ~val & 0xffff;
}

/** The power button (QEMU's acpi_pm1_evt_power_down, from system_powerdown). */
export function acpiPm1EvtPowerDown(ar: AcpiRegs): void {
  if (ar.pm1.evt.en & ACPI_BITMASK_POWER_BUTTON_ENABLE) {
    ar.pm1.evt.sts |= ACPI_BITMASK_POWER_BUTTON_STATUS;
    ar.tmr.updateSci?.(ar);
  }
}

export function acpiPm1EvtReset(ar: AcpiRegs): void {
  ar.pm1.evt.sts = 0;
  ar.pm1.evt.en = 0;
}

/** QEMU's acpi_pm1_evt_init: the `acpi-evt` window (status at 0, enable at 2) at offset 0. */
export function acpiPm1EvtInit(ar: AcpiRegs, owner: QomObject, updateSci: AcpiUpdateSciFn, parent: MemoryRegion): void {
  ar.pm1.evt.updateSci = updateSci;
  ar.pm1.evt.io = memoryRegionInitIo(
    owner,
    {
      read: (_o, addr) => (addr === 0 ? acpiPm1EvtGetSts(ar) : addr === 2 ? ar.pm1.evt.en : 0),
      write: (_o, addr, val) => {
        if (addr === 0) acpiPm1EvtWriteSts(ar, val & 0xffff);
        else if (addr === 2) ar.pm1.evt.en = val & 0xffff;
        else return;
        ar.pm1.evt.updateSci?.(ar);
      },
      impl: { minAccessSize: 2 },
      valid: { minAccessSize: 1, maxAccessSize: 2 },
      endianness: "little",
    },
    ar,
    "acpi-evt",
    4,
  );
  memoryRegionAddSubregion(parent, 0, ar.pm1.evt.io);
}

// ---- PM1 control -----------------------------------------------------------------------------------

function acpiPm1CntWrite(ar: AcpiRegs, val: number): void {
  ar.pm1.cnt.cnt = val & ~ACPI_BITMASK_SLEEP_ENABLE & 0xffff;
  if (!(val & ACPI_BITMASK_SLEEP_ENABLE)) return;
  const susTyp = (val >> 10) & 7;
  const req = ar.pm1.cnt.requests;
  if (susTyp === 0) {
    req?.shutdown();
  } else if (susTyp === 1) {
    req?.suspend();
  } else if (susTyp === ar.pm1.cnt.s4Val) {
    req?.suspendDisk?.();
    req?.shutdown();
  }
}

/** QEMU's acpi_pm1_cnt_update: firmware's ACPI enable/disable commands (through APM) toggle SCI_EN. */
export function acpiPm1CntUpdate(ar: AcpiRegs, sciEnable: boolean, sciDisable: boolean): void {
  if (ar.pm1.cnt.acpiOnly) return;
  if (sciEnable) ar.pm1.cnt.cnt |= ACPI_BITMASK_SCI_ENABLE;
  else if (sciDisable) ar.pm1.cnt.cnt &= ~ACPI_BITMASK_SCI_ENABLE;
}

/**
 * QEMU's acpi_pm1_cnt_init: the `acpi-cnt` window at offset 4. (QEMU also publishes
 * etc/system-states through fw_cfg; `acpiSystemStates` gives those bytes to the board.)
 */
export function acpiPm1CntInit(ar: AcpiRegs, owner: QomObject, parent: MemoryRegion, s4Val: number, acpiOnly: boolean, requests?: AcpiSleepRequests): void {
  ar.pm1.cnt.s4Val = s4Val;
  ar.pm1.cnt.acpiOnly = acpiOnly;
  ar.pm1.cnt.requests = requests;
  ar.pm1.cnt.io = memoryRegionInitIo(
    owner,
    {
      read: () => ar.pm1.cnt.cnt,
      write: (_o, _addr, val) => acpiPm1CntWrite(ar, val),
      impl: { minAccessSize: 2 },
      valid: { minAccessSize: 1, maxAccessSize: 2 },
      endianness: "little",
    },
    ar,
    "acpi-cnt",
    2,
  );
  memoryRegionAddSubregion(parent, 4, ar.pm1.cnt.io);
}

/** The 6 bytes of fw_cfg `etc/system-states` QEMU's acpi_pm1_cnt_init publishes. */
export function acpiSystemStates(disableS3: boolean, disableS4: boolean, s4Val: number): Uint8Array {
  return Uint8Array.from([128, 0, 0, 1 | (disableS3 ? 0 : 0x80), s4Val | (disableS4 ? 0 : 0x80), 128]);
}

export function acpiPm1CntReset(ar: AcpiRegs): void {
  ar.pm1.cnt.cnt = ar.pm1.cnt.acpiOnly ? ACPI_BITMASK_SCI_ENABLE : 0;
}

// ---- GPE ------------------------------------------------------------------------------------------

/** QEMU's acpi_gpe_init: `len` bytes of block, the first half status, the second enable. */
export function acpiGpeInit(ar: AcpiRegs, len: number): void {
  ar.gpe.len = len;
  ar.gpe.sts = new Uint8Array(len);
  ar.gpe.en = new Uint8Array(len);
}

export function acpiGpeReset(ar: AcpiRegs): void {
  ar.gpe.sts.fill(0, 0, ar.gpe.len >> 1);
  ar.gpe.en.fill(0, 0, ar.gpe.len >> 1);
}

/** A byte write to the GPE block: status bits clear on 1, enable bits are stored. */
export function acpiGpeIoportWriteb(ar: AcpiRegs, addr: number, val: number): void {
  const half = ar.gpe.len >> 1;
  if (addr < half) ar.gpe.sts[addr] = ar.gpe.sts[addr]! & ~val;
  else if (addr < ar.gpe.len) ar.gpe.en[addr - half] = val & 0xff;
}

export function acpiGpeIoportReadb(ar: AcpiRegs, addr: number): number {
  const half = ar.gpe.len >> 1;
  if (addr < half) return ar.gpe.sts[addr]!;
  if (addr < ar.gpe.len) return ar.gpe.en[addr - half]!;
  return 0;
}

/** QEMU's acpi_send_gpe_event: set a status bit in GPE0 and update the SCI. */
export function acpiSendGpeEvent(ar: AcpiRegs, irq: IrqState | undefined, status: number): void {
  if (ar.gpe.len > 0) ar.gpe.sts[0] = ar.gpe.sts[0]! | status;
  acpiUpdateSci(ar, irq);
}

// ---- SCI -------------------------------------------------------------------------------------------

/**
 * QEMU's acpi_update_sci: the SCI level from the enabled PM1 and GPE0 status bits, and the
 * overflow timer armed while TMR_EN is set and TMR_STS clear.
 */
export function acpiUpdateSci(ar: AcpiRegs, irq: IrqState | undefined): void {
  const pm1aSts = acpiPm1EvtGetSts(ar);
  const sciLevel =
    (pm1aSts & ar.pm1.evt.en & ACPI_BITMASK_PM1_COMMON_ENABLED) !== 0 || ((ar.gpe.sts[0] ?? 0) & (ar.gpe.en[0] ?? 0)) !== 0;
  setIrq(irq, sciLevel ? 1 : 0);
  acpiPmTmrUpdate(ar, (ar.pm1.evt.en & ACPI_BITMASK_TIMER_ENABLE) !== 0 && !(pm1aSts & ACPI_BITMASK_TIMER_STATUS));
}
