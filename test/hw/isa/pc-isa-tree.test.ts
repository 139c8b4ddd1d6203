/**
 * The ISA half of `-M pc -nodefaults`, built with the board helpers in pc_init1's order, against
 * the paths, types and links of QEMU 7.2's capture (test/fixtures/qemu-7.2/pc-nodefaults-isa.txt).
 */
import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { qomInit } from "../../../src/modules.js";
import { allocateIrq, type IrqState } from "../../../src/hw/core/irq.js";
import type { DeviceState } from "../../../src/hw/core/qdev.js";
import { qdevRealizeAndUnref } from "../../../src/hw/core/qdev-realize.js";
import { sysbusConnectIrq, sysbusGetDefault } from "../../../src/hw/core/sysbus.js";
import { isaBusIrqs, isaBusNew, isaCreateSimple, isaNew, isaRealizeAndUnref, isaTryNew } from "../../../src/hw/isa/isa-bus.js";
import { i8259Init } from "../../../src/hw/intc/i8259.js";
import { ioapicInit } from "../../../src/hw/intc/ioapic.js";
import { apicCreateForCpu, apicRealizeForCpu } from "../../../src/hw/intc/apic.js";
import { hpetMmioMap, HPET_LEGACY_PIT_INT, HPET_LEGACY_RTC_INT, type HpetState } from "../../../src/hw/timer/hpet.js";
import { i8254PitInit } from "../../../src/hw/timer/i8254.js";
import { mc146818RtcInit } from "../../../src/hw/rtc/mc146818rtc.js";
import { pcspkInit, type PcSpkState } from "../../../src/hw/audio/pcspk.js";
import { i8257DmaInit } from "../../../src/hw/dma/i8257.js";
import { i8042SetupA20Line, type I8042State } from "../../../src/hw/input/pckbd.js";
import { port92ConnectA20, type Port92State } from "../../../src/hw/i386/port92.js";
import { fwCfgInitIoDma } from "../../../src/hw/nvram/fw-cfg.js";
import { getSystemIo, getSystemMemory } from "../../../src/exec/memory.js";
import { adoptChild } from "../../../src/qom/child.js";
import { objectNew, isChildProperty, type QomObject } from "../../../src/qom/object.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import type { TypeRegistry } from "../../../src/qom/type.js";
import { containerGet } from "../../../src/qom/container.js";

const fixture = readFileSync(new URL("../../fixtures/qemu-7.2/pc-nodefaults-isa.txt", import.meta.url), "utf8");

let types: TypeRegistry;

/** Stand-ins for the devices other parts of qomd create (CPU, i440FX, PIIX3), in the same slots. */
function stubDevices(): void {
  for (const name of ["stub-cpu", "stub-host", "stub-bridge"]) {
    types.register({ name, parent: name === "stub-host" ? "sys-bus-device" : "device" });
  }
}

function buildPc(): { machine: QomObject } {
  const root = objectGetRoot(types);
  const machine = adoptChild(root, "machine", objectNew(types, "container"));
  containerGet(root, "/machine/unattached");
  stubDevices();
  // gsi lines and the CPU's INTR, like x86_allocate_cpu_irq / gsi_state.
  const gsi: IrqState[] = Array.from({ length: 24 }, (_, i) => allocateIrq(types, undefined, i));
  const cpuIrq = allocateIrq(types, undefined, 0);
  // device[0]: the CPU, whose lapic brings kvmvapic (device[1]).
  const cpu = objectNew<DeviceState>(types, "stub-cpu");
  qdevRealizeAndUnref(cpu);
  apicRealizeForCpu(apicCreateForCpu(cpu, 0));
  // fw_cfg before the host bridge (QEMU creates it in pc_memory_init).
  fwCfgInitIoDma(types, 0x510, 0x514);
  // The host bridge at /machine/i440fx with the ioapic below it.
  const host = adoptChild(machine, "i440fx", objectNew<DeviceState>(types, "stub-host"));
  qdevRealizeAndUnref(host.ref(), sysbusGetDefault(types));
  const pciFunc0 = objectNew<DeviceState>(types, "stub-bridge"); // device[2]: i440FX
  qdevRealizeAndUnref(pciFunc0);
  const piix3 = objectNew<DeviceState>(types, "stub-bridge"); // device[3]: PIIX3 with isa.0
  qdevRealizeAndUnref(piix3);
  const isa = isaBusNew(types, piix3, getSystemMemory(types), getSystemIo(types));
  i8257DmaInit(isa, false);
  // pc_init1: PIC, ISA IRQs, ioapic, then pc_basic_device_init.
  i8259Init(isa, cpuIrq);
  isaBusIrqs(isa, gsi);
  ioapicInit(types, host);
  const hpet = objectNew<HpetState>(types, "hpet");
  hpet.setPropertyJson("hpet-intcap", 4);
  qdevRealizeAndUnref(hpet, sysbusGetDefault(types));
  hpetMmioMap(hpet);
  for (let i = 0; i < 24; i++) sysbusConnectIrq(hpet, i, gsi[i]);
  const pitAlt = hpet.gpioIn(HPET_LEGACY_PIT_INT);
  const rtcIrq = hpet.gpioIn(HPET_LEGACY_RTC_INT);
  mc146818RtcInit(isa, 2000, rtcIrq);
  const pcspk = isaNew<PcSpkState>(types, "isa-pcspk"); // made at machine creation in QEMU
  const pit = i8254PitInit(isa, 0x40, -1, pitAlt);
  hpet.connectGpioOut(0, pit.gpioIn(0));
  pcspkInit(pcspk, isa, pit);
  isaRealizeAndUnref(isaNew(types, "isa-fdc"), isa);
  const i8042 = isaCreateSimple<I8042State>(isa, "i8042");
  isaCreateSimple(isa, "vmport");
  const vmmouse = isaTryNew(types, "vmmouse")!;
  vmmouse.setPropertyJson("i8042", i8042.canonicalPath!);
  isaRealizeAndUnref(vmmouse, isa);
  const port92 = isaCreateSimple<Port92State>(isa, "port92");
  const a20 = [allocateIrq(types, undefined, 0), allocateIrq(types, undefined, 1)];
  i8042SetupA20Line(i8042, a20[0]);
  port92ConnectA20(port92, a20[1]);
  return { machine };
}

/** Every child<> path below the root with its type, as the capture lists them. */
function walk(obj: QomObject, path: string, out: Map<string, string>): void {
  for (const prop of obj.properties.values()) {
    if (!isChildProperty(prop)) continue;
    const child = prop.opaque as QomObject;
    const p = `${path === "/" ? "" : path}/${prop.name}`;
    out.set(p, child.typeName);
    walk(child, p, out);
  }
}

function fixtureSection(title: string): string[] {
  const lines = fixture.split("\n");
  const start = lines.findIndex((l) => l.startsWith(`# ${title}`));
  const out: string[] = [];
  expect(start, title).toBeGreaterThan(0);
  for (const line of lines.slice(start + 1)) {
    if (line.startsWith("#")) break;
    if (line.trim() !== "") out.push(line);
  }
  return out;
}

beforeEach(() => {
  types = qomInit().types;
});

describe("pc -nodefaults: ISA and board devices", () => {
  it("places every device where QEMU 7.2 does", () => {
    buildPc();
    const tree = new Map<string, string>();
    walk(objectGetRoot(types), "/", tree);
    for (const line of fixtureSection("objects")) {
      const [path, type] = line.split("\t");
      expect(tree.get(path!), path).toBe(type);
    }
  });

  it("wires links and GPIOs as QEMU 7.2 does", () => {
    buildPc();
    const root = objectGetRoot(types);
    for (const line of fixtureSection("links")) {
      const [where, value] = line.split("\t");
      const dot = where!.lastIndexOf(".");
      const obj = resolve(root, where!.slice(0, dot));
      expect(obj, where).toBeDefined();
      expect(obj!.getProperty(where!.slice(dot + 1)), where).toBe(JSON.parse(value!));
    }
  });
});

describe("pc -nodefaults: I/O and MMIO regions", () => {
  it("maps every region at QEMU 7.2's address, size and priority", () => {
    buildPc();
    const root = objectGetRoot(types);
    const rows = fixtureSection("regions");
    expect(rows.length).toBe(28);
    for (const line of rows) {
      const [path, addr, size, priority] = line.split("\t");
      const mr = resolve(root, path!);
      expect(mr, path).toBeDefined();
      expect([mr!.getProperty("addr"), mr!.getProperty("size"), mr!.getProperty("priority")], path).toEqual([
        Number(addr),
        Number(size),
        Number(priority),
      ]);
    }
  });
});

function resolve(root: QomObject, path: string): QomObject | undefined {
  let obj: QomObject | undefined = root;
  for (const part of path.split("/").slice(1)) obj = obj?.resolveComponent(part);
  return obj;
}
