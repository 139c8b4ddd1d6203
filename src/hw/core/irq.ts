/**
 * IRQ lines (QEMU's hw/core/irq.c): an `irq` object is one input pin with a handler. Devices
 * expose arrays of them as GPIO inputs and hold links to other devices' pins as GPIO outputs.
 */
import { QomObject, objectNew } from "../../qom/object.js";
import { TYPE_OBJECT, type TypeInfo, type TypeRegistry } from "../../qom/type.js";

export const TYPE_IRQ = "irq";

export type IrqHandler = (n: number, level: number) => void;

export class IrqState extends QomObject {
  handler: IrqHandler | undefined;
  n = 0;
}

export const irqTypeInfo: TypeInfo<IrqState> = {
  name: TYPE_IRQ,
  parent: TYPE_OBJECT,
  instance: IrqState,
};

/** QEMU's qemu_allocate_irq: a pin that calls `handler(n, level)`; the caller owns the reference. */
export function allocateIrq(registry: TypeRegistry, handler: IrqHandler | undefined, n: number): IrqState {
  const irq = objectNew<IrqState>(registry, TYPE_IRQ);
  irq.handler = handler;
  irq.n = n;
  return irq;
}

/** QEMU's qemu_set_irq; an unconnected line is silently ignored, as in QEMU. */
export function setIrq(irq: IrqState | undefined, level: number): void {
  irq?.handler?.(irq.n, level);
}

export function raiseIrq(irq: IrqState | undefined): void {
  setIrq(irq, 1);
}

export function lowerIrq(irq: IrqState | undefined): void {
  setIrq(irq, 0);
}

export function pulseIrq(irq: IrqState | undefined): void {
  setIrq(irq, 1);
  setIrq(irq, 0);
}
