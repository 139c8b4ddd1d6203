/**
 * Register values of the PC's timer and interrupt devices right after reset, replayed against
 * a transcript captured from QEMU 7.2 with qtest (test/hw/fixtures/qemu-7.2-qtest-timer-regs.txt):
 * HPET capabilities, I/O APIC id/version/entries, the local APIC window with no vCPU running,
 * PIT read-back, RTC status registers and NMI-mask index, port 0x61, the ELCR masks and the
 * 8259's registers across initialisation.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { pcspkInit, type PcSpkState } from "../../../src/hw/audio/pcspk.js";
import { qdevRealizeAndUnref } from "../../../src/hw/core/qdev-realize.js";
import { sysbusGetDefault } from "../../../src/hw/core/sysbus.js";
import { isaNew } from "../../../src/hw/isa/isa-bus.js";
import { apicSetCurrent } from "../../../src/hw/intc/apic.js";
import { mc146818RtcInit } from "../../../src/hw/rtc/mc146818rtc.js";
import { hpetMmioMap, type HpetState } from "../../../src/hw/timer/hpet.js";
import { i8254PitInit } from "../../../src/hw/timer/i8254.js";
import { objectNew } from "../../../src/qom/object.js";
import { apicWorld } from "../fixtures/apic-world.js";

const transcript = readFileSync(new URL("../fixtures/qemu-7.2-qtest-timer-regs.txt", import.meta.url), "utf8")
  .split("\n")
  .filter((l) => l && !l.startsWith("#"))
  .map((l) => l.split("|") as [string, string]);

describe("PC timer and interrupt registers after reset", () => {
  it("answer as QEMU 7.2 does", () => {
    const w = apicWorld();
    const hpet = objectNew<HpetState>(w.types, "hpet");
    hpet.setPropertyJson("hpet-intcap", 4); // what pc_basic_device_init gives it
    qdevRealizeAndUnref(hpet, sysbusGetDefault(w.types));
    hpetMmioMap(hpet);
    const pit = i8254PitInit(w.bus, 0x40, -1, hpet.gpioIn(0));
    const spk = isaNew<PcSpkState>(w.types, "isa-pcspk");
    pcspkInit(spk, w.bus, pit);
    const rtc = mc146818RtcInit(w.bus, 2000, hpet.gpioIn(1));
    for (const d of [hpet, pit, rtc]) d.reset();
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
