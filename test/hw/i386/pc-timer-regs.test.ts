/**
 * Register values of the PC's timer and interrupt devices right after reset, replayed against
 * a transcript captured from QEMU 7.2 with qtest (test/hw/fixtures/qemu-7.2-qtest-timer-regs.txt):
 * HPET capabilities, I/O APIC id/version/entries, the local APIC window with no vCPU running,
 * PIT read-back, RTC status registers and NMI-mask index, port 0x61, the ELCR masks and the
 * 8259's registers across initialisation; and the 8259s' and I/O APIC's `info pic` / `info irq`
 * text against QEMU's HMP output (test/hw/fixtures/qemu-7.2-info-pic-irq.txt).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pcspkInit, type PcSpkState } from "../../../src/hw/audio/pcspk.js";
import { qdevRealizeAndUnref } from "../../../src/hw/core/qdev-realize.js";
import { sysbusGetDefault } from "../../../src/hw/core/sysbus.js";
import { isaNew } from "../../../src/hw/isa/isa-bus.js";
import { apicSetCurrent } from "../../../src/hw/intc/apic.js";
import { allocateIrq } from "../../../src/hw/core/irq.js";
import { sysbusConnectIrq } from "../../../src/hw/core/sysbus.js";
import { i8259Chips } from "../../../src/hw/intc/i8259.js";
import { hmpInfoPicOf, xQueryIrqOf } from "../../../src/hw/intc/intc.js";
import { mc146818RtcInit } from "../../../src/hw/rtc/mc146818rtc.js";
import { hpetMmioMap, type HpetState } from "../../../src/hw/timer/hpet.js";
import { i8254PitInit } from "../../../src/hw/timer/i8254.js";
import { objectNew } from "../../../src/qom/object.js";
import { apicWorld } from "../fixtures/apic-world.js";

const infoPicIrq = readFileSync(new URL("../fixtures/qemu-7.2-info-pic-irq.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => !l.startsWith("#"))
  .join("\n");

const transcript = readFileSync(new URL("../fixtures/qemu-7.2-qtest-timer-regs.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("#"))
  .map((l) => l.split("|") as [string, string]);

/**
 * The PC's interrupt wiring for these devices: the HPET's routes fan out to the 8259 inputs
 * and the I/O APIC pins as GSIs do (QEMU's gsi_handler), the PIT and RTC go through the HPET.
 */
function pcWorld() {
  const w = apicWorld();
  const hpet = objectNew<HpetState>(w.types, "hpet");
  hpet.setPropertyJson("hpet-intcap", 4); // what pc_basic_device_init gives it
  qdevRealizeAndUnref(hpet, sysbusGetDefault(w.types));
  hpetMmioMap(hpet);
  for (let i = 0; i < 24; i++) {
    const gsi = allocateIrq(w.types, (n, level) => {
      if (n < 16) w.pic[n]!.handler!(n & 7, level);
      w.ioapic.gpioIn(n).handler!(n, level);
    }, i);
    sysbusConnectIrq(hpet, i, gsi);
  }
  const pit = i8254PitInit(w.bus, 0x40, -1, hpet.gpioIn(0));
  hpet.connectGpioOut(0, pit.gpioIn(0));
  const spk = isaNew<PcSpkState>(w.types, "isa-pcspk");
  pcspkInit(spk, w.bus, pit);
  const rtc = mc146818RtcInit(w.bus, 2000, hpet.gpioIn(1));
  // QEMU's reset reaches the PIT before the HPET (whose reset gives the PIT its IRQ back, so
  // IRQ 0 goes high once), and the interrupt controllers after both.
  for (const d of [pit, hpet, rtc, ...i8259Chips(w.types), w.ioapic]) d.reset();
  return { w, hpet, pit, rtc };
}

describe("PC timer and interrupt registers after reset", () => {
  it("describe themselves for info pic and info irq as QEMU 7.2 does", () => {
    const { w } = pcWorld();
    const [master, slave] = i8259Chips(w.types);
    const text = [w.ioapic, slave!, master!].map((o) => hmpInfoPicOf(o)).join("");
    const irq = [w.ioapic, slave!, master!].map((o) => xQueryIrqOf(o)).join("");
    expect(text + irq).toBe(infoPicIrq);
  });

  it("answer as QEMU 7.2 does", () => {
    const { w } = pcWorld();
    // qtest accesses come from no vCPU.
    apicSetCurrent(w.types, undefined);

    const got: string[] = [];
    for (const [cmd] of transcript) {
      const [op, a, v] = cmd.split(" ") as [string, string, string | undefined];
      const addr = Number(a);
      const hex = (n: number) => `OK 0x${(n >>> 0).toString(16).padStart(16, "0")}`;
      const hex4 = (n: number) => `OK 0x${n.toString(16).padStart(4, "0")}`;
      switch (op) {
        case "readl":
          got.push(hex(w.mem.read(addr, 4)));
          break;
        case "writel":
          w.mem.write(addr, Number(v), 4);
          got.push("OK");
          break;
        case "inb":
          got.push(hex4(w.io.read(addr, 1)));
          break;
        case "outb":
          w.io.write(addr, Number(v), 1);
          got.push("OK");
          break;
        default:
          throw new Error(`unknown qtest command ${op}`);
      }
    }
    expect(got.map((r, i) => `${transcript[i]![0]}|${r}`)).toEqual(transcript.map(([c, r]) => `${c}|${r}`));
  });
});
