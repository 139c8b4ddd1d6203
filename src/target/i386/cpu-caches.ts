/**
 * Cache descriptions QEMU 7.2 reports through CPUID leaves 2, 4,
 * 0x80000005, 0x80000006 and 0x8000001D: the "legacy" fixed set every model
 * without its own data uses, and the EPYC family's own tables.
 */

export type CacheType = "data" | "instruction" | "unified";

export interface CpuCacheInfo {
  readonly type: CacheType;
  readonly level: number;
  /** Bytes. */
  readonly size: number;
  readonly lineSize: number;
  readonly associativity: number;
  readonly partitions: number;
  readonly sets: number;
  /** AMD leaves 0x80000005/6 only. */
  readonly linesPerTag: number;
  readonly selfInit: boolean;
  readonly noInvdSharing: boolean;
  readonly inclusive: boolean;
  readonly complexIndexing: boolean;
}

export interface CpuCaches {
  readonly l1d: CpuCacheInfo;
  readonly l1i: CpuCacheInfo;
  readonly l2: CpuCacheInfo;
  readonly l3: CpuCacheInfo;
}

const cache = (c: Partial<CpuCacheInfo> & Pick<CpuCacheInfo, "type" | "level" | "size" | "lineSize" | "associativity">): CpuCacheInfo => ({
  partitions: 0,
  sets: 0,
  linesPerTag: 0,
  selfInit: false,
  noInvdSharing: false,
  inclusive: false,
  complexIndexing: false,
  ...c,
});

const KiB = 1024;
const MiB = 1024 * KiB;

const LEGACY_L1D = cache({ type: "data", level: 1, size: 32 * KiB, selfInit: true, lineSize: 64, associativity: 8, sets: 64, partitions: 1, noInvdSharing: true });
const LEGACY_L1I = cache({ type: "instruction", level: 1, size: 32 * KiB, selfInit: true, lineSize: 64, associativity: 8, sets: 64, partitions: 1, noInvdSharing: true });
const LEGACY_L2 = cache({ type: "unified", level: 2, size: 4 * MiB, selfInit: true, lineSize: 64, associativity: 16, sets: 4096, partitions: 1, noInvdSharing: true });
const LEGACY_L3 = cache({ type: "unified", level: 3, size: 16 * MiB, lineSize: 64, associativity: 16, sets: 16384, partitions: 1, linesPerTag: 1, selfInit: true, inclusive: true, complexIndexing: true });

/** Legacy caches as seen by the Intel leaves 2 and 4 (leaf 2 reports a
 * smaller L2 than leaf 4: QEMU's own long-standing inconsistency). */
export const LEGACY_CACHES_CPUID2: CpuCaches = {
  l1d: LEGACY_L1D,
  l1i: LEGACY_L1I,
  l2: cache({ type: "unified", level: 2, size: 2 * MiB, lineSize: 64, associativity: 8 }),
  l3: LEGACY_L3,
};

export const LEGACY_CACHES_CPUID4: CpuCaches = { l1d: LEGACY_L1D, l1i: LEGACY_L1I, l2: LEGACY_L2, l3: LEGACY_L3 };

/** Legacy caches as seen by the AMD leaves 0x80000005/6 and 0x8000001D. */
export const LEGACY_CACHES_AMD: CpuCaches = {
  l1d: cache({ type: "data", level: 1, size: 64 * KiB, selfInit: true, lineSize: 64, associativity: 2, sets: 512, partitions: 1, linesPerTag: 1, noInvdSharing: true }),
  l1i: cache({ type: "instruction", level: 1, size: 64 * KiB, selfInit: true, lineSize: 64, associativity: 2, sets: 512, partitions: 1, linesPerTag: 1, noInvdSharing: true }),
  l2: cache({ type: "unified", level: 2, size: 512 * KiB, lineSize: 64, linesPerTag: 1, associativity: 16, sets: 512, partitions: 1 }),
  l3: LEGACY_L3,
};

export const EPYC_CACHE_INFO: CpuCaches = {
  l1d: { type: "data", level: 1, size: 32768, lineSize: 64, associativity: 8, partitions: 1, sets: 64, linesPerTag: 1, selfInit: true, noInvdSharing: true, inclusive: false, complexIndexing: false },
  l1i: { type: "instruction", level: 1, size: 65536, lineSize: 64, associativity: 4, partitions: 1, sets: 256, linesPerTag: 1, selfInit: true, noInvdSharing: true, inclusive: false, complexIndexing: false },
  l2: { type: "unified", level: 2, size: 524288, lineSize: 64, associativity: 8, partitions: 1, sets: 1024, linesPerTag: 1, selfInit: false, noInvdSharing: false, inclusive: false, complexIndexing: false },
  l3: { type: "unified", level: 3, size: 8388608, lineSize: 64, associativity: 16, partitions: 1, sets: 8192, linesPerTag: 1, selfInit: true, noInvdSharing: false, inclusive: true, complexIndexing: true },
};

export const EPYC_ROME_CACHE_INFO: CpuCaches = {
  l1d: { type: "data", level: 1, size: 32768, lineSize: 64, associativity: 8, partitions: 1, sets: 64, linesPerTag: 1, selfInit: true, noInvdSharing: true, inclusive: false, complexIndexing: false },
  l1i: { type: "instruction", level: 1, size: 32768, lineSize: 64, associativity: 8, partitions: 1, sets: 64, linesPerTag: 1, selfInit: true, noInvdSharing: true, inclusive: false, complexIndexing: false },
  l2: { type: "unified", level: 2, size: 524288, lineSize: 64, associativity: 8, partitions: 1, sets: 1024, linesPerTag: 1, selfInit: false, noInvdSharing: false, inclusive: false, complexIndexing: false },
  l3: { type: "unified", level: 3, size: 16777216, lineSize: 64, associativity: 16, partitions: 1, sets: 16384, linesPerTag: 1, selfInit: true, noInvdSharing: false, inclusive: true, complexIndexing: true },
};

export const EPYC_MILAN_CACHE_INFO: CpuCaches = {
  l1d: { type: "data", level: 1, size: 32768, lineSize: 64, associativity: 8, partitions: 1, sets: 64, linesPerTag: 1, selfInit: true, noInvdSharing: true, inclusive: false, complexIndexing: false },
  l1i: { type: "instruction", level: 1, size: 32768, lineSize: 64, associativity: 8, partitions: 1, sets: 64, linesPerTag: 1, selfInit: true, noInvdSharing: true, inclusive: false, complexIndexing: false },
  l2: { type: "unified", level: 2, size: 524288, lineSize: 64, associativity: 8, partitions: 1, sets: 1024, linesPerTag: 1, selfInit: false, noInvdSharing: false, inclusive: false, complexIndexing: false },
  l3: { type: "unified", level: 3, size: 33554432, lineSize: 64, associativity: 16, partitions: 1, sets: 32768, linesPerTag: 1, selfInit: true, noInvdSharing: false, inclusive: true, complexIndexing: true },
};

/* Intel's CPUID leaf 2 one-byte descriptors QEMU knows:
 * [descriptor, level, type, size, associativity, line size]. */
const CPUID2_DESCRIPTORS: readonly (readonly [number, number, CacheType, number, number, number])[] = [
  [0x06, 1, "instruction", 8192, 4, 32],
  [0x08, 1, "instruction", 16384, 4, 32],
  [0x09, 1, "instruction", 32768, 4, 64],
  [0x0a, 1, "data", 8192, 2, 32],
  [0x0c, 1, "data", 16384, 4, 32],
  [0x0d, 1, "data", 16384, 4, 64],
  [0x0e, 1, "data", 24576, 6, 64],
  [0x1d, 2, "unified", 131072, 2, 64],
  [0x21, 2, "unified", 262144, 8, 64],
  [0x24, 2, "unified", 1048576, 16, 64],
  [0x2c, 1, "data", 32768, 8, 64],
  [0x30, 1, "instruction", 32768, 8, 64],
  [0x41, 2, "unified", 131072, 4, 32],
  [0x42, 2, "unified", 262144, 4, 32],
  [0x43, 2, "unified", 524288, 4, 32],
  [0x44, 2, "unified", 1048576, 4, 32],
  [0x45, 2, "unified", 2097152, 4, 32],
  [0x46, 3, "unified", 4194304, 4, 64],
  [0x47, 3, "unified", 8388608, 8, 64],
  [0x48, 2, "unified", 3145728, 12, 64],
  [0x4a, 3, "unified", 6291456, 12, 64],
  [0x4b, 3, "unified", 8388608, 16, 64],
  [0x4c, 3, "unified", 12582912, 12, 64],
  [0x4d, 3, "unified", 16777216, 16, 64],
  [0x4e, 2, "unified", 6291456, 24, 64],
  [0x60, 1, "data", 16384, 8, 64],
  [0x66, 1, "data", 8192, 4, 64],
  [0x67, 1, "data", 16384, 4, 64],
  [0x68, 1, "data", 32768, 4, 64],
  [0x78, 2, "unified", 1048576, 4, 64],
  [0x7d, 2, "unified", 2097152, 8, 64],
  [0x7f, 2, "unified", 524288, 2, 64],
  [0x80, 2, "unified", 524288, 8, 64],
  [0x82, 2, "unified", 262144, 8, 32],
  [0x83, 2, "unified", 524288, 8, 32],
  [0x84, 2, "unified", 1048576, 8, 32],
  [0x85, 2, "unified", 2097152, 8, 32],
  [0x86, 2, "unified", 524288, 4, 64],
  [0x87, 2, "unified", 1048576, 8, 64],
  [0xd0, 3, "unified", 524288, 4, 64],
  [0xd1, 3, "unified", 1048576, 4, 64],
  [0xd2, 3, "unified", 2097152, 4, 64],
  [0xd6, 3, "unified", 1048576, 8, 64],
  [0xd7, 3, "unified", 2097152, 8, 64],
  [0xd8, 3, "unified", 4194304, 8, 64],
  [0xdc, 3, "unified", 1572864, 12, 64],
  [0xdd, 3, "unified", 3145728, 12, 64],
  [0xde, 3, "unified", 6291456, 12, 64],
  [0xe2, 3, "unified", 2097152, 16, 64],
  [0xe3, 3, "unified", 4194304, 16, 64],
  [0xe4, 3, "unified", 8388608, 16, 64],
  [0xea, 3, "unified", 12582912, 24, 64],
  [0xeb, 3, "unified", 18874368, 24, 64],
  [0xec, 3, "unified", 25165824, 24, 64],
];

/** "No descriptor; use leaf 4" */
export const CPUID2_DESCRIPTOR_UNAVAILABLE = 0xff;

/** The leaf-2 descriptor byte matching a cache exactly, or 0xFF. */
export function cpuid2CacheDescriptor(c: CpuCacheInfo): number {
  for (const [desc, level, type, size, assoc, line] of CPUID2_DESCRIPTORS) {
    if (level === c.level && type === c.type && size === c.size && line === c.lineSize && assoc === c.associativity) {
      return desc;
    }
  }
  return CPUID2_DESCRIPTOR_UNAVAILABLE;
}
