import { describe, expect, it } from "vitest";
import {
  EINVAL,
  ERANGE,
  UINT64_MAX,
  idWellformed,
  isHelpOption,
  parseQapiName,
  qapiBoolParse,
  qemuStrtoi64,
  qemuStrtosz,
  qemuStrtoszMetric,
  qemuStrtoszMiB,
  qemuStrtou64,
  startsWithHelpOption,
} from "../../src/util/cutils.js";

const KiB = 1024n;
const MiB = KiB * 1024n;
const GiB = MiB * 1024n;
const EiB = GiB * GiB;

describe("qemuStrtou64 (strtoull semantics)", () => {
  it("parses decimal, hex and, in base 0, octal", () => {
    expect(qemuStrtou64("2048", 0).value).toBe(2048n);
    expect(qemuStrtou64("0x1F", 0).value).toBe(31n);
    expect(qemuStrtou64("010", 0).value).toBe(8n);
    expect(qemuStrtou64("010", 10).value).toBe(10n);
    expect(qemuStrtou64("ff", 16).value).toBe(255n);
  });

  it("skips leading white space and accepts a sign, wrapping negatives", () => {
    expect(qemuStrtou64("  +7", 10)).toEqual({ err: 0, value: 7n, end: 4 });
    expect(qemuStrtou64("-1", 10).value).toBe(UINT64_MAX);
  });

  it("reports no conversion, trailing text and overflow like check_strtox_error", () => {
    expect(qemuStrtou64("", 0).err).toBe(EINVAL);
    expect(qemuStrtou64("abc", 10).err).toBe(EINVAL);
    expect(qemuStrtou64("12abc", 10).err).toBe(EINVAL);
    expect(qemuStrtou64("12abc", 10, false)).toEqual({ err: 0, value: 12n, end: 2 });
    expect(qemuStrtou64("18446744073709551615", 10)).toEqual({ err: 0, value: UINT64_MAX, end: 20 });
    expect(qemuStrtou64("18446744073709551616", 10)).toMatchObject({ err: ERANGE, value: UINT64_MAX });
    // Trailing garbage wins over the overflow when the whole string must be used.
    expect(qemuStrtou64("18446744073709551616x", 10).err).toBe(EINVAL);
  });

  it("parses '0x' without hex digits as 0 followed by 'x'", () => {
    expect(qemuStrtou64("0x", 16, false)).toEqual({ err: 0, value: 0n, end: 1 });
  });
});

describe("qemuStrtoi64", () => {
  it("clamps to the int64 range with ERANGE", () => {
    expect(qemuStrtoi64("-5", 0).value).toBe(-5n);
    expect(qemuStrtoi64("9223372036854775808", 10)).toMatchObject({ err: ERANGE, value: (1n << 63n) - 1n });
    expect(qemuStrtoi64("-9223372036854775809", 10)).toMatchObject({ err: ERANGE, value: -(1n << 63n) });
  });
});

describe("qemuStrtosz", () => {
  const ok = (s: string) => {
    const r = qemuStrtosz(s);
    expect(r.err, s).toBe(0);
    return r.value;
  };

  it("takes bytes by default and binary suffixes in either case", () => {
    expect(ok("12345")).toBe(12345n);
    expect(ok("1k")).toBe(KiB);
    expect(ok("1K")).toBe(KiB);
    expect(ok("2M")).toBe(2n * MiB);
    expect(ok("1G")).toBe(GiB);
    expect(ok("1T")).toBe(GiB * KiB);
    expect(ok("1P")).toBe(GiB * MiB);
    expect(ok("1E")).toBe(EiB);
    expect(ok("7b")).toBe(7n);
  });

  it("handles fractions with a suffix, rounding half a byte up", () => {
    expect(ok("1.5k")).toBe(1536n);
    expect(ok("0.5k")).toBe(512n);
    expect(ok("12.345M")).toBe(12944671n);
    expect(ok("1.k")).toBe(KiB);
    expect(ok("1.0")).toBe(1n);
    expect(qemuStrtosz("1.1").err).toBe(EINVAL);
    expect(qemuStrtosz("1.5e3k").err).toBe(EINVAL);
  });

  it("takes hex without fraction, warning about a hex multiplier", () => {
    expect(ok("0x1000")).toBe(4096n);
    const warned: string[] = [];
    const r = qemuStrtosz("0x10k", { warnings: { warn: (t) => warned.push(t), print() {} } });
    expect(r.value).toBe(16n * KiB);
    expect(warned).toEqual(["Using a multiplier suffix on hex numbers is deprecated: 0x10k"]);
    expect(qemuStrtosz("0x1.8k").err).toBe(EINVAL);
  });

  it("rejects negatives, junk and values of 2^64 or more", () => {
    expect(qemuStrtosz("-1").err).toBe(EINVAL);
    expect(qemuStrtosz("2048x").err).toBe(EINVAL);
    expect(qemuStrtosz("foo").err).toBe(EINVAL);
    expect(qemuStrtosz("1e3").err).toBe(EINVAL);
    expect(qemuStrtosz("").err).toBe(EINVAL);
    expect(ok("18446744073709551615")).toBe(UINT64_MAX);
    expect(qemuStrtosz("16E").err).toBe(ERANGE);
    expect(qemuStrtosz("17179869184G").err).toBe(ERANGE);
    expect(qemuStrtosz("9999999999999999999999").err).toBe(ERANGE);
  });

  it("reports where the number ends when trailing text is allowed", () => {
    expect(qemuStrtosz("4kfoo", { allowTrailing: true })).toEqual({ err: 0, value: 4096n, end: 2 });
  });

  it("has MiB and metric variants", () => {
    expect(qemuStrtoszMiB("2048").value).toBe(2n * GiB);
    expect(qemuStrtoszMiB("1G").value).toBe(GiB);
    expect(qemuStrtoszMetric("1k").value).toBe(1000n);
  });
});

describe("booleans, help words, identifiers", () => {
  it("qapiBoolParse accepts QEMU's spellings and names the parameter otherwise", () => {
    for (const s of ["on", "yes", "true", "y"]) expect(qapiBoolParse("x", s)).toBe(true);
    for (const s of ["off", "no", "false", "n"]) expect(qapiBoolParse("x", s)).toBe(false);
    expect(() => qapiBoolParse("menu", "maybe")).toThrow("Parameter 'menu' expects 'on' or 'off'");
  });

  it("recognises help and ?", () => {
    expect(isHelpOption("help")).toBe(true);
    expect(isHelpOption("?")).toBe(true);
    expect(isHelpOption("helpme")).toBe(false);
    expect(startsWithHelpOption("helpme")).toBe(4);
    expect(startsWithHelpOption("?x")).toBe(1);
    expect(startsWithHelpOption("x")).toBe(0);
  });

  it("checks identifiers and QAPI names", () => {
    expect(idWellformed("drive-virtio-disk0")).toBe(true);
    expect(idWellformed("a.b_c")).toBe(true);
    expect(idWellformed("1x")).toBe(false);
    expect(idWellformed("a b")).toBe(false);
    expect(parseQapiName("foo-bar=1", false)).toBe(7);
    expect(parseQapiName("__com.example_foo", true)).toBe(17);
    expect(parseQapiName("9x", false)).toBe(-1);
  });
});
