/**
 * The feature words of QEMU 7.2's x86 CPU (target/i386) and the name of
 * every bit in them.
 *
 * A "feature word" is one 32- or 64-bit register's worth of feature flags:
 * most are read by the guest through CPUID (leaf, optional subleaf,
 * register), some are only visible through an MSR. Each named bit becomes a
 * boolean QOM property on every x86 CPU type, which is also how `-cpu
 * model,+name` and `name=on` reach it.
 *
 * Words are kept as bigint because two of them (the VMX EPT/VPID
 * capabilities and VMX_BASIC) use bits above 31.
 */

/** Feature words, in QEMU's internal order (the order matters: it is the
 * order of "unavailable-features" lists and, reversed, of "feature-words"). */
export const FEATURE_WORD_NAMES = [
  "FEAT_1_EDX", "FEAT_1_ECX", "FEAT_7_0_EBX", "FEAT_7_0_ECX", "FEAT_7_0_EDX",
  "FEAT_7_1_EAX", "FEAT_8000_0001_EDX", "FEAT_8000_0001_ECX",
  "FEAT_8000_0007_EDX", "FEAT_8000_0008_EBX", "FEAT_C000_0001_EDX", "FEAT_KVM",
  "FEAT_KVM_HINTS", "FEAT_SVM", "FEAT_XSAVE", "FEAT_6_EAX",
  "FEAT_XSAVE_XCR0_LO", "FEAT_XSAVE_XCR0_HI", "FEAT_ARCH_CAPABILITIES",
  "FEAT_CORE_CAPABILITY", "FEAT_PERF_CAPABILITIES", "FEAT_VMX_PROCBASED_CTLS",
  "FEAT_VMX_SECONDARY_CTLS", "FEAT_VMX_PINBASED_CTLS", "FEAT_VMX_EXIT_CTLS",
  "FEAT_VMX_ENTRY_CTLS", "FEAT_VMX_MISC", "FEAT_VMX_EPT_VPID_CAPS",
  "FEAT_VMX_BASIC", "FEAT_VMX_VMFUNC", "FEAT_14_0_ECX", "FEAT_SGX_12_0_EAX",
  "FEAT_SGX_12_0_EBX", "FEAT_SGX_12_1_EAX", "FEAT_XSAVE_XSS_LO",
  "FEAT_XSAVE_XSS_HI",
] as const;

export type FeatureWordName = (typeof FEATURE_WORD_NAMES)[number];

/** Number of feature words (36 in QEMU 7.2). */
export const FEATURE_WORD_COUNT = FEATURE_WORD_NAMES.length;

/** Index of each feature word, e.g. `FW.FEAT_1_ECX === 1`. */
export const FW = Object.fromEntries(
  FEATURE_WORD_NAMES.map((n, i) => [n, i]),
) as { readonly [K in FeatureWordName]: number };

/** One value per feature word. */
export type FeatureWords = bigint[];

export function emptyFeatureWords(): FeatureWords {
  return new Array<bigint>(FEATURE_WORD_COUNT).fill(0n);
}

export type CpuidRegister = "EAX" | "EBX" | "ECX" | "EDX";

export interface CpuidSource {
  readonly kind: "cpuid";
  /** CPUID leaf (EAX input). */
  readonly leaf: number;
  /** CPUID subleaf (ECX input), only for leaves where it selects data. */
  readonly subleaf?: number;
  readonly reg: CpuidRegister;
}

export interface MsrSource {
  readonly kind: "msr";
  readonly msr: number;
}

export interface FeatureWordInfo {
  readonly name: FeatureWordName;
  readonly index: number;
  readonly source: CpuidSource | MsrSource;
  /** Bit number -> QEMU feature name; unnamed bits are absent. */
  readonly bitNames: ReadonlyMap<number, string>;
  /** Bits TCG can provide; everything else is filtered out under TCG. */
  readonly tcgFeatures: bigint;
  /** Bits migratable although unnamed. */
  readonly migratableFlags: bigint;
  /** Named bits that are nevertheless not migratable. */
  readonly unmigratableFlags: bigint;
  /** Bits "max"/"host" never turn on by themselves. */
  readonly noAutoenableFlags: bigint;
}

const ALL64 = (1n << 64n) - 1n;
const ALL32 = (1n << 32n) - 1n;

/* Names of the bits of each word. For 32-bit words a space separated list
 * from bit 0 up, "-" for a bit without a name; sparse 64-bit words map bit
 * numbers to names. Duplicates are real: "kvmclock" is two bits of FEAT_KVM
 * and "vmx-invept-single-context" two bits of the EPT/VPID capabilities. */
const BIT_NAMES: { readonly [K in FeatureWordName]: string | Readonly<Record<number, string>> } = {
  FEAT_1_EDX:
    "fpu vme de pse tsc msr pae mce " +
    "cx8 apic - sep mtrr pge mca cmov " +
    "pat pse36 pn clflush - ds acpi mmx " +
    "fxsr sse sse2 ss ht tm ia64 pbe",
  FEAT_1_ECX:
    "pni pclmulqdq dtes64 monitor ds-cpl vmx smx est " +
    "tm2 ssse3 cid - fma cx16 xtpr pdcm " +
    "- pcid dca sse4.1 sse4.2 x2apic movbe popcnt " +
    "tsc-deadline aes xsave - avx f16c rdrand hypervisor",
  FEAT_7_0_EBX:
    "fsgsbase tsc-adjust sgx bmi1 hle avx2 - smep " +
    "bmi2 erms invpcid rtm - - mpx - " +
    "avx512f avx512dq rdseed adx smap avx512ifma pcommit clflushopt " +
    "clwb intel-pt avx512pf avx512er avx512cd sha-ni avx512bw avx512vl",
  FEAT_7_0_ECX:
    "- avx512vbmi umip pku - waitpkg avx512vbmi2 - " +
    "gfni vaes vpclmulqdq avx512vnni avx512bitalg - avx512-vpopcntdq - " +
    "la57 - - - - - rdpid - " +
    "bus-lock-detect cldemote - movdiri movdir64b - sgxlc pks",
  FEAT_7_0_EDX:
    "- - avx512-4vnniw avx512-4fmaps fsrm - - - " +
    "avx512-vp2intersect - md-clear - - - serialize - " +
    "tsx-ldtrk - - arch-lbr - - amx-bf16 avx512-fp16 " +
    "amx-tile amx-int8 spec-ctrl stibp - arch-capabilities core-capability ssbd",
  FEAT_7_1_EAX:
    "- - - - avx-vnni avx512-bf16",
  FEAT_8000_0001_EDX:
    "- - - - - - - - " +
    "- - - syscall - - - - " +
    "- - - - nx - mmxext - " +
    "- fxsr-opt pdpe1gb rdtscp - lm 3dnowext 3dnow",
  FEAT_8000_0001_ECX:
    "lahf-lm cmp-legacy svm extapic cr8legacy abm sse4a misalignsse " +
    "3dnowprefetch osvw ibs xop skinit wdt - lwp " +
    "fma4 tce - nodeid-msr - tbm topoext perfctr-core " +
    "perfctr-nb",
  FEAT_8000_0007_EDX:
    "- - - - - - - - " +
    "invtsc",
  FEAT_8000_0008_EBX:
    "clzero - xsaveerptr - - - - - " +
    "- wbnoinvd - - ibpb - ibrs amd-stibp " +
    "- - - - - - - - " +
    "amd-ssbd virt-ssbd amd-no-ssb",
  FEAT_C000_0001_EDX:
    "- - xstore xstore-en - - xcrypt xcrypt-en " +
    "ace2 ace2-en phe phe-en pmm pmm-en",
  FEAT_KVM:
    "kvmclock kvm-nopiodelay kvm-mmu kvmclock kvm-asyncpf kvm-steal-time kvm-pv-eoi kvm-pv-unhalt " +
    "- kvm-pv-tlb-flush - kvm-pv-ipi kvm-poll-control kvm-pv-sched-yield kvm-asyncpf-int kvm-msi-ext-dest-id " +
    "- - - - - - - - " +
    "kvmclock-stable-bit",
  FEAT_KVM_HINTS:
    "kvm-hint-dedicated",
  FEAT_SVM:
    "npt lbrv svm-lock nrip-save tsc-scale vmcb-clean flushbyasid decodeassists " +
    "- - pause-filter - pfthreshold avic - v-vmsave-vmload " +
    "vgif - - - - - - - " +
    "- - - - svme-addr-chk",
  FEAT_XSAVE:
    "xsaveopt xsavec xgetbv1 xsaves xfd",
  FEAT_6_EAX:
    "- - arat",
  FEAT_XSAVE_XCR0_LO: "",
  FEAT_XSAVE_XCR0_HI: "",
  FEAT_ARCH_CAPABILITIES:
    "rdctl-no ibrs-all rsba skip-l1dfl-vmentry ssb-no mds-no pschange-mc-no tsx-ctrl " +
    "taa-no",
  FEAT_CORE_CAPABILITY:
    "- - - - - split-lock-detect",
  FEAT_PERF_CAPABILITIES:
    "- - - - - - - - " +
    "- - - - - full-width-write",
  FEAT_VMX_PROCBASED_CTLS:
    "- - vmx-vintr-pending vmx-tsc-offset - - - vmx-hlt-exit " +
    "- vmx-invlpg-exit vmx-mwait-exit vmx-rdpmc-exit vmx-rdtsc-exit - - vmx-cr3-load-noexit " +
    "vmx-cr3-store-noexit - - vmx-cr8-load-exit vmx-cr8-store-exit vmx-flexpriority vmx-vnmi-pending vmx-movdr-exit " +
    "vmx-io-exit vmx-io-bitmap - vmx-mtf vmx-msr-bitmap vmx-monitor-exit vmx-pause-exit vmx-secondary-ctls",
  FEAT_VMX_SECONDARY_CTLS:
    "vmx-apicv-xapic vmx-ept vmx-desc-exit vmx-rdtscp-exit vmx-apicv-x2apic vmx-vpid vmx-wbinvd-exit vmx-unrestricted-guest " +
    "vmx-apicv-register vmx-apicv-vid vmx-ple vmx-rdrand-exit vmx-invpcid-exit vmx-vmfunc vmx-shadow-vmcs vmx-encls-exit " +
    "vmx-rdseed-exit vmx-pml - - vmx-xsaves - - - " +
    "- vmx-tsc-scaling",
  FEAT_VMX_PINBASED_CTLS:
    "vmx-intr-exit - - vmx-nmi-exit - vmx-vnmi vmx-preemption-timer vmx-posted-intr",
  FEAT_VMX_EXIT_CTLS:
    "- - vmx-exit-nosave-debugctl - - - - - " +
    "- - - - vmx-exit-load-perf-global-ctrl - - vmx-exit-ack-intr " +
    "- - vmx-exit-save-pat vmx-exit-load-pat vmx-exit-save-efer vmx-exit-load-efer vmx-exit-save-preemption-timer vmx-exit-clear-bndcfgs " +
    "- vmx-exit-clear-rtit-ctl - - - vmx-exit-load-pkrs",
  FEAT_VMX_ENTRY_CTLS:
    "- - vmx-entry-noload-debugctl - - - - - " +
    "- vmx-entry-ia32e-mode - - - vmx-entry-load-perf-global-ctrl vmx-entry-load-pat vmx-entry-load-efer " +
    "vmx-entry-load-bndcfgs - vmx-entry-load-rtit-ctl - - - vmx-entry-load-pkrs",
  FEAT_VMX_MISC:
    "- - - - - vmx-store-lma vmx-activity-hlt vmx-activity-shutdown " +
    "vmx-activity-wait-sipi - - - - - - - " +
    "- - - - - - - - " +
    "- - - - - vmx-vmwrite-vmexit-fields vmx-zero-len-inject",
  FEAT_VMX_EPT_VPID_CAPS: { 0: "vmx-ept-execonly", 6: "vmx-page-walk-4", 7: "vmx-page-walk-5", 16: "vmx-ept-2mb", 17: "vmx-ept-1gb", 20: "vmx-invept", 21: "vmx-eptad", 22: "vmx-ept-advanced-exitinfo", 25: "vmx-invept-single-context", 26: "vmx-invept-all-context", 32: "vmx-invvpid", 40: "vmx-invvpid-single-addr", 41: "vmx-invept-single-context", 42: "vmx-invvpid-all-context", 43: "vmx-invept-single-context-noglobals" },
  FEAT_VMX_BASIC: { 54: "vmx-ins-outs", 55: "vmx-true-ctls" },
  FEAT_VMX_VMFUNC:
    "vmx-eptp-switching",
  FEAT_14_0_ECX:
    "- - - - - - - - " +
    "- - - - - - - - " +
    "- - - - - - - - " +
    "- - - - - - - intel-pt-lip",
  FEAT_SGX_12_0_EAX:
    "sgx1 sgx2",
  FEAT_SGX_12_0_EBX:
    "sgx-exinfo",
  FEAT_SGX_12_1_EAX:
    "- sgx-debug sgx-mode64 - sgx-provisionkey sgx-tokenkey - sgx-kss",
  FEAT_XSAVE_XSS_LO: "",
  FEAT_XSAVE_XSS_HI: "",
};

interface WordSpec {
  readonly source: CpuidSource | MsrSource;
  readonly tcg?: bigint;
  readonly migratable?: bigint;
  readonly unmigratable?: bigint;
  readonly noAutoenable?: bigint;
}

const cpuidSrc = (leaf: number, reg: CpuidRegister, subleaf?: number): CpuidSource =>
  subleaf === undefined ? { kind: "cpuid", leaf, reg } : { kind: "cpuid", leaf, subleaf, reg };
const msrSrc = (msr: number): MsrSource => ({ kind: "msr", msr });

/** XSAVE state components QEMU lets migrate (x87 … PKRU, without bit 8). */
const XSTATE_MIGRATABLE = 0x2ffn;

/* Where each word lives and what TCG supports of it (TCG_*_FEATURES of
 * QEMU 7.2 built for x86_64). */
const WORD_SPECS: { readonly [K in FeatureWordName]: WordSpec } = {
  FEAT_1_EDX: { source: cpuidSrc(1, "EDX"), tcg: 0x0fcbfbfdn },
  FEAT_1_ECX: { source: cpuidSrc(1, "ECX"), tcg: 0xf6d8320bn },
  FEAT_7_0_EBX: { source: cpuidSrc(7, "EBX", 0), tcg: 0x01d843a9n },
  FEAT_7_0_ECX: { source: cpuidSrc(7, "ECX", 0), tcg: 0x8001020cn },
  FEAT_7_0_EDX: { source: cpuidSrc(7, "EDX", 0), tcg: 0n },
  FEAT_7_1_EAX: { source: cpuidSrc(7, "EAX", 1), tcg: 0n },
  FEAT_8000_0001_EDX: { source: cpuidSrc(0x80000001, "EDX"), tcg: 0xedd3fbfdn },
  FEAT_8000_0001_ECX: {
    source: cpuidSrc(0x80000001, "ECX"),
    tcg: 0x75n,
    noAutoenable: 1n << 22n, // topoext needs a consistent cache topology
  },
  FEAT_8000_0007_EDX: { source: cpuidSrc(0x80000007, "EDX"), tcg: 0n, unmigratable: 1n << 8n },
  FEAT_8000_0008_EBX: { source: cpuidSrc(0x80000008, "EBX"), tcg: 0n },
  FEAT_C000_0001_EDX: { source: cpuidSrc(0xc0000001, "EDX"), tcg: 0n },
  FEAT_KVM: { source: cpuidSrc(0x40000001, "EAX"), tcg: 0n },
  FEAT_KVM_HINTS: { source: cpuidSrc(0x40000001, "EDX"), tcg: 0n, noAutoenable: ALL32 },
  FEAT_SVM: { source: cpuidSrc(0x8000000a, "EDX"), tcg: 0x10010001n },
  FEAT_XSAVE: { source: cpuidSrc(0xd, "EAX", 1), tcg: 0x5n },
  FEAT_6_EAX: { source: cpuidSrc(6, "EAX"), tcg: 0x4n },
  FEAT_XSAVE_XCR0_LO: { source: cpuidSrc(0xd, "EAX", 0), tcg: ALL32, migratable: XSTATE_MIGRATABLE },
  FEAT_XSAVE_XCR0_HI: { source: cpuidSrc(0xd, "EDX", 0), tcg: ALL32 },
  FEAT_ARCH_CAPABILITIES: { source: msrSrc(0x10a) },
  FEAT_CORE_CAPABILITY: { source: msrSrc(0xcf) },
  FEAT_PERF_CAPABILITIES: { source: msrSrc(0x345) },
  FEAT_VMX_PROCBASED_CTLS: { source: msrSrc(0x48e) },
  FEAT_VMX_SECONDARY_CTLS: { source: msrSrc(0x48b) },
  FEAT_VMX_PINBASED_CTLS: { source: msrSrc(0x48d) },
  FEAT_VMX_EXIT_CTLS: { source: msrSrc(0x48f) },
  FEAT_VMX_ENTRY_CTLS: { source: msrSrc(0x490) },
  FEAT_VMX_MISC: { source: msrSrc(0x485) },
  FEAT_VMX_EPT_VPID_CAPS: { source: msrSrc(0x48c) },
  // The dual-monitor bit (49) is never auto-enabled: QEMU can't set MSEG.
  FEAT_VMX_BASIC: { source: msrSrc(0x480), noAutoenable: 1n << 49n },
  FEAT_VMX_VMFUNC: { source: msrSrc(0x491) },
  FEAT_14_0_ECX: { source: cpuidSrc(0x14, "ECX", 0), tcg: 0n },
  FEAT_SGX_12_0_EAX: { source: cpuidSrc(0x12, "EAX", 0), tcg: 0n },
  FEAT_SGX_12_0_EBX: { source: cpuidSrc(0x12, "EBX", 0), tcg: 0n },
  FEAT_SGX_12_1_EAX: { source: cpuidSrc(0x12, "EAX", 1), tcg: 0n },
  FEAT_XSAVE_XSS_LO: { source: cpuidSrc(0xd, "ECX", 1) },
  FEAT_XSAVE_XSS_HI: { source: cpuidSrc(0xd, "EDX", 1) },
};

function parseBitNames(spec: string | Readonly<Record<number, string>>): Map<number, string> {
  const map = new Map<number, string>();
  if (typeof spec === "string") {
    spec.split(" ").forEach((tok, bit) => {
      if (tok !== "" && tok !== "-") map.set(bit, tok);
    });
  } else {
    for (const [bit, name] of Object.entries(spec)) map.set(Number(bit), name);
  }
  return map;
}

/** Every feature word, indexed like FEATURE_WORD_NAMES. */
export const FEATURE_WORD_INFO: readonly FeatureWordInfo[] = FEATURE_WORD_NAMES.map((name, index) => {
  const spec = WORD_SPECS[name];
  return {
    name,
    index,
    source: spec.source,
    bitNames: parseBitNames(BIT_NAMES[name]),
    tcgFeatures: spec.tcg ?? 0n,
    migratableFlags: spec.migratable ?? 0n,
    unmigratableFlags: spec.unmigratable ?? 0n,
    noAutoenableFlags: spec.noAutoenable ?? 0n,
  };
});

/**
 * Alternative property names QEMU registers as QOM aliases of feature
 * properties (alias -> canonical name). Names with "_" only work where QEMU
 * looks the property up directly (`+name`, `-name`, QOM); in `name=value`
 * QEMU first turns every "_" into "-".
 */
export const FEATURE_ALIASES: Readonly<Record<string, string>> = {
  sse3: "pni",
  pclmuldq: "pclmulqdq",
  "sse4-1": "sse4.1",
  "sse4-2": "sse4.2",
  xd: "nx",
  ffxsr: "fxsr-opt",
  i64: "lm",
  ds_cpl: "ds-cpl",
  tsc_adjust: "tsc-adjust",
  fxsr_opt: "fxsr-opt",
  lahf_lm: "lahf-lm",
  cmp_legacy: "cmp-legacy",
  nodeid_msr: "nodeid-msr",
  perfctr_core: "perfctr-core",
  perfctr_nb: "perfctr-nb",
  kvm_nopiodelay: "kvm-nopiodelay",
  kvm_mmu: "kvm-mmu",
  kvm_asyncpf: "kvm-asyncpf",
  kvm_asyncpf_int: "kvm-asyncpf-int",
  kvm_steal_time: "kvm-steal-time",
  kvm_pv_eoi: "kvm-pv-eoi",
  kvm_pv_unhalt: "kvm-pv-unhalt",
  kvm_poll_control: "kvm-poll-control",
  svm_lock: "svm-lock",
  nrip_save: "nrip-save",
  tsc_scale: "tsc-scale",
  vmcb_clean: "vmcb-clean",
  pause_filter: "pause-filter",
  sse4_1: "sse4.1",
  sse4_2: "sse4.2",
};

/** A feature property: all bits of one word that carry the name. */
export interface FeatureBits {
  readonly name: string;
  readonly word: number;
  readonly mask: bigint;
}

const FEATURES_BY_NAME: ReadonlyMap<string, FeatureBits> = (() => {
  const map = new Map<string, FeatureBits>();
  for (const info of FEATURE_WORD_INFO) {
    for (const [bit, name] of info.bitNames) {
      const prev = map.get(name);
      const mask = (prev?.mask ?? 0n) | (1n << BigInt(bit));
      map.set(name, { name, word: info.index, mask });
    }
  }
  return map;
})();

/** Canonical feature property names, in registration order (word, bit). */
export function featurePropertyNames(): string[] {
  return [...FEATURES_BY_NAME.keys()];
}

/**
 * Look a feature up by property name or alias, exactly (no "_" folding).
 * For a name registered on several bits the mask covers all of them; reading
 * such a property is true only when every bit is set.
 */
export function findFeature(name: string): FeatureBits | undefined {
  const canonical = FEATURE_ALIASES[name] ?? name;
  return FEATURES_BY_NAME.get(canonical);
}

/** Every bit name of every word, sorted by byte value, duplicates kept:
 * the list `-cpu help` prints under "Recognized CPUID flags:". */
export function recognizedFlagNames(): string[] {
  const names: string[] = [];
  for (const info of FEATURE_WORD_INFO) for (const name of info.bitNames.values()) names.push(name);
  return names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

const hex2 = (n: number): string => n.toString(16).toUpperCase().padStart(2, "0");

/** How QEMU names a word in warnings: "CPUID.01H:ECX", "CPUID.07H:EBX",
 * "CPUID.80000001H:EDX", "MSR(10AH)". The subleaf is not shown. */
export function featureWordDescription(word: number): string {
  const src = FEATURE_WORD_INFO[word]!.source;
  return src.kind === "cpuid" ? `CPUID.${hex2(src.leaf)}H:${src.reg}` : `MSR(${hex2(src.msr)}H)`;
}

/** Warning text for one bit: "CPUID.01H:ECX.vmx [bit 5]" (name left out
 * when the bit has none). */
export function featureBitDescription(word: number, bit: number): string {
  const name = FEATURE_WORD_INFO[word]!.bitNames.get(bit);
  return `${featureWordDescription(word)}${name === undefined ? "" : "." + name} [bit ${bit}]`;
}

/** Bits that are named and not explicitly unmigratable, or explicitly
 * migratable (what "max" with migratable=on may turn on). */
export function migratableFlags(word: number): bigint {
  const info = FEATURE_WORD_INFO[word]!;
  let named = 0n;
  for (const bit of info.bitNames.keys()) named |= 1n << BigInt(bit);
  return info.migratableFlags | (named & ~info.unmigratableFlags);
}

/** An XSAVE state component: which feature enables it, and its layout in
 * the standard (TCG) XSAVE area. */
export interface XsaveArea {
  readonly component: number;
  readonly word: number;
  readonly mask: bigint;
  readonly offset: number;
  readonly size: number;
}

const LEGACY_AND_HEADER = 512 + 64;

/** XSAVE components QEMU 7.2 knows. Components 0 and 1 (x87, SSE) come
 * with XSAVE itself. Offsets are those TCG uses; AMX and arch-LBR have
 * offset 0 there (TCG never offers them). */
export const XSAVE_AREAS: readonly XsaveArea[] = [
  { component: 0, word: FW.FEAT_1_ECX, mask: 1n << 26n, offset: 0, size: LEGACY_AND_HEADER },
  { component: 1, word: FW.FEAT_1_ECX, mask: 1n << 26n, offset: 0, size: LEGACY_AND_HEADER },
  { component: 2, word: FW.FEAT_1_ECX, mask: 1n << 28n, offset: 0x240, size: 0x100 },
  { component: 3, word: FW.FEAT_7_0_EBX, mask: 1n << 14n, offset: 0x3c0, size: 0x40 },
  { component: 4, word: FW.FEAT_7_0_EBX, mask: 1n << 14n, offset: 0x400, size: 0x40 },
  { component: 5, word: FW.FEAT_7_0_EBX, mask: 1n << 16n, offset: 0x440, size: 0x40 },
  { component: 6, word: FW.FEAT_7_0_EBX, mask: 1n << 16n, offset: 0x480, size: 0x200 },
  { component: 7, word: FW.FEAT_7_0_EBX, mask: 1n << 16n, offset: 0x680, size: 0x400 },
  { component: 9, word: FW.FEAT_7_0_ECX, mask: 1n << 3n, offset: 0xa80, size: 0x8 },
  { component: 15, word: FW.FEAT_7_0_EDX, mask: 1n << 19n, offset: 0, size: 0x328 },
  { component: 17, word: FW.FEAT_7_0_EDX, mask: 1n << 24n, offset: 0, size: 0x40 },
  { component: 18, word: FW.FEAT_7_0_EDX, mask: 1n << 24n, offset: 0, size: 0x2000 },
];

/** XCR0-managed components QEMU may expose (user state). */
export const XSTATE_XCR0_MASK = 0x602ffn;
/** XSS-managed components (supervisor state: arch LBR). */
export const XSTATE_XSS_MASK = 0x8000n;

/** Size of an XSAVE area holding the components in `mask`: standard
 * layout, or compacted (each present component right after the previous). */
export function xsaveAreaSize(mask: bigint, compacted: boolean): number {
  let size = LEGACY_AND_HEADER;
  for (const area of XSAVE_AREAS) {
    if (area.component < 2 || !((mask >> BigInt(area.component)) & 1n)) continue;
    const offset = compacted ? size : area.offset;
    size = Math.max(size, offset + area.size);
  }
  return size;
}

/**
 * Name reported for a bit in "unavailable-features" and friends. XCR0
 * component bits have no name of their own; they report the name of the
 * feature that enables the component (e.g. "avx" for component 2).
 */
export function featureNameForList(word: number, bit: number): string | undefined {
  if (word === FW.FEAT_XSAVE_XCR0_LO || word === FW.FEAT_XSAVE_XCR0_HI) {
    const comp = word === FW.FEAT_XSAVE_XCR0_HI ? bit + 32 : bit;
    const area = XSAVE_AREAS.find((a) => a.component === comp);
    if (area) {
      let b = 0;
      while (!((area.mask >> BigInt(b)) & 1n)) b++;
      return FEATURE_WORD_INFO[area.word]!.bitNames.get(b);
    }
  }
  return FEATURE_WORD_INFO[word]!.bitNames.get(bit);
}

/** The names of every set bit, word by word then bit by bit: the shape of
 * "unavailable-features". Unnamed bits would print as null in QEMU; they
 * never occur for TCG and are left out here. */
export function featureNamesOf(words: readonly bigint[]): string[] {
  const out: string[] = [];
  words.forEach((value, word) => {
    for (let bit = 0; bit < 64 && value >> BigInt(bit) !== 0n; bit++) {
      if ((value >> BigInt(bit)) & 1n) {
        const name = featureNameForList(word, bit);
        if (name !== undefined) out.push(name);
      }
    }
  });
  return out;
}

/** "If `from` is off, `to` must be off too" (QEMU's feature_dependencies). */
export interface FeatureDependency {
  readonly from: { readonly word: number; readonly mask: bigint };
  readonly to: { readonly word: number; readonly mask: bigint };
}

const dep = (fw: number, fm: bigint, tw: number, tm: bigint): FeatureDependency => ({
  from: { word: fw, mask: fm },
  to: { word: tw, mask: tm },
});

export const FEATURE_DEPENDENCIES: readonly FeatureDependency[] = [
  dep(FW.FEAT_7_0_EDX, 1n << 29n, FW.FEAT_ARCH_CAPABILITIES, ALL64),
  dep(FW.FEAT_7_0_EDX, 1n << 30n, FW.FEAT_CORE_CAPABILITY, ALL64),
  dep(FW.FEAT_1_ECX, 1n << 15n, FW.FEAT_PERF_CAPABILITIES, ALL64),
  dep(FW.FEAT_1_ECX, 1n << 5n, FW.FEAT_VMX_PROCBASED_CTLS, ALL64),
  dep(FW.FEAT_1_ECX, 1n << 5n, FW.FEAT_VMX_PINBASED_CTLS, ALL64),
  dep(FW.FEAT_1_ECX, 1n << 5n, FW.FEAT_VMX_EXIT_CTLS, ALL64),
  dep(FW.FEAT_1_ECX, 1n << 5n, FW.FEAT_VMX_ENTRY_CTLS, ALL64),
  dep(FW.FEAT_1_ECX, 1n << 5n, FW.FEAT_VMX_MISC, ALL64),
  dep(FW.FEAT_1_ECX, 1n << 5n, FW.FEAT_VMX_BASIC, ALL64),
  dep(FW.FEAT_8000_0001_EDX, 1n << 29n, FW.FEAT_VMX_ENTRY_CTLS, 0x200n),
  dep(FW.FEAT_VMX_PROCBASED_CTLS, 1n << 31n, FW.FEAT_VMX_SECONDARY_CTLS, ALL64),
  dep(FW.FEAT_XSAVE, 1n << 3n, FW.FEAT_VMX_SECONDARY_CTLS, 0x100000n),
  dep(FW.FEAT_1_ECX, 1n << 30n, FW.FEAT_VMX_SECONDARY_CTLS, 0x800n),
  dep(FW.FEAT_7_0_EBX, 1n << 10n, FW.FEAT_VMX_SECONDARY_CTLS, 0x1000n),
  dep(FW.FEAT_7_0_EBX, 1n << 14n, FW.FEAT_VMX_EXIT_CTLS, 0x800000n),
  dep(FW.FEAT_7_0_EBX, 1n << 14n, FW.FEAT_VMX_ENTRY_CTLS, 0x10000n),
  dep(FW.FEAT_7_0_EBX, 1n << 18n, FW.FEAT_VMX_SECONDARY_CTLS, 0x10000n),
  dep(FW.FEAT_7_0_EBX, 1n << 25n, FW.FEAT_14_0_ECX, ALL64),
  dep(FW.FEAT_8000_0001_EDX, 1n << 27n, FW.FEAT_VMX_SECONDARY_CTLS, 0x8n),
  dep(FW.FEAT_VMX_SECONDARY_CTLS, 0x2n, FW.FEAT_VMX_EPT_VPID_CAPS, ALL32),
  dep(FW.FEAT_VMX_SECONDARY_CTLS, 0x2n, FW.FEAT_VMX_SECONDARY_CTLS, 0x80n),
  dep(FW.FEAT_VMX_SECONDARY_CTLS, 0x20n, FW.FEAT_VMX_EPT_VPID_CAPS, ALL32 << 32n),
  dep(FW.FEAT_VMX_SECONDARY_CTLS, 0x2000n, FW.FEAT_VMX_VMFUNC, ALL64),
  dep(FW.FEAT_8000_0001_ECX, 1n << 2n, FW.FEAT_SVM, ALL64),
];

/** CPUID[8000_0001].EDX bits that mirror CPUID[1].EDX on AMD CPUs (fpu,
 * vme, de, pse, tsc, msr, pae, mce, cx8, apic, mtrr, pge, mca, cmov, pat,
 * pse36, mmx, fxsr). QEMU copies them at realize time for AMD vendors. */
export const CPUID_EXT2_AMD_ALIASES = 0x0183f3ffn;
