import { beforeEach, describe, expect, it } from "vitest";
import { qomInit } from "../../../src/modules.js";
import { qbusCreate, TYPE_BUS } from "../../../src/hw/core/bus.js";
import { setIrq } from "../../../src/hw/core/irq.js";
import { deviceListProperties, DeviceState, qdevContext, TYPE_DEVICE, type DeviceClass } from "../../../src/hw/core/qdev.js";
import { defineProp, deviceClassSetProps, propKinds } from "../../../src/hw/core/qdev-properties.js";
import { qdevRealize, qdevRealizeAndUnref } from "../../../src/hw/core/qdev-realize.js";
import { sysbusGetDefault, TYPE_SYS_BUS_DEVICE } from "../../../src/hw/core/sysbus.js";
import { adoptChild } from "../../../src/qom/child.js";
import { QomError } from "../../../src/qom/error.js";
import { objectNew } from "../../../src/qom/object.js";
import { qomList } from "../../../src/qom/qom-qmp-cmds.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import type { TypeRegistry } from "../../../src/qom/type.js";
import type { IntValue } from "../../../src/qom/visitor.js";

class ToyDev extends DeviceState {
  iobase: IntValue = 0;
  chardev: string | undefined;
  enabled = false;
  levels: number[] = [];
}

let types: TypeRegistry;
let events: Array<[string, unknown]>;

beforeEach(() => {
  types = qomInit().types;
  events = [];
  qdevContext(types).emitEvent = (name, data) => events.push([name, data]);
  adoptChild(objectGetRoot(types), "machine", objectNew(types, "container"));
  types.register({ name: "toy-bus", parent: TYPE_BUS });
  types.register<ToyDev, DeviceClass>({
    name: "toy-dev",
    parent: TYPE_DEVICE,
    instance: ToyDev,
    classInit: (k) => {
      k.busType = "toy-bus";
      deviceClassSetProps(k, [
        defineProp("iobase", "iobase", propKinds.uint32, 0x3f8),
        defineProp("chardev", "chardev", propKinds.string),
        defineProp("enabled", "enabled", propKinds.bool, true),
      ]);
      k.realize = (d) => {
        if ((d as ToyDev).iobase === 0) throw new QomError("iobase must not be zero");
      };
    },
    instanceInit: (d) => d.initGpioIn((n, level) => d.levels.push(n * 10 + level), 2),
  });
  types.register({ name: "bridge-dev", parent: TYPE_SYS_BUS_DEVICE });
});

function toyBus() {
  const host = objectNew<DeviceState>(types, "bridge-dev");
  const bus = qbusCreate(types, "toy-bus", host);
  qdevRealizeAndUnref(host, sysbusGetDefault(types));
  return { host, bus };
}

describe("devices", () => {
  it("applies defaults, places unattached devices under /machine/unattached/device[N]", () => {
    const { host, bus } = toyBus();
    expect(host.canonicalPath).toBe("/machine/unattached/device[0]");
    expect(bus.name).toBe("toy-bus.0");
    expect(bus.canonicalPath).toBe("/machine/unattached/device[0]/toy-bus.0");
    const dev = objectNew<ToyDev>(types, "toy-dev");
    expect(dev.iobase).toBe(0x3f8);
    expect(dev.enabled).toBe(true);
    qdevRealizeAndUnref(dev, bus);
    expect(dev.canonicalPath).toBe("/machine/unattached/device[1]");
    expect(dev.getProperty("parent_bus")).toBe("/machine/unattached/device[0]/toy-bus.0");
    expect(bus.getProperty("child[0]")).toBe("/machine/unattached/device[1]");
    expect(bus.propertyType("child[0]")).toBe("link<toy-dev>");
    expect(dev.getProperty("realized")).toBe(true);
    expect(host.getProperty("parent_bus")).toBe("/machine/unattached/sysbus");
    expect(sysbusGetDefault(types).name).toBe("main-system-bus");
  });

  it("refuses property changes after realize, naming the device", () => {
    const { bus } = toyBus();
    const dev = objectNew<ToyDev>(types, "toy-dev");
    dev.id = "serial0";
    qdevRealize(dev, bus);
    expect(() => dev.setPropertyJson("iobase", 0x2f8)).toThrow(
      "Attempt to set property 'iobase' on device 'serial0' (type 'toy-dev') after it was realized",
    );
    dev.id = undefined;
    expect(() => dev.parseProperty("enabled", "off")).toThrow(
      "Attempt to set property 'enabled' on anonymous device (type 'toy-dev') after it was realized",
    );
  });

  it("leaves nothing behind when realize fails", () => {
    const { bus } = toyBus();
    const dev = objectNew<ToyDev>(types, "toy-dev");
    dev.parseProperty("iobase", "0");
    expect(() => qdevRealize(dev, bus)).toThrow("iobase must not be zero");
    expect(bus.numChildren).toBe(0);
    expect(dev.parent).toBeUndefined();
    const ok = objectNew<ToyDev>(types, "toy-dev");
    qdevRealizeAndUnref(ok, bus);
    expect(ok.canonicalPath).toBe("/machine/unattached/device[1]");
  });

  it("exposes GPIO inputs as irq children and outputs as links", () => {
    const { bus } = toyBus();
    const dev = objectNew<ToyDev>(types, "toy-dev");
    qdevRealizeAndUnref(dev, bus);
    expect(dev.propertyType("unnamed-gpio-in[1]")).toBe("child<irq>");
    setIrq(dev.gpioIn(1), 1);
    setIrq(dev.gpioIn(0), 0);
    expect(dev.levels).toEqual([11, 0]);
    const src = objectNew<DeviceState>(types, "bridge-dev");
    src.initGpioOut(1);
    src.connectGpioOut(0, dev.gpioIn(1));
    expect(src.getProperty("unnamed-gpio-out[0]")).toBe("/machine/unattached/device[1]/unnamed-gpio-in[1]");
  });

  it("emits DEVICE_DELETED when an unplugged device goes away", () => {
    const { bus } = toyBus();
    const dev = objectNew<ToyDev>(types, "toy-dev");
    dev.id = "net0";
    const peripheral = adoptChild(objectGetRoot(types).resolveComponent("machine")!, "peripheral", objectNew(types, "container"));
    adoptChild(peripheral, "net0", dev);
    qdevRealize(dev, bus);
    dev.unparent();
    expect(events).toEqual([["DEVICE_DELETED", { path: "/machine/peripheral/net0", device: "net0" }]]);
    expect(bus.numChildren).toBe(0);
  });

  it("lists device properties without the base ones, with defaults and descriptions", () => {
    expect(deviceListProperties(types, "toy-dev")).toEqual([
      { name: "enabled", type: "bool", description: "on/off", "default-value": true },
      { name: "chardev", type: "str" },
      { name: "iobase", type: "uint32", "default-value": 0x3f8 },
      { name: "unnamed-gpio-in[1]", type: "child<irq>" },
      { name: "unnamed-gpio-in[0]", type: "child<irq>" },
    ]);
    expect(() => deviceListProperties(types, "nosuch")).toThrow("Device 'nosuch' not found");
    expect(() => deviceListProperties(types, "device")).toThrow("Parameter 'typename' expects a non-abstract device type");
    expect(() => deviceListProperties(types, "container")).toThrow("Parameter 'typename' expects a non-abstract device type");
  });

  it("lists the device base properties as QEMU's qom-list-properties does", async () => {
    const { qomListProperties } = await import("../../../src/qom/qom-qmp-cmds.js");
    expect(qomListProperties(types, "device").map((p) => p.name)).toEqual(["type", "parent_bus", "realized", "hotplugged", "hotpluggable"]);
    toyBus();
    expect(qomList(types, "/machine/unattached/sysbus").map((p) => p.name)).toEqual(["type", "hotplug-handler", "realized", "child[0]"]);
  });
});
