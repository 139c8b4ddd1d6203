import { beforeEach, describe, expect, it } from "vitest";
import { qomInit } from "../../../src/modules.js";
import { getSystemIo, getSystemMemory, memoryRegionInit, memoryRegionInitRam } from "../../../src/exec/memory.js";
import { adoptChild } from "../../../src/qom/child.js";
import { objectNew } from "../../../src/qom/object.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import type { TypeRegistry } from "../../../src/qom/type.js";
import { qdevRealize } from "../../../src/hw/core/qdev-realize.js";
import { i440fxInit } from "../../../src/hw/pci-host/i440fx.js";
import { piix3Create } from "../../../src/hw/isa/piix3.js";
import { piix3IdeCreate } from "../../../src/hw/ide/piix.js";
import { piix4PmInit } from "../../../src/hw/acpi/piix4.js";
import type { PCIBus } from "../../../src/hw/pci/pci-bus.js";
import { parsePciDevfn, formatPciDevfn } from "../../../src/hw/pci/pci-devfn.js";
import { PCIDevice } from "../../../src/hw/pci/pci.js";
import { pciDevfn } from "../../../src/hw/pci/pci-regs.js";
import { pciGetWord } from "../../../src/hw/pci/pci-config.js";

let types: TypeRegistry;
let bus: PCIBus;

beforeEach(() => {
  types = qomInit().types;
  adoptChild(objectGetRoot(types), "machine", objectNew(types, "container"));
  const parts = i440fxInit(types, {
    systemMemory: getSystemMemory(types),
    systemIo: getSystemIo(types),
    ramSize: 128 << 20,
    belowFourGMemSize: 128 << 20,
    aboveFourGMemSize: 0,
    pciAddressSpace: memoryRegionInit(types, "pci", 2 ** 64),
    ramMemory: memoryRegionInitRam(types, "pc.ram", 128 << 20),
  });
  bus = parts.bus;
  piix3Create(bus, []);
  piix3IdeCreate(bus, pciDevfn(1, 1));
  piix4PmInit(bus, { devfn: pciDevfn(1, 3), smbIoBase: 0xb100, sciIrq: undefined, smiIrq: undefined, smmEnabled: true });
});

/** Creates `type` with command-line style properties and plugs it (as -device does). */
function plug(type: string, props: Record<string, string> = {}, id?: string, hotplugged = false): PCIDevice {
  const dev = objectNew<PCIDevice>(types, type);
  if (id !== undefined) {
    dev.id = id;
    adoptChild(objectGetRoot(types).resolveComponent("machine")!, id, dev);
  }
  dev.hotplugged = hotplugged;
  for (const [k, v] of Object.entries(props)) dev.parseProperty(k, v);
  qdevRealize(dev, bus);
  if (id === undefined) dev.unref();
  return dev;
}

function plugError(type: string, props: Record<string, string> = {}, id?: string, hotplugged = false): string {
  try {
    plug(type, props, id, hotplugged);
  } catch (e) {
    return (e as Error).message;
  }
  return "no error";
}

describe("addr (pci-devfn)", () => {
  it("parses slot and function in hexadecimal as QEMU does", () => {
    expect(parsePciDevfn("06.0")).toBe(0x30);
    expect(parsePciDevfn("06")).toBe(0x30);
    expect(parsePciDevfn("0x6")).toBe(0x30);
    expect(parsePciDevfn("10")).toBe(0x80);
    expect(parsePciDevfn("1f.7")).toBe(0xff);
    for (const bad of ["xyz", "32", "20", "06.8", "", "0:3.0", "3.0.1", "-1"]) expect(parsePciDevfn(bad)).toBeUndefined();
  });

  it("prints legacy-addr and rejects bad text with QEMU's message", () => {
    expect(formatPciDevfn(0x0b)).toBe("01.3");
    expect(formatPciDevfn(-1)).toBe("<unset>");
    expect(plugError("e1000", { addr: "06.8" })).toBe("Property 'e1000.addr' doesn't take value '06.8'");
    expect(plugError("e1000", { addr: "32" })).toBe("Property 'e1000.addr' doesn't take value '32'");
  });
});

describe("slot allocation", () => {
  it("takes the first free slot, after the board's devices", () => {
    const a = plug("e1000");
    const b = plug("virtio-net-pci");
    expect(formatPciDevfn(a.devfn)).toBe("02.0");
    expect(formatPciDevfn(b.devfn)).toBe("03.0");
    expect(a.getProperty("addr")).toBe(0x10);
  });

  it("refuses a taken slot naming the holder, with glibc's (null) for a missing id", () => {
    plug("virtio-net-pci", { addr: "4" }, "net0");
    expect(plugError("e1000", { addr: "4" })).toBe(
      "PCI: slot 4 function 0 not available for e1000, in use by virtio-net-pci,id=net0",
    );
    expect(plugError("e1000", { addr: "0" })).toBe("PCI: slot 0 function 0 not available for e1000, in use by i440FX,id=(null)");
  });

  it("reports a full bus", () => {
    for (let i = 2; i < 32; i++) plug("e1000");
    expect(plugError("e1000")).toBe("PCI: no slot/function available for e1000, all in use or reserved");
  });

  it("applies QEMU's multifunction rules", () => {
    plug("e1000", { addr: "3.1", multifunction: "on" });
    expect(plugError("e1000", { addr: "3.0" })).toBe("PCI: 3.0 indicates single function, but 3.1 is already populated.");
    plug("e1000", { addr: "5.0" });
    expect(plugError("e1000", { addr: "5.1" })).toBe("PCI: single function device can't be populated in function 5.1");
    plug("e1000", { addr: "6.0", multifunction: "on" });
    expect(plugError("e1000", { addr: "6.1" }, undefined, true)).toBe(
      "PCI: slot 6 function 0 already occupied by e1000, new func e1000 cannot be exposed to guest.",
    );
    expect(plugError("e1000", { addr: "1.2" }, undefined, true)).toBe(
      "PCI: slot 1 function 0 already occupied by PIIX3, new func e1000 cannot be exposed to guest.",
    );
  });

  it("checks romsize and acpi-index as QEMU does", () => {
    expect(plugError("e1000", { romsize: "3" })).toBe("ROM size 3 is not a power of two");
    expect(plugError("e1000", { "acpi-index": "20000" })).toBe("acpi-index should be less or equal to 16383");
    plug("e1000", { "acpi-index": "5" });
    expect(plugError("e1000", { "acpi-index": "5" })).toBe("a PCI device with acpi-index = 5 already exist");
    expect(plugError("e1000", { failover_pair_id: "x" })).toBe("failover primary device must be on PCIExpress bus");
  });

  it("frees the slot of a device that failed to realize", () => {
    expect(plugError("virtio-blk-pci", { addr: "7" })).toBe("drive property not set");
    expect(formatPciDevfn(plug("e1000", { addr: "7" }).devfn)).toBe("07.0");
  });
});

describe("configuration space", () => {
  /** vendor, device, subsystem vendor, subsystem, class, header type, pin — query-pci of QEMU 7.2. */
  const cases: Array<[string, number, number, number, number, number, number, number]> = [
    ["00.0", 0x8086, 0x1237, 0x1af4, 0x1100, 0x0600, 0x00, 0],
    ["01.0", 0x8086, 0x7000, 0x1af4, 0x1100, 0x0601, 0x80, 0],
    ["01.1", 0x8086, 0x7010, 0x1af4, 0x1100, 0x0101, 0x00, 0],
    ["01.3", 0x8086, 0x7113, 0x1af4, 0x1100, 0x0680, 0x00, 1],
  ];
  for (const [addr, vendor, device, sv, sd, klass, header, pin] of cases) {
    it(`holds QEMU's ids for ${addr}`, () => {
      const dev = bus.slots[parsePciDevfn(addr)!]!;
      const c = dev.config;
      expect([pciGetWord(c, 0), pciGetWord(c, 2), pciGetWord(c, 0x2c), pciGetWord(c, 0x2e), pciGetWord(c, 0x0a)]).toEqual([
        vendor,
        device,
        sv,
        sd,
        klass,
      ]);
      expect(c[0x0e]).toBe(header);
      expect(c[0x3d]).toBe(pin);
      expect(c.length).toBe(256);
    });
  }

  it("sizes BARs as QEMU (piix3-ide BAR 4, e1000, virtio-net-pci)", () => {
    const bars = (d: PCIDevice) =>
      d.ioRegions.flatMap((r, i) => (r ? [[i, r.isIo ? "io" : "memory", r.size, r.is64] as const] : []));
    expect(bars(bus.slots[pciDevfn(1, 1)]!)).toEqual([[4, "io", 16, false]]);
    expect(bars(plug("e1000", { addr: "3" }))).toEqual([
      [0, "memory", 131072, false],
      [1, "io", 64, false],
    ]);
    const vnet = plug("virtio-net-pci", { addr: "4" });
    expect(bars(vnet)).toEqual([
      [0, "io", 32, false],
      [1, "memory", 4096, false],
      [4, "memory", 16384, true],
    ]);
    expect([pciGetWord(vnet.config, 0), pciGetWord(vnet.config, 2), pciGetWord(vnet.config, 0x2e)]).toEqual([0x1af4, 0x1000, 1]);
    // A BAR's address bits are writable only down to its size; the type bits stay.
    vnet.writeConfig(0x10, 0xffffffff, 4);
    expect(vnet.readConfig(0x10, 4)).toBe(0xffffffe1);
  });

  it("keeps read-only registers read-only", () => {
    const dev = bus.slots[0]!;
    dev.writeConfig(0, 0x12345678, 4);
    expect(pciGetWord(dev.config, 0)).toBe(0x8086);
  });
});
