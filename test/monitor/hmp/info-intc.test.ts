/**
 * HMP `info pic`, `info irq`, `info lapic`, `nmi` and the help listings on tcg, against QEMU 7.2's
 * captures in test/fixtures/qemu-7.2/intc (made by capture.py there). The kvm variants are in
 * test/accel/kvm/kvm-intc-state.test.ts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { TcgVcpu } from "../../../src/accel/tcg/tcg-vcpu.js";
import { APIC_LVT_LINT1 } from "../../../src/hw/intc/apic.js";
import { cpuList } from "../../../src/hw/core/cpu.js";
import type { X86CPU } from "../../../src/target/i386/cpu.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { testMachine, type TestMachine } from "../machine-fixture.js";
import { picSections } from "./intc-text.js";

const capture = (name: string) => readFileSync(new URL(`../../fixtures/qemu-7.2/intc/${name}.txt`, import.meta.url), "utf8");

async function machine(...args: string[]): Promise<TestMachine & { hmp(line: string, cpu?: number): string }> {
  const m = await testMachine(["-L", fakeFirmwareDir(), "-S", "-nodefaults", "-display", "none", ...args]);
  return Object.assign(m, {
    hmp: (line: string, cpu?: number) =>
      m.run("human-monitor-command", { "command-line": line, ...(cpu === undefined ? {} : { "cpu-index": cpu }) }) as string,
  });
}

/** Whether `sub` appears in `all` in the same order (not necessarily adjacent). */
function isSubsequence(sub: string[], all: string[]): boolean {
  let i = 0;
  for (const line of all) if (i < sub.length && line === sub[i]) i++;
  return i === sub.length;
}

describe("HMP interrupt controller commands on tcg, against QEMU 7.2", () => {
  it("help and help info list qomd's commands with QEMU's texts, in QEMU's (sorted) order", async () => {
    const m = await machine("-M", "pc");
    for (const [line, file] of [["help", "pc-tcg-reset.help"], ["help info", "pc-tcg-reset.help-info"]] as const) {
      const ours = m.hmp(line).split("\r\n").filter((l) => l !== "");
      const qemu = capture(file).split("\r\n");
      expect(ours.filter((l) => !qemu.includes(l)), `${line}: lines QEMU does not print`).toEqual([]);
      expect(isSubsequence(ours, qemu), `${line}: order`).toBe(true);
    }
    expect(m.hmp("help nmi")).toBe("nmi  -- inject an NMI\r\n");
    m.runtime.runControl.close();
  });

  for (const board of ["pc", "q35"]) {
    it(`${board}: info lapic at reset is QEMU's text; info pic and info irq print QEMU's controllers`, async () => {
      const m = await machine("-M", board, "-accel", "tcg");
      expect(m.hmp("info lapic")).toBe(capture(`${board}-tcg-reset.info-lapic`));
      expect(m.hmp("info lapic 0")).toBe(capture(`${board}-tcg-reset.info-lapic`));
      // Each controller's text is QEMU's. The order is not yet: both walk /machine's children in
      // its property table's order, and qomd's table is not QEMU's (it lacks QEMU's nvdimm,
      // nvdimm-persistence, hmat, cxl and cxl-fmw properties, see test/integration/
      // pc-nodefaults-replay.test.ts): QEMU's visits `i440fx`/`q35` (the IOAPIC's parent) before
      // `unattached` (the 8259s'), qomd's after.
      const ours = picSections(m.hmp("info pic"));
      const qemu = picSections(capture(`${board}-tcg-reset.info-pic`));
      expect([...ours].sort()).toEqual([...qemu].sort());
      expect(ours.map((s) => s.slice(0, 7))).toEqual(["pic1: i", "pic0: i", "ioapic0"]);
      // IRQ 0 rose once at power-on (the HPET enabling the PIT's output before the PIT's reset);
      // the controllers' parts are QEMU's, in the order above.
      const irqParts = (text: string) => text.split(/(?=IRQ statistics)/).sort();
      expect(irqParts(m.hmp("info irq"))).toEqual(irqParts(capture(`${board}-tcg-reset.info-irq`)));
      m.runtime.runControl.close();
    });
  }

  it("info lapic takes an APIC ID, or the monitor's CPU; refuses what QEMU refuses", async () => {
    const m = await machine("-M", "pc", "-smp", "2");
    expect(m.hmp("info lapic 1")).toMatch(/^dumping local APIC state for CPU 1 \r\n/);
    expect(m.hmp("info lapic", 1)).toMatch(/^dumping local APIC state for CPU 1 \r\n/);
    expect(m.hmp("info lapic 5")).toBe("No CPU available\r\n");
    expect(m.hmp("info lapic x")).toBe('invalid char \'x\' in expression\r\nTry "help info lapic" for more information\r\n');
    expect(m.hmp("info lapic -1")).toBe("'lapic' has failed: integer is for 32-bit values\r\n");
    expect(m.hmp("info pic x")).toBe('pic: extraneous characters at the end of line\r\nTry "help info pic" for more information\r\n');
    expect(m.hmp("nmi 0")).toBe('nmi: extraneous characters at the end of line\r\nTry "help nmi" for more information\r\n');
    expect(m.hmp("info registers 1")).toMatch(/^\r\nCPU#1\r\n/);
    expect(m.hmp("info registers 5")).toBe("CPU#5 not available\r\n");
    m.runtime.runControl.close();
  });

  it("nmi reaches each CPU through its local APIC's LINT1, only when the guest programmed it for NMI", async () => {
    const m = await machine("-M", "pc", "-smp", "2");
    const registry = m.instance.registry;
    // The request reaches the interpreter at once (x86-vcpus.ts: CPU_INTERRUPT_NMI → injectNmi).
    const pending = () => m.runtime.runControl.vcpus.map((v) => (v.vcpu as TcgVcpu).cpu.nmiPending);
    expect(m.hmp("nmi")).toBe("");
    // At reset LINT1 is masked: QEMU's apic_local_deliver drops the NMI.
    expect(pending()).toEqual([false, false]);
    // What SeaBIOS programs: LINT1 unmasked, NMI delivery, level (0x8400).
    for (const cpu of cpuList(registry) as X86CPU[]) cpu.apic!.lvt[APIC_LVT_LINT1] = 0x8400;
    expect(m.hmp("nmi")).toBe("");
    expect(pending()).toEqual([true, true]);
    m.runtime.runControl.close();
  });
});
