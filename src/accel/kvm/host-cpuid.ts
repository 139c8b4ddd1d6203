/**
 * The host CPU's own CPUID (QEMU's host_cpuid, which executes the instruction), read through the
 * kernel's cpuid driver: /dev/cpu/0/cpuid answers a 16-byte read at offset (subleaf << 32 | leaf)
 * with EAX, EBX, ECX, EDX. Node cannot execute CPUID itself and the addon does not either.
 *
 * Where the driver is missing, what KVM_GET_SUPPORTED_CPUID passes through stands in (vendor,
 * signature and address widths are the host's there) and the brand string comes from
 * /proc/cpuinfo, which the kernel trims of padding spaces.
 */
import { closeSync, openSync, readFileSync, readSync } from "node:fs";
import type { X86HostCpu } from "../../target/i386/cpu-accel-features.js";

export type HostCpuidRegs = readonly [eax: number, ebx: number, ecx: number, edx: number];
export type HostCpuid = (leaf: number, subleaf: number) => HostCpuidRegs;

const CPUID_DEVICE = "/dev/cpu/0/cpuid";

/** CPUID through the kernel's driver, or undefined when the device cannot be read. */
export function openHostCpuid(device = CPUID_DEVICE): HostCpuid | undefined {
  let fd: number;
  try {
    fd = openSync(device, "r");
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(16);
    const read = (leaf: number, subleaf: number): HostCpuidRegs => {
      const n = readSync(fd, buf, 0, 16, (BigInt(subleaf >>> 0) << 32n) | BigInt(leaf >>> 0));
      if (n !== 16) throw new Error(`${device}: short read`);
      return [buf.readUInt32LE(0), buf.readUInt32LE(4), buf.readUInt32LE(8), buf.readUInt32LE(12)];
    };
    // Answer everything now: the descriptor is not kept open.
    const leaves = new Map<string, HostCpuidRegs>();
    for (const [leaf, sub] of [[0, 0], [1, 0], [0x80000000, 0], [0x80000002, 0], [0x80000003, 0], [0x80000004, 0], [0x80000008, 0]] as const) {
      leaves.set(`${leaf}:${sub}`, read(leaf, sub));
    }
    return (leaf, subleaf) => leaves.get(`${leaf >>> 0}:${subleaf >>> 0}`) ?? [0, 0, 0, 0];
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

function vendorOf(ebx: number, ecx: number, edx: number): string {
  const b = Buffer.alloc(12);
  b.writeUInt32LE(ebx >>> 0, 0);
  b.writeUInt32LE(edx >>> 0, 4);
  b.writeUInt32LE(ecx >>> 0, 8);
  return b.toString("latin1");
}

function cpuinfoModelName(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    return m ? m[1]! : "";
  } catch {
    return "";
  }
}

/**
 * The host CPU as QEMU's host_cpu_vendor_fms, host_cpu_model_id and host_cpu_phys_bits read it.
 * `fallback` answers when the cpuid driver is not available (KVM's supported CPUID).
 */
export function readHostCpu(fallback: HostCpuid, cpuid: HostCpuid | undefined = openHostCpuid()): X86HostCpu {
  const q = cpuid ?? fallback;
  const [, ebx0, ecx0, edx0] = q(0, 0);
  const [sig] = q(1, 0);
  let modelId: string;
  if (cpuid) {
    const b = Buffer.alloc(48);
    for (let i = 0; i < 3; i++) {
      q(0x80000002 + i, 0).forEach((r, j) => b.writeUInt32LE(r >>> 0, i * 16 + j * 4));
    }
    const end = b.indexOf(0);
    modelId = b.subarray(0, end < 0 ? 48 : end).toString("latin1");
  } else {
    modelId = cpuinfoModelName();
  }
  const maxExt = q(0x80000000, 0)[0] >>> 0;
  return {
    vendor: vendorOf(ebx0, ecx0, edx0),
    // QEMU adds the extended family whatever the base family is.
    family: ((sig >>> 8) & 0xf) + ((sig >>> 20) & 0xff),
    model: ((sig >>> 4) & 0xf) | ((sig & 0xf0000) >>> 12),
    stepping: sig & 0xf,
    modelId,
    // An old 64-bit CPU without the leaf: QEMU assumes 36 bits, as most older Intel parts had.
    physBits: maxExt >= 0x80000008 ? q(0x80000008, 0)[0] & 0xff : 36,
  };
}
