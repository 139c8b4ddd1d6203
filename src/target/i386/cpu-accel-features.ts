/**
 * What an accelerator other than TCG can give a CPU model, as the x86 model code needs it
 * (QEMU's x86_cpu_get_supported_feature_word and the accelerator's default properties). The
 * values are gathered by the accelerator (src/accel/kvm/kvm-cpu-features.ts); the model code only
 * reads them, so it stays free of /dev/kvm.
 */
import { FEATURE_WORD_INFO, migratableFlags } from "./cpu-features.js";

export interface X86KvmFeatures {
  readonly kind: "kvm";
  /** Per feature word, everything KVM can provide (QEMU's answer with migratable_only false). */
  readonly supported: readonly bigint[];
  /** Whether the irqchip is in the kernel: without it QEMU's KVM defaults turn x2apic off. */
  readonly inKernelIrqchip: boolean;
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
export function kvmDefaultProps(inKernelIrqchip: boolean): ReadonlyArray<readonly [string, string]> {
  return [
    ["kvmclock", "on"],
    ["kvm-nopiodelay", "on"],
    ["kvm-asyncpf", "on"],
    ["kvm-steal-time", "on"],
    ["kvm-pv-eoi", "on"],
    ["kvmclock-stable-bit", "on"],
    // x2APIC needs the in-kernel local APIC.
    ["x2apic", inKernelIrqchip ? "on" : "off"],
    // Only a split irqchip turns this on, and qomd has none.
    ["kvm-msi-ext-dest-id", "off"],
    ["acpi", "off"],
    ["monitor", "off"],
    ["svm", "off"],
  ];
}
