/**
 * Realizing an x86 CPU under TCG or KVM: expanding the configured features
 * (the legacy `+feat`/`-feat` lists, "max", feature dependencies, XSAVE
 * components, automatic CPUID levels), filtering what the accelerator cannot
 * provide (with QEMU's warnings), and freezing the result into the state the
 * `cpuid` instruction reads.
 */

import { QomError } from "../../qom/error.js";
import {
  CPUID_EXT2_AMD_ALIASES,
  FEATURE_DEPENDENCIES,
  FEATURE_WORD_COUNT,
  FEATURE_WORD_INFO,
  FW,
  XSAVE_AREAS,
  XSTATE_XCR0_MASK,
  XSTATE_XSS_MASK,
  featureBitDescription,
  type FeatureWords,
} from "./cpu-features.js";
import { CPUID_LEVEL_AUTO, UNASSIGNED_APIC_ID, type X86CpuConfig } from "./cpu-config.js";
import { supportedFeatureWord, type X86KvmFeatures } from "./cpu-accel-features.js";
import { LEGACY_CACHES_AMD, LEGACY_CACHES_CPUID2, LEGACY_CACHES_CPUID4, type CpuCaches } from "./cpu-caches.js";

/** The machine's CPU topology, as -smp gives it. */
export interface X86Topology {
  readonly cores: number;
  readonly threads: number;
  readonly dies: number;
  /** Total vCPUs of the machine (-smp N); APIC creation depends on it. */
  readonly cpus?: number;
}

/** Everything CPUID reads, fixed once the CPU is realized. */
export interface X86CpuState {
  readonly vendorWords: readonly [number, number, number];
  readonly isIntel: boolean;
  readonly isAmd: boolean;
  readonly cpuidVersion: number;
  /** Twelve little-endian words of the model-id string. */
  readonly modelWords: readonly number[];
  readonly features: readonly bigint[];
  readonly filteredFeatures: readonly bigint[];
  readonly level: number;
  readonly xlevel: number;
  readonly xlevel2: number;
  readonly levelFunc7: number;
  readonly apicId: number;
  readonly coreId: number;
  readonly cores: number;
  readonly threads: number;
  readonly dies: number;
  readonly physBits: number;
  readonly pmu: boolean;
  readonly l3Cache: boolean;
  readonly cpuid0xb: boolean;
  readonly vendorCpuidOnly: boolean;
  readonly exposeTcg: boolean;
  readonly cacheCpuid2: CpuCaches;
  readonly cacheCpuid4: CpuCaches;
  readonly cacheAmd: CpuCaches;
  readonly ucodeRev: bigint;
  /** MONITOR/MWAIT leaf 5 values. */
  readonly mwait: readonly [number, number, number, number];
}

export interface X86RealizeResult {
  readonly state: X86CpuState;
  /** Warning texts QEMU reports (without the "warning: " prefix). */
  readonly warnings: string[];
}

/** `-cpu` lists of legacy "+feat"/"-feat" names, applied at realize. */
export interface PlusMinusFeatures {
  readonly plus: readonly string[];
  readonly minus: readonly string[];
}

/** Start of the warning an AMD model without topoext gets for threads > 1;
 * the text carries QEMU's unprefixed hint as a second line. */
export const AMD_HT_WARNING_PREFIX = "This family of AMD CPU doesn't support hyperthreading";
/** Start of the warning about a phys-bits that is not the host's (KVM); QEMU prints it once. */
export const HOST_PHYS_BITS_WARNING_PREFIX = "Host physical bits";

/** Physical address bits TCG reports for 64-bit CPUs by default. */
const TCG_PHYS_ADDR_BITS = 40;
/** Largest phys-bits the x86_64 target accepts. */
const TARGET_PHYS_ADDR_SPACE_BITS = 52;

const EXT_XSAVE = 1n << 26n;
const EXT3_SVM = 1n << 2n;
const EBX7_INTEL_PT = 1n << 25n;
const EBX7_SGX = 1n << 2n;
const EXT2_LM = 1n << 29n;
const EDX1_PSE36 = 1n << 17n;
const EXT3_TOPOEXT = 1n << 22n;

function words32(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 4) {
    out.push((bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) >>> 0);
  }
  return out;
}

/** What TCG supports of a word (x86_cpu_get_supported_feature_word). */
export function tcgSupportedFeatures(word: number, migratableOnly: boolean): bigint {
  return supportedFeatureWord(word, migratableOnly);
}

/** Drop `mask` from word `w` (unless x-force-features) and remember it as
 * filtered; with a prefix, warn once per bit as QEMU does. */
function markUnavailable(cfg: X86CpuConfig, w: number, mask: bigint, prefix: string | undefined, warnings: string[]): void {
  if (!cfg.bool("x-force-features")) cfg.features[w] = cfg.features[w]! & ~mask;
  cfg.filteredFeatures[w] = cfg.filteredFeatures[w]! | mask;
  if (prefix === undefined) return;
  for (let bit = 0; bit < 64; bit++) {
    if ((mask >> BigInt(bit)) & 1n) warnings.push(`${prefix}: ${featureBitDescription(w, bit)}`);
  }
}

function adjustLevel(current: number, value: number): number {
  return current < value ? value : current;
}

/**
 * QEMU's x86_cpu_expand_features under TCG. Mutates `cfg` (features,
 * levels) exactly where QEMU mutates the CPU object, so later property
 * reads ("level", "feature-words") see what QEMU's would.
 */
export function expandX86CpuFeatures(
  cfg: X86CpuConfig,
  pm: PlusMinusFeatures = { plus: [], minus: [] },
  topo: Pick<X86Topology, "dies"> = { dies: 1 },
  warnings: string[] = [],
  accel?: X86KvmFeatures,
): void {
  for (const name of pm.plus) cfg.setBool(name, true);
  for (const name of pm.minus) cfg.setBool(name, false);

  if (cfg.maxFeatures) {
    for (let w = 0; w < FEATURE_WORD_COUNT; w++) {
      cfg.features[w] =
        cfg.features[w]! |
        (supportedFeatureWord(w, cfg.migratable, accel) & ~cfg.userFeatures[w]! & ~FEATURE_WORD_INFO[w]!.noAutoenableFlags);
    }
  }

  for (const d of FEATURE_DEPENDENCIES) {
    if (!(cfg.features[d.from.word]! & d.from.mask)) {
      const unavailable = cfg.features[d.to.word]! & d.to.mask;
      markUnavailable(
        cfg,
        d.to.word,
        unavailable & cfg.userFeatures[d.to.word]!,
        "This feature depends on other features that were not requested",
        warnings,
      );
      cfg.features[d.to.word] = cfg.features[d.to.word]! & ~unavailable;
    }
  }

  // KVM's paravirtual features exist only on KVM, and only while the CPU's "kvm" property is on.
  if (!accel || !cfg.bool("kvm")) cfg.features[FW.FEAT_KVM] = 0n;

  enableXsaveComponents(cfg.features);

  const f = cfg.features;
  let minLevel = cfg.uint("min-level");
  let minXlevel = cfg.uint("min-xlevel");
  let minXlevel2 = cfg.uint("min-xlevel2");
  let minFunc7 = 0;
  const adjustFor = (w: number): void => {
    if (!f[w]) return;
    const src = FEATURE_WORD_INFO[w]!.source;
    if (src.kind !== "cpuid") return;
    const region = src.leaf & 0xf0000000;
    if (region === 0) minLevel = adjustLevel(minLevel, src.leaf);
    else if (region === 0x80000000) minXlevel = adjustLevel(minXlevel, src.leaf);
    else if (region === 0xc0000000) minXlevel2 = adjustLevel(minXlevel2, src.leaf);
    if (src.leaf === 7) minFunc7 = adjustLevel(minFunc7, src.subleaf ?? 0);
  };
  // CPUID[7].EBX always raises the level, whatever full-cpuid-auto-level says.
  adjustFor(FW.FEAT_7_0_EBX);
  if (cfg.bool("full-cpuid-auto-level")) {
    for (const w of [
      FW.FEAT_1_EDX, FW.FEAT_1_ECX, FW.FEAT_6_EAX, FW.FEAT_7_0_ECX, FW.FEAT_7_1_EAX,
      FW.FEAT_8000_0001_EDX, FW.FEAT_8000_0001_ECX, FW.FEAT_8000_0007_EDX,
      FW.FEAT_8000_0008_EBX, FW.FEAT_C000_0001_EDX, FW.FEAT_SVM, FW.FEAT_XSAVE,
    ]) {
      adjustFor(w);
    }
    if (f[FW.FEAT_7_0_EBX]! & EBX7_INTEL_PT) {
      if (cfg.bool("x-intel-pt-auto-level")) minLevel = adjustLevel(minLevel, 0x14);
      else if (minLevel < 0x14) {
        markUnavailable(cfg, FW.FEAT_7_0_EBX, EBX7_INTEL_PT,
          'Intel PT need CPUID leaf 0x14, please set by "-cpu ...,intel-pt=on,min-level=0x14"', warnings);
      }
    }
    const isIntel = cfg.vendor === "GenuineIntel";
    if (topo.dies > 1 && (isIntel || !cfg.bool("x-vendor-cpuid-only"))) minLevel = adjustLevel(minLevel, 0x1f);
    if (f[FW.FEAT_8000_0001_ECX]! & EXT3_SVM) minXlevel = adjustLevel(minXlevel, 0x8000000a);
    if (f[FW.FEAT_7_0_EBX]! & EBX7_SGX) minLevel = adjustLevel(minLevel, 0x12);
  }
  cfg.setUint("min-level", minLevel);
  cfg.setUint("min-xlevel", minXlevel);
  cfg.setUint("min-xlevel2", minXlevel2);
  if (cfg.uint("level-func7") === CPUID_LEVEL_AUTO) cfg.setUint("level-func7", minFunc7);
  if (cfg.uint("level") === CPUID_LEVEL_AUTO) cfg.setUint("level", minLevel);
  if (cfg.uint("xlevel") === CPUID_LEVEL_AUTO) cfg.setUint("xlevel", minXlevel);
  if (cfg.uint("xlevel2") === CPUID_LEVEL_AUTO) cfg.setUint("xlevel2", minXlevel2);
}

/** XCR0/XSS component words follow from the features that enable them. */
function enableXsaveComponents(f: FeatureWords): void {
  if (!(f[FW.FEAT_1_ECX]! & EXT_XSAVE)) {
    f[FW.FEAT_XSAVE_XCR0_LO] = 0n;
    f[FW.FEAT_XSAVE_XCR0_HI] = 0n;
    f[FW.FEAT_XSAVE_XSS_LO] = 0n;
    f[FW.FEAT_XSAVE_XSS_HI] = 0n;
    return;
  }
  let mask = 0n;
  for (const area of XSAVE_AREAS) {
    if (f[area.word]! & area.mask) mask |= 1n << BigInt(area.component);
  }
  f[FW.FEAT_XSAVE_XCR0_LO] = mask & XSTATE_XCR0_MASK & 0xffffffffn;
  f[FW.FEAT_XSAVE_XCR0_HI] = (mask & XSTATE_XCR0_MASK) >> 32n;
  f[FW.FEAT_XSAVE_XSS_LO] = mask & XSTATE_XSS_MASK & 0xffffffffn;
  f[FW.FEAT_XSAVE_XSS_HI] = (mask & XSTATE_XSS_MASK) >> 32n;
}

/** QEMU's x86_cpu_filter_features: remove what TCG (or KVM, given `accel`) lacks,
 * warning "TCG doesn't support requested feature: …" (on KVM "host doesn't …") when
 * `verbose`. */
export function filterX86CpuFeatures(
  cfg: X86CpuConfig,
  verbose: boolean,
  warnings: string[] = [],
  accel?: X86KvmFeatures,
): void {
  const prefix = verbose ? `${accel ? "host" : "TCG"} doesn't support requested feature` : undefined;
  for (let w = 0; w < FEATURE_WORD_COUNT; w++) {
    const unavailable = cfg.features[w]! & ~supportedFeatureWord(w, false, accel);
    markUnavailable(cfg, w, unavailable, prefix, warnings);
  }
}

/**
 * Realize a CPU under TCG, or KVM given `accel`. Throws QomError with QEMU's
 * text where QEMU's realize fails; returns the frozen CPUID state and the
 * warnings printed. Warnings are appended to `warnings` as they happen, so a
 * caller passing its own array still has those QEMU printed before failing.
 */
export function realizeX86Cpu(
  cfg: X86CpuConfig,
  topo: X86Topology,
  pm: PlusMinusFeatures = { plus: [], minus: [] },
  warnings: string[] = [],
  accel?: X86KvmFeatures,
): X86RealizeResult {
  const apicId = cfg.uint("apic-id");
  if (apicId === UNASSIGNED_APIC_ID) throw new QomError("apic-id property was not initialized properly");

  // Hyper-V identification defaults are filled in even without KVM.
  cfg.hvVendorId ??= "Microsoft Hv";
  if (Buffer.byteLength(cfg.hvVendorId) > 12) warnings.push("hv-vendor-id truncated to 12 characters");

  expandX86CpuFeatures(cfg, pm, topo, warnings, accel);

  const lbrFmt = BigInt(cfg.ints.get("lbr-fmt") ?? 0);
  if (lbrFmt !== 0xffffffffffffffc0n) {
    if ((lbrFmt & 0x3fn) !== lbrFmt) throw new QomError("invalid lbr-fmt");
    cfg.features[FW.FEAT_PERF_CAPABILITIES] = (cfg.features[FW.FEAT_PERF_CAPABILITIES]! & ~0x3fn) | lbrFmt;
  }

  filterX86CpuFeatures(cfg, cfg.bool("check") || cfg.bool("enforce"), warnings, accel);
  if (cfg.bool("enforce") && cfg.filteredFeatures.some((w) => w !== 0n)) {
    throw new QomError(`${accel ? "Host" : "TCG"} doesn't support requested features`);
  }

  const vendor = cfg.vendor;
  const isAmd = vendor === "AuthenticAMD";
  const isIntel = vendor === "GenuineIntel";
  if (isAmd) {
    // On AMD the 8000_0001 EDX copies of the classic bits must match leaf 1.
    cfg.features[FW.FEAT_8000_0001_EDX] =
      (cfg.features[FW.FEAT_8000_0001_EDX]! & ~CPUID_EXT2_AMD_ALIASES) |
      (cfg.features[FW.FEAT_1_EDX]! & CPUID_EXT2_AMD_ALIASES);
  }

  if (cfg.model.hostCpuidRequired && !accel) throw new QomError(`CPU model '${cfg.model.name}' requires KVM or HVF`);
  if (accel) kvmCpuRealize(cfg, accel, warnings);

  if (BigInt(cfg.ints.get("ucode-rev") ?? 0) === 0n) cfg.ints.set("ucode-rev", isAmd ? 0x01000065 : 0x100000000);

  let physBits = cfg.uint("phys-bits");
  if (cfg.features[FW.FEAT_8000_0001_EDX]! & EXT2_LM) {
    if (physBits !== 0 && (physBits > TARGET_PHYS_ADDR_SPACE_BITS || physBits < 32)) {
      throw new QomError(`phys-bits should be between 32 and ${TARGET_PHYS_ADDR_SPACE_BITS}  (but is ${physBits})`);
    }
    if (physBits === 0) physBits = TCG_PHYS_ADDR_BITS;
  } else {
    if (physBits !== 0) throw new QomError("phys-bits is not user-configurable in 32 bit");
    physBits = cfg.features[FW.FEAT_1_EDX]! & EDX1_PSE36 ? 36 : 32;
  }
  cfg.setUint("phys-bits", physBits);

  let cacheCpuid2: CpuCaches;
  let cacheCpuid4: CpuCaches;
  let cacheAmd: CpuCaches;
  if (!cfg.bool("legacy-cache")) {
    const own = cfg.model.def?.cacheInfo;
    if (!own) throw new QomError(`CPU model '${cfg.model.name}' doesn't support legacy-cache=off`);
    cacheCpuid2 = cacheCpuid4 = cacheAmd = own;
  } else {
    cacheCpuid2 = LEGACY_CACHES_CPUID2;
    cacheCpuid4 = LEGACY_CACHES_CPUID4;
    cacheAmd = LEGACY_CACHES_AMD;
  }

  if (isAmd && !(cfg.features[FW.FEAT_8000_0001_ECX]! & EXT3_TOPOEXT) && topo.threads > 1) {
    // QEMU prints this (with its hint line) for the first such CPU only.
    warnings.push(
      `${AMD_HT_WARNING_PREFIX}(${topo.threads})\nPlease configure -smp options properly or try enabling topoext feature.`,
    );
  }

  cfg.realized = true;
  const vendorWords = words32(cfg.vendorBytes);
  const state: X86CpuState = {
    vendorWords: [vendorWords[0]!, vendorWords[1]!, vendorWords[2]!],
    isIntel,
    isAmd,
    cpuidVersion: cfg.cpuidVersion,
    modelWords: words32(cfg.modelIdBytes),
    features: [...cfg.features],
    filteredFeatures: [...cfg.filteredFeatures],
    level: cfg.uint("level"),
    xlevel: cfg.uint("xlevel"),
    xlevel2: cfg.uint("xlevel2"),
    levelFunc7: cfg.uint("level-func7"),
    apicId,
    coreId: coreIdOf(apicId, topo),
    cores: topo.cores,
    threads: topo.threads,
    dies: topo.dies,
    physBits,
    pmu: cfg.bool("pmu"),
    l3Cache: cfg.bool("l3-cache"),
    cpuid0xb: cfg.bool("cpuid-0xb"),
    vendorCpuidOnly: cfg.bool("x-vendor-cpuid-only"),
    exposeTcg: cfg.bool("tcg-cpuid"),
    cacheCpuid2,
    cacheCpuid4,
    cacheAmd,
    ucodeRev: BigInt(cfg.ints.get("ucode-rev") ?? 0),
    // TCG has no host MONITOR data; QEMU always adds EMX and IBE.
    mwait: [0, 0, 3, 0],
  };
  return { state, warnings };
}

/**
 * QEMU's kvm_cpu_realizefn and host_cpu_realizefn (before the generic phys-bits checks): max/host
 * take KVM's microcode revision, and a 64-bit CPU's phys-bits follow the host's when
 * host-phys-bits is on (capped by host-phys-bits-limit), with a warning for a phys-bits set to
 * something else.
 */
function kvmCpuRealize(cfg: X86CpuConfig, accel: X86KvmFeatures, warnings: string[]): void {
  if (cfg.maxFeatures && BigInt(cfg.ints.get("ucode-rev") ?? 0) === 0n) cfg.ints.set("ucode-rev", accel.ucodeRev ?? 0n);
  if (!(cfg.features[FW.FEAT_8000_0001_EDX]! & EXT2_LM) || !accel.host) return;
  const hostBits = accel.host.physBits;
  let physBits = cfg.uint("phys-bits");
  if (physBits !== hostBits && physBits !== 0) {
    warnings.push(`${HOST_PHYS_BITS_WARNING_PREFIX} (${hostBits}) does not match phys-bits property (${physBits})`);
  }
  if (cfg.bool("host-phys-bits")) {
    physBits = hostBits;
    const limit = cfg.uint("host-phys-bits-limit");
    if (limit && physBits > limit) physBits = limit;
  }
  if (physBits && (physBits > TARGET_PHYS_ADDR_SPACE_BITS || physBits < 32)) {
    throw new QomError(`phys-bits should be between 32 and ${TARGET_PHYS_ADDR_SPACE_BITS}  (but is ${physBits})`);
  }
  cfg.setUint("phys-bits", physBits);
}

/** Number of APIC-id bits needed for `count` items. */
export function apicIdBitWidth(count: number): number {
  const c = count - 1;
  return c ? 32 - Math.clz32(c) : 0;
}

export function apicIdCoreOffset(t: Pick<X86Topology, "threads">): number {
  return apicIdBitWidth(t.threads);
}

export function apicIdDieOffset(t: Pick<X86Topology, "threads" | "cores">): number {
  return apicIdCoreOffset(t) + apicIdBitWidth(t.cores);
}

export function apicIdPkgOffset(t: Pick<X86Topology, "threads" | "cores" | "dies">): number {
  return apicIdDieOffset(t) + apicIdBitWidth(t.dies);
}

/** APIC id of the CPU with this index (pc machine numbering). */
export function apicIdFromCpuIndex(index: number, t: Pick<X86Topology, "threads" | "cores" | "dies">): number {
  const smt = index % t.threads;
  const core = Math.floor(index / t.threads) % t.cores;
  const die = Math.floor(index / (t.threads * t.cores)) % t.dies;
  const pkg = Math.floor(index / (t.threads * t.cores * t.dies));
  return ((pkg << apicIdPkgOffset(t)) | (die << apicIdDieOffset(t)) | (core << apicIdCoreOffset(t)) | smt) >>> 0;
}

function coreIdOf(apicId: number, t: X86Topology): number {
  return (apicId >>> apicIdCoreOffset(t)) & ((1 << apicIdBitWidth(t.cores)) - 1);
}
