/**
 * QEMU 7.2's built-in x86 CPU models (builtin_x86_defs) and the QOM types
 * registered for them: for every definition an unversioned alias type
 * ("SandyBridge", resolved through the machine's default version), one type
 * per version ("SandyBridge-v1", "SandyBridge-v2") and one per named alias
 * of a version ("SandyBridge-IBRS"); then "max", "base" and "host".
 * 132 types in all, each "<model>-x86_64-cpu".
 */

import type { FeatureWordName } from "./cpu-features.js";
import { EPYC_CACHE_INFO, EPYC_MILAN_CACHE_INFO, EPYC_ROME_CACHE_INFO, type CpuCaches } from "./cpu-caches.js";

/** One version of a model: property settings applied on top of the base
 * definition and of every earlier version. */
export interface X86CpuVersionDefinition {
  readonly version: number;
  /** Extra model name registered for this version ("SandyBridge-IBRS"). */
  readonly alias?: string;
  /** Shown in brackets after the model-id by `-cpu help`. */
  readonly note?: string;
  readonly props?: readonly (readonly [string, string])[];
}

export interface X86CpuDefinition {
  readonly name: string;
  /** Minimum CPUID basic level (becomes the "min-level" property). */
  readonly level: number;
  /** Minimum CPUID extended level ("min-xlevel"). */
  readonly xlevel: number;
  readonly vendor: string;
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
  readonly modelId: string;
  readonly features: { readonly [K in FeatureWordName]?: bigint };
  /** Own cache description; without it the model uses the legacy caches. */
  readonly cacheInfo?: CpuCaches;
  /** Absent means a single version 1 without changes. */
  readonly versions?: readonly X86CpuVersionDefinition[];
  readonly deprecationNote?: string;
}

/* The definitions, in QEMU's order. Feature words are the raw bit values of
 * QEMU 7.2's table (before QEMU adds "hypervisor" and, under TCG, removes
 * "vme" at instance creation). */
export const BUILTIN_X86_DEFS: readonly X86CpuDefinition[] = [
  {
    name: "qemu64",
    level: 0xd,
    xlevel: 0x8000000a,
    vendor: "AuthenticAMD",
    family: 15,
    model: 107,
    stepping: 1,
    modelId: "QEMU Virtual CPU version 2.5+",
    features: {
      FEAT_1_EDX: 0x78bfbfdn,
      FEAT_1_ECX: 0x2001n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_8000_0001_ECX: 0x5n,
    },
  },
  {
    name: "phenom",
    level: 0x5,
    xlevel: 0x8000001a,
    vendor: "AuthenticAMD",
    family: 16,
    model: 2,
    stepping: 3,
    modelId: "AMD Phenom(tm) 9550 Quad-Core Processor",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x802009n,
      FEAT_8000_0001_EDX: 0xee500800n,
      FEAT_8000_0001_ECX: 0x65n,
      FEAT_SVM: 0x1n,
    },
  },
  {
    name: "core2duo",
    level: 0xa,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 15,
    stepping: 11,
    modelId: "Intel(R) Core(TM)2 Duo CPU     T7700  @ 2.40GHz",
    features: {
      FEAT_1_EDX: 0xfcbfbffn,
      FEAT_1_ECX: 0x2209n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_8000_0001_ECX: 0x1n,
      FEAT_VMX_PROCBASED_CTLS: 0xf3f81e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x1n,
      FEAT_VMX_PINBASED_CTLS: 0x29n,
      FEAT_VMX_EXIT_CTLS: 0x8000n,
      FEAT_VMX_ENTRY_CTLS: 0x200n,
      FEAT_VMX_MISC: 0x40n,
      FEAT_VMX_BASIC: 0x40000000000000n,
    },
  },
  {
    name: "kvm64",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 15,
    model: 6,
    stepping: 1,
    modelId: "Common KVM processor",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x2001n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_VMX_PROCBASED_CTLS: 0x63b81e8cn,
      FEAT_VMX_PINBASED_CTLS: 0x9n,
      FEAT_VMX_EXIT_CTLS: 0x8000n,
      FEAT_VMX_ENTRY_CTLS: 0x200n,
      FEAT_VMX_MISC: 0x40n,
    },
  },
  {
    name: "qemu32",
    level: 0x4,
    xlevel: 0x80000004,
    vendor: "GenuineIntel",
    family: 6,
    model: 6,
    stepping: 3,
    modelId: "QEMU Virtual CPU version 2.5+",
    features: {
      FEAT_1_EDX: 0x781abfdn,
      FEAT_1_ECX: 0x1n,
    },
  },
  {
    name: "kvm32",
    level: 0x5,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 15,
    model: 6,
    stepping: 1,
    modelId: "Common 32-bit KVM processor",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x1n,
      FEAT_VMX_PROCBASED_CTLS: 0x73801e8cn,
      FEAT_VMX_PINBASED_CTLS: 0x9n,
      FEAT_VMX_EXIT_CTLS: 0x8000n,
      FEAT_VMX_ENTRY_CTLS: 0x200n,
      FEAT_VMX_MISC: 0x40n,
    },
  },
  {
    name: "coreduo",
    level: 0xa,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 14,
    stepping: 8,
    modelId: "Genuine Intel(R) CPU           T2600  @ 2.16GHz",
    features: {
      FEAT_1_EDX: 0xfc9fbffn,
      FEAT_1_ECX: 0x9n,
      FEAT_8000_0001_EDX: 0x100000n,
      FEAT_VMX_PROCBASED_CTLS: 0x73801e8cn,
      FEAT_VMX_PINBASED_CTLS: 0x9n,
      FEAT_VMX_EXIT_CTLS: 0x8000n,
      FEAT_VMX_ENTRY_CTLS: 0x200n,
      FEAT_VMX_MISC: 0x40n,
    },
  },
  {
    name: "486",
    level: 0x1,
    xlevel: 0x0,
    vendor: "GenuineIntel",
    family: 4,
    model: 8,
    stepping: 0,
    modelId: "",
    features: {
      FEAT_1_EDX: 0xbn,
    },
  },
  {
    name: "pentium",
    level: 0x1,
    xlevel: 0x0,
    vendor: "GenuineIntel",
    family: 5,
    model: 4,
    stepping: 3,
    modelId: "",
    features: {
      FEAT_1_EDX: 0x8003bfn,
    },
  },
  {
    name: "pentium2",
    level: 0x2,
    xlevel: 0x0,
    vendor: "GenuineIntel",
    family: 6,
    model: 5,
    stepping: 2,
    modelId: "",
    features: {
      FEAT_1_EDX: 0x183fbffn,
    },
  },
  {
    name: "pentium3",
    level: 0x3,
    xlevel: 0x0,
    vendor: "GenuineIntel",
    family: 6,
    model: 7,
    stepping: 3,
    modelId: "",
    features: {
      FEAT_1_EDX: 0x383fbffn,
    },
  },
  {
    name: "athlon",
    level: 0x2,
    xlevel: 0x80000008,
    vendor: "AuthenticAMD",
    family: 6,
    model: 2,
    stepping: 3,
    modelId: "QEMU Virtual CPU version 2.5+",
    features: {
      FEAT_1_EDX: 0x783fbffn,
      FEAT_8000_0001_EDX: 0xc0400000n,
    },
  },
  {
    name: "n270",
    level: 0xa,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 28,
    stepping: 2,
    modelId: "Intel(R) Atom(TM) CPU N270   @ 1.60GHz",
    features: {
      FEAT_1_EDX: 0xfc9fbffn,
      FEAT_1_ECX: 0x400209n,
      FEAT_8000_0001_EDX: 0x100000n,
      FEAT_8000_0001_ECX: 0x1n,
    },
  },
  {
    name: "Conroe",
    level: 0xa,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 15,
    stepping: 3,
    modelId: "Intel Celeron_4x0 (Conroe/Merom Class Core 2)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x201n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_8000_0001_ECX: 0x1n,
      FEAT_VMX_PROCBASED_CTLS: 0xf3f81e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x1n,
      FEAT_VMX_PINBASED_CTLS: 0x29n,
      FEAT_VMX_EXIT_CTLS: 0x8000n,
      FEAT_VMX_ENTRY_CTLS: 0x200n,
      FEAT_VMX_MISC: 0x40n,
      FEAT_VMX_BASIC: 0x40000000000000n,
    },
  },
  {
    name: "Penryn",
    level: 0xa,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 23,
    stepping: 3,
    modelId: "Intel Core 2 Duo P9xxx (Penryn Class Core 2)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x82201n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_8000_0001_ECX: 0x1n,
      FEAT_VMX_PROCBASED_CTLS: 0xf3f81e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x41n,
      FEAT_VMX_PINBASED_CTLS: 0x29n,
      FEAT_VMX_EXIT_CTLS: 0x9000n,
      FEAT_VMX_ENTRY_CTLS: 0x2200n,
      FEAT_VMX_MISC: 0x40n,
      FEAT_VMX_BASIC: 0x40000000000000n,
    },
  },
  {
    name: "Nehalem",
    level: 0xb,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 26,
    stepping: 3,
    modelId: "Intel Core i7 9xx (Nehalem Class Core i7)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x982201n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_8000_0001_ECX: 0x1n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x7fn,
      FEAT_VMX_PINBASED_CTLS: 0x69n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x40n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106134041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "Nehalem-IBRS", props: [["spec-ctrl", "on"], ["model-id", "Intel Core i7 9xx (Nehalem Core i7, IBRS update)"]] },
    ],
  },
  {
    name: "Westmere",
    level: 0xb,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 44,
    stepping: 1,
    modelId: "Westmere E56xx/L56xx/X56xx (Nehalem-C)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x2982203n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_8000_0001_ECX: 0x1n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0xffn,
      FEAT_VMX_PINBASED_CTLS: 0x69n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x60n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106134041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "Westmere-IBRS", props: [["spec-ctrl", "on"], ["model-id", "Westmere E56xx/L56xx/X56xx (IBRS update)"]] },
    ],
  },
  {
    name: "SandyBridge",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 42,
    stepping: 1,
    modelId: "Intel Xeon E312xx (Sandy Bridge)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x17b82203n,
      FEAT_8000_0001_EDX: 0x28100800n,
      FEAT_8000_0001_ECX: 0x1n,
      FEAT_XSAVE: 0x1n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0xffn,
      FEAT_VMX_PINBASED_CTLS: 0x69n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x60n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106134041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "SandyBridge-IBRS", props: [["spec-ctrl", "on"], ["model-id", "Intel Xeon E312xx (Sandy Bridge, IBRS update)"]] },
    ],
  },
  {
    name: "IvyBridge",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 58,
    stepping: 9,
    modelId: "Intel Xeon E3-12xx v2 (Ivy Bridge)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77b82203n,
      FEAT_7_0_EBX: 0x281n,
      FEAT_8000_0001_EDX: 0x28100800n,
      FEAT_8000_0001_ECX: 0x1n,
      FEAT_XSAVE: 0x1n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0xbffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x60n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106134041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "IvyBridge-IBRS", props: [["spec-ctrl", "on"], ["model-id", "Intel Xeon E3-12xx v2 (Ivy Bridge, IBRS)"]] },
    ],
  },
  {
    name: "Haswell",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 60,
    stepping: 4,
    modelId: "Intel Core Processor (Haswell)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77fa3203n,
      FEAT_7_0_EBX: 0xfb9n,
      FEAT_8000_0001_EDX: 0x28100800n,
      FEAT_8000_0001_ECX: 0x21n,
      FEAT_XSAVE: 0x1n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x7bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
      FEAT_VMX_VMFUNC: 0x1n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "Haswell-noTSX", props: [["hle", "off"], ["rtm", "off"], ["stepping", "1"], ["model-id", "Intel Core Processor (Haswell, no TSX)"]] },
      { version: 3, alias: "Haswell-IBRS", props: [["hle", "on"], ["rtm", "on"], ["stepping", "4"], ["spec-ctrl", "on"], ["model-id", "Intel Core Processor (Haswell, IBRS)"]] },
      { version: 4, alias: "Haswell-noTSX-IBRS", props: [["hle", "off"], ["rtm", "off"], ["stepping", "1"], ["model-id", "Intel Core Processor (Haswell, no TSX, IBRS)"]] },
    ],
  },
  {
    name: "Broadwell",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 61,
    stepping: 2,
    modelId: "Intel Core Processor (Broadwell)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77fa3203n,
      FEAT_7_0_EBX: 0x1c0fb9n,
      FEAT_8000_0001_EDX: 0x28100800n,
      FEAT_8000_0001_ECX: 0x121n,
      FEAT_XSAVE: 0x1n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x37bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
      FEAT_VMX_VMFUNC: 0x1n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "Broadwell-noTSX", props: [["hle", "off"], ["rtm", "off"], ["model-id", "Intel Core Processor (Broadwell, no TSX)"]] },
      { version: 3, alias: "Broadwell-IBRS", props: [["hle", "on"], ["rtm", "on"], ["spec-ctrl", "on"], ["model-id", "Intel Core Processor (Broadwell, IBRS)"]] },
      { version: 4, alias: "Broadwell-noTSX-IBRS", props: [["hle", "off"], ["rtm", "off"], ["model-id", "Intel Core Processor (Broadwell, no TSX, IBRS)"]] },
    ],
  },
  {
    name: "Skylake-Client",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 94,
    stepping: 3,
    modelId: "Intel Core Processor (Skylake)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77fa3203n,
      FEAT_7_0_EBX: 0x1c0fb9n,
      FEAT_8000_0001_EDX: 0x28100800n,
      FEAT_8000_0001_ECX: 0x121n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x378efn,
      FEAT_VMX_PINBASED_CTLS: 0x69n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
      FEAT_VMX_VMFUNC: 0x1n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "Skylake-Client-IBRS", props: [["spec-ctrl", "on"], ["model-id", "Intel Core Processor (Skylake, IBRS)"]] },
      { version: 3, alias: "Skylake-Client-noTSX-IBRS", props: [["hle", "off"], ["rtm", "off"], ["model-id", "Intel Core Processor (Skylake, IBRS, no TSX)"]] },
      { version: 4, note: "IBRS, XSAVES, no TSX", props: [["xsaves", "on"], ["vmx-xsaves", "on"]] },
    ],
  },
  {
    name: "Skylake-Server",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 85,
    stepping: 4,
    modelId: "Intel Xeon Processor (Skylake)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77fa3203n,
      FEAT_7_0_EBX: 0xd19f0fb9n,
      FEAT_7_0_ECX: 0x8n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x121n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x37bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "Skylake-Server-IBRS", props: [["clflushopt", "off"], ["spec-ctrl", "on"], ["model-id", "Intel Xeon Processor (Skylake, IBRS)"]] },
      { version: 3, alias: "Skylake-Server-noTSX-IBRS", props: [["hle", "off"], ["rtm", "off"], ["model-id", "Intel Xeon Processor (Skylake, IBRS, no TSX)"]] },
      { version: 4, note: "IBRS, EPT switching, no TSX", props: [["vmx-eptp-switching", "on"]] },
      { version: 5, note: "IBRS, XSAVES, EPT switching, no TSX", props: [["xsaves", "on"], ["vmx-xsaves", "on"]] },
    ],
  },
  {
    name: "Cascadelake-Server",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 85,
    stepping: 6,
    modelId: "Intel Xeon Processor (Cascadelake)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77fa3203n,
      FEAT_7_0_EBX: 0xd19f0fb9n,
      FEAT_7_0_ECX: 0x808n,
      FEAT_7_0_EDX: 0x84000000n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x121n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x37bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
    },
    versions: [
      { version: 1 },
      { version: 2, note: "ARCH_CAPABILITIES", props: [["arch-capabilities", "on"], ["rdctl-no", "on"], ["ibrs-all", "on"], ["skip-l1dfl-vmentry", "on"], ["mds-no", "on"]] },
      { version: 3, alias: "Cascadelake-Server-noTSX", note: "ARCH_CAPABILITIES, no TSX", props: [["hle", "off"], ["rtm", "off"]] },
      { version: 4, note: "ARCH_CAPABILITIES, EPT switching, no TSX", props: [["vmx-eptp-switching", "on"]] },
      { version: 5, note: "ARCH_CAPABILITIES, EPT switching, XSAVES, no TSX", props: [["xsaves", "on"], ["vmx-xsaves", "on"]] },
    ],
  },
  {
    name: "Cooperlake",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 85,
    stepping: 10,
    modelId: "Intel Xeon Processor (Cooperlake)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77fa3203n,
      FEAT_7_0_EBX: 0xd19f0fb9n,
      FEAT_7_0_ECX: 0x808n,
      FEAT_7_0_EDX: 0xac000000n,
      FEAT_7_1_EAX: 0x20n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x121n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
      FEAT_ARCH_CAPABILITIES: 0x16bn,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x37bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
      FEAT_VMX_VMFUNC: 0x1n,
    },
    versions: [
      { version: 1 },
      { version: 2, note: "XSAVES", props: [["xsaves", "on"], ["vmx-xsaves", "on"]] },
    ],
  },
  {
    name: "Icelake-Server",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 134,
    stepping: 0,
    modelId: "Intel Xeon Processor (Icelake)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x77fa3203n,
      FEAT_7_0_EBX: 0xd19f0fb9n,
      FEAT_7_0_ECX: 0x15f4en,
      FEAT_7_0_EDX: 0x84000000n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x121n,
      FEAT_8000_0008_EBX: 0x200n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x7bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
    },
    versions: [
      { version: 1 },
      { version: 2, alias: "Icelake-Server-noTSX", note: "no TSX", props: [["hle", "off"], ["rtm", "off"]] },
      { version: 3, props: [["arch-capabilities", "on"], ["rdctl-no", "on"], ["ibrs-all", "on"], ["skip-l1dfl-vmentry", "on"], ["mds-no", "on"], ["pschange-mc-no", "on"], ["taa-no", "on"]] },
      { version: 4, props: [["sha-ni", "on"], ["avx512ifma", "on"], ["rdpid", "on"], ["fsrm", "on"], ["vmx-rdseed-exit", "on"], ["vmx-pml", "on"], ["vmx-eptp-switching", "on"], ["model", "106"]] },
      { version: 5, note: "XSAVES", props: [["xsaves", "on"], ["vmx-xsaves", "on"]] },
      { version: 6, note: "5-level EPT", props: [["vmx-page-walk-5", "on"]] },
    ],
  },
  {
    name: "Denverton",
    level: 0x15,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 95,
    stepping: 1,
    modelId: "Intel Atom Processor (Denverton)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x47f8220bn,
      FEAT_7_0_EBX: 0x20944281n,
      FEAT_7_0_EDX: 0xa4000000n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x101n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
      FEAT_ARCH_CAPABILITIES: 0x9n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x37bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
      FEAT_VMX_VMFUNC: 0x1n,
    },
    versions: [
      { version: 1 },
      { version: 2, note: "no MPX, no MONITOR", props: [["monitor", "off"], ["mpx", "off"]] },
      { version: 3, note: "XSAVES, no MPX, no MONITOR", props: [["xsaves", "on"], ["vmx-xsaves", "on"]] },
    ],
  },
  {
    name: "Snowridge",
    level: 0x1b,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 134,
    stepping: 1,
    modelId: "Intel Atom Processor (SnowRidge)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x47f8220bn,
      FEAT_7_0_EBX: 0x21944281n,
      FEAT_7_0_ECX: 0x1a000104n,
      FEAT_7_0_EDX: 0xe4000000n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x101n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
      FEAT_CORE_CAPABILITY: 0x20n,
      FEAT_VMX_PROCBASED_CTLS: 0xfbf99e8cn,
      FEAT_VMX_SECONDARY_CTLS: 0x37bffn,
      FEAT_VMX_PINBASED_CTLS: 0xe9n,
      FEAT_VMX_EXIT_CTLS: 0x7c9004n,
      FEAT_VMX_ENTRY_CTLS: 0xe204n,
      FEAT_VMX_MISC: 0x20000060n,
      FEAT_VMX_EPT_VPID_CAPS: 0xf0106334041n,
      FEAT_VMX_BASIC: 0xc0000000000000n,
      FEAT_VMX_VMFUNC: 0x1n,
    },
    versions: [
      { version: 1 },
      { version: 2, props: [["mpx", "off"], ["model-id", "Intel Atom Processor (Snowridge, no MPX)"]] },
      { version: 3, note: "XSAVES, no MPX", props: [["xsaves", "on"], ["vmx-xsaves", "on"]] },
      { version: 4, note: "no split lock detect, no core-capability", props: [["split-lock-detect", "off"], ["core-capability", "off"]] },
    ],
  },
  {
    name: "KnightsMill",
    level: 0xd,
    xlevel: 0x80000008,
    vendor: "GenuineIntel",
    family: 6,
    model: 133,
    stepping: 0,
    modelId: "Intel Xeon Phi Processor (Knights Mill)",
    features: {
      FEAT_1_EDX: 0xf8bfbffn,
      FEAT_1_ECX: 0x77f83203n,
      FEAT_7_0_EBX: 0x1c0d03a9n,
      FEAT_7_0_ECX: 0x4000n,
      FEAT_7_0_EDX: 0xcn,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x121n,
      FEAT_XSAVE: 0x1n,
      FEAT_6_EAX: 0x4n,
    },
  },
  {
    name: "Opteron_G1",
    level: 0x5,
    xlevel: 0x80000008,
    vendor: "AuthenticAMD",
    family: 15,
    model: 6,
    stepping: 1,
    modelId: "AMD Opteron 240 (Gen 1 Class Opteron)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x1n,
      FEAT_8000_0001_EDX: 0x20100800n,
    },
  },
  {
    name: "Opteron_G2",
    level: 0x5,
    xlevel: 0x80000008,
    vendor: "AuthenticAMD",
    family: 15,
    model: 6,
    stepping: 1,
    modelId: "AMD Opteron 22xx (Gen 2 Class Opteron)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x2001n,
      FEAT_8000_0001_EDX: 0x20100800n,
      FEAT_8000_0001_ECX: 0x5n,
    },
  },
  {
    name: "Opteron_G3",
    level: 0x5,
    xlevel: 0x80000008,
    vendor: "AuthenticAMD",
    family: 16,
    model: 2,
    stepping: 3,
    modelId: "AMD Opteron 23xx (Gen 3 Class Opteron)",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x802009n,
      FEAT_8000_0001_EDX: 0x28100800n,
      FEAT_8000_0001_ECX: 0xe5n,
    },
  },
  {
    name: "Opteron_G4",
    level: 0xd,
    xlevel: 0x8000001a,
    vendor: "AuthenticAMD",
    family: 21,
    model: 1,
    stepping: 2,
    modelId: "AMD Opteron 62xx class CPU",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x16982203n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x109e5n,
      FEAT_SVM: 0x9n,
    },
  },
  {
    name: "Opteron_G5",
    level: 0xd,
    xlevel: 0x8000001a,
    vendor: "AuthenticAMD",
    family: 21,
    model: 2,
    stepping: 0,
    modelId: "AMD Opteron 63xx class CPU",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x36983203n,
      FEAT_8000_0001_EDX: 0x2c100800n,
      FEAT_8000_0001_ECX: 0x2109e5n,
      FEAT_SVM: 0x9n,
    },
  },
  {
    name: "EPYC",
    level: 0xd,
    xlevel: 0x8000001e,
    vendor: "AuthenticAMD",
    family: 23,
    model: 1,
    stepping: 2,
    modelId: "AMD EPYC Processor",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x76d8320bn,
      FEAT_7_0_EBX: 0x209c01a9n,
      FEAT_8000_0001_EDX: 0x2e500800n,
      FEAT_8000_0001_ECX: 0x4003f5n,
      FEAT_SVM: 0x9n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
    },
    cacheInfo: EPYC_CACHE_INFO,
    versions: [
      { version: 1 },
      { version: 2, alias: "EPYC-IBPB", props: [["ibpb", "on"], ["model-id", "AMD EPYC Processor (with IBPB)"]] },
      { version: 3, props: [["ibpb", "on"], ["perfctr-core", "on"], ["clzero", "on"], ["xsaveerptr", "on"], ["xsaves", "on"], ["model-id", "AMD EPYC Processor"]] },
    ],
  },
  {
    name: "Dhyana",
    level: 0xd,
    xlevel: 0x8000001e,
    vendor: "HygonGenuine",
    family: 24,
    model: 0,
    stepping: 1,
    modelId: "Hygon Dhyana Processor",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x74d83209n,
      FEAT_7_0_EBX: 0x9c01a9n,
      FEAT_8000_0001_EDX: 0x2e500800n,
      FEAT_8000_0001_ECX: 0x4003f5n,
      FEAT_8000_0008_EBX: 0x1000n,
      FEAT_SVM: 0x9n,
      FEAT_XSAVE: 0x7n,
      FEAT_6_EAX: 0x4n,
    },
    cacheInfo: EPYC_CACHE_INFO,
    versions: [
      { version: 1 },
      { version: 2, note: "XSAVES", props: [["xsaves", "on"]] },
    ],
  },
  {
    name: "EPYC-Rome",
    level: 0xd,
    xlevel: 0x8000001e,
    vendor: "AuthenticAMD",
    family: 23,
    model: 49,
    stepping: 0,
    modelId: "AMD EPYC-Rome Processor",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x76d8320bn,
      FEAT_7_0_EBX: 0x219c01a9n,
      FEAT_7_0_ECX: 0x400004n,
      FEAT_8000_0001_EDX: 0x2e500800n,
      FEAT_8000_0001_ECX: 0xc003f5n,
      FEAT_8000_0008_EBX: 0x9205n,
      FEAT_SVM: 0x9n,
      FEAT_XSAVE: 0xfn,
      FEAT_6_EAX: 0x4n,
    },
    cacheInfo: EPYC_ROME_CACHE_INFO,
    versions: [
      { version: 1 },
      { version: 2, props: [["ibrs", "on"], ["amd-ssbd", "on"]] },
    ],
  },
  {
    name: "EPYC-Milan",
    level: 0xd,
    xlevel: 0x8000001e,
    vendor: "AuthenticAMD",
    family: 25,
    model: 1,
    stepping: 1,
    modelId: "AMD EPYC-Milan Processor",
    features: {
      FEAT_1_EDX: 0x78bfbffn,
      FEAT_1_ECX: 0x76da320bn,
      FEAT_7_0_EBX: 0x219c07a9n,
      FEAT_7_0_ECX: 0x40000cn,
      FEAT_7_0_EDX: 0x10n,
      FEAT_8000_0001_EDX: 0x2e500800n,
      FEAT_8000_0001_ECX: 0xc003f5n,
      FEAT_8000_0008_EBX: 0x100d205n,
      FEAT_SVM: 0x10000009n,
      FEAT_XSAVE: 0xfn,
      FEAT_6_EAX: 0x4n,
    },
    cacheInfo: EPYC_MILAN_CACHE_INFO,
  },
];

/** QOM type of the abstract x86 CPU every model derives from. */
export const TYPE_X86_CPU = "x86_64-cpu";
export const X86_CPU_TYPE_SUFFIX = "-" + TYPE_X86_CPU;

/** "qemu64" -> "qemu64-x86_64-cpu" */
export function x86CpuTypeName(modelName: string): string {
  return modelName + X86_CPU_TYPE_SUFFIX;
}

export type X86CpuModelKind = "builtin" | "max" | "base" | "host";

/** Version of an unversioned alias model: picked by the machine type. */
export const CPU_VERSION_AUTO = "auto";
/** Machine types that predate versioned models use this: no version
 * properties are applied and no alias is reported. */
export const CPU_VERSION_LEGACY = 0;

/** One registered CPU type. */
export interface X86CpuModel {
  readonly name: string;
  readonly typeName: string;
  readonly parentType: string;
  readonly kind: X86CpuModelKind;
  /** Built-in models only. */
  readonly def?: X86CpuDefinition;
  readonly version?: number | typeof CPU_VERSION_AUTO;
  /** Unversioned names and named aliases ("alias-of" in QMP). */
  readonly isAlias: boolean;
  readonly note?: string;
  /** Fixed `-cpu help` text of max, base and host. */
  readonly description?: string;
  /** `-cpu help` sorts by this first, then by name. */
  readonly ordering: number;
  readonly staticModel: boolean;
  readonly migrationSafe: boolean;
  /** "host" needs KVM or HVF. */
  readonly hostCpuidRequired: boolean;
}

export function versionedModelName(def: X86CpuDefinition, version: number): string {
  return `${def.name}-v${version}`;
}

/** The versions of a definition (a lone version 1 when it lists none). */
export function definitionVersions(def: X86CpuDefinition): readonly X86CpuVersionDefinition[] {
  return def.versions ?? [{ version: 1 }];
}

function builtin(def: X86CpuDefinition, name: string, version: number | typeof CPU_VERSION_AUTO, isAlias: boolean, note?: string): X86CpuModel {
  return {
    name,
    typeName: x86CpuTypeName(name),
    parentType: TYPE_X86_CPU,
    kind: "builtin",
    def,
    version,
    isAlias,
    ...(note !== undefined ? { note } : {}),
    ordering: 0,
    staticModel: false,
    migrationSafe: true,
    hostCpuidRequired: false,
  };
}

/** Every x86 CPU type, in QEMU's registration order. */
export const X86_CPU_MODELS: readonly X86CpuModel[] = (() => {
  const list: X86CpuModel[] = [];
  for (const def of BUILTIN_X86_DEFS) {
    list.push(builtin(def, def.name, CPU_VERSION_AUTO, true));
    for (const v of definitionVersions(def)) {
      list.push(builtin(def, versionedModelName(def, v.version), v.version, false, v.note));
      if (v.alias !== undefined) list.push(builtin(def, v.alias, v.version, true));
    }
  }
  list.push({
    name: "max",
    typeName: x86CpuTypeName("max"),
    parentType: TYPE_X86_CPU,
    kind: "max",
    isAlias: false,
    description: "Enables all features supported by the accelerator in the current host",
    ordering: 9,
    staticModel: false,
    migrationSafe: false,
    hostCpuidRequired: false,
  });
  list.push({
    name: "base",
    typeName: x86CpuTypeName("base"),
    parentType: TYPE_X86_CPU,
    kind: "base",
    isAlias: false,
    description: "base CPU model type with no features enabled",
    ordering: 8,
    staticModel: true,
    migrationSafe: true,
    hostCpuidRequired: false,
  });
  list.push({
    name: "host",
    typeName: x86CpuTypeName("host"),
    parentType: x86CpuTypeName("max"),
    kind: "host",
    isAlias: false,
    // The trailing space is QEMU's.
    description: "processor with all supported host features ",
    ordering: 8,
    staticModel: false,
    migrationSafe: false,
    hostCpuidRequired: true,
  });
  return list;
})();

const BY_NAME: ReadonlyMap<string, X86CpuModel> = new Map(X86_CPU_MODELS.map((m) => [m.name, m]));
const BY_TYPE: ReadonlyMap<string, X86CpuModel> = new Map(X86_CPU_MODELS.map((m) => [m.typeName, m]));

/** Model by `-cpu` name (exact, case-sensitive, as QEMU). */
export function findX86CpuModel(name: string): X86CpuModel | undefined {
  return BY_NAME.get(name);
}

export function findX86CpuModelByType(typeName: string): X86CpuModel | undefined {
  return BY_TYPE.get(typeName);
}

const byteCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** The models in `-cpu help` order: by ordering, then by name (byte order,
 * so upper case before lower case). query-cpu-definitions lists them in
 * the reverse of this order. */
export function x86CpuModelsSorted(): X86CpuModel[] {
  return [...X86_CPU_MODELS].sort((a, b) => a.ordering - b.ordering || byteCompare(a.name, b.name));
}

/** The version a model stands for, given the machine type's default
 * version (1 for every pc-*-7.2 machine and for "-M none"; "latest" is
 * what microvm asks for). 0 (legacy) means: base definition only. */
export function resolveX86CpuVersion(model: X86CpuModel, defaultVersion: number | "latest" = 1): number {
  if (!model.def || model.version === undefined) return CPU_VERSION_LEGACY;
  const v = model.version === CPU_VERSION_AUTO ? defaultVersion : model.version;
  if (v === "latest") {
    const versions = definitionVersions(model.def);
    return versions[versions.length - 1]!.version;
  }
  return v;
}

/** "alias-of" of a model: the versioned name an alias resolves to. */
export function x86CpuAliasOf(model: X86CpuModel, defaultVersion: number | "latest" = 1): string | undefined {
  if (!model.def || !model.isAlias) return undefined;
  const v = resolveX86CpuVersion(model, defaultVersion);
  return v > 0 ? versionedModelName(model.def, v) : undefined;
}

/** Property settings a model applies on top of its definition: those of
 * every version up to and including the resolved one, in order. */
export function x86CpuVersionProps(model: X86CpuModel, defaultVersion: number | "latest" = 1): (readonly [string, string])[] {
  if (!model.def) return [];
  const target = resolveX86CpuVersion(model, defaultVersion);
  if (target === CPU_VERSION_LEGACY) return [];
  const props: (readonly [string, string])[] = [];
  for (const v of definitionVersions(model.def)) {
    props.push(...(v.props ?? []));
    if (v.version === target) return props;
  }
  throw new Error(`CPU model ${model.name} has no version ${target}`);
}

/** The model-id string a model's CPUs start with (after version props). */
export function x86CpuModelId(model: X86CpuModel, defaultVersion: number | "latest" = 1): string {
  switch (model.kind) {
    case "max":
    case "host":
      // Under TCG "host" can't be created; QEMU still reads max's default.
      return "QEMU TCG CPU version 2.5+";
    case "base":
      return "";
    case "builtin": {
      let id = model.def!.modelId;
      for (const [prop, value] of x86CpuVersionProps(model, defaultVersion)) if (prop === "model-id") id = value;
      return id;
    }
  }
}
