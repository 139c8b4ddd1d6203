/**
 * The abstract CPU device (QEMU's hw/core/cpu-common.c and the CPU list of cpus-common.c):
 * what every CPU has whatever its architecture — an index, the memory it sees (`memory`), the
 * `start-powered-off` switch, crash information — and the machine's list of realized CPUs,
 * which query-cpus-fast and `info cpus` walk.
 */
import type { AddressSpace, MemoryRegion } from "../../exec/memory.js";
import { memorySystemOf } from "../../exec/memory-system.js";
import { TYPE_MEMORY_REGION } from "../../exec/memory-region.js";
import type { JsonObject } from "../../qobject/json-value.js";
import { QomError } from "../../qom/error.js";
import { linkProperty } from "../../qom/link.js";
import { addClassProperty, type QomObject } from "../../qom/object.js";
import { boolProperty } from "../../qom/property.js";
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import { currentHostThreadId } from "./host-thread.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "./qdev.js";

export const TYPE_CPU = "cpu";
/** QEMU's UNASSIGNED_CPU_INDEX: the index of a CPU no board has placed yet. */
export const UNASSIGNED_CPU_INDEX = -1;

export interface CPUClass extends DeviceClass {
  /** The architecture's id of a CPU (the APIC id on x86); QEMU's get_arch_id. */
  getArchId?: (cpu: CPUState) => number;
  /**
   * QEMU's get_phys_page_debug: the physical address of the page holding linear address `addr`
   * under the CPU's current paging state, or -1 when it is not mapped. Accelerators that run the
   * CPU install it; without it the CPU is in its reset state, where paging is off.
   */
  getPhysPageDebug?: (cpu: CPUState, addr: number) => number;
}

export class CPUState extends DeviceState {
  cpuIndex = UNASSIGNED_CPU_INDEX;
  /** The memory region the CPU's accesses go to (the `memory` link); system memory by default. */
  memory: MemoryRegion | undefined;
  startPoweredOff = false;
  /**
   * The host thread QEMU reports for the vCPU (query-cpus-fast, `info cpus`): the thread that
   * created the CPU, which runs it unless its accelerator gives it a thread of its own.
   */
  threadId = currentHostThreadId();
  /** Address spaces the CPU's accelerator set up at realize (QEMU's cpu_address_space_init). */
  readonly addressSpaces: AddressSpace[] = [];
  /** Set by a guest panic notification; `crash-information` reads it. */
  crashOccurred = false;
  crashInformation: JsonObject | undefined;

  get cpuClass(): CPUClass {
    return this.classAs<CPUClass>(TYPE_CPU);
  }
}

function asCpu(o: QomObject): CPUState {
  return o as CPUState;
}

// ---- the machine's CPU list (QEMU's `cpus` queue) ------------------------------------------------

const cpuLists = new WeakMap<TypeRegistry, CPUState[]>();

/** Realized CPUs in the order they were added (QEMU's CPU_FOREACH order). */
export function cpuList(registry: TypeRegistry): readonly CPUState[] {
  return cpuLists.get(registry) ?? [];
}

/**
 * QEMU's cpu_list_add: a CPU without an index gets the next free one (one above the highest in
 * use), then joins the list.
 */
export function cpuListAdd(cpu: CPUState): void {
  let list = cpuLists.get(cpu.registry);
  if (!list) cpuLists.set(cpu.registry, (list = []));
  if (cpu.cpuIndex === UNASSIGNED_CPU_INDEX) {
    cpu.cpuIndex = list.reduce((max, c) => Math.max(max, c.cpuIndex + 1), 0);
  }
  if (!list.includes(cpu)) list.push(cpu);
}

export function cpuListRemove(cpu: CPUState): void {
  const list = cpuLists.get(cpu.registry);
  const i = list?.indexOf(cpu) ?? -1;
  if (list && i >= 0) list.splice(i, 1);
}

/** QEMU's qemu_get_cpu: the realized CPU with that index. */
export function qemuGetCpu(registry: TypeRegistry, index: number): CPUState | undefined {
  return cpuList(registry).find((c) => c.cpuIndex === index);
}

// ---- the type ------------------------------------------------------------------------------------

/** The error a qdev link property gives after realize; QEMU prints a missing id as "(null)". */
function linkAfterRealizeError(dev: DeviceState, name: string): QomError {
  return new QomError(
    `Attempt to set link property '${name}' on device '${dev.id ?? "(null)"}' (type '${dev.typeName}') after it was realized`,
  );
}

function cpuClassInit(k: ObjectClass): void {
  const dc = k as CPUClass;
  // A new set: the class copy shares the parent's, and other devices must not become CPUs.
  dc.categories = new Set([...dc.categories, "cpu"]);
  // Board code must wire CPUs up (IRQs, reset, halting secondaries); architectures that
  // support device_add for CPUs turn this back on.
  dc.userCreatable = false;
  // The qdev link (DEFINE_PROP_LINK): strong, settable only before realize.
  addClassProperty(
    k,
    linkProperty(
      "memory",
      TYPE_MEMORY_REGION,
      {
        get: (o) => asCpu(o).memory,
        set: (o, target) => (asCpu(o).memory = target as MemoryRegion | undefined),
      },
      {
        strong: true,
        check: (o) => {
          const dev = asCpu(o);
          if (dev.realized) throw linkAfterRealizeError(dev, "memory");
        },
      },
    ),
  );
  // A plain class property in QEMU 7.2: no default reported, settable at any time.
  addClassProperty(
    k,
    boolProperty("start-powered-off", {
      get: (o) => asCpu(o).startPoweredOff,
      set: (o, v) => (asCpu(o).startPoweredOff = v),
    }),
  );
  // qdev's legacy twin of the link: listed, but neither readable nor writable.
  addClassProperty(k, { name: "legacy-memory", type: "str" });
}

/**
 * QEMU's cpu_exec_initfn: a new CPU sees system memory. When the machine's memory map does not
 * exist yet the link stays empty and realize fills it in, so that creating a CPU early never
 * builds `/machine` behind the board's back.
 */
function cpuInstanceInit(cpu: CPUState): void {
  const system = memorySystemOf(cpu.registry).systemMemory;
  if (system) cpu.memory = system.ref();
}

export const cpuTypeInfo: TypeInfo<CPUState, CPUClass> = {
  name: TYPE_CPU,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: CPUState,
  classInit: cpuClassInit,
  instanceInit: cpuInstanceInit,
  instanceFinalize: (cpu) => {
    cpuListRemove(cpu);
    // Class properties are not released at finalisation here, so the strong link's reference
    // is dropped by hand.
    cpu.memory?.unref();
    cpu.memory = undefined;
  },
};
