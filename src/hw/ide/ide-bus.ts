/**
 * The IDE bus (QEMU 7.2's hw/ide/ide-bus.c): two units per bus (master 0, slave 1), named
 * `ide.N` after the controller, with the controller's interrupt line.
 */
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { BusState, qbusCreate, TYPE_BUS } from "../core/bus.js";
import type { IrqState } from "../core/irq.js";
import type { DeviceState } from "../core/qdev.js";
import type { IDEDevice } from "./ide-dev.js";

export const TYPE_IDE_BUS = "IDE";

export class IDEBus extends BusState {
  busId = 0;
  maxUnits = 2;
  master: IDEDevice | undefined;
  slave: IDEDevice | undefined;
  irq: IrqState | undefined;

  /** The device at `unit`, if any. */
  unit(unit: number): IDEDevice | undefined {
    return unit === 0 ? this.master : unit === 1 ? this.slave : undefined;
  }
}

export const ideBusTypeInfo: TypeInfo<IDEBus> = {
  name: TYPE_IDE_BUS,
  parent: TYPE_BUS,
  instance: IDEBus,
};

/** QEMU's ide_bus_init: bus `busId` of controller `dev`, taking up to `maxUnits` drives. */
export function ideBusInit(registry: TypeRegistry, dev: DeviceState, busId: number, maxUnits: number): IDEBus {
  const bus = qbusCreate<IDEBus>(registry, TYPE_IDE_BUS, dev);
  bus.busId = busId;
  bus.maxUnits = maxUnits;
  return bus;
}

/** QEMU's ide_bus_init_output_irq. */
export function ideBusInitOutputIrq(bus: IDEBus, irq: IrqState | undefined): void {
  bus.irq = irq;
}
