/**
 * The x86 board's side of its CPUs (QEMU's hw/i386/x86.c and the CPU parts of
 * hw/core/machine-qmp-cmds.c): the possible CPU slots and their APIC ids, creating the boot
 * CPUs, the pre-plug/plug checks that place a CPU in its slot, and the results of
 * query-cpus-fast, query-hotpluggable-cpus and `info cpus`.
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { QomError } from "../../qom/error.js";
import { objectNew } from "../../qom/object.js";
import type { TypeRegistry } from "../../qom/type.js";
import type { WarningSink } from "../../util/error.js";
import { JsonInputVisitor } from "../../qom/visitor.js";
import type { CpuGlobalProperty, ParsedX86CpuFeatures } from "../../target/i386/cpu-parse.js";
import {
  apicIdBitWidth,
  apicIdCoreOffset,
  apicIdDieOffset,
  apicIdFromCpuIndex,
  apicIdPkgOffset,
  type X86Topology,
} from "../../target/i386/cpu-realize.js";
import { TYPE_X86_CPU, X86CPU, x86CpuMachineDone, x86CpuSettings } from "../../target/i386/cpu.js";
import { cpuList, type CPUState } from "../core/cpu.js";
import type { MachineClass, MachineState } from "../core/machine.js";
import { qdevRealize } from "../core/qdev-realize.js";
import { hotplugHandlerFor } from "../core/qdev.js";

/** QAPI CpuInstanceProperties members x86 uses, in schema order. */
const CPU_INSTANCE_PROPERTIES = ["node-id", "socket-id", "die-id", "core-id", "thread-id"] as const;
export type CpuInstanceProperties = Partial<Record<(typeof CPU_INSTANCE_PROPERTIES)[number], number>>;

/** The JSON form of CpuInstanceProperties, members in schema order. */
export function cpuInstancePropertiesJson(props: CpuInstanceProperties): JsonObject {
  const out: JsonObject = {};
  for (const name of CPU_INSTANCE_PROPERTIES) {
    const v = props[name];
    if (v !== undefined) out[name] = v;
  }
  return out;
}

/** One possible CPU of the machine (QEMU's CPUArchId). */
export interface CpuArchId {
  readonly archId: number;
  readonly vcpusCount: number;
  readonly type: string;
  readonly props: CpuInstanceProperties;
  /** The CPU plugged into this slot, if any. */
  cpu: X86CPU | undefined;
}

/** Package, die, core and thread of an APIC id (QEMU's X86CPUTopoIDs). */
export interface X86TopoIds {
  readonly pkgId: number;
  readonly dieId: number;
  readonly coreId: number;
  readonly smtId: number;
}

/** What an x86 machine keeps about its CPUs (fields of QEMU's X86MachineState and MachineState). */
interface X86MachineCpus {
  possible: CpuArchId[] | undefined;
  /** CPUs plugged so far (QEMU's boot_cpus; the RTC and fw_cfg report it). */
  bootCpus: number;
  /** One above the largest APIC id any possible CPU can have. */
  apicIdLimit: number;
}

const machineCpus = new WeakMap<MachineState, X86MachineCpus>();

function cpusOf(machine: MachineState): X86MachineCpus {
  let s = machineCpus.get(machine);
  if (!s) machineCpus.set(machine, (s = { possible: undefined, bootCpus: 0, apicIdLimit: 0 }));
  return s;
}

/** The number of CPUs plugged (QEMU's x86ms->boot_cpus). */
export function x86BootCpus(machine: MachineState): number {
  return cpusOf(machine).bootCpus;
}

/** The topology the APIC id layout is built from (QEMU's init_topo_info). */
export function x86TopoInfo(machine: MachineState): Pick<X86Topology, "cores" | "threads" | "dies"> {
  return { dies: machine.smp.dies, cores: machine.smp.cores, threads: machine.smp.threads };
}

const mask = (count: number): number => (1 << apicIdBitWidth(count)) - 1;

/** QEMU's x86_topo_ids_from_apicid. */
export function x86TopoIdsFromApicId(apicId: number, topo: Pick<X86Topology, "cores" | "threads" | "dies">): X86TopoIds {
  return {
    smtId: apicId & mask(topo.threads),
    coreId: (apicId >>> apicIdCoreOffset(topo)) & mask(topo.cores),
    dieId: (apicId >>> apicIdDieOffset(topo)) & mask(topo.dies),
    pkgId: apicId >>> apicIdPkgOffset(topo),
  };
}

/** QEMU's x86_apicid_from_topo_ids. */
export function x86ApicIdFromTopoIds(ids: X86TopoIds, topo: Pick<X86Topology, "cores" | "threads" | "dies">): number {
  return (
    ((ids.pkgId << apicIdPkgOffset(topo)) |
      (ids.dieId << apicIdDieOffset(topo)) |
      (ids.coreId << apicIdCoreOffset(topo)) |
      ids.smtId) >>>
    0
  );
}

/** QEMU's x86_cpu_apic_id_from_index (machine types with compat APIC ids are not modelled). */
export function x86CpuApicIdFromIndex(machine: MachineState, index: number): number {
  return apicIdFromCpuIndex(index, x86TopoInfo(machine));
}

function machineCpuType(machine: MachineState): string {
  const type = machine.cpuType ?? machine.machineClass.defaultCpuType;
  if (type === undefined) throw new QomError(`machine '${machine.typeName}' has no CPU type`);
  return type;
}

/**
 * QEMU's x86_possible_cpu_arch_ids: one slot per possible CPU (maxcpus of them), with its APIC
 * id and its socket/die/core/thread ids. die-id is reported only with more than one die.
 */
export function x86PossibleCpuArchIds(machine: MachineState): CpuArchId[] {
  const s = cpusOf(machine);
  if (s.possible) return s.possible;
  const topo = x86TopoInfo(machine);
  const type = machineCpuType(machine);
  const slots: CpuArchId[] = [];
  for (let i = 0; i < machine.smp.maxCpus; i++) {
    const archId = x86CpuApicIdFromIndex(machine, i);
    const ids = x86TopoIdsFromApicId(archId, topo);
    const props: CpuInstanceProperties = { "socket-id": ids.pkgId };
    if (topo.dies > 1) props["die-id"] = ids.dieId;
    props["core-id"] = ids.coreId;
    props["thread-id"] = ids.smtId;
    slots.push({ archId, vcpusCount: 1, type, props, cpu: undefined });
  }
  s.possible = slots;
  return slots;
}

/** QEMU's x86_find_cpu_slot: the slot whose APIC id is `apicId`, and its index. */
export function x86FindCpuSlot(machine: MachineState, apicId: number): { slot: CpuArchId; index: number } | undefined {
  const slots = x86PossibleCpuArchIds(machine);
  const index = slots.findIndex((s) => s.archId === apicId);
  return index < 0 ? undefined : { slot: slots[index]!, index };
}

const u32 = (n: number): number => n >>> 0;
const hex = (n: number): string => u32(n).toString(16);

/**
 * QEMU's x86_cpu_pre_plug: checks the CPU's type and position, computes its APIC id from
 * socket/die/core/thread ids when it has none, fills in the ids it lacks, and gives it the
 * slot's index. Throws QomError with QEMU's texts.
 */
export function x86CpuPrePlug(machine: MachineState, cpu: X86CPU): void {
  const type = machineCpuType(machine);
  if (!cpu.isA(type)) throw new QomError(`Invalid CPU type, expected cpu type: '${type}'`);
  const topo = x86TopoInfo(machine);
  const cfg = cpu.config;
  const id = (name: string): number => cfg.uint(name) | 0;
  const setId = (name: string, value: number): void => void cfg.ints.set(name, value);

  if (cpu.apicId === 0xffffffff) {
    const maxSocket = Math.floor((machine.smp.maxCpus - 1) / topo.threads / topo.cores / topo.dies);
    // die-id was optional before dies existed; with one die it defaults to 0.
    if (id("die-id") < 0 && topo.dies === 1) setId("die-id", 0);
    const check = (name: string, value: number, max: number) => {
      if (value < 0) throw new QomError(`CPU ${name} is not set`);
      if (value > max) throw new QomError(`Invalid CPU ${name}: ${u32(value)} must be in range 0:${u32(max)}`);
    };
    check("socket-id", id("socket-id"), maxSocket);
    check("die-id", id("die-id"), topo.dies - 1);
    check("core-id", id("core-id"), topo.cores - 1);
    check("thread-id", id("thread-id"), topo.threads - 1);
    const apicId = x86ApicIdFromTopoIds(
      { pkgId: id("socket-id"), dieId: id("die-id"), coreId: id("core-id"), smtId: id("thread-id") },
      topo,
    );
    cfg.setUint("apic-id", apicId);
  }

  const apicId = cpu.apicId;
  const found = x86FindCpuSlot(machine, apicId);
  if (!found) {
    const ids = x86TopoIdsFromApicId(apicId, topo);
    throw new QomError(
      `Invalid CPU [socket: ${ids.pkgId}, die: ${ids.dieId}, core: ${ids.coreId}, thread: ${ids.smtId}] with APIC ID ${apicId}, valid index range 0:${x86PossibleCpuArchIds(machine).length - 1}`,
    );
  }
  if (found.slot.cpu) throw new QomError(`CPU[${found.index}] with APIC ID ${apicId} exists`);

  // Fill in the ids the CPU lacks so that query-hotpluggable-cpus shows them; set ones must agree.
  const ids = x86TopoIdsFromApicId(apicId, topo);
  const agree = (name: string, value: number) => {
    const current = id(name);
    if (current !== -1 && current !== value) {
      throw new QomError(
        `property ${name}: ${u32(current)} doesn't match set apic-id: 0x${hex(apicId)} (${name}: ${value})`,
      );
    }
    setId(name, value);
  };
  agree("socket-id", ids.pkgId);
  agree("die-id", ids.dieId);
  agree("core-id", ids.coreId);
  agree("thread-id", ids.smtId);

  cpu.cpuIndex = found.index;
  numaCpuPrePlug(found.slot, cpu);
}

/** QEMU's numa_cpu_pre_plug without NUMA nodes: a slot's node is 0 and only that is accepted. */
function numaCpuPrePlug(slot: CpuArchId, cpu: X86CPU): void {
  const nodeId = cpu.config.uint("node-id") | 0;
  const slotNode = slot.props["node-id"];
  if (nodeId === -1) {
    if (slotNode !== undefined) cpu.config.ints.set("node-id", slotNode);
  } else if (nodeId !== (slotNode ?? 0)) {
    throw new QomError(`invalid node-id, must be ${slotNode ?? 0}`);
  }
}

/** QEMU's x86_cpu_plug (without ACPI): the CPU takes its slot and the count goes up. */
export function x86CpuPlug(machine: MachineState, cpu: X86CPU): void {
  const s = cpusOf(machine);
  s.bootCpus++;
  const found = x86FindCpuSlot(machine, cpu.apicId);
  if (found) found.slot.cpu = cpu;
}

/** QEMU's x86_cpu_unplug_request_cb checks: unplug needs ACPI, and CPU 0 stays. */
export function x86CpuUnplugRequestCheck(machine: MachineState, cpu: X86CPU, hasAcpi: boolean): void {
  if (!hasAcpi) throw new QomError("CPU hot unplug not supported without ACPI");
  if (x86FindCpuSlot(machine, cpu.apicId)?.index === 0) throw new QomError("Boot CPU is unpluggable");
}

/** QEMU's x86_cpu_unplug_cb after the ACPI side: the slot empties and the CPU is unrealized. */
export function x86CpuUnplug(machine: MachineState, cpu: X86CPU): void {
  const found = x86FindCpuSlot(machine, cpu.apicId);
  if (found) found.slot.cpu = undefined;
  cpu.setRealized(false);
  cpusOf(machine).bootCpus--;
}

export interface X86CpuNewOptions {
  /**
   * Run the pre-plug and plug steps here. By default they run here only when the machine has
   * no hotplug handler for the CPU; a board whose handler calls x86CpuPrePlug/x86CpuPlug gets
   * them through realize instead, as in QEMU.
   */
  readonly plugHere?: boolean;
}

/**
 * QEMU's x86_cpu_new: a CPU of the machine's CPU type with `apicId`, realized without a parent
 * (so it lands at /machine/unattached/device[N]). A global property that could not be applied
 * at creation is fatal here ("can't apply global T.P=V: …"), as for every CPU QEMU creates at
 * startup. Throws QomError with QEMU's texts.
 */
export function x86CpuNew(machine: MachineState, apicId: number, opts: X86CpuNewOptions = {}): X86CPU {
  const cpu = objectNew<X86CPU>(machine.registry, machineCpuType(machine));
  try {
    if (cpu.globalsError) throw cpu.globalsError;
    cpu.setProperty("apic-id", new JsonInputVisitor(apicId));
    const plugHere = opts.plugHere ?? hotplugHandlerFor(cpu) === undefined;
    if (plugHere) x86CpuPrePlug(machine, cpu);
    qdevRealize(cpu);
    if (plugHere) x86CpuPlug(machine, cpu);
    return cpu;
  } finally {
    cpu.unref();
  }
}

export interface X86CpusInitOptions {
  /** The parsed `-cpu` option: its +/- lists and key=value globals apply to every CPU. */
  readonly cpuOption?: Pick<ParsedX86CpuFeatures, "plus" | "minus" | "globals">;
  /** Further global properties for CPU types (`-global`, machine compat properties), applied first. */
  readonly globals?: readonly CpuGlobalProperty[];
  /** Where realize warnings go ("TCG doesn't support requested feature: …"). */
  readonly warnings?: WarningSink;
  /** The machine type's default CPU model version; by default the machine class's `defaultCpuVersion`, else 1. */
  readonly defaultCpuVersion?: number | "latest";
  readonly plugHere?: boolean;
}

export interface X86CpusInitResult {
  readonly cpus: X86CPU[];
  /** QEMU's apic_id_limit: one above the APIC id of the last possible CPU (fw_cfg's MAX_CPUS). */
  readonly apicIdLimit: number;
}

/**
 * QEMU's x86_cpus_init: records what `-cpu` says for every CPU of the machine, then creates
 * the `smp.cpus` boot CPUs in the first slots. The first failure is thrown (QEMU exits).
 */
export function x86CpusInit(machine: MachineState, opts: X86CpusInitOptions = {}): X86CpusInitResult {
  const settings = x86CpuSettings(machine.registry);
  const mc = machine.machineClass as MachineClass & { defaultCpuVersion?: number };
  settings.defaultVersion = opts.defaultCpuVersion ?? mc.defaultCpuVersion ?? 1;
  settings.plus = opts.cpuOption?.plus ?? [];
  settings.minus = opts.cpuOption?.minus ?? [];
  settings.globals = [...(opts.globals ?? []), ...(opts.cpuOption?.globals ?? [])];
  if (opts.warnings) settings.warnings = opts.warnings;

  const s = cpusOf(machine);
  s.apicIdLimit = x86CpuApicIdFromIndex(machine, machine.smp.maxCpus - 1) + 1;
  const slots = x86PossibleCpuArchIds(machine);
  const cpus: X86CPU[] = [];
  const newOpts: X86CpuNewOptions = opts.plugHere === undefined ? {} : { plugHere: opts.plugHere };
  for (let i = 0; i < machine.smp.cpus; i++) cpus.push(x86CpuNew(machine, slots[i]!.archId, newOpts));
  return { cpus, apicIdLimit: s.apicIdLimit };
}

/**
 * The machine-init-done step for CPUs (QEMU's tcg_cpu_machine_done notifiers): SMRAM goes
 * into each CPU's SMM view; CPUs realized later get it at once.
 */
export function x86CpusMachineDone(registry: TypeRegistry): void {
  x86CpuSettings(registry).machineDone = true;
  for (const cpu of cpuList(registry)) {
    const x86 = cpu.dynamicCast<X86CPU>(TYPE_X86_CPU);
    if (x86) x86CpuMachineDone(x86);
  }
}

// ---- query results ------------------------------------------------------------------------------

function slotProps(machine: MachineState | undefined, cpu: CPUState): JsonObject | undefined {
  if (!machine) return undefined;
  const slot = x86PossibleCpuArchIds(machine)[cpu.cpuIndex];
  return slot ? cpuInstancePropertiesJson(slot.props) : undefined;
}

/** QMP query-cpus-fast: every realized CPU in list order (QEMU's CpuInfoFast, members in schema order). */
export function queryCpusFast(registry: TypeRegistry, machine: MachineState | undefined): JsonObject[] {
  return cpuList(registry).map((cpu) => {
    const info: JsonObject = {
      "cpu-index": cpu.cpuIndex,
      "qom-path": cpu.canonicalPath ?? "",
      "thread-id": cpu.threadId,
    };
    const props = slotProps(machine, cpu);
    if (props) info["props"] = props;
    info["target"] = "x86_64";
    return info;
  });
}

/**
 * QMP query-hotpluggable-cpus: every possible slot, last first (QEMU prepends), with the
 * plugged CPU's path. Machines without hotpluggable CPUs refuse with QEMU's text.
 */
export function queryHotpluggableCpus(machine: MachineState): JsonObject[] {
  if (!machine.machineClass.hasHotpluggableCpus) {
    throw new QomError("The feature 'query-hotpluggable-cpus' is not enabled");
  }
  return x86PossibleCpuArchIds(machine)
    .map((slot) => {
      const item: JsonObject = { type: slot.type, "vcpus-count": slot.vcpusCount, props: cpuInstancePropertiesJson(slot.props) };
      const path = slot.cpu?.canonicalPath;
      if (path !== undefined) item["qom-path"] = path;
      return item;
    })
    .reverse();
}

/**
 * HMP `info cpus`: one line per CPU, the monitor's current CPU (the first, unless changed with
 * `cpu N`) marked with `*`. Lines without their end of line.
 */
export function hmpInfoCpus(registry: TypeRegistry, currentCpuIndex?: number): string[] {
  const cpus = cpuList(registry);
  const current = currentCpuIndex ?? cpus[0]?.cpuIndex;
  return cpus.map((cpu) => `${cpu.cpuIndex === current ? "*" : " "} CPU #${cpu.cpuIndex}: thread_id=${cpu.threadId}`);
}
