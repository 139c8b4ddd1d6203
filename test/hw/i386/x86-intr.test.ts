/**
 * The CPU-facing interrupt interface: the 8259's INTR straight to a CPU without APIC, or
 * through LINT0 of the local APICs, and the order QEMU takes them in (an ExtINT from the 8259
 * before the APIC's own vectors).
 */
import { describe, expect, it } from "vitest";
import { CPU_INTERRUPT_HARD, picIrqRequest, x86CpuInterruptsList } from "../../../src/hw/i386/x86-intr.js";
import { i8254PitInit } from "../../../src/hw/timer/i8254.js";
import { apicWorld } from "../fixtures/apic-world.js";

describe("without local APICs", () => {
  it("the 8259's output is the first CPU's INTR", () => {
    const w = apicWorld({ withApic: false });
    w.initPic();
    const cpu = w.cpus[0]!;
    w.pic[4]!.handler!(4, 1);
    expect(cpu.hasInterrupt()).toBe(true);
    expect(w.requests[0]).toEqual([CPU_INTERRUPT_HARD]);
    expect(w.cpus[1]!.hasInterrupt()).toBe(false);
    expect(cpu.acknowledgeInterrupt()).toBe(0x0c);
    expect(cpu.hasInterrupt()).toBe(false);
    // Masking drops INTR again.
    w.pic[5]!.handler!(5, 1);
    expect(cpu.hasInterrupt()).toBe(false); // 4 in service
    w.io.write(0x20, 0x20, 1);
    expect(cpu.hasInterrupt()).toBe(true);
    w.io.write(0x21, 0x20, 1);
    expect(cpu.hasInterrupt()).toBe(false);
    expect(x86CpuInterruptsList(w.types)).toHaveLength(2);
  });

  it("the PIT drives IRQ 0 through the 8259 into the CPU as the clock advances", () => {
    const w = apicWorld({ withApic: false });
    w.initPic();
    const pit = i8254PitInit(w.bus, 0x40, -1, w.pic[0]);
    pit.reset();
    w.io.write(0x43, 0x34, 1); // channel 0, mode 2
    w.io.write(0x40, 0xa9, 1);
    w.io.write(0x40, 0x04, 1); // 1193: ~1 kHz
    let ticks = 0;
    for (let t = 0; t < 100; t++) {
      w.advance(100_000);
      if (w.cpus[0]!.hasInterrupt()) {
        expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x08);
        w.io.write(0x20, 0x20, 1);
        ticks++;
      }
    }
    expect(ticks).toBe(10);
  });
});

describe("with local APICs", () => {
  it("LINT0 masked (reset state) keeps the 8259 out; ExtINT on LINT0 lets it in", () => {
    const w = apicWorld();
    w.initPic();
    w.pic[1]!.handler!(1, 1);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
    w.lapicWrite(0x350, 0x700); // LINT0: ExtINT, unmasked
    expect(w.cpus[0]!.hasInterrupt()).toBe(true);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x09);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
  });

  it("an ExtINT from the 8259 is taken before the APIC's pending vectors", () => {
    const w = apicWorld();
    w.initPic();
    w.lapicWrite(0xf0, 0x1ff);
    w.lapicWrite(0x350, 0x700);
    w.lapicWrite(0x300, (1 << 18) | 0x90); // self-IPI 0x90
    w.pic[3]!.handler!(3, 1);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x0b);
    expect(w.cpus[0]!.hasInterrupt()).toBe(true);
    expect(w.cpus[0]!.acknowledgeInterrupt()).toBe(0x90);
  });

  it("a fixed LINT0 delivers the LVT's vector, level-triggered lines clear on de-assert", () => {
    const w = apicWorld();
    w.initPic();
    w.lapicWrite(0xf0, 0x1ff);
    w.lapicWrite(0x350, 0x8045); // LINT0 fixed, level, vector 0x45
    picIrqRequest(w.types, 1);
    expect(w.apics[0]!.irr[2]! & (1 << 5)).not.toBe(0);
    picIrqRequest(w.types, 0);
    expect(w.apics[0]!.irr[2]! & (1 << 5)).toBe(0);
    expect(w.cpus[0]!.hasInterrupt()).toBe(false);
  });

  it("the RTC's slew policy sees whether an APIC took its tick", async () => {
    const { apicGetIrqDelivered, apicResetIrqDelivered } = await import("../../../src/hw/intc/apic.js");
    const w = apicWorld();
    w.lapicWrite(0xf0, 0x1ff);
    apicResetIrqDelivered(w.types);
    w.lapicWrite(0x300, (1 << 18) | 0x90);
    expect(apicGetIrqDelivered(w.types)).toBe(1);
    w.lapicWrite(0x300, (1 << 18) | 0x90); // already pending: coalesced
    expect(apicGetIrqDelivered(w.types)).toBe(1);
  });
});
