/**
 * system_reset as QEMU 7.2 does it: devices are reset through the qdev tree,
 * which completes pending ACPI unplugs; RESET comes before the reply and the
 * DEVICE_DELETED events after it (QEMU frees the devices through RCU), in
 * the order QEMU sends them. Checked against
 *   qemu-system-x86_64 -M pc -S -nodefaults: device_add virtio-net-pci,id=net0;
 *   device_add e1000; device_del net0; device_del <e1000 path>; system_reset.
 */
import { describe, expect, it } from "vitest";
import { testMachine } from "../machine-fixture.js";

describe("system_reset", () => {
  it("completes pending PCI unplugs: RESET, the reply, then DEVICE_DELETED in QEMU's order", async () => {
    const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    m.run("device_add", { driver: "virtio-net-pci", id: "net0" });
    m.run("device_add", { driver: "e1000" });
    m.run("device_del", { id: "net0" });
    m.run("device_del", { id: "/machine/peripheral-anon/device[0]" });
    expect(m.takeEvents()).toEqual([]);
    expect(m.fail("device_del", { id: "net0" })).toEqual({ class: "GenericError", desc: "Device net0 is already in the process of unplug" });
    expect((m.run("qom-list", { path: "/machine/peripheral" }) as Array<{ name: string }>).map((p) => p.name)).toEqual(["type", "net0"]);

    const r = m.runtime.execute("system_reset", {});
    expect(r.ok).toBe(true);
    // Before the reply: only RESET.
    expect(m.takeEvents().map((e) => [e.event, e["data"]])).toEqual([["RESET", { guest: false, reason: "host-qmp-system-reset" }]]);
    m.runtime.flushAfterReply();
    expect(m.takeEvents().map((e) => [e.event, e["data"]])).toEqual([
      ["DEVICE_DELETED", { path: "/machine/peripheral/net0/virtio-backend" }],
      ["DEVICE_DELETED", { device: "net0", path: "/machine/peripheral/net0" }],
      ["DEVICE_DELETED", { path: "/machine/peripheral-anon/device[0]" }],
    ]);
    expect((m.run("qom-list", { path: "/machine/peripheral" }) as Array<{ name: string }>).map((p) => p.name)).toEqual(["type"]);
    expect(m.fail("device_del", { id: "net0" })).toEqual({ class: "DeviceNotFound", desc: "Device 'net0' not found" });
  });

  it("a reset with nothing pending sends only RESET", async () => {
    const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    m.run("system_reset");
    expect(m.takeEvents().map((e) => e.event)).toEqual(["RESET"]);
  });

  it("run states: paused and prelaunch go (back) to prelaunch, running stays running", async () => {
    const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    m.run("system_reset");
    expect(m.run("query-status")).toEqual({ running: false, singlestep: false, status: "prelaunch" });
    m.run("cont");
    m.run("stop");
    expect(m.run("query-status")).toEqual({ running: false, singlestep: false, status: "paused" });
    m.run("system_reset");
    expect(m.run("query-status")).toEqual({ running: false, singlestep: false, status: "prelaunch" });
    expect(m.run("human-monitor-command", { "command-line": "info status" })).toBe("VM status: paused (prelaunch)\r\n");
    m.run("cont");
    m.takeEvents();
    m.run("system_reset");
    expect(m.takeEvents().map((e) => e.event)).toEqual(["RESET"]);
    expect(m.run("query-status")).toEqual({ running: true, singlestep: false, status: "running" });
  });

  it("resets devices through the qdev tree (a PCI device's command register is cleared)", async () => {
    const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    m.run("device_add", { driver: "e1000", id: "nic" });
    const nic = m.run("qom-get", { path: "/machine/peripheral/nic", property: "type" });
    expect(nic).toBe("e1000");
    const { resolvePath } = await import("../../../src/qom/path.js");
    const { objectGetRoot } = await import("../../../src/qom/root.js");
    const dev = resolvePath(objectGetRoot(m.instance.registry), "/machine/peripheral/nic").obj as unknown as { config: Uint8Array };
    dev.config[0x04] = 0x07; // PCI_COMMAND: I/O, memory, bus master
    m.run("system_reset");
    expect(dev.config[0x04]).toBe(0);
  });
});
