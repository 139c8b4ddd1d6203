/**
 * The x86 CPUs as QOM devices (the QOM half of QEMU's target/i386/cpu.c): the abstract
 * `x86_64-cpu`, one type per model of X86_CPU_MODELS, their properties (every feature bit, the
 * tuning switches, family/model/vendor, the feature-word views) over an X86CpuConfig, and
 * realize: expand and filter the features, join the CPU list, set up the TCG address spaces and
 * the local APIC.
 *
 * What `-cpu` adds for the whole machine (the `+feat`/`-feat` lists, its key=value globals, the
 * machine type's model version) lives in per-machine settings, as QEMU keeps it in globals.
 */
import {
  addressSpaceInit,
  getSystemMemory,
  memoryRegionAddSubregionOverlap,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionSetEnabled,
  MemoryRegion,
} from "../../exec/memory.js";
import { TYPE_MEMORY_REGION } from "../../exec/memory-region.js";
import { apicCreateForCpu, apicRealizeForCpu, TYPE_APIC, type ApicCommonState } from "../../hw/intc/apic.js";
import { CPUState, cpuListAdd, cpuListRemove, cpuTypeInfo, TYPE_CPU, type CPUClass } from "../../hw/core/cpu.js";
import { TYPE_MACHINE, type MachineState } from "../../hw/core/machine.js";
import { setAfterRealizeError } from "../../hw/core/qdev-properties.js";
import type { DeviceState } from "../../hw/core/qdev.js";
import type { JsonValue } from "../../qobject/json-value.js";
import { QomError } from "../../qom/error.js";
import { addClassProperty, type QomObject } from "../../qom/object.js";
import type { ObjectProperty } from "../../qom/property.js";
import { objectGetRoot } from "../../qom/root.js";
import { resolvePathType } from "../../qom/path.js";
import type { ObjectClass, TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { Visitor } from "../../qom/visitor.js";
import { IGNORE_WARNINGS, type WarningSink } from "../../util/error.js";
import {
  createX86CpuConfig,
  X86_CPU_PROPERTIES,
  X86_CPU_PROPERTY_ALIASES,
  X86CpuConfig,
  type X86CpuPropertySpec,
} from "./cpu-config.js";
import { FEATURE_ALIASES, featurePropertyNames, FW } from "./cpu-features.js";
import { kvmEnabled, kvmIrqchipInKernel } from "../../accel/kvm/kvm-machine.js";
import { kvmMachineCpuFeatures } from "../../accel/kvm/kvm-machine-cpu.js";

import { findX86CpuModel, TYPE_X86_CPU, X86_CPU_MODELS, type X86CpuModel } from "./cpu-models.js";
import type { CpuGlobalProperty } from "./cpu-parse.js";
import { AMD_HT_WARNING_PREFIX, HOST_PHYS_BITS_WARNING_PREFIX, realizeX86Cpu, type X86CpuState } from "./cpu-realize.js";

export { TYPE_X86_CPU };

/** CPUID[1].EDX bit 9: the CPU has an on-chip APIC. */
const CPUID_APIC = 1n << 9n;
/** QEMU's TYPE_KVM_APIC (hw/i386/kvm/kvm-irqchip.ts registers it). */
const TYPE_KVM_APIC = "kvm-apic";
const FOUR_GIB = 0x100000000;
const UINT64_MAX = 0xffffffffffffffffn;
/** QEMU's PERF_CAP_LBR_FMT: the bits `lbr-fmt` may set. */
const LBR_FMT_MASK = 0x3fn;

// ---- per-machine settings ---------------------------------------------------------------------

/** What the command line and the machine type set for every x86 CPU of a machine. */
export interface X86CpuSettings {
  /** The version unversioned model names stand for (the machine type's default_cpu_version). */
  defaultVersion: number | "latest";
  /** `-cpu` legacy `+feat` / `-feat` lists, applied at every CPU's realize. */
  plus: readonly string[];
  minus: readonly string[];
  /** Global properties applied to every new CPU whose type casts to `driver` (`-cpu k=v`, `-global`). */
  globals: readonly CpuGlobalProperty[];
  /** Where realize warnings go (QEMU's warn_report). */
  warnings: WarningSink;
  /** QEMU warns about AMD hyperthreading once per run. */
  htWarned: boolean;
  /** And about a phys-bits that is not the host's (KVM) once per run. */
  physBitsWarned?: boolean;
  /** Set once the board is complete (machine_init_done); later CPUs finish their setup at once. */
  machineDone: boolean;
}

const settingsByRegistry = new WeakMap<TypeRegistry, X86CpuSettings>();

export function x86CpuSettings(registry: TypeRegistry): X86CpuSettings {
  let s = settingsByRegistry.get(registry);
  if (!s) {
    s = {
      defaultVersion: 1,
      plus: [],
      minus: [],
      globals: [],
      warnings: IGNORE_WARNINGS,
      htWarned: false,
      machineDone: false,
    };
    settingsByRegistry.set(registry, s);
  }
  return s;
}

// ---- instance and class -----------------------------------------------------------------------

export interface X86CPUClass extends CPUClass {
  /** The model this type stands for; undefined for the abstract x86_64-cpu. */
  model?: X86CpuModel;
  /** cpu's realize and unrealize, which x86's own call last (QEMU's parent_realize). */
  parentRealize?: (dev: DeviceState) => void;
  parentUnrealize?: (dev: DeviceState) => void;
}

export class X86CPU extends CPUState {
  /** Everything properties configure; its feature words are the CPU's. */
  config!: X86CpuConfig;
  /** What CPUID reads, fixed by realize. */
  state: X86CpuState | undefined;
  /** The `lapic` child, when the CPU has one. */
  apic: ApicCommonState | undefined;
  /** TCG's address-space roots: the SMM view (`memory[0]`), its normal-memory alias and SMRAM. */
  asRoot: MemoryRegion | undefined;
  asMem: MemoryRegion | undefined;
  smram: MemoryRegion | undefined;
  /** The first global property that failed to apply at creation ("can't apply global …"). */
  globalsError: QomError | undefined;

  get apicId(): number {
    return this.config.uint("apic-id");
  }

  /** The CPU model (not the `model` property, which is the CPUID model number). */
  get cpuModel(): X86CpuModel {
    return this.config.model;
  }
}

function asX86(o: QomObject): X86CPU {
  return o as X86CPU;
}

// ---- properties ---------------------------------------------------------------------------------

/**
 * Properties set with object_class_property_add in QEMU, whose setters do not refuse changes
 * after realize (everything else is a qdev property or a feature bit, which do).
 */
const SETTABLE_AFTER_REALIZE = new Set(["family", "model", "stepping", "vendor", "model-id", "tsc-frequency"]);
/** qdev properties that report no default value. */
const NO_DEFAULT = new Set(["lbr-fmt", "hv-vendor-id"]);
/** Properties that are not qdev properties at all: no default, no description. */
const NOT_QDEV = new Set([
  ...SETTABLE_AFTER_REALIZE,
  "unavailable-features",
  "feature-words",
  "filtered-features",
]);
/** Bool properties that are plain switches rather than Hyper-V enlightenment bits. */
const HV_NON_BITS = new Set(["hv-passthrough", "hv-enforce-cpuid"]);
/** Defined only on max (and host, which derives from it). */
const MAX_ONLY = new Set(["migratable", "host-cache-info"]);
/** Instance properties, added per object (QEMU's x86_cpu_initfn). */
const INSTANCE_ONLY = new Set(["feature-words", "filtered-features"]);

/** The qdev description QEMU gives: DEFINE_PROP_BIT64 says "on/off", OnOffAuto "on/off/auto". */
function descriptionOf(spec: X86CpuPropertySpec): string | undefined {
  if (spec.type === "OnOffAuto") return "on/off/auto";
  if (spec.type === "bool" && spec.name.startsWith("hv-") && !HV_NON_BITS.has(spec.name)) return "on/off";
  return undefined;
}

/** A configuration holding nothing but the qdev defaults, to report `default-value`. */
const PRISTINE = new X86CpuConfig(findX86CpuModel("max")!);

/**
 * Wraps a setter the way QEMU's qdev and feature-bit setters behave: refuse changes after
 * realize (naming `reportName`, the target of an alias), then read the value under the name the
 * caller used.
 */
function guardedSet(reportName: string, checked: boolean, set: (cpu: X86CPU, v: Visitor) => void) {
  return (o: QomObject, v: Visitor): void => {
    const cpu = asX86(o);
    if (checked && cpu.realized) throw setAfterRealizeError(cpu, reportName);
    set(cpu, v);
  };
}

/** The QOM property for one spec of X86_CPU_PROPERTIES, read and written under `name`. */
function specProperty(spec: X86CpuPropertySpec, name = spec.name): ObjectProperty {
  const prop: ObjectProperty = { name, type: spec.type, get: (o) => spec.get(asX86(o).config, spec.name) };
  const set = spec.set;
  if (spec.name === "lbr-fmt") {
    // QEMU's DEFINE_PROP_UINT64_CHECKMASK refuses bits outside the mask when set.
    prop.set = guardedSet(spec.name, true, (cpu, v) => {
      const value = v.typeInt(name, "uint64");
      if (BigInt(value) & ~LBR_FMT_MASK) {
        throw new QomError(`Property value for '${spec.name}' has bits outside mask '0x${LBR_FMT_MASK.toString(16)}'`);
      }
      cpu.config.ints.set(spec.name, value);
    });
  } else if (set) {
    const checked = !SETTABLE_AFTER_REALIZE.has(spec.name);
    // The visitor reads under the caller's name, as QEMU's visitors name what they were asked for.
    prop.set = guardedSet(spec.name, checked, (cpu, v) => set(cpu.config, renamingVisitor(v, name, spec.name), spec.name));
  }
  const description = descriptionOf(spec);
  if (description !== undefined) prop.description = description;
  if (!NOT_QDEV.has(spec.name) && !NO_DEFAULT.has(spec.name)) prop.defval = PRISTINE.getProperty(spec.name);
  return prop;
}

/**
 * A visitor that reports errors under `shownName` when the setter asks for `realName`: an alias
 * forwards to its target's setter, yet QEMU's visitor errors name the property the caller set.
 */
function renamingVisitor(v: Visitor, shownName: string, realName: string): Visitor {
  if (shownName === realName) return v;
  const rename = (n: string) => (n === realName ? shownName : n);
  return {
    kind: v.kind,
    typeBool: (n) => v.typeBool(rename(n)),
    typeInt: (n, t) => v.typeInt(rename(n), t),
    typeSize: (n) => v.typeSize(rename(n)),
    typeStr: (n) => v.typeStr(rename(n)),
    typeNumber: (n) => v.typeNumber(rename(n)),
    typeEnum: (n, values) => v.typeEnum(rename(n), values),
    typeAny: (n) => v.typeAny(rename(n)),
  };
}

/** A feature bit as a bool property; `canonical` is the feature the bit belongs to. */
function featureProperty(name: string, canonical: string): ObjectProperty {
  return {
    name,
    type: "bool",
    get: (o) => asX86(o).config.getBool(canonical),
    set: guardedSet(canonical, true, (cpu, v) => cpu.config.setBool(canonical, v.typeBool(name))),
  };
}

/** QEMU's x86_cpu_get_crash_info_qom. */
function crashInformation(o: QomObject): JsonValue {
  const cpu = asX86(o);
  if (!cpu.crashOccurred) throw new QomError("No crash occurred");
  if (!cpu.crashInformation) throw new QomError("No crash information");
  return cpu.crashInformation;
}

const SPEC_BY_NAME = new Map(X86_CPU_PROPERTIES.map((s) => [s.name, s]));

function x86CpuClassInit(k: ObjectClass): void {
  const xcc = k as X86CPUClass;
  xcc.userCreatable = true;
  xcc.parentRealize = xcc.realize;
  xcc.parentUnrealize = xcc.unrealize;
  xcc.realize = (dev) => x86CpuRealize(dev as X86CPU);
  xcc.unrealize = (dev) => x86CpuUnrealize(dev as X86CPU);
  xcc.getArchId = (cpu) => (cpu as X86CPU).apicId;
  for (const spec of X86_CPU_PROPERTIES) {
    if (MAX_ONLY.has(spec.name) || INSTANCE_ONLY.has(spec.name)) continue;
    addClassProperty(k, specProperty(spec));
  }
  addClassProperty(k, { name: "crash-information", type: "GuestPanicInformation", get: crashInformation });
  for (const name of featurePropertyNames()) addClassProperty(k, featureProperty(name, name));
}

/** One model's class: its model, and on max (so also host) the two max-only switches. */
function x86CpuModelClassInit(k: ObjectClass, data: unknown): void {
  const xcc = k as X86CPUClass;
  const model = data as X86CpuModel;
  xcc.model = model;
  if (model.kind === "max") {
    for (const name of MAX_ONLY) addClassProperty(k, specProperty(SPEC_BY_NAME.get(name)!));
  }
}

/**
 * QEMU's x86_cpu_initfn and the TCG instance defaults: load the model, then add the instance
 * properties (the feature-word views and the old names of renamed properties).
 */
function x86CpuInstanceInit(cpu: X86CPU): void {
  const model = (cpu.klass as X86CPUClass).model;
  if (!model) throw new QomError(`object type '${cpu.typeName}' is abstract`);
  const defaultVersion = x86CpuSettings(cpu.registry).defaultVersion;
  // On KVM the accelerator's instance defaults apply (QEMU's kvm_cpu_instance_init).
  const kvm = kvmMachineCpuFeatures(cpu.registry);
  cpu.config = createX86CpuConfig(model, kvm ? { defaultVersion, kvm } : { defaultVersion });
  cpu.addProperty(specProperty(SPEC_BY_NAME.get("feature-words")!));
  cpu.addProperty(specProperty(SPEC_BY_NAME.get("filtered-features")!));
  for (const [alias, target] of Object.entries(FEATURE_ALIASES)) {
    cpu.addProperty(featureProperty(alias, target));
  }
  for (const [alias, target] of Object.entries(X86_CPU_PROPERTY_ALIASES)) {
    const aliasProp = specProperty(SPEC_BY_NAME.get(target)!, alias);
    cpu.addProperty(aliasProp);
  }
}

/**
 * qdev's global properties (QEMU's device_post_init): each global whose driver this CPU's type
 * casts to is parsed into its property, in order. The first failure stops the rest and is kept;
 * whoever creates the CPU decides whether it is fatal.
 */
function x86CpuInstancePostInit(cpu: X86CPU): void {
  for (const g of x86CpuSettings(cpu.registry).globals) {
    if (!cpu.isA(g.driver)) continue;
    try {
      cpu.parseProperty(g.property, g.value);
    } catch (err) {
      if (!(err instanceof QomError)) throw err;
      cpu.globalsError = new QomError(`can't apply global ${g.driver}.${g.property}=${g.value}: ${err.message}`);
      return;
    }
  }
}

// ---- realize ----------------------------------------------------------------------------------

/** The machine at /machine, if it is one. */
export function currentMachine(registry: TypeRegistry): MachineState | undefined {
  const obj = objectGetRoot(registry).resolveComponent("machine");
  return obj?.dynamicCast<MachineState>(TYPE_MACHINE);
}

/**
 * Hands realize's warning texts to the sink; the AMD hyperthreading and host physical bits ones
 * only once per machine.
 */
function reportWarnings(settings: X86CpuSettings, warnings: readonly string[]): void {
  for (const text of warnings) {
    if (text.startsWith(AMD_HT_WARNING_PREFIX)) {
      if (settings.htWarned) continue;
      settings.htWarned = true;
    }
    if (text.startsWith(HOST_PHYS_BITS_WARNING_PREFIX)) {
      if (settings.physBitsWarned) continue;
      settings.physBitsWarned = true;
    }
    const [first, ...rest] = text.split("\n");
    settings.warnings.warn(first!);
    for (const line of rest) settings.warnings.print(line + "\n");
  }
}

/**
 * QEMU's x86_cpu_realizefn under TCG or KVM. The order is QEMU's: features first (the step that can
 * fail with QEMU's texts), then the CPU list, TCG's address spaces, the APIC, and the generic
 * CPU realize.
 */
function x86CpuRealize(cpu: X86CPU): void {
  const settings = x86CpuSettings(cpu.registry);
  if (cpu.globalsError) {
    // A CPU created at startup cannot come up with a bad global; a hotplugged one only warns.
    if (!cpu.hotplugged) throw cpu.globalsError;
    settings.warnings.warn(cpu.globalsError.message);
    cpu.globalsError = undefined;
  }
  const smp = currentMachine(cpu.registry)?.smp;
  const topo = { cores: smp?.cores ?? 1, threads: smp?.threads ?? 1, dies: smp?.dies ?? 1, cpus: smp?.cpus ?? 1 };
  const warnings: string[] = [];
  try {
    const pm = { plus: settings.plus, minus: settings.minus };
    cpu.state = realizeX86Cpu(cpu.config, topo, pm, warnings, kvmMachineCpuFeatures(cpu.registry)).state;
  } finally {
    reportWarnings(settings, warnings);
  }

  cpuListAdd(cpu);
  try {
    if (kvmEnabled(cpu.registry)) kvmCpuRealize(cpu);
    else tcgCpuRealize(cpu);
    if (settings.machineDone) x86CpuMachineDone(cpu);
    if (cpu.config.features[FW.FEAT_1_EDX]! & CPUID_APIC || topo.cpus > 1) {
      // QEMU's x86_cpu_apic_create: the kernel's local APIC under kvm with the in-kernel irqchip.
      const apicType = kvmIrqchipInKernel(cpu.registry) ? TYPE_KVM_APIC : TYPE_APIC;
      cpu.apic = apicCreateForCpu(cpu, cpu.apicId, apicType, cpu.cpuIndex === 0);
    }
    // The APIC side maps the first APIC's MMIO window into system memory (apic_mmio_map_once).
    if (cpu.apic) apicRealizeForCpu(cpu.apic);
    (cpu.klass as X86CPUClass).parentRealize?.(cpu);
  } catch (err) {
    cpu.apic?.unparent();
    cpu.apic = undefined;
    cpuListRemove(cpu);
    cpu.config.realized = false;
    throw err;
  }
}

/**
 * QEMU's tcg_cpu_realizefn: the SMM view `memory` (all of the address space) holding an alias
 * of the CPU's memory at low priority, and the two address spaces `cpu-memory-N` (the `memory`
 * link) and `cpu-smm-N` (the SMM view).
 */
function tcgCpuRealize(cpu: X86CPU): void {
  const system = getSystemMemory(cpu.registry);
  if (!cpu.memory) cpu.memory = system.ref();
  const root = memoryRegionInit(cpu, "memory", UINT64_MAX);
  memoryRegionSetEnabled(root, true);
  const mem = memoryRegionInitAlias(cpu, "memory", system, 0, UINT64_MAX);
  memoryRegionAddSubregionOverlap(root, 0, mem, 0);
  memoryRegionSetEnabled(mem, true);
  cpu.asRoot = root;
  cpu.asMem = mem;
  cpu.addressSpaces.push(addressSpaceInit(cpu.memory, `cpu-memory-${cpu.cpuIndex}`));
  cpu.addressSpaces.push(addressSpaceInit(root, `cpu-smm-${cpu.cpuIndex}`));
}

/**
 * The address space of a CPU under kvm (QEMU's qemu_init_vcpu when the accelerator made none):
 * `cpu-memory-N` over the CPU's memory, no SMM view of its own (KVM keeps SMRAM itself).
 */
function kvmCpuRealize(cpu: X86CPU): void {
  const system = getSystemMemory(cpu.registry);
  if (!cpu.memory) cpu.memory = system.ref();
  cpu.addressSpaces.push(addressSpaceInit(cpu.memory, `cpu-memory-${cpu.cpuIndex}`));
}

/**
 * QEMU's tcg_cpu_machine_done: once the board exists, SMRAM (`/machine/smram`, when the chipset
 * has one) is mapped over the SMM view, 4 GiB at priority 1.
 */
export function x86CpuMachineDone(cpu: X86CPU): void {
  if (!cpu.asRoot || cpu.smram) return;
  const smram = resolvePathType(objectGetRoot(cpu.registry), "/machine/smram", TYPE_MEMORY_REGION).obj;
  if (!(smram instanceof MemoryRegion)) return;
  const alias = memoryRegionInitAlias(cpu, "smram", smram, 0, FOUR_GIB);
  memoryRegionSetEnabled(alias, true);
  memoryRegionAddSubregionOverlap(cpu.asRoot, 0, alias, 1);
  cpu.smram = alias;
}

/** QEMU's x86_cpu_unrealizefn: the APIC goes away, the CPU leaves the list. */
function x86CpuUnrealize(cpu: X86CPU): void {
  cpu.apic?.unparent();
  cpu.apic = undefined;
  cpuListRemove(cpu);
  cpu.config.realized = false;
  (cpu.klass as X86CPUClass).parentUnrealize?.(cpu);
}

// ---- types ------------------------------------------------------------------------------------

export const x86CpuTypeInfo: TypeInfo<X86CPU, X86CPUClass> = {
  name: TYPE_X86_CPU,
  parent: TYPE_CPU,
  abstract: true,
  instance: X86CPU,
  classInit: x86CpuClassInit,
  instanceInit: x86CpuInstanceInit,
  instancePostInit: x86CpuInstancePostInit,
};

/** The type of one model: its parent as the model table says (host derives from max). */
export function x86CpuModelTypeInfo(model: X86CpuModel): TypeInfo<X86CPU, X86CPUClass> {
  return { name: model.typeName, parent: model.parentType, classData: model, classInit: x86CpuModelClassInit };
}

/**
 * Registers `cpu` (unless the core already did), `x86_64-cpu` and the 132 model types, in
 * QEMU's order: each model's parent before the model.
 */
export function registerX86CpuTypes(types: TypeRegistry): void {
  if (!types.has(TYPE_CPU)) types.register(cpuTypeInfo);
  types.register(x86CpuTypeInfo);
  for (const model of X86_CPU_MODELS) types.register(x86CpuModelTypeInfo(model));
}
