/**
 * The main system bus and its devices (QEMU's hw/core/sysbus.c). Board devices that are not on
 * PCI or ISA (the i440FX host bridge, the IOAPIC, fw_cfg, …) sit on `main-system-bus`, an
 * object of type `System` found at `/machine/unattached/sysbus`.
 */
import { addChild } from "../../qom/child.js";
import { containerGet } from "../../qom/container.js";
import { objectGetRoot } from "../../qom/root.js";
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import { BusState, qbusCreate, TYPE_BUS } from "./bus.js";
import type { IrqState } from "./irq.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "./qdev.js";

export const TYPE_SYSTEM_BUS = "System";
export const TYPE_SYS_BUS_DEVICE = "sys-bus-device";
export const SYSBUS_DEVICE_GPIO_IRQ = "sysbus-irq";

export class SysBusDevice extends DeviceState {
  numIrq = 0;
}

export const systemBusTypeInfo: TypeInfo<BusState> = {
  name: TYPE_SYSTEM_BUS,
  parent: TYPE_BUS,
};

export const sysBusDeviceTypeInfo: TypeInfo<SysBusDevice> = {
  name: TYPE_SYS_BUS_DEVICE,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: SysBusDevice,
  classInit: (k: ObjectClass) => {
    (k as DeviceClass).busType = TYPE_SYSTEM_BUS;
  },
};

const defaultBuses = new WeakMap<TypeRegistry, BusState>();

/**
 * QEMU's sysbus_get_default: the main system bus, created on first use and attached at
 * `/machine/unattached/sysbus`.
 */
export function sysbusGetDefault(registry: TypeRegistry): BusState {
  let bus = defaultBuses.get(registry);
  if (!bus) {
    bus = qbusCreate(registry, TYPE_SYSTEM_BUS, undefined, "main-system-bus");
    bus.realized = true;
    const unattached = containerGet(objectGetRoot(registry), "/machine/unattached");
    addChild(unattached, "sysbus", bus);
    bus.unref();
    defaultBuses.set(registry, bus);
  }
  return bus;
}

/** QEMU's sysbus_init_irq: one more `sysbus-irq[N]` output pin. */
export function sysbusInitIrq(dev: SysBusDevice): number {
  dev.initGpioOut(1, SYSBUS_DEVICE_GPIO_IRQ);
  return dev.numIrq++;
}

export function sysbusConnectIrq(dev: SysBusDevice, n: number, irq: IrqState | undefined): void {
  dev.connectGpioOut(n, irq, SYSBUS_DEVICE_GPIO_IRQ);
}

export function sysbusGetIrq(dev: SysBusDevice, n: number): IrqState | undefined {
  return dev.gpioOut(n, SYSBUS_DEVICE_GPIO_IRQ);
}
