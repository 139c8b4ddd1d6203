/**
 * The configurable state of one x86 CPU object before it is realized:
 * what the model definition, the accelerator's defaults and the user's
 * properties (`-cpu model,feat=on`, `-global`, `device_add`) make of it.
 *
 * QEMU keeps this inside CPUX86State and reads it through QOM properties;
 * here it is a plain object, and `X86_CPU_PROPERTIES` describes the QOM
 * view of it (names, types, getters, setters) for the object model to wire.
 */

import type { JsonValue } from "../../qobject/json-value.js";
import { QomError } from "../../qom/error.js";
import { StringInputVisitor, type Visitor } from "../../qom/visitor.js";
import {
  FEATURE_WORD_INFO,
  FW,
  emptyFeatureWords,
  featureNamesOf,
  featurePropertyNames,
  findFeature,
  FEATURE_ALIASES,
  type FeatureWords,
} from "./cpu-features.js";
import { kvmDefaultProps, type X86KvmCpuDefaults } from "./cpu-accel-features.js";
import { x86CpuVersionProps, type X86CpuModel } from "./cpu-models.js";

/** "Not set": level/xlevel/xlevel2/level-func7 then follow the minimums. */
export const CPUID_LEVEL_AUTO = 0xffffffff;
/** apic-id before the machine assigns one. */
export const UNASSIGNED_APIC_ID = 0xffffffff;

/** Value of the "hypervisor" bit QEMU sets on every built-in model. */
const CPUID_EXT_HYPERVISOR = 1n << 31n;

/** hv-* bit properties, each stored as a boolean (meaningful only to KVM). */
const HV_BITS = [
  "hv-relaxed", "hv-vapic", "hv-time", "hv-crash", "hv-reset", "hv-vpindex",
  "hv-runtime", "hv-synic", "hv-stimer", "hv-frequencies", "hv-reenlightenment",
  "hv-tlbflush", "hv-evmcs", "hv-ipi", "hv-stimer-direct", "hv-avic",
  "hv-emsr-bitmap", "hv-xmm-input", "hv-tlbflush-ext", "hv-tlbflush-direct",
  "hv-syndbg",
] as const;

/** Plain boolean properties with their defaults (QEMU's x86_cpu_properties). */
const BOOL_DEFAULTS: Readonly<Record<string, boolean>> = {
  pmu: false,
  "hv-passthrough": false,
  "hv-enforce-cpuid": false,
  check: true,
  enforce: false,
  "x-force-features": false,
  kvm: true,
  "host-phys-bits": false,
  "fill-mtrr-mask": true,
  "full-cpuid-auto-level": true,
  "cpuid-0xb": true,
  "x-vendor-cpuid-only": true,
  lmce: false,
  "l3-cache": true,
  "kvm-no-smi-migration": false,
  "kvm-pv-enforce-cpuid": false,
  "vmware-cpuid-freq": true,
  "tcg-cpuid": true,
  "x-migrate-smi-count": true,
  "legacy-cache": true,
  "x-hv-synic-kvm-only": false,
  "x-intel-pt-auto-level": true,
  ...Object.fromEntries(HV_BITS.map((n) => [n, false])),
};

/** Integer properties: QOM type and default. */
const INT_DEFAULTS: Readonly<Record<string, { readonly type: "uint8" | "uint16" | "uint32" | "uint64" | "int32"; readonly value: number | bigint }>> = {
  "apic-id": { type: "uint32", value: UNASSIGNED_APIC_ID },
  "thread-id": { type: "int32", value: -1 },
  "core-id": { type: "int32", value: -1 },
  "die-id": { type: "int32", value: -1 },
  "socket-id": { type: "int32", value: -1 },
  "node-id": { type: "int32", value: -1 },
  "lbr-fmt": { type: "uint64", value: 0xffffffffffffffc0n },
  "hv-spinlocks": { type: "uint32", value: 0xffffffff },
  "hv-version-id-build": { type: "uint32", value: 0x3839 },
  "hv-version-id-major": { type: "uint16", value: 0x000a },
  "hv-version-id-minor": { type: "uint16", value: 0 },
  "hv-version-id-spack": { type: "uint32", value: 0 },
  "hv-version-id-sbranch": { type: "uint8", value: 0 },
  "hv-version-id-snumber": { type: "uint32", value: 0 },
  "phys-bits": { type: "uint32", value: 0 },
  "host-phys-bits-limit": { type: "uint8", value: 0 },
  "level-func7": { type: "uint32", value: CPUID_LEVEL_AUTO },
  level: { type: "uint32", value: CPUID_LEVEL_AUTO },
  xlevel: { type: "uint32", value: CPUID_LEVEL_AUTO },
  xlevel2: { type: "uint32", value: CPUID_LEVEL_AUTO },
  "min-level": { type: "uint32", value: 0 },
  "min-xlevel": { type: "uint32", value: 0 },
  "min-xlevel2": { type: "uint32", value: 0 },
  "ucode-rev": { type: "uint64", value: 0 },
  "x-hv-max-vps": { type: "int32", value: -1 },
};

export interface X86CpuConfigOptions {
  /** Version unversioned model names resolve to (machine type's choice). */
  readonly defaultVersion?: number | "latest";
  /**
   * Instantiate under KVM: its default properties replace TCG's on built-in models, which take
   * the host's vendor; max and host become the host CPU (when `host` is known).
   */
  readonly kvm?: X86KvmCpuDefaults;
}

export class X86CpuConfig {
  readonly model: X86CpuModel;
  /** QOM type name, used in "Property '<type>.<name>' not found". */
  readonly typeName: string;
  features: FeatureWords = emptyFeatureWords();
  /** Bits the user (or a property) set explicitly, on or off. */
  userFeatures: FeatureWords = emptyFeatureWords();
  /** Bits removed by filtering (realize); "filtered-features". */
  filteredFeatures: FeatureWords = emptyFeatureWords();
  /** CPUID[1].EAX: stepping, model, family with their extended fields. */
  cpuidVersion = 0;
  /** Twelve characters, or empty before a vendor is set ("base"). */
  vendorBytes: Uint8Array = new Uint8Array(12);
  /** 48 bytes of CPUID[0x80000002..4], NUL padded. */
  modelIdBytes: Uint8Array = new Uint8Array(48);
  tscKhz = 0;
  /** "max"/"host": turn on everything the accelerator offers. */
  maxFeatures = false;
  /** max/host only. */
  migratable = true;
  /** max/host only. */
  hostCacheInfo = false;
  bools: Map<string, boolean> = new Map(Object.entries(BOOL_DEFAULTS));
  ints: Map<string, number | bigint> = new Map(Object.entries(INT_DEFAULTS).map(([k, v]) => [k, v.value]));
  hvVendorId: string | undefined;
  hvNoNonarchCoresharing: "on" | "off" | "auto" = "off";
  /** Set by realize: CPU exists and no longer takes property changes. */
  realized = false;

  constructor(model: X86CpuModel) {
    this.model = model;
    this.typeName = model.typeName;
  }

  bool(name: string): boolean {
    return this.bools.get(name) ?? false;
  }

  uint(name: string): number {
    return Number(this.ints.get(name) ?? 0);
  }

  setUint(name: string, value: number): void {
    this.ints.set(name, value);
  }

  get family(): number {
    let f = (this.cpuidVersion >>> 8) & 0xf;
    if (f === 0xf) f += (this.cpuidVersion >>> 20) & 0xff;
    return f;
  }

  get modelNumber(): number {
    return ((this.cpuidVersion >>> 4) & 0xf) | (((this.cpuidVersion >>> 16) & 0xf) << 4);
  }

  get stepping(): number {
    return this.cpuidVersion & 0xf;
  }

  setFamily(value: number): void {
    checkRange("family", value, 0, 0xff + 0xf);
    this.cpuidVersion &= ~0xff00f00;
    this.cpuidVersion |= value > 0x0f ? 0xf00 | ((value - 0x0f) << 20) : value << 8;
    this.cpuidVersion >>>= 0;
  }

  setModelNumber(value: number): void {
    checkRange("model", value, 0, 0xff);
    this.cpuidVersion &= ~0xf00f0;
    this.cpuidVersion = (this.cpuidVersion | ((value & 0xf) << 4) | ((value >> 4) << 16)) >>> 0;
  }

  setStepping(value: number): void {
    checkRange("stepping", value, 0, 0xf);
    this.cpuidVersion = ((this.cpuidVersion & ~0xf) | (value & 0xf)) >>> 0;
  }

  get vendor(): string {
    return cString(this.vendorBytes);
  }

  setVendor(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    if (bytes.length !== 12) throw new QomError(`Property '.vendor' doesn't take value '${value}'`);
    this.vendorBytes = new Uint8Array(bytes);
  }

  get modelId(): string {
    return cString(this.modelIdBytes);
  }

  /** Longer ids are cut to 48 bytes, as QEMU does. */
  setModelId(value: string): void {
    const bytes = Buffer.from(value, "utf8");
    this.modelIdBytes = new Uint8Array(48);
    this.modelIdBytes.set(bytes.subarray(0, 48));
  }

  /** Names of the bool properties this CPU type has: every feature name,
   * every alias, and the plain switches. */
  hasBoolProperty(name: string): boolean {
    if (findFeature(name)) return true;
    if (this.bools.has(name)) return true;
    return this.model.kind === "max" || this.model.kind === "host" ? name === "migratable" || name === "host-cache-info" : false;
  }

  getBool(name: string): boolean {
    const f = findFeature(name);
    if (f) return (this.features[f.word]! & f.mask) === f.mask;
    if (name === "migratable" && this.hasBoolProperty(name)) return this.migratable;
    if (name === "host-cache-info" && this.hasBoolProperty(name)) return this.hostCacheInfo;
    const b = this.bools.get(name);
    if (b === undefined) throw this.notFound(name);
    return b;
  }

  /** Like QEMU's object_property_set_bool on the CPU (how `+feat`/`-feat`
   * are applied at realize). */
  setBool(name: string, value: boolean): void {
    const f = findFeature(name);
    if (f) {
      if (this.realized) throw new QomError(`Attempt to set property '${name}' on anonymous device (type '${this.typeName}') after it was realized`);
      if (value) this.features[f.word] = this.features[f.word]! | f.mask;
      else this.features[f.word] = this.features[f.word]! & ~f.mask;
      this.userFeatures[f.word] = this.userFeatures[f.word]! | f.mask;
      return;
    }
    if (!this.hasBoolProperty(name)) {
      const spec = X86_CPU_PROPERTY_MAP.get(name);
      if (spec) throw new QomError(`Invalid parameter type for '${name}', expected: ${spec.type === "string" || spec.type === "str" ? "string" : "integer"}`);
      throw this.notFound(name);
    }
    if (name === "migratable") this.migratable = value;
    else if (name === "host-cache-info") this.hostCacheInfo = value;
    else this.bools.set(name, value);
  }

  notFound(name: string): QomError {
    return new QomError(`Property '${this.typeName}.${name}' not found`);
  }

  /** Set a property from text, as QEMU's object_property_parse and global
   * properties do (`on`/`off`, `0x10`, …). Unknown names throw QEMU's
   * "Property '<type>.<name>' not found". */
  setPropertyFromString(name: string, text: string): void {
    this.setProperty(name, new StringInputVisitor(text));
  }

  /** Set a property through any input visitor (QMP, string, keyval). */
  setProperty(name: string, v: Visitor): void {
    const spec = this.propertySpec(name);
    if (!spec?.set) throw spec ? new QomError(`Property '${this.typeName}.${name}' is not writable`) : this.notFound(name);
    spec.set(this, v, name);
  }

  getProperty(name: string): JsonValue {
    const spec = this.propertySpec(name);
    if (!spec) throw this.notFound(name);
    return spec.get(this, name);
  }

  /** The property of that name on this CPU type, if any. */
  propertySpec(name: string): X86CpuPropertySpec | undefined {
    if (findFeature(name)) return FEATURE_PROPERTY_SPEC;
    const target = X86_CPU_PROPERTY_ALIASES[name];
    if (target !== undefined) {
      const spec = X86_CPU_PROPERTY_MAP.get(target)!;
      return { ...spec, get: (cfg) => spec.get(cfg, target), ...(spec.set ? { set: (cfg, v) => spec.set!(cfg, v, target) } : {}) };
    }
    if ((name === "migratable" || name === "host-cache-info") && !this.hasBoolProperty(name)) return undefined;
    return X86_CPU_PROPERTY_MAP.get(name);
  }
}

function checkRange(name: string, value: number, min: number, max: number): void {
  if (value < min || value > max) {
    throw new QomError(`Property .${name} doesn't take value ${value} (minimum: ${min}, maximum: ${max})`);
  }
}

function cString(bytes: Uint8Array): string {
  const end = bytes.indexOf(0);
  return Buffer.from(end < 0 ? bytes : bytes.subarray(0, end)).toString("utf8");
}

/** QOM view of one property. */
export interface X86CpuPropertySpec {
  readonly name: string;
  /** QOM type name as qom-list / qom-list-properties report it. */
  readonly type: string;
  readonly get: (cfg: X86CpuConfig, name: string) => JsonValue;
  readonly set?: (cfg: X86CpuConfig, v: Visitor, name: string) => void;
}

const FEATURE_PROPERTY_SPEC: X86CpuPropertySpec = {
  name: "<feature>",
  type: "bool",
  get: (cfg, name) => cfg.getBool(name),
  set: (cfg, v, name) => cfg.setBool(name, v.typeBool(name)),
};

/** The value of "feature-words"/"filtered-features": CPUID words only, last
 * word first, each as X86CPUFeatureWordInfo. */
export function featureWordsInfo(words: readonly bigint[]): JsonValue {
  const list: JsonValue[] = [];
  for (let w = FEATURE_WORD_INFO.length - 1; w >= 0; w--) {
    const src = FEATURE_WORD_INFO[w]!.source;
    if (src.kind !== "cpuid") continue;
    list.push({
      "cpuid-input-eax": src.leaf,
      ...(src.subleaf !== undefined ? { "cpuid-input-ecx": src.subleaf } : {}),
      "cpuid-register": src.reg,
      features: Number(words[w]! & 0xffffffffn),
    });
  }
  return list;
}

const intSpec = (name: string, type: "uint8" | "uint16" | "uint32" | "uint64" | "int32"): X86CpuPropertySpec => ({
  name,
  type,
  get: (cfg) => {
    const v = cfg.ints.get(name) ?? 0;
    return typeof v === "bigint" && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  },
  set: (cfg, v) => {
    const value = v.typeInt(name, type);
    cfg.ints.set(name, typeof value === "bigint" ? value : value);
  },
});

const boolSpec = (name: string): X86CpuPropertySpec => ({
  name,
  type: "bool",
  get: (cfg) => cfg.getBool(name),
  set: (cfg, v) => cfg.setBool(name, v.typeBool(name)),
});

const toInt = (v: number | bigint): number => Number(v);

/** Every non-feature property an x86 CPU type adds to the generic CPU
 * device properties, in QEMU's registration order. "migratable" and
 * "host-cache-info" exist on max and host only. */
export const X86_CPU_PROPERTIES: readonly X86CpuPropertySpec[] = [
  ...Object.entries(INT_DEFAULTS)
    .filter(([n]) => ["apic-id", "thread-id", "core-id", "die-id", "socket-id", "node-id"].includes(n))
    .map(([n, d]) => intSpec(n, d.type)),
  boolSpec("pmu"),
  intSpec("lbr-fmt", "uint64"),
  intSpec("hv-spinlocks", "uint32"),
  ...HV_BITS.slice(0, 17).map(boolSpec),
  ...HV_BITS.slice(17, 20).map(boolSpec),
  {
    name: "hv-no-nonarch-coresharing",
    type: "OnOffAuto",
    get: (cfg) => cfg.hvNoNonarchCoresharing,
    set: (cfg, v, name) => {
      cfg.hvNoNonarchCoresharing = v.typeEnum(name, ["on", "off", "auto"]) as "on" | "off" | "auto";
    },
  },
  boolSpec("hv-syndbg"),
  boolSpec("hv-passthrough"),
  boolSpec("hv-enforce-cpuid"),
  intSpec("hv-version-id-build", "uint32"),
  intSpec("hv-version-id-major", "uint16"),
  intSpec("hv-version-id-minor", "uint16"),
  intSpec("hv-version-id-spack", "uint32"),
  intSpec("hv-version-id-sbranch", "uint8"),
  intSpec("hv-version-id-snumber", "uint32"),
  boolSpec("check"),
  boolSpec("enforce"),
  boolSpec("x-force-features"),
  boolSpec("kvm"),
  intSpec("phys-bits", "uint32"),
  boolSpec("host-phys-bits"),
  intSpec("host-phys-bits-limit", "uint8"),
  boolSpec("fill-mtrr-mask"),
  intSpec("level-func7", "uint32"),
  intSpec("level", "uint32"),
  intSpec("xlevel", "uint32"),
  intSpec("xlevel2", "uint32"),
  intSpec("min-level", "uint32"),
  intSpec("min-xlevel", "uint32"),
  intSpec("min-xlevel2", "uint32"),
  intSpec("ucode-rev", "uint64"),
  boolSpec("full-cpuid-auto-level"),
  {
    name: "hv-vendor-id",
    type: "str",
    // An unset string property reads as "" in QEMU 7.2.
    get: (cfg) => cfg.hvVendorId ?? "",
    set: (cfg, v, name) => {
      cfg.hvVendorId = v.typeStr(name);
    },
  },
  boolSpec("cpuid-0xb"),
  boolSpec("x-vendor-cpuid-only"),
  boolSpec("lmce"),
  boolSpec("l3-cache"),
  boolSpec("kvm-no-smi-migration"),
  boolSpec("kvm-pv-enforce-cpuid"),
  boolSpec("vmware-cpuid-freq"),
  boolSpec("tcg-cpuid"),
  boolSpec("x-migrate-smi-count"),
  boolSpec("legacy-cache"),
  intSpec("x-hv-max-vps", "int32"),
  boolSpec("x-hv-synic-kvm-only"),
  boolSpec("x-intel-pt-auto-level"),
  {
    name: "family",
    type: "int",
    get: (cfg) => cfg.family,
    set: (cfg, v, name) => cfg.setFamily(toInt(v.typeInt(name, "int64"))),
  },
  {
    name: "model",
    type: "int",
    get: (cfg) => cfg.modelNumber,
    set: (cfg, v, name) => cfg.setModelNumber(toInt(v.typeInt(name, "int64"))),
  },
  {
    name: "stepping",
    type: "int",
    get: (cfg) => cfg.stepping,
    set: (cfg, v, name) => cfg.setStepping(toInt(v.typeInt(name, "int64"))),
  },
  { name: "vendor", type: "string", get: (cfg) => cfg.vendor, set: (cfg, v, name) => cfg.setVendor(v.typeStr(name)) },
  { name: "model-id", type: "string", get: (cfg) => cfg.modelId, set: (cfg, v, name) => cfg.setModelId(v.typeStr(name)) },
  {
    name: "tsc-frequency",
    type: "int",
    get: (cfg) => cfg.tscKhz * 1000,
    set: (cfg, v, name) => {
      const hz = toInt(v.typeInt(name, "int64"));
      if (hz < 0) throw new QomError(`Property .${name} doesn't take value ${hz} (minimum: 0, maximum: 9223372036854775807)`);
      cfg.tscKhz = Math.floor(hz / 1000);
    },
  },
  { name: "unavailable-features", type: "strList", get: (cfg) => featureNamesOf(cfg.filteredFeatures) },
  { name: "feature-words", type: "X86CPUFeatureWordInfo", get: (cfg) => featureWordsInfo(cfg.features) },
  { name: "filtered-features", type: "X86CPUFeatureWordInfo", get: (cfg) => featureWordsInfo(cfg.filteredFeatures) },
  boolSpec("migratable"),
  boolSpec("host-cache-info"),
];

/** Non-feature alias properties every x86 CPU object gets. */
export const X86_CPU_PROPERTY_ALIASES: Readonly<Record<string, string>> = {
  "hv-apicv": "hv-avic",
  lbr_fmt: "lbr-fmt",
};

const X86_CPU_PROPERTY_MAP: ReadonlyMap<string, X86CpuPropertySpec> = new Map(X86_CPU_PROPERTIES.map((p) => [p.name, p]));

/** Feature property names then their aliases, as registered per object. */
export function x86CpuFeaturePropertyNames(): string[] {
  return [...featurePropertyNames(), ...Object.keys(FEATURE_ALIASES)];
}

/**
 * Create the configuration of a new CPU of `model` as QEMU's instance_init
 * does: load the definition (with its version's properties), add
 * "hypervisor", then the accelerator's defaults (TCG turns "vme" off on
 * built-in models). Global properties (the `-cpu` key=value list) come
 * after this, through setPropertyFromString.
 */
export function createX86CpuConfig(model: X86CpuModel, opts: X86CpuConfigOptions = {}): X86CpuConfig {
  const cfg = new X86CpuConfig(model);
  const def = model.def;
  if (def) {
    cfg.setUint("min-level", def.level);
    cfg.setUint("min-xlevel", def.xlevel);
    cfg.setFamily(def.family);
    cfg.setModelNumber(def.model);
    cfg.setStepping(def.stepping);
    cfg.setModelId(def.modelId);
    for (const [name, value] of Object.entries(def.features)) cfg.features[FW[name as keyof typeof FW]] = value;
    cfg.bools.set("legacy-cache", def.cacheInfo === undefined);
    cfg.features[FW.FEAT_1_ECX] = cfg.features[FW.FEAT_1_ECX]! | CPUID_EXT_HYPERVISOR;
    cfg.setVendor(def.vendor);
    for (const [prop, value] of x86CpuVersionProps(model, opts.defaultVersion ?? 1)) cfg.setPropertyFromString(prop, value);
    cfg.userFeatures = emptyFeatureWords();
    // The accelerator's own defaults for built-in models, applied as properties.
    if (opts.kvm) {
      // KVM guests see the host's vendor (SYSENTER/SYSCALL in compatibility mode follow it).
      if (opts.kvm.host) cfg.setVendor(opts.kvm.host.vendor);
      for (const [prop, value] of kvmDefaultProps(opts.kvm)) cfg.setPropertyFromString(prop, value);
    } else {
      cfg.setPropertyFromString("vme", "off");
    }
  } else if (model.kind === "max" || model.kind === "host") {
    cfg.maxFeatures = true;
    cfg.bools.set("pmu", true);
    cfg.setVendor("AuthenticAMD");
    cfg.setFamily(15);
    cfg.setModelNumber(107);
    cfg.setStepping(1);
    cfg.setModelId("QEMU TCG CPU version 2.5+");
    if (opts.kvm) kvmMaxInstanceInit(cfg, opts.kvm);
  }
  return cfg;
}

/**
 * QEMU's kvm_cpu_max_instance_init: max and host describe the host CPU, use its physical
 * address width, offer LMCE when KVM does, and start from the CPUID levels KVM supports.
 */
function kvmMaxInstanceInit(cfg: X86CpuConfig, kvm: X86KvmCpuDefaults): void {
  cfg.bools.set("host-phys-bits", true);
  const host = kvm.host;
  if (host) {
    cfg.setVendor(host.vendor);
    cfg.setFamily(host.family);
    cfg.setModelNumber(host.model);
    cfg.setStepping(host.stepping);
    cfg.setModelId(host.modelId);
  }
  if (kvm.lmce) cfg.bools.set("lmce", true);
  if (kvm.levels) {
    cfg.setUint("min-level", kvm.levels.level);
    cfg.setUint("min-xlevel", kvm.levels.xlevel);
    cfg.setUint("min-xlevel2", kvm.levels.xlevel2);
  }
}
