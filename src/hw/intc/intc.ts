/**
 * QEMU's InterruptStatsProvider interface (hw/intc/intc.c, type `intctrl`): interrupt
 * controllers that can describe themselves for HMP `info pic` and count their input edges for
 * `info irq` / QMP `x-query-irq`. The 8259s and the I/O APIC implement it; the monitor walks the
 * composition tree and asks each object that implements it.
 */
import type { QomObject } from "../../qom/object.js";
import type { InterfaceClass, ObjectClass, TypeInfo } from "../../qom/type.js";
import { TYPE_INTERFACE } from "../../qom/type.js";

export const TYPE_INTERRUPT_STATS_PROVIDER = "intctrl";

export interface InterruptStatsProviderClass extends InterfaceClass {
  /** Counts of rising input levels, or undefined when the object keeps none. */
  getStatistics?: (obj: QomObject) => readonly number[] | undefined;
  /** The object's `info pic` text (whole lines). */
  printInfo?: (obj: QomObject) => string;
}

export const intctrlTypeInfo: TypeInfo = {
  name: TYPE_INTERRUPT_STATS_PROVIDER,
  parent: TYPE_INTERFACE,
};

/** The implementing class's copy of the interface class, for its class_init to fill. */
export function interruptStatsProviderClassOf(k: ObjectClass): InterruptStatsProviderClass | undefined {
  const interfaces = (k as unknown as { interfaces: InterfaceClass[] }).interfaces;
  return interfaces.find((i) => i.interfaceType.name === TYPE_INTERRUPT_STATS_PROVIDER) as InterruptStatsProviderClass | undefined;
}

/** QEMU's hmp_info_pic_foreach for one object; undefined if it is not an interrupt controller. */
export function hmpInfoPicOf(obj: QomObject): string | undefined {
  if (!obj.dynamicCast(TYPE_INTERRUPT_STATS_PROVIDER)) return undefined;
  const k = obj.classAs<InterruptStatsProviderClass>(TYPE_INTERRUPT_STATS_PROVIDER);
  return k.printInfo ? k.printInfo(obj) : `Interrupt controller information not available for ${obj.typeName}.\n`;
}

/** QEMU's qmp_x_query_irq_foreach for one object (the text of `info irq`). */
export function xQueryIrqOf(obj: QomObject): string | undefined {
  if (!obj.dynamicCast(TYPE_INTERRUPT_STATS_PROVIDER)) return undefined;
  const k = obj.classAs<InterruptStatsProviderClass>(TYPE_INTERRUPT_STATS_PROVIDER);
  const counts = k.getStatistics?.(obj);
  if (!k.getStatistics) return `IRQ statistics not available for ${obj.typeName}.\n`;
  if (!counts || counts.length === 0) return "";
  let out = `IRQ statistics for ${obj.typeName}:\n`;
  counts.forEach((c, i) => {
    if (c > 0) out += `${String(i).padStart(2)}: ${c}\n`;
  });
  return out;
}
