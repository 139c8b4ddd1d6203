/**
 * The CPUID instruction of a realized x86 CPU under TCG: QEMU 7.2's
 * cpu_x86_cpuid for every leaf it answers, from the frozen CPU state plus
 * the two pieces of live state CPUID reflects (CR4 and XCR0).
 */

import { FW, xsaveAreaSize, XSAVE_AREAS } from "./cpu-features.js";
import { cpuid2CacheDescriptor, type CpuCacheInfo } from "./cpu-caches.js";
import { apicIdBitWidth, apicIdCoreOffset, apicIdDieOffset, apicIdPkgOffset, type X86CpuState } from "./cpu-realize.js";

export interface CpuidResult {
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

/** Guest state CPUID output depends on. */
export interface CpuidLiveState {
  /** CR4: OSXSAVE (bit 18) and PKE (bit 22) show up in CPUID. */
  readonly cr4?: number;
  /** XCR0: leaf 0xD reports the XSAVE size for the enabled components.
   * QEMU's reset value is 1 (x87 only). */
  readonly xcr0?: bigint;
}

const CR4_OSXSAVE = 1 << 18;
const CR4_PKE = 1 << 22;
const VENDOR_INTEL: readonly number[] = [0x756e6547, 0x49656e69, 0x6c65746e];

const u32 = (v: bigint | number): number => Number(BigInt(v) & 0xffffffffn) >>> 0;
const zero = (): CpuidResult => ({ eax: 0, ebx: 0, ecx: 0, edx: 0 });

const CACHE_TYPE_CODE = { data: 1, instruction: 2, unified: 3 } as const;

function cacheCommonEbxEcxEdx(c: CpuCacheInfo): Omit<CpuidResult, "eax"> {
  return {
    ebx: ((c.lineSize - 1) | ((c.partitions - 1) << 12) | ((c.associativity - 1) << 22)) >>> 0,
    ecx: (c.sets - 1) >>> 0,
    edx: (c.noInvdSharing ? 1 : 0) | (c.inclusive ? 2 : 0) | (c.complexIndexing ? 4 : 0),
  };
}

/** Leaf 4 entry: `numApicIds` logical CPUs share the cache. */
function encodeCpuid4(c: CpuCacheInfo, numApicIds: number, numCores: number): CpuidResult {
  const eax =
    (CACHE_TYPE_CODE[c.type] | (c.level << 5) | (c.selfInit ? 0x100 : 0) | ((numCores - 1) << 26) | ((numApicIds - 1) << 14)) >>> 0;
  return { eax, ...cacheCommonEbxEcxEdx(c) };
}

function encode80000005(c: CpuCacheInfo): number {
  return (((c.size / 1024) << 24) | (c.associativity << 16) | (c.linesPerTag << 8) | c.lineSize) >>> 0;
}

/** AMD's 4-bit associativity code of leaf 0x80000006. */
function amdAssoc(a: number): number {
  if (a <= 1) return a;
  const codes: Readonly<Record<number, number>> = { 2: 2, 4: 4, 8: 6, 16: 8, 32: 0xa, 48: 0xb, 64: 0xc, 96: 0xd, 128: 0xe, 255: 0xf };
  return codes[a] ?? 0;
}

function encode8000001d(c: CpuCacheInfo, s: X86CpuState): CpuidResult {
  let eax = CACHE_TYPE_CODE[c.type] | (c.level << 5) | (c.selfInit ? 0x100 : 0);
  // The L3 is shared by the whole die; lower levels by the core's threads.
  eax |= c.level === 3 ? (s.cores * s.threads - 1) << 14 : (s.threads - 1) << 14;
  return { eax: eax >>> 0, ...cacheCommonEbxEcxEdx(c) };
}

/** Fixed TLB description QEMU reports in 0x80000005/6. */
const L1_TLB = ((1 << 24) | (255 << 16) | (1 << 8) | 255) >>> 0;
const L2_TLB_2M = 0;
const L2_TLB_4K = ((amdAssoc(4) << 28) | (512 << 16) | (amdAssoc(4) << 12) | 512) >>> 0;

/**
 * Execute CPUID with EAX=`leaf`, ECX=`subleaf` on a realized CPU.
 * Leaves above the CPU's maximum answer like its highest basic leaf (with
 * the same subleaf), as QEMU and Intel do.
 */
export function cpuid(s: X86CpuState, leaf: number, subleaf: number, live: CpuidLiveState = {}): CpuidResult {
  let index = leaf >>> 0;
  const count = subleaf >>> 0;
  const f = s.features;
  const cr4 = live.cr4 ?? 0;
  const xcr0 = live.xcr0 ?? 1n;
  const nrLogical = s.cores * s.threads;
  const topo = { threads: s.threads, cores: s.cores, dies: s.dies };

  let limit: number;
  if (index >= 0xc0000000) limit = s.xlevel2;
  else if (index >= 0x80000000) limit = s.xlevel;
  else if (index >= 0x40000000) limit = 0x40000001;
  else limit = s.level;
  if (index > limit) index = s.level;

  const w = (word: number): number => u32(f[word]!);

  switch (index) {
    case 0:
      return { eax: s.level, ebx: s.vendorWords[0], edx: s.vendorWords[1], ecx: s.vendorWords[2] };
    case 1: {
      let ebx = ((s.apicId << 24) | (8 << 8)) >>> 0;
      let ecx = w(FW.FEAT_1_ECX);
      if (ecx & (1 << 26) && cr4 & CR4_OSXSAVE) ecx |= 1 << 27;
      let edx = w(FW.FEAT_1_EDX);
      if (nrLogical > 1) {
        ebx |= nrLogical << 16;
        edx |= 1 << 28;
      }
      if (!s.pmu) ecx &= ~(1 << 15);
      return { eax: s.cpuidVersion, ebx: ebx >>> 0, ecx: ecx >>> 0, edx: edx >>> 0 };
    }
    case 2: {
      if (s.vendorCpuidOnly && s.isAmd) return zero();
      const c = s.cacheCpuid2;
      return {
        eax: 1,
        ebx: 0,
        ecx: s.l3Cache ? cpuid2CacheDescriptor(c.l3) : 0,
        edx: ((cpuid2CacheDescriptor(c.l1d) << 16) | (cpuid2CacheDescriptor(c.l1i) << 8) | cpuid2CacheDescriptor(c.l2)) >>> 0,
      };
    }
    case 4: {
      if (s.vendorCpuidOnly && s.isAmd) return zero();
      const c = s.cacheCpuid4;
      switch (count) {
        case 0:
          return encodeCpuid4(c.l1d, 1, s.cores);
        case 1:
          return encodeCpuid4(c.l1i, 1, s.cores);
        case 2:
          return encodeCpuid4(c.l2, s.threads, s.cores);
        case 3:
          if (s.l3Cache) return encodeCpuid4(c.l3, 1 << apicIdDieOffset(topo), s.cores);
          return zero();
        default:
          return zero();
      }
    }
    case 5:
      return { eax: s.mwait[0], ebx: s.mwait[1], ecx: s.mwait[2], edx: s.mwait[3] };
    case 6:
      return { eax: w(FW.FEAT_6_EAX), ebx: 0, ecx: 0, edx: 0 };
    case 7: {
      if (count === 0) {
        let ebx = w(FW.FEAT_7_0_EBX);
        let ecx = w(FW.FEAT_7_0_ECX);
        if (ecx & (1 << 3) && cr4 & CR4_PKE) ecx |= 1 << 4;
        // SGX and SGX launch control need KVM; TCG never reports them.
        ebx &= ~(1 << 2);
        ecx &= ~(1 << 30);
        return { eax: s.levelFunc7, ebx: ebx >>> 0, ecx: ecx >>> 0, edx: w(FW.FEAT_7_0_EDX) };
      }
      if (count === 1) return { eax: w(FW.FEAT_7_1_EAX), ebx: 0, ecx: 0, edx: 0 };
      return zero();
    }
    case 0xb: {
      if (!s.cpuid0xb) return zero();
      const r: CpuidResult = { eax: 0, ebx: 0, ecx: count & 0xff, edx: s.apicId };
      if (count === 0) {
        r.eax = apicIdCoreOffset(topo);
        r.ebx = s.threads;
        r.ecx |= 1 << 8;
      } else if (count === 1) {
        r.eax = apicIdPkgOffset(topo);
        r.ebx = nrLogical;
        r.ecx |= 2 << 8;
      }
      r.ebx &= 0xffff;
      return r;
    }
    case 0x1f: {
      if (s.dies < 2) return zero();
      const r: CpuidResult = { eax: 0, ebx: 0, ecx: count & 0xff, edx: s.apicId };
      if (count === 0) {
        r.eax = apicIdCoreOffset(topo);
        r.ebx = s.threads;
        r.ecx |= 1 << 8;
      } else if (count === 1) {
        r.eax = apicIdDieOffset(topo);
        r.ebx = nrLogical;
        r.ecx |= 2 << 8;
      } else if (count === 2) {
        r.eax = apicIdPkgOffset(topo);
        r.ebx = s.dies * nrLogical;
        r.ecx |= 5 << 8;
      }
      r.ebx &= 0xffff;
      return r;
    }
    case 0xd: {
      if (!(f[FW.FEAT_1_ECX]! & (1n << 26n))) return zero();
      const xcr0Components = (f[FW.FEAT_XSAVE_XCR0_HI]! << 32n) | f[FW.FEAT_XSAVE_XCR0_LO]!;
      const xssComponents = (f[FW.FEAT_XSAVE_XSS_HI]! << 32n) | f[FW.FEAT_XSAVE_XSS_LO]!;
      if (count === 0) {
        return {
          eax: w(FW.FEAT_XSAVE_XCR0_LO),
          ebx: xsaveAreaSize(xcr0, false),
          ecx: xsaveAreaSize(xcr0Components, false),
          edx: w(FW.FEAT_XSAVE_XCR0_HI),
        };
      }
      if (count === 1) {
        return {
          eax: w(FW.FEAT_XSAVE),
          ebx: xsaveAreaSize(xcr0Components | xssComponents, true),
          // Arch LBR state needs KVM with a PMU.
          ecx: w(FW.FEAT_XSAVE_XSS_LO) & ~0x8000,
          edx: w(FW.FEAT_XSAVE_XSS_HI),
        };
      }
      if (count < 19) {
        const area = XSAVE_AREAS.find((a) => a.component === count);
        const bit = 1n << BigInt(count);
        if (area && xcr0Components & bit) {
          // ECX flags (64-byte alignment, XFD) are not set for any TCG area.
          return { eax: area.size, ebx: area.offset, ecx: 0, edx: 0 };
        }
        if (area && xssComponents & bit) return { eax: area.size, ebx: 0, ecx: 1, edx: 0 };
      }
      return zero();
    }
    case 0x40000000:
      if (s.exposeTcg) return { eax: 0x40000001, ebx: 0x54474354, ecx: 0x43544743, edx: 0x47435447 };
      return zero();
    case 0x80000000:
      return { eax: s.xlevel, ebx: s.vendorWords[0], edx: s.vendorWords[1], ecx: s.vendorWords[2] };
    case 0x80000001: {
      let ecx = w(FW.FEAT_8000_0001_ECX);
      const intel = s.vendorWords.every((v, i) => v === VENDOR_INTEL[i]);
      // CmpLegacy tells Linux to ignore thread info; never set it for Intel.
      if (nrLogical > 1 && !intel) ecx |= 1 << 1;
      return { eax: s.cpuidVersion, ebx: 0, ecx: ecx >>> 0, edx: w(FW.FEAT_8000_0001_EDX) };
    }
    case 0x80000002:
    case 0x80000003:
    case 0x80000004: {
      const base = (index - 0x80000002) * 4;
      const m = s.modelWords;
      return { eax: m[base]!, ebx: m[base + 1]!, ecx: m[base + 2]!, edx: m[base + 3]! };
    }
    case 0x80000005:
      return { eax: L1_TLB, ebx: L1_TLB, ecx: encode80000005(s.cacheAmd.l1d), edx: encode80000005(s.cacheAmd.l1i) };
    case 0x80000006: {
      const l2 = s.cacheAmd.l2;
      const ecx = (((l2.size / 1024) << 16) | (amdAssoc(l2.associativity) << 12) | (l2.linesPerTag << 8) | l2.lineSize) >>> 0;
      let edx = 0;
      if (s.l3Cache) {
        const l3 = s.cacheAmd.l3;
        edx = (((l3.size / (512 * 1024)) << 18) | (amdAssoc(l3.associativity) << 12) | (l3.linesPerTag << 8) | l3.lineSize) >>> 0;
      }
      return { eax: L2_TLB_2M, ebx: L2_TLB_4K, ecx, edx };
    }
    case 0x80000007:
      return { eax: 0, ebx: 0, ecx: 0, edx: w(FW.FEAT_8000_0007_EDX) };
    case 0x80000008: {
      let eax = s.physBits;
      if (f[FW.FEAT_8000_0001_EDX]! & (1n << 29n)) eax |= (f[FW.FEAT_7_0_ECX]! & (1n << 16n) ? 57 : 48) << 8;
      const ecx = nrLogical > 1 ? ((apicIdPkgOffset(topo) << 12) | (nrLogical - 1)) >>> 0 : 0;
      return { eax, ebx: w(FW.FEAT_8000_0008_EBX), ecx, edx: 0 };
    }
    case 0x8000000a:
      if (f[FW.FEAT_8000_0001_ECX]! & (1n << 2n)) return { eax: 1, ebx: 0x10, ecx: 0, edx: w(FW.FEAT_SVM) };
      return zero();
    case 0x8000001d: {
      const c = s.cacheAmd;
      switch (count) {
        case 0:
          return encode8000001d(c.l1d, s);
        case 1:
          return encode8000001d(c.l1i, s);
        case 2:
          return encode8000001d(c.l2, s);
        case 3:
          return encode8000001d(c.l3, s);
        default:
          return zero();
      }
    }
    case 0x8000001e: {
      if (s.coreId > 255) return zero();
      const coreId = (s.apicId >>> apicIdCoreOffset(topo)) & ((1 << apicIdBitWidth(s.cores)) - 1);
      return {
        eax: s.apicId,
        ebx: (((s.threads - 1) << 8) | (coreId & 0xff)) >>> 0,
        ecx: (((s.dies - 1) << 8) | ((s.apicId >>> apicIdDieOffset(topo)) & 0xff)) >>> 0,
        edx: 0,
      };
    }
    case 0xc0000000:
      return { eax: s.xlevel2, ebx: 0, ecx: 0, edx: 0 };
    case 0xc0000001:
      return { eax: s.cpuidVersion, ebx: 0, ecx: 0, edx: w(FW.FEAT_C000_0001_EDX) };
    default:
      // Leaves 3, 8, 9, 0xA, 0x12, 0x14, 0x1C-0x1E, 0x40000001,
      // 0x8000001F, 0xC0000002-4 and unknown leaves: zero under TCG.
      return zero();
  }
}
