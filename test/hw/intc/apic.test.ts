/**
 * The local APIC through its MMIO window (the accessing vCPU's APIC, as QEMU's
 * cpu_get_current_apic), and the I/O APIC delivering to it through MSI writes.
 */
import { beforeEach, describe, expect, it } from "vitest";
import {
  CPU_INTERRUPT_HARD,
  CPU_INTERRUPT_INIT,
  CPU_INTERRUPT_NMI,
  CPU_INTERRUPT_SIPI,
} from "../../../src/hw/i386/x86-intr.js";
import { apicGetBase, apicSetBase, apicSetCurrent, apicSetTpr, apicGetTpr } from "../../../src/hw/intc/apic.js";
import { apicWorld, type ApicWorld } from "../fixtures/apic-world.js";

const ID = 0x20;
const VER = 0x30;
const TPR = 0x80;
const PPR = 0xa0;
const EOI = 0xb0;
const LDR = 0xd0;
const DFR = 0xe0;
const SVR = 0xf0;
const ISR = 0x100;
const TMR = 0x180;
const IRR = 0x200;
const ESR = 0x280;
const ICR_LO = 0x300;
const ICR_HI = 0x310;
const LVT_TIMER = 0x320;
const LVT_LINT0 = 0x350;
const TIMER_INITIAL = 0x380;
const TIMER_CURRENT = 0x390;
const TIMER_DIVIDE = 0x3e0;

let w: ApicWorld;
beforeEach(() => {
  w = apicWorld();
  // Software-enable both APICs, as an OS does first.
  for (const n of [0, 1]) {
    w.useCpu(n);
    w.lapicWrite(SVR, 0x1ff);
  }
  w.useCpu(0);
});

const bit = (v: number) => w.lapicRead(IRR + (v >> 5) * 0x10) & (1 << (v & 31));
const inService = (v: number) => w.lapicRead(ISR + (v >> 5) * 0x10) & (1 << (v & 31));
const selfIpi = (vector: number) => w.lapicWrite(ICR_LO, (1 << 18) | vector);

describe("local APIC registers", () => {
  it("report ID, version and reset values", () => {
    expect(w.lapicRead(ID)).toBe(0);
    expect(w.lapicRead(VER)).toBe(0x50014);
    w.useCpu(1);
    expect(w.lapicRead(ID) >>> 0).toBe(0x01000000);
    expect(w.lapicRead(DFR) >>> 0).toBe(0xffffffff);
    expect(w.lapicRead(LVT_TIMER)).toBe(0x10000);
    // Sub-dword accesses read as 0 and are ignored.
    expect(w.mem.read(0xfee00030, 1)).toBe(0);
    // A register that does not exist sets the illegal-address error bit.
    w.lapicRead(0x40);
    expect(w.lapicRead(ESR)).toBe(0x80);
  });

  it("without a current vCPU the window reads 0", () => {
    apicSetCurrent(w.types, undefined);
    expect(w.lapicRead(VER)).toBe(0);
    w.lapicWrite(TPR, 0x40);
    expect(w.apics[0]!.tpr).toBe(0);
  });

  it("deliver a fixed self-IPI: IRR, INTR, acknowledge into ISR, EOI", () => {
    selfIpi(0x41);
    expect(bit(0x41)).not.toBe(0);
    expect(w.cpus[0]!.hasInterrupt()).toBe(true);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x41);
    expect(bit(0x41)).toBe(0);
    expect(inService(0x41)).not.toBe(0);
    expect(w.lapicRead(PPR)).toBe(0x40);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    w.lapicWrite(EOI, 0);
    expect(inService(0x41)).toBe(0);
    expect(w.lapicRead(PPR)).toBe(0);
  });

  it("hold back vectors at or below the task priority", () => {
    w.lapicWrite(TPR, 0x50);
    selfIpi(0x55);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    selfIpi(0x61);
    expect(w.cpus[0]!.hasInterrupt()).toBe(true);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x61);
    w.lapicWrite(EOI, 0);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    w.lapicWrite(TPR, 0);
    expect(w.cpus[0]!.hasInterrupt()).toBe(true);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x55);
    // CR8 is the TPR's upper nibble.
    apicSetTpr(w.apics[0], 3);
    expect(w.lapicRead(TPR)).toBe(0x30);
    expect(apicGetTpr(w.apics[0])).toBe(3);
  });

  it("deliver by priority class and nest", () => {
    selfIpi(0x31);
    selfIpi(0x92);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x92);
    // 0x31 waits while the higher class is in service.
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    selfIpi(0xa0);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0xa0);
    w.lapicWrite(EOI, 0);
    w.lapicWrite(EOI, 0);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x31);
  });

  it("answer the spurious vector when the pending one is below the PPR at INTA", () => {
    w.lapicWrite(SVR, 0x1e7);
    selfIpi(0x45);
    w.apics[0]!.tpr = 0x80; // raised behind the APIC's back, as a racing CR8 write would
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0xe7);
    expect(bit(0x45)).not.toBe(0);
  });

  it("ignore everything while software-disabled", () => {
    w.lapicWrite(SVR, 0xff);
    selfIpi(0x50);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    // Nothing from the APIC, and LINT0 (masked since reset) keeps the 8259 out.
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(-1);
  });
});

describe("local APIC timer", () => {
  it("one-shot: counts down at the bus clock / divisor and fires once", () => {
    w.lapicWrite(TIMER_DIVIDE, 0x0b); // divide by 1
    w.lapicWrite(LVT_TIMER, 0x30);
    w.lapicWrite(TIMER_INITIAL, 1000);
    w.advance(400);
    expect(w.lapicRead(TIMER_CURRENT)).toBe(600);
    w.advance(600);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    w.advance(1); // QEMU fires at (count + 1) ticks
    expect(w.cpus[0]!.hasInterrupt()).toBe(true);
    expect(w.lapicRead(TIMER_CURRENT)).toBe(0);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x30);
    w.lapicWrite(EOI, 0);
    w.advance(100_000);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
  });

  it("periodic: reloads and fires every (count + 1) << shift ns", () => {
    w.lapicWrite(TIMER_DIVIDE, 0x00); // divide by 2
    w.lapicWrite(LVT_TIMER, 0x20031); // periodic, vector 0x31
    w.lapicWrite(TIMER_INITIAL, 499);
    let fired = 0;
    for (let i = 0; i < 10_000; i++) {
      w.advance(10);
      if (w.cpus[0]!.hasInterrupt()) {
        expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x31);
        w.lapicWrite(EOI, 0);
        fired++;
      }
    }
    expect(fired).toBe(100);
    // Masking the LVT stops it.
    w.lapicWrite(LVT_TIMER, 0x30031);
    w.advance(10_000);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
  });

  it("TSC-deadline mode counts as one-shot, as in QEMU's TCG", () => {
    w.lapicWrite(TIMER_DIVIDE, 0x0b);
    w.lapicWrite(LVT_TIMER, 0x40032);
    w.lapicWrite(TIMER_INITIAL, 10);
    w.advance(11);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x32);
  });
});

describe("IPIs", () => {
  it("fixed to another APIC by physical ID, and by logical flat destination", () => {
    w.lapicWrite(ICR_HI, 1 << 24);
    w.lapicWrite(ICR_LO, 0x66);
    expect(w.cpus[1]!.hasInterrupt()).toBe(true);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    expect(w.cpus[1]!.acknowledgeInterrupt()).toBe(0x66);
    w.useCpu(1);
    w.lapicWrite(LDR, 0x02000000);
    w.useCpu(0);
    w.lapicWrite(ICR_HI, 0x02 << 24);
    w.lapicWrite(ICR_LO, (1 << 11) | 0x67); // logical
    expect(w.apics[1]!.irr[3]! & (1 << 7)).not.toBe(0);
  });

  it("all-excluding-self shorthand, NMI", () => {
    w.lapicWrite(ICR_LO, (3 << 18) | (4 << 8));
    expect(w.cpus[1]!.interruptRequest & CPU_INTERRUPT_NMI).toBe(CPU_INTERRUPT_NMI);
    expect(w.cpus[0]!.interruptRequest & CPU_INTERRUPT_NMI).toBe(0);
    expect(w.cpus[1]!.takeNmi()).toBe(true);
    expect(w.cpus[1]!.takeNmi()).toBe(false);
  });

  it("INIT then SIPI start an application processor at the vector", () => {
    expect(w.apics[1]!.waitForSipi).toBe(true); // after reset, APs wait
    w.lapicWrite(ICR_HI, 1 << 24);
    w.lapicWrite(ICR_LO, 0x4500); // INIT, level assert
    expect(w.cpus[1]!.interruptRequest & CPU_INTERRUPT_INIT).toBe(CPU_INTERRUPT_INIT);
    w.lapicWrite(ICR_LO, 0x8500); // INIT level de-assert: no INIT
    expect(w.cpus[1]!.takeInit()).toBe(true);
    expect(w.apics[1]!.lvt[0]).toBe(0x10000);
    w.lapicWrite(ICR_LO, 0x4600 | 0x9a); // SIPI, vector 0x9a -> CS 0x9a00
    expect(w.cpus[1]!.interruptRequest & CPU_INTERRUPT_SIPI).toBe(CPU_INTERRUPT_SIPI);
    expect(w.cpus[1]!.takeSipi()).toBe(0x9a);
    // A second SIPI finds the CPU running.
    w.lapicWrite(ICR_LO, 0x4600 | 0x9a);
    expect(w.cpus[1]!.takeSipi()).toBe(-1);
    // The BSP never waits for SIPI.
    expect(w.apics[0]!.waitForSipi).toBe(false);
  });

  it("wake the target CPU through onInterrupt", () => {
    w.lapicWrite(ICR_HI, 1 << 24);
    w.lapicWrite(ICR_LO, 0x70);
    expect(w.requests[1]).toContain(CPU_INTERRUPT_HARD);
  });
});

describe("APIC base MSR", () => {
  it("has the BSP and enable bits; clearing enable turns the APIC off for good", () => {
    expect(apicGetBase(w.apics[0]) >>> 0).toBe(0xfee00900);
    expect(apicGetBase(w.apics[1]) >>> 0).toBe(0xfee00800);
    expect(apicGetBase(undefined)).toBe(0x100);
    apicSetBase(w.apics[1], 0xfee00000);
    expect(apicGetBase(w.apics[1]) >>> 0).toBe(0xfee00000);
    apicSetBase(w.apics[1], 0xfee00800);
    expect(apicGetBase(w.apics[1]) >>> 0).toBe(0xfee00000);
    expect(w.apics[1]!.spuriousVec & 0x100).toBe(0);
  });
});

describe("I/O APIC", () => {
  it("reports id, version 0x20 with 24 entries, masked entries", () => {
    expect(w.ioapicRead(1)).toBe(0x170020);
    w.ioapicWrite(0, 0x0f000000);
    expect(w.ioapicRead(0) >>> 0).toBe(0x0f000000);
    expect(w.ioapicRead(0x10)).toBe(0x10000);
  });

  it("delivers an edge pin to the local APIC named by the entry", () => {
    w.ioapicWrite(0x10 + 2 * 4, 0x41); // pin 4: vector 0x41, fixed, physical, edge, unmasked
    w.ioapicWrite(0x11 + 2 * 4, 1 << 24); // destination APIC 1
    w.ioapic.gpioIn(4).handler!(4, 1);
    expect(w.cpus[1]!.hasInterrupt()).toBe(true);
    expect(w.cpus[1]!.acknowledgeInterrupt()).toBe(0x41);
    w.ioapic.gpioIn(4).handler!(4, 0);
    // Edge: TMR clear, no remote IRR.
    expect(w.ioapicRead(0x10 + 2 * 4) & 0x4000).toBe(0);
    // ISA IRQ 0 comes in on pin 2.
    w.ioapicWrite(0x10 + 2 * 2, 0x30);
    w.ioapic.gpioIn(0).handler!(0, 1);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x30);
  });

  it("drops edges on masked pins", () => {
    w.ioapicWrite(0x10 + 2 * 5, 0x10042);
    w.ioapic.gpioIn(5).handler!(5, 1);
    w.ioapicWrite(0x10 + 2 * 5, 0x42);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
  });

  it("level pins hold Remote IRR until EOI and re-deliver while asserted", () => {
    w.ioapicWrite(0x10 + 2 * 9, 0x8051); // level, vector 0x51, APIC 0
    w.ioapic.gpioIn(9).handler!(9, 1);
    expect(w.ioapicRead(0x10 + 2 * 9) & 0x4000).toBe(0x4000);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x51);
    expect(w.lapicRead(TMR + 0x20) & (1 << 0x11)).not.toBe(0);
    // EOI with the line still high: remote IRR clears and the interrupt comes again.
    w.lapicWrite(EOI, 0);
    expect(w.cpus[0]!.hasInterrupt()).toBe(true);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x51);
    w.ioapic.gpioIn(9).handler!(9, 0);
    w.lapicWrite(EOI, 0);
    expect(w.ioapicRead(0x10 + 2 * 9) & 0x4000).toBe(0);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    // Remote IRR is read-only; switching the pin to edge clears it (Linux's trick).
    w.ioapic.gpioIn(9).handler!(9, 1);
    w.cpus[0]!.acknowledgeInterrupt();
    w.ioapicWrite(0x10 + 2 * 9, 0x18051);
    expect(w.ioapicRead(0x10 + 2 * 9) & 0x4000).toBe(0x4000);
    w.ioapicWrite(0x10 + 2 * 9, 0x10051);
    expect(w.ioapicRead(0x10 + 2 * 9) & 0x4000).toBe(0);
  });

  it("takes an explicit EOI write (version 0x20)", () => {
    w.ioapicWrite(0x10 + 2 * 10, 0x8052);
    w.ioapic.gpioIn(10).handler!(10, 1);
    w.ioapic.gpioIn(10).handler!(10, 0);
    expect(w.ioapicRead(0x10 + 2 * 10) & 0x4000).toBe(0x4000);
    w.mem.write(0xfec00040, 0x52, 4);
    expect(w.ioapicRead(0x10 + 2 * 10) & 0x4000).toBe(0);
  });

  it("ExtINT entries take their vector from the 8259", () => {
    w.initPic();
    w.ioapicWrite(0x10 + 2 * 7, 0x700);
    w.pic[3]!.handler!(3, 1); // the 8259 has IRQ 3 pending
    w.ioapic.gpioIn(7).handler!(7, 1);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x0b);
  });
});
