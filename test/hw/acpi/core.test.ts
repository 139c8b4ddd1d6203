/**
 * The ACPI PM timer, PM1 event/control registers and GPE block, mapped at 0x600 as a PIIX4
 * PM's block would be, driven through the I/O address space with virtual time moved by hand.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { getSystemIo, memoryRegionAddSubregion, memoryRegionInit } from "../../../src/exec/memory.js";
import { allocateIrq } from "../../../src/hw/core/irq.js";
import type { DeviceState } from "../../../src/hw/core/qdev.js";
import { qdevRealizeAndUnref } from "../../../src/hw/core/qdev-realize.js";
import {
  acpiGpeInit,
  acpiGpeIoportReadb,
  acpiGpeIoportWriteb,
  acpiPm1CntInit,
  acpiPm1EvtInit,
  acpiPm1EvtPowerDown,
  acpiPmTmrInit,
  acpiRegsNew,
  acpiSendGpeEvent,
  acpiSystemStates,
  acpiUpdateSci,
  PM_TIMER_FREQUENCY,
  type AcpiRegs,
} from "../../../src/hw/acpi/core.js";
import { objectNew } from "../../../src/qom/object.js";
import { timerWorld, type TimerWorld } from "../fixtures/timer-world.js";

let w: TimerWorld;
let ar: AcpiRegs;
let sci: number;
let sleeps: string[];

beforeEach(() => {
  w = timerWorld();
  const dev = objectNew<DeviceState>(w.types, "stub-bridge");
  qdevRealizeAndUnref(dev);
  const block = memoryRegionInit(dev, "pm", 64);
  memoryRegionAddSubregion(getSystemIo(w.types), 0x600, block);
  ar = acpiRegsNew(dev);
  sci = 0;
  sleeps = [];
  const irq = allocateIrq(w.types, (_n, l) => (sci = l), 0);
  const update = (r: AcpiRegs) => acpiUpdateSci(r, irq);
  acpiPmTmrInit(ar, dev, update, block);
  acpiPm1EvtInit(ar, dev, update, block);
  acpiPm1CntInit(ar, dev, block, 2, false, {
    shutdown: () => sleeps.push("shutdown"),
    suspend: () => sleeps.push("suspend"),
    suspendDisk: () => sleeps.push("disk"),
  });
  acpiGpeInit(ar, 4);
});

const ticksAt = (ns: number) => Math.floor((ns * PM_TIMER_FREQUENCY) / 1e9);

describe("ACPI PM timer", () => {
  it("counts at 3.579545 MHz in 24 bits, readable in any width", () => {
    w.advance(1e6);
    expect(w.io.read(0x608, 4)).toBe(ticksAt(1e6));
    w.advance(5e9 - 1e6);
    const t = ticksAt(5e9) & 0xffffff;
    expect(w.io.read(0x608, 4)).toBe(t);
    expect(w.io.read(0x608, 2)).toBe(t & 0xffff);
    // As in QEMU, a narrow access anywhere in the window reads the timer from its low byte.
    expect(w.io.read(0x60a, 1)).toBe(t & 0xff);
    w.io.write(0x608, 0, 4); // writes are ignored
    expect(w.io.read(0x608, 4)).toBe(t);
  });

  it("sets TMR_STS when bit 23 flips and raises SCI if TMR_EN", () => {
    w.io.write(0x602, 0x0001, 2); // TMR_EN
    expect(w.io.read(0x600, 2) & 1).toBe(1); // overflow time 0 has passed: status at once
    w.io.write(0x600, 0x0001, 2); // clear: the next flip of bit 23 is the new overflow
    expect(w.io.read(0x600, 2) & 1).toBe(0);
    expect(sci).toBe(0);
    const flip = Math.ceil((0x800000 * 1e9) / PM_TIMER_FREQUENCY);
    w.advance(flip - 1000);
    expect(sci).toBe(0);
    w.advance(1000);
    expect(sci).toBe(1);
    expect(w.io.read(0x600, 2) & 1).toBe(1);
    w.io.write(0x600, 0x0001, 2);
    expect(sci).toBe(0);
    w.advance(flip);
    expect(sci).toBe(1);
  });
});

describe("PM1 event and control", () => {
  it("the power button sets PWRBTN_STS and SCI when enabled", () => {
    acpiPm1EvtPowerDown(ar);
    expect(w.io.read(0x600, 2) & 0x100).toBe(0);
    w.io.write(0x602, 0x0100, 2);
    expect(w.io.read(0x602, 2)).toBe(0x100);
    acpiPm1EvtPowerDown(ar);
    expect(w.io.read(0x600, 2) & 0x100).toBe(0x100);
    expect(sci).toBe(1);
    w.io.write(0x600, 0x0100, 2);
    expect(sci).toBe(0);
  });

  it("SLP_EN with type 0 shuts down, 1 suspends, s4_val saves to disk; SLP_EN reads 0", () => {
    w.io.write(0x604, 0x2001, 2);
    expect(sleeps).toEqual(["shutdown"]);
    expect(w.io.read(0x604, 2)).toBe(0x0001);
    w.io.write(0x604, 0x2000 | (1 << 10), 2);
    w.io.write(0x604, 0x2000 | (2 << 10), 2);
    w.io.write(0x604, 0x2000 | (5 << 10), 2);
    expect(sleeps).toEqual(["shutdown", "suspend", "disk", "shutdown"]);
    expect([...acpiSystemStates(false, false, 2)]).toEqual([128, 0, 0, 129, 130, 128]);
  });
});

describe("GPE block", () => {
  it("status clears on write-1, enable stores, an enabled event raises SCI", () => {
    const irq = allocateIrq(w.types, (_n, l) => (sci = l), 0);
    acpiGpeIoportWriteb(ar, 2, 0x02); // GPE0_EN bit 1
    expect(acpiGpeIoportReadb(ar, 2)).toBe(0x02);
    acpiSendGpeEvent(ar, irq, 0x02);
    expect(acpiGpeIoportReadb(ar, 0)).toBe(0x02);
    expect(sci).toBe(1);
    acpiGpeIoportWriteb(ar, 0, 0x02);
    acpiUpdateSci(ar, irq);
    expect(sci).toBe(0);
  });
});
