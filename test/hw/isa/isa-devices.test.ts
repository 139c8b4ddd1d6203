/**
 * Realize errors with QEMU 7.2's texts (checked against qemu-system-x86_64 7.2 on the command
 * line), composite devices' children and wiring, and the first guest-visible behaviour.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { qomInit } from "../../../src/modules.js";
import { ChardevRegistry } from "../../../src/chardev/chardev-registry.js";
import type { RingBufChardev } from "../../../src/chardev/char-ringbuf.js";
import { addressSpaceIo, getSystemIo, getSystemMemory } from "../../../src/exec/memory.js";
import { allocateIrq, type IrqState } from "../../../src/hw/core/irq.js";
import type { DeviceState } from "../../../src/hw/core/qdev.js";
import { qdevRealizeAndUnref } from "../../../src/hw/core/qdev-realize.js";
import { sysbusGetDefault } from "../../../src/hw/core/sysbus.js";
import { isaBusIrqs, isaBusNew, isaCreateSimple, isaNew, isaRealizeAndUnref, type IsaBus } from "../../../src/hw/isa/isa-bus.js";
import { i8259Init, picReadIrq } from "../../../src/hw/intc/i8259.js";
import { ioapicInit } from "../../../src/hw/intc/ioapic.js";
import { i8257DmaInit } from "../../../src/hw/dma/i8257.js";
import { isaFdcGetDriveType, type IsaFdcState } from "../../../src/hw/block/fdc.js";
import { mc146818RtcInit, RTC_REG_B } from "../../../src/hw/rtc/mc146818rtc.js";
import { fwCfgAddFile, fwCfgFiles, fwCfgInitIoDma } from "../../../src/hw/nvram/fw-cfg.js";
import { setDebugExitHandler } from "../../../src/hw/misc/debugexit.js";
import { serialHdsIsaInit } from "../../../src/hw/char/serial-isa.js";
import { adoptChild } from "../../../src/qom/child.js";
import { objectNew } from "../../../src/qom/object.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import type { TypeRegistry } from "../../../src/qom/type.js";

let types: TypeRegistry;
let bus: IsaBus;
let lines: number[];

beforeEach(() => {
  types = qomInit().types;
  adoptChild(objectGetRoot(types), "machine", objectNew(types, "container"));
  types.register({ name: "stub-bridge", parent: "device" });
  const bridge = objectNew<DeviceState>(types, "stub-bridge");
  qdevRealizeAndUnref(bridge);
  bus = isaBusNew(types, bridge, getSystemMemory(types), getSystemIo(types));
  lines = new Array(16).fill(0);
  const irqs: IrqState[] = Array.from({ length: 16 }, (_, i) => allocateIrq(types, (n, level) => (lines[n] = level), i));
  isaBusIrqs(bus, irqs);
});

function create(type: string, props: Record<string, string> = {}): DeviceState {
  const dev = isaNew(types, type);
  for (const [k, v] of Object.entries(props)) dev.parseProperty(k, v);
  isaRealizeAndUnref(dev, bus);
  return dev;
}

function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

describe("ISA bus", () => {
  it("is isa.0 on its bridge, and there is only one", () => {
    expect(bus.name).toBe("isa.0");
    expect(bus.typeName).toBe("ISA");
    expect(errorOf(() => isaBusNew(types, undefined, undefined, undefined))).toBe("Can't create a second ISA bus");
  });
});

describe("isa-serial", () => {
  it("numbers ports COM1..COM4 and refuses a fifth", () => {
    const ports = [0, 1, 2, 3].map(() => create("isa-serial"));
    expect(ports.map((p) => [p.getProperty("index"), p.getProperty("iobase"), p.getProperty("irq")])).toEqual([
      [0, 0x3f8, 4],
      [1, 0x2f8, 3],
      [2, 0x3e8, 4],
      [3, 0x2e8, 3],
    ]);
    expect(errorOf(() => create("isa-serial"))).toBe("Max. supported number of ISA serial ports is 4.");
    expect(errorOf(() => create("isa-serial", { index: "7" }))).toBe("Max. supported number of ISA serial ports is 4.");
  });

  it("has the serial core as child `serial` and aliases its properties", () => {
    const dev = create("isa-serial");
    expect(dev.propertyType("serial")).toBe("child<serial>");
    expect(dev.getProperty("baudbase")).toBe(115200);
    expect(dev.resolveComponent("serial")!.getProperty("realized")).toBe(true);
  });

  it("resolves its chardev with QEMU's texts and transmits to it", async () => {
    const reg = new ChardevRegistry(types);
    const ring = (await reg.newChardev("ser0", "ringbuf", { type: "ringbuf", size: 1024 } as never)) as RingBufChardev;
    expect(errorOf(() => create("isa-serial", { chardev: "nope" }))).toBe("Property 'serial.chardev' can't find value 'nope'");
    const [dev] = serialHdsIsaInit(bus, ["ser0"], 0, 4);
    expect(dev!.getProperty("chardev")).toBe("ser0");
    expect(errorOf(() => create("isa-serial", { chardev: "ser0" }))).toBe(
      "Property 'serial.chardev' can't take value 'ser0': Device 'ser0' is in use",
    );
    const io = addressSpaceIo(types);
    for (const c of "hi") io.write(0x3f8, c.charCodeAt(0), 1);
    expect(Buffer.from(ring.read(16)).toString()).toBe("hi");
    // Line status: transmitter empty; interrupt on THR empty once enabled.
    expect(io.read(0x3fd, 1) & 0x60).toBe(0x60);
    io.write(0x3f9, 0x02, 1);
    expect(lines[4]).toBe(1);
    expect(io.read(0x3fa, 1) & 0x0f).toBe(0x02);
    expect(lines[4]).toBe(0);
    await reg.closeAll();
  });
});

describe("isa-parallel and isa-debugcon", () => {
  it("need a chardev", () => {
    expect(errorOf(() => create("isa-parallel"))).toBe("Can't create parallel device, empty char device");
    expect(errorOf(() => create("isa-debugcon"))).toBe("Can't create debugcon device, empty char device");
    expect(errorOf(() => create("isa-parallel", { chardev: "zz" }))).toBe("Property 'isa-parallel.chardev' can't find value 'zz'");
  });

  it("parallel ports stop at three; debugcon echoes writes and reads back 0xe9", async () => {
    const reg = new ChardevRegistry(types);
    for (const id of ["a", "b", "c", "d", "e"]) await reg.newChardev(id, "null", { type: "null" } as never);
    const dbg = (await reg.newChardev("dbg", "ringbuf", { type: "ringbuf", size: 64 } as never)) as RingBufChardev;
    const lpt = ["a", "b", "c"].map((c) => create("isa-parallel", { chardev: c }));
    expect(lpt.map((p) => p.getProperty("iobase"))).toEqual([0x378, 0x278, 0x3bc]);
    expect(errorOf(() => create("isa-parallel", { chardev: "d" }))).toBe("Max. supported number of parallel ports is 3.");
    create("isa-debugcon", { chardev: "dbg", iobase: "0x402" });
    const io = addressSpaceIo(types);
    io.write(0x402, 0x41, 1);
    expect(Buffer.from(dbg.read(8)).toString()).toBe("A");
    expect(io.read(0x402, 1)).toBe(0xe9);
    await reg.closeAll();
  });
});

describe("isa-debug-exit", () => {
  it("exits with (value << 1) | 1", () => {
    const statuses: number[] = [];
    setDebugExitHandler(types, (s) => statuses.push(s));
    create("isa-debug-exit");
    addressSpaceIo(types).write(0x501, 0x10, 1);
    expect(statuses).toEqual([0x21]);
  });
});

describe("i8042", () => {
  it("embeds ps2kbd and ps2mouse on the system bus and checks its IRQs", () => {
    const dev = create("i8042");
    expect(dev.propertyType("ps2kbd")).toBe("child<ps2-kbd>");
    expect(dev.resolveComponent("ps2mouse")!.getProperty("parent_bus")).toBe("/machine/unattached/sysbus");
    expect(errorOf(() => create("i8042", { "kbd-irq": "16" }))).toBe('Maximum value for "kbd-irq" is: 15');
    expect(errorOf(() => create("i8042", { "mouse-irq": "200" }))).toBe('Maximum value for "mouse-irq" is: 15');
  });

  it("answers the self test and drives A20", () => {
    const dev = create("i8042");
    const a20: number[] = [];
    dev.connectGpioOut(0, allocateIrq(types, (_n, l) => a20.push(l), 0), "a20");
    const io = addressSpaceIo(types);
    io.write(0x64, 0xaa, 1);
    expect(io.read(0x64, 1) & 1).toBe(1);
    expect(lines[1]).toBe(1);
    expect(io.read(0x60, 1)).toBe(0x55);
    io.write(0x64, 0xdd, 1);
    expect(a20).toEqual([0]);
  });
});

describe("vmmouse", () => {
  it("needs its i8042 link and a vmport", () => {
    expect(errorOf(() => create("vmmouse"))).toBe("'i8042' link is not set");
    const kbd = create("i8042");
    expect(errorOf(() => create("vmmouse", { i8042: kbd.canonicalPath! }))).toBe("vmmouse needs a machine with vmport");
    create("vmport");
    const m = create("vmmouse", { i8042: kbd.canonicalPath! });
    expect(errorOf(() => m.parseProperty("i8042", ""))).toBe(
      "Attempt to set link property 'i8042' on device '(null)' (type 'vmmouse') after it was realized",
    );
  });
});

describe("mc146818rtc", () => {
  it("refuses bad IRQs and lost tick policies", () => {
    expect(errorOf(() => create("mc146818rtc", { irq: "20", lost_tick_policy: "delay" }))).toBe('Maximum value for "irq" is: 15');
    expect(errorOf(() => create("mc146818rtc", { lost_tick_policy: "delay" }))).toBe("Invalid lost tick policy.");
    expect(errorOf(() => create("mc146818rtc", { lost_tick_policy: "merge" }))).toBe(
      "Parameter 'lost_tick_policy' does not accept value 'merge'",
    );
  });

  it("keeps base year 2000 as 0, aliases rtc-time on the machine, reads the time in BCD", () => {
    const rtc = mc146818RtcInit(bus, 2000, undefined);
    rtc.startTimeMs = undefined;
    expect(rtc.getProperty("base_year")).toBe(0);
    const machine = objectGetRoot(types).resolveComponent("machine")!;
    expect(machine.propertyType("rtc-time")).toBe("struct tm");
    const tm = machine.getProperty("rtc-time") as Record<string, number>;
    expect(tm["tm_year"]).toBe(new Date().getUTCFullYear() - 1900);
    const io = addressSpaceIo(types);
    io.write(0x70, RTC_REG_B, 1);
    expect(io.read(0x71, 1)).toBe(0x02);
    io.write(0x70, 0x32, 1);
    expect(io.read(0x71, 1)).toBe(0x20); // century, BCD
  });
});

describe("isa-fdc and floppy", () => {
  it("creates floppy-bus.0 and checks its units and block sizes", () => {
    i8257DmaInit(bus, false);
    const fdc = create("isa-fdc") as IsaFdcState;
    const fbus = fdc.resolveComponent("floppy-bus.0")!;
    expect(fbus.typeName).toBe("floppy-bus");
    const drive = (props: Record<string, string>) => {
      const d = objectNew<DeviceState>(types, "floppy");
      for (const [k, v] of Object.entries(props)) d.parseProperty(k, v);
      qdevRealizeAndUnref(d, fbus as never);
      return d;
    };
    expect(errorOf(() => drive({ unit: "2" }))).toBe("Can't create floppy unit 2, bus supports only 2 units");
    expect(errorOf(() => drive({ logical_block_size: "100" }))).toBe(
      "Property .logical_block_size doesn't take value 100 (minimum: 512, maximum: 2097152)",
    );
    expect(errorOf(() => drive({ physical_block_size: "3000" }))).toBe(
      "Property .physical_block_size doesn't take value '3000', it's not a power of 2",
    );
    expect(errorOf(() => drive({ logical_block_size: "1024" }))).toBe("logical_block_size > physical_block_size not supported");
    expect(errorOf(() => drive({ physical_block_size: "4096" }))).toBe("Physical and logical block size must be 512 for floppy");
    expect(errorOf(() => drive({ min_io_size: "3" }))).toBe("min_io_size must be a multiple of logical_block_size");
    const a = drive({ unit: "0" });
    expect(a.getProperty("drive-type")).toBe("288");
    expect(a.getProperty("logical_block_size")).toBe(512);
    expect(isaFdcGetDriveType(fdc, 0)).toBe("288");
    expect(errorOf(() => drive({ unit: "0" }))).toBe("Floppy unit 0 is in use");
  });

  it("refuses an automatic fallback and a bus without DMA", () => {
    expect(errorOf(() => create("isa-fdc", { dma: "2" }))).toBe("ISA controller does not support DMA");
    i8257DmaInit(bus, false);
    expect(errorOf(() => create("isa-fdc", { fallback: "auto" }))).toBe("Cannot choose a fallback FDrive type of 'auto'");
  });
});

describe("8259 pair", () => {
  it("cascades the slave on master input 2 and delivers vectors", () => {
    const intr: number[] = [];
    const irqs = i8259Init(bus, allocateIrq(types, (_n, l) => intr.push(l), 0));
    const io = addressSpaceIo(types);
    // Initialise as a PC BIOS does: vectors 0x08 and 0x70, cascade on IRQ 2.
    for (const [port, val] of [
      [0x20, 0x11], [0x21, 0x08], [0x21, 0x04], [0x21, 0x01],
      [0xa0, 0x11], [0xa1, 0x70], [0xa1, 0x02], [0xa1, 0x01],
    ] as const) io.write(port, val, 1);
    irqs[8]!.handler!(8 - 8, 1);
    expect(intr.at(-1)).toBe(1);
    expect(picReadIrq(types)).toBe(0x70);
    // A spurious acknowledge gives IRQ 7's vector.
    expect(picReadIrq(types)).toBe(0x0f);
    io.write(0xa0, 0x20, 1);
    io.write(0x20, 0x20, 1);
    expect(intr.at(-1)).toBe(0);
  });

  it("has QEMU's ELCR masks", () => {
    i8259Init(bus, undefined);
    const io = addressSpaceIo(types);
    io.write(0x4d0, 0xff, 1);
    io.write(0x4d1, 0xff, 1);
    expect([io.read(0x4d0, 1), io.read(0x4d1, 1)]).toEqual([0xf8, 0xde]);
  });
});

describe("ioapic and fw_cfg", () => {
  it("allows one ioapic, with QEMU's version check", () => {
    const host = objectNew<DeviceState>(types, "stub-bridge");
    qdevRealizeAndUnref(host);
    const bad = objectNew<DeviceState>(types, "ioapic");
    bad.parseProperty("version", "0x12");
    expect(errorOf(() => qdevRealizeAndUnref(bad, sysbusGetDefault(types)))).toBe(
      "IOAPIC only supports version 0x11 or 0x20 (default: 0x20).",
    );
    const ioapic = ioapicInit(types, host);
    expect(ioapic.canonicalPath).toBe(`${host.canonicalPath}/ioapic`);
    expect(ioapic.propertyType("unnamed-gpio-in[23]")).toBe("child<irq>");
    expect(errorOf(() => ioapicInit(types, objectGetRoot(types).resolveComponent("machine")!))).toBe("Only 1 ioapics allowed");
  });

  it("sorts files by name and answers the signature on 0x510/0x511", () => {
    const fw = fwCfgInitIoDma(types, 0x510, 0x514);
    expect(fw.canonicalPath).toBe("/machine/fw_cfg");
    fwCfgAddFile(fw, "etc/e820", new Uint8Array(20));
    fwCfgAddFile(fw, "bootorder", new Uint8Array(0));
    expect(fwCfgFiles(fw).map((f) => [f.name, f.select])).toEqual([
      ["bootorder", 0x20],
      ["etc/boot-fail-wait", 0x21],
      ["etc/e820", 0x22],
    ]);
    const io = addressSpaceIo(types);
    io.write(0x510, 0x0000, 2);
    expect([0, 1, 2, 3].map(() => io.read(0x511, 1))).toEqual([0x51, 0x45, 0x4d, 0x55]);
    io.write(0x510, 0x0001, 2);
    expect(io.read(0x511, 1)).toBe(3); // version 1 with DMA
    const second = objectNew<DeviceState>(types, "fw_cfg_io");
    expect(errorOf(() => qdevRealizeAndUnref(second, sysbusGetDefault(types)))).toBe("at most one fw_cfg device is permitted");
  });
});
