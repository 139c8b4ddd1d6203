import { describe, it, expect } from "vitest";
import {
  FEATURE_WORD_COUNT,
  FEATURE_WORD_INFO,
  FW,
  featureBitDescription,
  featureNamesOf,
  findFeature,
  emptyFeatureWords,
  recognizedFlagNames,
  xsaveAreaSize,
} from "../../../src/target/i386/cpu-features.js";

describe("feature words", () => {
  it("are QEMU 7.2's 36 words with their CPUID or MSR source", () => {
    expect(FEATURE_WORD_COUNT).toBe(36);
    expect(FEATURE_WORD_INFO[FW.FEAT_7_0_EBX]!.source).toEqual({ kind: "cpuid", leaf: 7, subleaf: 0, reg: "EBX" });
    expect(FEATURE_WORD_INFO[FW.FEAT_1_EDX]!.source).toEqual({ kind: "cpuid", leaf: 1, reg: "EDX" });
    expect(FEATURE_WORD_INFO[FW.FEAT_ARCH_CAPABILITIES]!.source).toEqual({ kind: "msr", msr: 0x10a });
  });

  it("name 321 bits, duplicates included", () => {
    const names = recognizedFlagNames();
    expect(names.length).toBe(321);
    expect(names.filter((n) => n === "kvmclock").length).toBe(2);
  });

  it("describe bits the way QEMU's warnings do", () => {
    expect(featureBitDescription(FW.FEAT_1_ECX, 5)).toBe("CPUID.01H:ECX.vmx [bit 5]");
    expect(featureBitDescription(FW.FEAT_8000_0001_EDX, 25)).toBe("CPUID.80000001H:EDX.fxsr-opt [bit 25]");
    expect(featureBitDescription(FW.FEAT_ARCH_CAPABILITIES, 0)).toBe("MSR(10AH).rdctl-no [bit 0]");
    expect(featureBitDescription(FW.FEAT_1_EDX, 10)).toBe("CPUID.01H:EDX [bit 10]");
  });
});

describe("feature lookup", () => {
  it("finds canonical names and QEMU's aliases", () => {
    expect(findFeature("sse4.1")).toEqual({ name: "sse4.1", word: FW.FEAT_1_ECX, mask: 1n << 19n });
    for (const alias of ["sse4_1", "sse4-1"]) expect(findFeature(alias)?.name).toBe("sse4.1");
    expect(findFeature("i64")?.name).toBe("lm");
    expect(findFeature("pclmuldq")?.name).toBe("pclmulqdq");
    expect(findFeature("sse3")?.name).toBe("pni");
    expect(findFeature("xd")?.name).toBe("nx");
    expect(findFeature("ffxsr")?.name).toBe("fxsr-opt");
    expect(findFeature("nosuch")).toBeUndefined();
    expect(findFeature("tsc_deadline")).toBeUndefined();
  });

  it("covers every bit of a name registered twice", () => {
    expect(findFeature("kvmclock")?.mask).toBe(0b1001n);
    expect(findFeature("vmx-invept-single-context")?.mask).toBe((1n << 25n) | (1n << 41n));
  });

  it("names XCR0 components after the feature that enables them", () => {
    const words = emptyFeatureWords();
    words[FW.FEAT_1_EDX] = 1n << 23n;
    words[FW.FEAT_XSAVE_XCR0_LO] = 1n << 2n;
    expect(featureNamesOf(words)).toEqual(["mmx", "avx"]);
  });

  it("sizes XSAVE areas, standard and compacted", () => {
    expect(xsaveAreaSize(0x7n, false)).toBe(0x340);
    expect(xsaveAreaSize(0x2e7n, false)).toBe(0xa88);
    expect(xsaveAreaSize(0x2e7n, true)).toBe(0x988);
  });
});
