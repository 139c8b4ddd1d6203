/**
 * What KVM can give an x86 CPU model, feature word by feature word, as QEMU 7.2 computes it for
 * query-cpu-definitions and CPU expansion: CPUID words from KVM_GET_SUPPORTED_CPUID with QEMU's
 * fix-ups (kvm_arch_get_supported_cpuid), MSR words from the feature MSRs /dev/kvm reports
 * (kvm_arch_get_supported_msr_feature). The result feeds src/target/i386 as X86KvmFeatures.
 */
import { existsSync } from "node:fs";
import type { X86HostCpu, X86KernelIrqchip, X86KvmFeatures } from "../../target/i386/cpu-accel-features.js";
import { CPUID_EXT2_AMD_ALIASES, FEATURE_WORD_INFO, FW, type CpuidRegister } from "../../target/i386/cpu-features.js";
import type { KvmSystemHandle } from "./kvm-addon.js";
import { readHostCpu } from "./host-cpuid.js";

/** What the supported-word computation reads from /dev/kvm (gathered once per VM). */
export interface KvmCpuFeatureHost {
  /** KVM_GET_SUPPORTED_CPUID: 7 words an entry (function, index, flags, eax, ebx, ecx, edx). */
  readonly supportedCpuid: Uint32Array;
  readonly inKernelIrqchip: boolean;
  /** The exact irqchip mode where the caller knows it (split adds KVM_FEATURE_MSI_EXT_DEST_ID). */
  readonly kernelIrqchip?: X86KernelIrqchip;
  /** The host CPU (QEMU's host_cpuid), for max/host and built-in models' vendor. */
  readonly hostCpu?: X86HostCpu;
  /** Whether KVM offers MCG_LMCE_P (KVM_X86_GET_MCE_CAP_SUPPORTED). */
  readonly lmce?: boolean;
  /** KVM_CAP_TSC_DEADLINE_TIMER. */
  readonly tscDeadline: boolean;
  /** KVM_X86_XCOMP_GUEST_SUPP, or undefined where the kernel cannot say. */
  readonly xcompGuestSupp: bigint | undefined;
  /** Each feature MSR KVM lists, with the value KVM_GET_MSRS gives it on /dev/kvm. */
  readonly featureMsrs: ReadonlyMap<number, bigint>;
}

const KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;
const REG_SLOT: Readonly<Record<CpuidRegister, number>> = { EAX: 3, EBX: 4, ECX: 5, EDX: 6 };
const KVM_CPUID_FEATURES = 0x40000001;
const MSR_IA32_ARCH_CAPABILITIES = 0x10a;
const MSR_IA32_UCODE_REV = 0x8b;
/** VMX control MSRs whose high half says which controls may be 1, the low half which must be. */
const VMX_CONTROL_MSRS = new Set([0x48b, 0x48d, 0x48e, 0x48f, 0x490]);

/** Gathers what the computation needs from an open /dev/kvm. */
export function readKvmCpuFeatureHost(
  kvm: KvmSystemHandle,
  constants: Readonly<Record<string, number>>,
  irqchip: boolean | X86KernelIrqchip,
): KvmCpuFeatureHost {
  const inKernelIrqchip = typeof irqchip === "boolean" ? irqchip : irqchip !== "off";
  const cap = (name: string): number => {
    const n = constants[name];
    return n === undefined ? 0 : kvm.checkExtension(n);
  };
  let xcompGuestSupp: bigint | undefined;
  if (cap("KVM_CAP_SYS_ATTRIBUTES") > 0) {
    try {
      xcompGuestSupp = kvm.xcompGuestSupp();
    } catch {
      // Kernels without the attribute (ENXIO): QEMU keeps KVM_GET_SUPPORTED_CPUID's answer.
    }
  }
  const featureMsrs = new Map<number, bigint>();
  if (cap("KVM_CAP_GET_MSR_FEATURES") > 0) {
    for (const index of kvm.msrFeatureIndexList()) {
      const values = new BigUint64Array(1);
      // A feature MSR KVM lists but cannot read is fatal in QEMU; here it simply offers nothing.
      if (kvm.getMsrs(Uint32Array.of(index), values) === 1) featureMsrs.set(index, values[0]!);
    }
  }
  const supportedCpuid = kvm.supportedCpuid();
  const kvmCpuid = (leaf: number, index: number) =>
    [rawTable(supportedCpuid, leaf, index, "EAX"), rawTable(supportedCpuid, leaf, index, "EBX"),
      rawTable(supportedCpuid, leaf, index, "ECX"), rawTable(supportedCpuid, leaf, index, "EDX")] as const;
  return {
    supportedCpuid,
    inKernelIrqchip,
    ...(typeof irqchip === "string" ? { kernelIrqchip: irqchip } : {}),
    hostCpu: readHostCpu(kvmCpuid),
    lmce: kvmOffersLmce(),
    tscDeadline: cap("KVM_CAP_TSC_DEADLINE_TIMER") > 0,
    xcompGuestSupp,
    featureMsrs,
  };
}

/**
 * Whether KVM_X86_GET_MCE_CAP_SUPPORTED includes MCG_LMCE_P. The addon cannot ask; the answer
 * follows the vendor module: kvm_intel (VMX) always offers local MCEs, kvm_amd and others do not.
 */
function kvmOffersLmce(): boolean {
  return existsSync("/sys/module/kvm_intel");
}

/** A register of KVM's raw supported CPUID (0 where KVM has no such leaf). */
function rawCpuid(host: KvmCpuFeatureHost, leaf: number, index: number, reg: CpuidRegister): number {
  return rawTable(host.supportedCpuid, leaf, index, reg);
}

function rawTable(t: Uint32Array, leaf: number, index: number, reg: CpuidRegister): number {
  for (let i = 0; i + 7 <= t.length; i += 7) {
    if (t[i] !== leaf) continue;
    if (t[i + 2]! & KVM_CPUID_FLAG_SIGNIFCANT_INDEX && t[i + 1] !== index) continue;
    return t[i + REG_SLOT[reg]]!;
  }
  return 0;
}

/**
 * Haswell parts whose TSX is known broken: QEMU hides HLE and RTM there even if KVM offers them.
 * The host's vendor and signature are KVM's leaves 0 and 1, which KVM passes through.
 */
function hostTsxBroken(host: KvmCpuFeatureHost): boolean {
  const intel = rawCpuid(host, 0, 0, "EBX") === 0x756e6547 && rawCpuid(host, 0, 0, "EDX") === 0x49656e69 &&
    rawCpuid(host, 0, 0, "ECX") === 0x6c65746e;
  const sig = rawCpuid(host, 1, 0, "EAX");
  const baseFamily = (sig >>> 8) & 0xf;
  const family = baseFamily + (baseFamily === 0xf ? (sig >>> 20) & 0xff : 0);
  const model = ((sig >>> 4) & 0xf) | (((sig >>> 16) & 0xf) << 4);
  const stepping = sig & 0xf;
  return intel && family === 6 && ((model === 63 && stepping < 4) || model === 60 || model === 69 || model === 70);
}

/** kvm_arch_get_supported_cpuid: KVM's value plus the bits QEMU knows it can add or must hide. */
export function kvmSupportedCpuid(host: KvmCpuFeatureHost, leaf: number, index: number, reg: CpuidRegister): number {
  let r = rawCpuid(host, leaf, index, reg);
  if (leaf === 1 && reg === "EDX") {
    // Old kernels misreported MTRR, PAT, MCE and MCA; QEMU always allows them.
    r |= (1 << 12) | (1 << 16) | (1 << 7) | (1 << 14);
  } else if (leaf === 1 && reg === "ECX") {
    r |= 1 << 31; // hypervisor: QEMU's to set
    // TSC deadline works with the kernel's local APIC, which KVM does not report in CPUID.
    if (host.inKernelIrqchip && host.tscDeadline) r |= 1 << 24;
    // x2APIC needs the kernel's local APIC.
    if (!host.inKernelIrqchip) r &= ~(1 << 21);
  } else if (leaf === 6 && reg === "EAX") {
    r |= 1 << 2; // ARAT: the emulated APIC timer always runs
  } else if (leaf === 7 && index === 0 && reg === "EBX") {
    if (hostTsxBroken(host)) r &= ~((1 << 4) | (1 << 11));
  } else if (leaf === 7 && index === 0 && reg === "EDX") {
    // Some kernels offered ARCH_CAPABILITIES without the MSR behind it.
    if (!host.featureMsrs.has(MSR_IA32_ARCH_CAPABILITIES)) r &= ~(1 << 29);
  } else if (leaf === 0xd && index === 0 && (reg === "EAX" || reg === "EDX")) {
    // Components the host enables on request are missing from KVM_GET_SUPPORTED_CPUID.
    if (host.xcompGuestSupp !== undefined) {
      r = Number(reg === "EAX" ? host.xcompGuestSupp & 0xffffffffn : (host.xcompGuestSupp >> 32n) & 0xffffffffn);
    }
  } else if (leaf === 0x80000001 && reg === "ECX") {
    r |= 1 << 22; // TOPOEXT only describes the topology QEMU builds
  } else if (leaf === 0x80000001 && reg === "EDX") {
    // KVM answers per Intel's spec; AMD's copies of the leaf 1 bits follow leaf 1.
    r |= Number(BigInt(kvmSupportedCpuid(host, 1, 0, "EDX") >>> 0) & CPUID_EXT2_AMD_ALIASES);
  } else if (leaf === KVM_CPUID_FEATURES && reg === "EAX") {
    if (!host.inKernelIrqchip) r &= ~(1 << 7); // PV unhalt needs the kernel's APIC
    // With a split irqchip the userspace IOAPIC builds the MSIs, so it can extend the destination.
    if (host.kernelIrqchip === "split") r |= 1 << 15;
  } else if (leaf === KVM_CPUID_FEATURES && reg === "EDX") {
    r |= 1; // KVM_HINTS_REALTIME is the user's promise, not KVM's
  }
  return r >>> 0;
}

/** kvm_arch_get_supported_msr_feature: 0 for MSRs KVM does not list as feature MSRs. */
export function kvmSupportedMsrFeature(host: KvmCpuFeatureHost, msr: number): bigint {
  const value = host.featureMsrs.get(msr);
  if (value === undefined) return 0n;
  // For VMX controls, the features are the controls that may be set without having to be.
  if (VMX_CONTROL_MSRS.has(msr)) return (value >> 32n) & ~value & 0xffffffffn;
  return value;
}

/** Everything KVM supports, per feature word, for X86KvmFeatures. */
export function kvmSupportedFeatureWords(host: KvmCpuFeatureHost): X86KvmFeatures {
  const supported = FEATURE_WORD_INFO.map((info) => {
    const src = info.source;
    if (src.kind === "msr") return kvmSupportedMsrFeature(host, src.msr);
    return BigInt(kvmSupportedCpuid(host, src.leaf, src.subleaf ?? 0, src.reg));
  });
  const ucodeRev = host.featureMsrs.get(MSR_IA32_UCODE_REV);
  return {
    kind: "kvm",
    supported,
    inKernelIrqchip: host.inKernelIrqchip,
    ...(host.kernelIrqchip !== undefined ? { kernelIrqchip: host.kernelIrqchip } : {}),
    ...(host.hostCpu ? { host: host.hostCpu } : {}),
    levels: {
      level: kvmSupportedCpuid(host, 0, 0, "EAX"),
      xlevel: kvmSupportedCpuid(host, 0x80000000, 0, "EAX"),
      xlevel2: kvmSupportedCpuid(host, 0xc0000000, 0, "EAX"),
    },
    lmce: host.lmce === true,
    ...(ucodeRev !== undefined ? { ucodeRev } : {}),
  };
}

/**
 * The same answer for another irqchip mode of the same VM: KVM's supported words differ only in
 * the bits kvm_arch_get_supported_cpuid adds for split (the caller keeps in-kernel vs. off).
 */
export function kvmFeaturesForIrqchip(f: X86KvmFeatures, mode: X86KernelIrqchip): X86KvmFeatures {
  if (f.kernelIrqchip === mode) return f;
  if ((mode !== "off") !== f.inKernelIrqchip) throw new Error(`kvm: CPU features read for another irqchip than ${mode}`);
  const supported = [...f.supported];
  const MSI_EXT_DEST_ID = 1n << 15n;
  supported[FW.FEAT_KVM] = mode === "split" ? supported[FW.FEAT_KVM]! | MSI_EXT_DEST_ID : supported[FW.FEAT_KVM]! & ~MSI_EXT_DEST_ID;
  return { ...f, supported, kernelIrqchip: mode };
}
