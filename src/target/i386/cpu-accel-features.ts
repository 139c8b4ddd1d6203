/**
 * What an accelerator other than TCG can give a CPU model, as the x86 model code needs it
 * (QEMU's x86_cpu_get_supported_feature_word, the accelerator's default properties and what
 * KVM's instance_init copies from the host). The values are gathered by the accelerator
 * (src/accel/kvm/kvm-cpu-features.ts); the model code only reads them, so it stays free of
 * /dev/kvm.
 */
import { FEATURE_WORD_INFO, migratableFlags } from "./cpu-features.js";

/** -accel kvm,kernel-irqchip=…: which interrupt controllers are the kernel's. */
export type X86KernelIrqchip = "on" | "off" | "split";

/** The host CPU as the CPUID instruction describes it (QEMU's host_cpuid users in host-cpu.c). */
export interface X86HostCpu {
  readonly vendor: string;
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
  /** The brand string up to its first NUL. */
  readonly modelId: string;
  /** Physical address bits (CPUID[0x80000008].EAX[7:0], 36 without the leaf). */
  readonly physBits: number;
}

/** What KVM's CPU instance_init needs besides the feature words. */
export interface X86KvmCpuDefaults {
  /** Whether the local APICs are the kernel's (kernel-irqchip on or split). */
  readonly inKernelIrqchip: boolean;
  /** The exact mode, where known: split turns kvm-msi-ext-dest-id on. */
  readonly kernelIrqchip?: X86KernelIrqchip;
  /** The host CPU: its vendor replaces a built-in model's, and max/host take all of it. */
  readonly host?: X86HostCpu;
  /** CPUID levels KVM supports (leaves 0, 0x80000000, 0xc0000000 EAX): max/host's minimums. */
  readonly levels?: { readonly level: number; readonly xlevel: number; readonly xlevel2: number };
  /** Whether KVM offers local machine-check exceptions (max/host turn lmce on then). */
  readonly lmce?: boolean;
  /** MSR_IA32_UCODE_REV as KVM reports it (max/host's ucode-rev when unset). */
  readonly ucodeRev?: bigint;
}

export interface X86KvmFeatures extends X86KvmCpuDefaults {
  readonly kind: "kvm";
  /** Per feature word, everything KVM can provide (QEMU's answer with migratable_only false). */
  readonly supported: readonly bigint[];
}

/** x86_cpu_get_supported_feature_word: TCG's table, or KVM's answer when `accel` is given. */
export function supportedFeatureWord(word: number, migratableOnly: boolean, accel?: X86KvmFeatures): bigint {
  let r = accel ? (accel.supported[word] ?? 0n) : FEATURE_WORD_INFO[word]!.tcgFeatures;
  if (migratableOnly) r &= migratableFlags(word);
  return r;
}

/**
 * The properties QEMU's KVM instance_init sets on every built-in model (kvm_default_props), in
 * its order; they take the place of TCG's "vme=off".
 */
export function kvmDefaultProps(kvm: Pick<X86KvmCpuDefaults, "inKernelIrqchip" | "kernelIrqchip">): ReadonlyArray<readonly [string, string]> {
  return [
    ["kvmclock", "on"],
    ["kvm-nopiodelay", "on"],
    ["kvm-asyncpf", "on"],
    ["kvm-steal-time", "on"],
    ["kvm-pv-eoi", "on"],
    ["kvmclock-stable-bit", "on"],
    // x2APIC needs the in-kernel local APIC.
    ["x2apic", kvm.inKernelIrqchip ? "on" : "off"],
    // With a split irqchip the userspace IOAPIC can address APIC ids above 255 through MSIs.
    ["kvm-msi-ext-dest-id", kvm.inKernelIrqchip && kvm.kernelIrqchip === "split" ? "on" : "off"],
    ["acpi", "off"],
    ["monitor", "off"],
    ["svm", "off"],
  ];
}
