/**
 * The in-kernel irqchip's state as QEMU 7.2 shows and resets it: `info pic`, `info irq` and
 * `info lapic` at reset against QEMU's captures (test/fixtures/qemu-7.2/intc), the kvm-* models
 * reading the kernel's PIC, IOAPIC and LAPIC back before printing, system_reset writing the reset
 * state into the kernel's PIC, IOAPIC, PIT and LAPIC, `nmi` through KVM_NMI, and kvmclock and
 * kvm-pit across stop/cont. Skips, naming what is missing, without /dev/kvm or the addon.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createMachine } from "../../../src/softmmu/vl.js";
import { kvmMachineOf } from "../../../src/accel/kvm/kvm-machine.js";
import { StructBuffer } from "../../../src/accel/kvm/kvm-struct.js";
import type { TypeRegistry } from "../../../src/qom/type.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { testMachine, type TestMachine } from "../../monitor/machine-fixture.js";
import { lapicTextFor, picSections, withoutPitTick } from "../../monitor/hmp/intc-text.js";
import { cpuList } from "../../../src/hw/core/cpu.js";
import type { X86CPU } from "../../../src/target/i386/cpu.js";
import { FW } from "../../../src/target/i386/cpu-features.js";
import { ROOT } from "../../integration/helpers.js";
import { kvmSkipReason } from "./guest-harness.js";

const skip = kvmSkipReason();
if (skip) console.warn(`test/accel/kvm/kvm-intc-state.test.ts skipped: ${skip}`);

const capture = (name: string) => readFileSync(new URL(`../../fixtures/qemu-7.2/intc/${name}.txt`, import.meta.url), "utf8");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Machine = TestMachine & { hmp(line: string): string; close(): void };

async function machine(...args: string[]): Promise<Machine> {
  const m = await testMachine(["-L", fakeFirmwareDir(), "-accel", "kvm", "-nodefaults", "-display", "none", ...args]);
  m.runtime.start();
  return Object.assign(m, {
    hmp: (line: string) => m.run("human-monitor-command", { "command-line": line }) as string,
    close: () => m.runtime.runControl.close(),
  });
}

function kvm(registry: TypeRegistry) {
  const km = kvmMachineOf(registry);
  if (!km) throw new Error("not a kvm machine");
  return { vm: km.accel.vm, addon: km.accel.addon, k: km.accel.addon.constants, L: km.accel.addon.layout, accel: km.accel };
}

/** The kernel's IRQCHIP union for `chip`, with `layout`'s fields. */
function irqchip(registry: TypeRegistry, chip: "KVM_IRQCHIP_PIC_MASTER" | "KVM_IRQCHIP_IOAPIC"): { buf: StructBuffer; write(): void } {
  const { vm, k, L } = kvm(registry);
  const layout = chip === "KVM_IRQCHIP_IOAPIC" ? L.irqchip.ioapic : L.irqchip.pic;
  const buf = new StructBuffer({ ...layout, size: L.irqchip.size });
  vm.getIrqchip(k[chip]!, buf.bytes);
  return { buf, write: () => vm.setIrqchip(k[chip]!, buf.bytes) };
}

/** The kernel LAPIC page of vCPU 0, and a way to write it back. */
function lapic(registry: TypeRegistry): { view: DataView; regs: number; write(): void } {
  const { accel, L } = kvm(registry);
  const h = accel.vcpuHandle(0)!;
  const buf = new StructBuffer(L.lapic);
  h.getLapic(buf.bytes);
  return { view: buf.view, regs: buf.field("regs")[0], write: () => h.setLapic(buf.bytes) };
}

/** QEMU's `info lapic` capture for CPU 0 of this machine's model (see lapicTextFor). */
function lapicCapture(registry: TypeRegistry, name: string): string {
  const cpu = cpuList(registry)[0] as X86CPU;
  return lapicTextFor(capture(name), ((cpu.config.features[FW.FEAT_1_ECX] ?? 0n) & (1n << 21n)) !== 0n);
}

/** `info irq` as its controllers' parts, in any order (see the order note in info-intc.test.ts). */
const irqParts = (text: string) => text.split(/(?=IRQ statistics)/).sort();

describe.skipIf(skip !== undefined)(`in-kernel irqchip state${skip ? ` (skipped: ${skip})` : ""}`, () => {
  for (const board of ["pc", "q35"]) {
    it(`${board}: info lapic, info pic and info irq at reset are QEMU's (kvm-ioapic version 0x11, x2APIC ICR2)`, async () => {
      const m = await machine("-M", board, "-S");
      try {
        expect(m.hmp("info lapic")).toBe(lapicCapture(m.instance.registry, `${board}-kvm-reset.info-lapic`));
        // Per controller; the order differs as on tcg (test/monitor/hmp/info-intc.test.ts).
        expect(picSections(withoutPitTick(m.hmp("info pic"))).sort()).toEqual(picSections(capture(`${board}-kvm-reset.info-pic`)).sort());
        expect(irqParts(m.hmp("info irq"))).toEqual(irqParts(capture(`${board}-kvm-reset.info-irq`)));
      } finally {
        m.close();
      }
    });
  }

  it("info pic and info lapic read the kernel's chips; system_reset writes the reset state back into them", async () => {
    const m = await machine("-M", "pc", "-S");
    const r = m.instance.registry;
    try {
      // What a guest would have programmed, written straight into the kernel.
      const pic = irqchip(r, "KVM_IRQCHIP_PIC_MASTER");
      pic.buf.set("imr", 0xb8);
      pic.buf.set("irq_base", 0x08);
      pic.write();
      const io = irqchip(r, "KVM_IRQCHIP_IOAPIC");
      const redir = io.buf.field("redirtbl")[0];
      io.buf.view.setBigUint64(redir + 3 * 8, 0x0000000000008931n, true); // pin 3: vector 0x31, level, lowest priority
      io.buf.set("ioregsel", 0x16);
      io.write();
      const apic = lapic(r);
      apic.view.setUint32(apic.regs + 0xf0, 0x1ff, true); // SVR: enabled, spurious vector 255
      apic.view.setUint32(apic.regs + 0x360, 0x8400, true); // LVT1: NMI, level
      apic.write();

      const picText = withoutPitTick(m.hmp("info pic"));
      expect(picText).toContain("pic0: irr=00 imr=b8 isr=00 hprio=0 irq_base=08 rr_sel=0 elcr=00 fnm=0\r\n");
      expect(picText).toContain("ioapic0: ver=0x11 id=0x00 sel=0x16 (redir[3])\r\n");
      expect(picText).toContain("  pin 3  0x0000000000008931 dest=0 vec=49  active-hi level        lowest logical\r\n");
      const lapicText = m.hmp("info lapic");
      expect(lapicText).toContain("LVT1\t 0x00008400 active-hi level                             NMI   \r\n");
      expect(lapicText).toContain("SPIV\t 0x000001ff APIC enabled, focus=off, spurious vec 255\r\n");

      // A PIT channel reprogrammed by the "guest".
      const { vm, L } = kvm(r);
      const pit = new StructBuffer(L.pit2);
      vm.getPit2(pit.bytes);
      const ch0 = pit.field("channels")[0];
      const chMode = ch0 + (L.pitChannel["mode"] as readonly [number, number])[0];
      pit.bytes[chMode] = 2;
      vm.setPit2(pit.bytes);

      m.hmp("system_reset");
      expect(irqchip(r, "KVM_IRQCHIP_PIC_MASTER").buf.u("imr")).toBe(0);
      const ioAfter = irqchip(r, "KVM_IRQCHIP_IOAPIC").buf;
      expect(ioAfter.view.getBigUint64(ioAfter.field("redirtbl")[0] + 3 * 8, true)).toBe(0x10000n);
      expect(ioAfter.u64("base_address")).toBe(0xfec00000n);
      const apicAfter = lapic(r);
      expect(apicAfter.view.getUint32(apicAfter.regs + 0xf0, true)).toBe(0xff);
      expect(apicAfter.view.getUint32(apicAfter.regs + 0x360, true)).toBe(0x10000);
      vm.getPit2(pit.bytes);
      expect(pit.bytes[chMode]).toBe(3);
      expect(m.hmp("info lapic")).toBe(lapicCapture(r, "pc-kvm-reset.info-lapic"));
      expect(picSections(withoutPitTick(m.hmp("info pic"))).sort()).toEqual(picSections(capture("pc-kvm-reset.info-pic")).sort());
    } finally {
      m.close();
    }
  });

  it("nmi goes to the vCPU with KVM_NMI only when the guest left LINT1 unmasked in NMI mode", async () => {
    const m = await machine("-M", "pc", "-S");
    const r = m.instance.registry;
    // KVM_GET_VCPU_EVENTS: a queued KVM_NMI shows as nmi.pending while the vCPU does not run.
    const nmiPending = () => {
      const { accel, L } = kvm(r);
      const ev = new StructBuffer(L.vcpuEvents);
      accel.vcpuHandle(0)!.getVcpuEvents(ev.bytes);
      return ev.u("nmi.pending") !== 0;
    };
    try {
      expect(m.hmp("nmi")).toBe("");
      expect(nmiPending()).toBe(false);
      const apic = lapic(r);
      apic.view.setUint32(apic.regs + 0x360, 0x8400, true);
      apic.write();
      expect(m.hmp("nmi")).toBe("");
      expect(nmiPending()).toBe(true);
    } finally {
      m.close();
    }
  });

  it("kvm-pit's lost_tick_policy: delay (the kernel's reinjection) and discard (KVM_REINJECT_CONTROL off) build, slew is refused as by QEMU", async () => {
    const argv = (policy: string) => ["-L", fakeFirmwareDir(), "-accel", "kvm", "-M", "pc", "-S", "-nodefaults", "-display", "none", "-global", `kvm-pit.lost_tick_policy=${policy}`];
    await expect(createMachine(argv("slew"), { prog: "qemu-system-x86_64" })).rejects.toThrow(/^qemu-system-x86_64: Lost tick policy not supported\.$/);
    for (const policy of ["delay", "discard"]) {
      const m = await testMachine(argv(policy));
      expect(m.run("qom-get", { path: "/machine/unattached/device[11]", property: "lost_tick_policy" })).toBe(policy);
      m.runtime.runControl.close();
    }
  });

  it("stop/cont: kvmclock restores the VM clock and kvm-pit moves its load time, so the pause is not added", async () => {
    const m = await machine("-M", "pc", "-bios", join(ROOT, "test/guests/spin-bios.bin"));
    const r = m.instance.registry;
    const { vm, L } = kvm(r);
    const clock = () => {
      const b = new StructBuffer(L.clock);
      vm.getClock(b.bytes);
      return b.u64("clock");
    };
    const pitLoadTime = () => {
      const b = new StructBuffer(L.pit2);
      vm.getPit2(b.bytes);
      const at = b.field("channels")[0] + (L.pitChannel["count_load_time"] as readonly [number, number])[0];
      return b.view.getBigInt64(at, true);
    };
    const host = () => process.hrtime.bigint();
    try {
      await sleep(50);
      const load0 = pitLoadTime();
      m.run("stop");
      const h0 = host();
      const c0 = clock();
      await sleep(300);
      m.run("cont");
      const c1 = clock();
      const h1 = host();
      const load1 = pitLoadTime();
      const elapsed = h1 - h0;
      // The kernel's clock advanced by far less than the host time around the pause (which is
      // at least the 300 ms slept): the pause was taken out.
      expect(elapsed).toBeGreaterThanOrEqual(300_000_000n);
      expect(c1 - c0).toBeLessThan(elapsed - 150_000_000n);
      // The PIT's channel 0 was loaded "later" by about the pause, so it counts on where it was.
      expect(load1 - load0).toBeGreaterThan(150_000_000n);
      expect(m.takeEvents().map((e) => e.event)).toEqual(["STOP", "RESUME"]);
    } finally {
      m.close();
    }
  });
});
