/**
 * query-pci behind a PCI-to-PCI bridge. qomd has no bridge model yet, so the test registers a
 * minimal one (a type 1 header and a secondary bus) and programs its registers as firmware
 * would; query-pci must read bus numbers and windows from them as QEMU's
 * pci_bridge_get_base/limit do, and list the devices of the secondary bus.
 */
import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../src/qobject/json-value.js";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { qbusCreate } from "../../../src/hw/core/bus.js";
import { PCIBus, TYPE_PCI_BUS } from "../../../src/hw/pci/pci-bus.js";
import { pciSetLong, pciSetWord } from "../../../src/hw/pci/pci-config.js";
import { INTERFACE_CONVENTIONAL_PCI_DEVICE, pciCreateSimple, pciNew, pciRealizeAndUnref, TYPE_PCI_DEVICE, type PCIDevice, type PCIDeviceClass } from "../../../src/hw/pci/pci.js";
import { testMachine } from "../machine-fixture.js";

const TYPE_TEST_BRIDGE = "test-pci-bridge";

/** Window registers as a firmware would leave them (values chosen to exercise every width bit). */
function programWindows(c: Uint8Array, secondary: number, prefLimitUpper: number): void {
  c[0x18] = 0; // primary
  c[0x19] = secondary;
  c[0x1a] = secondary; // subordinate
  c[0x1c] = 0x21; // I/O base 0x2000, 32-bit I/O addressing
  c[0x1d] = 0x31; // I/O limit 0x3000
  pciSetWord(c, 0x30, 0x0001); // I/O base bits 31:16
  pciSetWord(c, 0x32, 0x0001); // I/O limit bits 31:16
  pciSetWord(c, 0x20, 0xfe00); // memory base 0xfe000000
  pciSetWord(c, 0x22, 0xfe10); // memory limit 0xfe100000
  pciSetWord(c, 0x24, 0x0001); // prefetchable base 0, 64-bit
  pciSetWord(c, 0x26, 0xfff1); // prefetchable limit 0xfff00000, 64-bit
  pciSetLong(c, 0x28, 0x8);
  pciSetLong(c, 0x2c, prefLimitUpper);
}

async function machineWithBridge(secondary: number, prefLimitUpper: number) {
  const m = await testMachine(["-M", "pc", "-S", "-nodefaults", "-display", "none"]);
  const types = m.instance.registry;
  types.register({
    name: TYPE_TEST_BRIDGE,
    parent: TYPE_PCI_DEVICE,
    interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
    classInit: (k) => {
      const pc = k as PCIDeviceClass;
      pc.vendorId = 0x1b36;
      pc.deviceId = 0x0001;
      pc.classId = 0x0604;
      pc.isBridge = true;
      pc.pciRealize = (dev) => {
        qbusCreate(types, TYPE_PCI_BUS, dev, "pci.1");
      };
    },
  });
  const root = resolvePath(objectGetRoot(types), "/machine/i440fx/pci.0").obj as PCIBus;
  const bridge = pciNew<PCIDevice>(types, 0x18, TYPE_TEST_BRIDGE);
  bridge.id = "br";
  pciRealizeAndUnref(bridge, root);
  programWindows(bridge.config, secondary, prefLimitUpper);
  const behind = bridge.childBuses[0] as PCIBus;
  pciCreateSimple(behind, 0x08, "e1000");
  return { m };
}

function bridgeEntry(reply: unknown): JsonObject {
  const devices = ((reply as JsonObject[])[0]!["devices"] as JsonObject[]).filter((d) => d["qdev_id"] === "br");
  expect(devices).toHaveLength(1);
  return devices[0]!;
}

describe("query-pci with a PCI-to-PCI bridge", () => {
  it("reports the bridge's bus numbers and windows, and the devices behind it on their bus", async () => {
    const { m } = await machineWithBridge(1, 0x8);
    const bridge = bridgeEntry(m.run("query-pci"));
    expect(bridge["slot"]).toBe(3);
    expect(bridge["class_info"]).toEqual({ desc: "PCI bridge", class: 0x0604 });
    // A type 1 header has no subsystem ids in its header.
    expect(bridge["id"]).toEqual({ device: 0x0001, vendor: 0x1b36 });
    const info = bridge["pci_bridge"] as JsonObject;
    expect(info["bus"]).toEqual({
      number: 0,
      secondary: 1,
      subordinate: 1,
      io_range: { base: 0x12000, limit: 0x13fff },
      memory_range: { base: 0xfe000000, limit: 0xfe1fffff },
      prefetchable_range: { base: 0x800000000, limit: 0x8ffffffff },
    });
    const behind = info["devices"] as JsonObject[];
    expect(behind.map((d) => [d["bus"], d["slot"], d["function"], (d["class_info"] as JsonObject)["desc"]])).toEqual([
      [1, 1, 0, "Ethernet controller"],
    ]);
  });

  it("leaves devices out while the secondary bus number is 0, and reads windows as 64-bit integers", async () => {
    const { m } = await machineWithBridge(0, 0xffffffff);
    const info = bridgeEntry(m.run("query-pci"))["pci_bridge"] as JsonObject;
    expect(info).not.toHaveProperty("devices");
    // A limit of 0xffff_ffff_ffff_ffff is -1 as QAPI's signed int, as QEMU prints it.
    expect((info["bus"] as JsonObject)["prefetchable_range"]).toEqual({ base: 0x800000000, limit: -1 });
  });
});
