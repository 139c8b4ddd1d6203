/** HMP `info lapic` text: the reset state against QEMU 7.2's output, and a programmed APIC. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { apicDumpLocalState } from "../../../src/hw/intc/apic-info.js";
import { apicWorld } from "../fixtures/apic-world.js";

const captured = readFileSync(new URL("../fixtures/qemu-7.2-info-lapic.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => !l.startsWith("#"))
  .join("\n");

describe("info lapic", () => {
  it("matches QEMU 7.2 for CPU 0 after reset", () => {
    const w = apicWorld();
    expect(apicDumpLocalState(w.apics[0], 0)).toBe(captured);
    expect(apicDumpLocalState(undefined, 0)).toBe("local apic state not available\n");
  });

  it("shows LVT modes, the timer, pending and in-service vectors, ICR and priorities", () => {
    const w = apicWorld();
    w.lapicWrite(0xf0, 0x1ff);
    w.lapicWrite(0x350, 0x700); // LINT0 ExtINT
    w.lapicWrite(0x360, 0x400); // LINT1 NMI
    w.lapicWrite(0x3e0, 0x3); // divide by 16
    w.lapicWrite(0x320, 0x20030); // periodic, vector 0x30
    w.lapicWrite(0x380, 100_000);
    w.advance(16 * 1000);
    w.lapicWrite(0x80, 0x20);
    w.lapicWrite(0x300, (1 << 18) | 0x41);
    w.cpus[0]!.acknowledgeInterrupt();
    w.lapicWrite(0x300, (1 << 18) | 0x52);
    w.lapicWrite(0x310, 0x03000000);
    w.lapicWrite(0x300, 0x0c000 | (1 << 11) | 0x60); // logical, level, assert, fixed (no shorthand)
    const text = apicDumpLocalState(w.apics[0], 0).split("\n");
    expect(text[2]).toBe("LVT0\t 0x00000700 active-hi edge                              ExtINT (vec 0)");
    expect(text[3]).toBe("LVT1\t 0x00000400 active-hi edge                              NMI   ");
    expect(text[7]).toBe("LVTT\t 0x00020030 active-hi edge                 periodic     Fixed  (vec 48)");
    expect(text[8]).toBe("Timer\t DCR=0x3 (divide by 16) initial_count = 100000 current_count = 99000");
    expect(text[9]).toBe("SPIV\t 0x000001ff APIC enabled, focus=off, spurious vec 255");
    expect(text[10]).toBe("ICR\t 0x0000c860 logical level assert no-shorthand");
    expect(text[11]).toBe("ICR2\t 0x03000000 mask 00000011 (APIC ID)");
    expect(text[13]).toBe("ISR\t 65 ");
    expect(text[14]).toBe("IRR\t 82 ");
    expect(text[16]).toBe("APR 0x00 TPR 0x20 DFR 0x0f LDR 0x00 PPR 0x40");
  });
});
