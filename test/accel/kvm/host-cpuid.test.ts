/**
 * The host CPU as QEMU's host-cpu.c reads it from CPUID (vendor, family/model/stepping with the
 * extended fields, brand string, physical address bits), from given CPUID answers: runs anywhere.
 */
import { describe, expect, it } from "vitest";
import { readHostCpu, type HostCpuid, type HostCpuidRegs } from "../../../src/accel/kvm/host-cpuid.js";

/** CPUID answers from a table; leaves not listed answer zeros. */
function table(entries: Record<number, HostCpuidRegs>): HostCpuid {
  return (leaf) => entries[leaf] ?? [0, 0, 0, 0];
}

/** Brand string leaves 0x80000002..4 for `text` (NUL padded to 48 bytes). */
function brand(text: string): Record<number, HostCpuidRegs> {
  const b = Buffer.alloc(48);
  b.write(text, "latin1");
  const out: Record<number, HostCpuidRegs> = {};
  for (let i = 0; i < 3; i++) {
    out[0x80000002 + i] = [0, 1, 2, 3].map((j) => b.readUInt32LE(i * 16 + j * 4)) as unknown as HostCpuidRegs;
  }
  return out;
}

const INTEL: HostCpuidRegs = [0x1c, 0x756e6547, 0x6c65746e, 0x49656e69];
const AMD: HostCpuidRegs = [0x10, 0x68747541, 0x444d4163, 0x69746e65];
const never: HostCpuid = () => {
  throw new Error("the fallback must not be asked when CPUID answers");
};

describe("readHostCpu", () => {
  it("reads vendor, signature, brand and phys-bits as QEMU does", () => {
    const cpu = readHostCpu(never, table({
      0: INTEL,
      1: [0x000c06f2, 0, 0, 0],
      0x80000000: [0x80000008, 0, 0, 0],
      0x80000008: [0x3930, 0, 0, 0],
      ...brand("Intel(R) Xeon(R) Processor"),
    }));
    expect(cpu).toEqual({ vendor: "GenuineIntel", family: 6, model: 207, stepping: 2, modelId: "Intel(R) Xeon(R) Processor", physBits: 48 });
  });

  it("adds the extended family, keeps a brand that fills all 48 bytes, assumes 36 bits without leaf 0x80000008", () => {
    const full = "AMD EPYC 7B13 64-Core Processor                 ";
    const cpu = readHostCpu(never, table({ 0: AMD, 1: [0x00a00f11, 0, 0, 0], 0x80000000: [0x80000007, 0, 0, 0], ...brand(full) }));
    expect(cpu).toEqual({ vendor: "AuthenticAMD", family: 25, model: 1, stepping: 1, modelId: full, physBits: 36 });
  });
});
