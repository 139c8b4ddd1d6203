import { describe, expect, it } from "vitest";
import { formatDoubleG17 } from "../../src/qobject/format-double.js";
import { formatNumber } from "../../src/qobject/json-writer.js";
import { readFixture } from "./qmp-test-replies.js";

function fromBits(hex: string): number {
  return Buffer.from(hex, "hex").readDoubleBE(0);
}

describe("formatDoubleG17", () => {
  const { values } = JSON.parse(readFixture("printf-g17-doubles.glibc.json")) as { values: [string, string][] };

  it("matches glibc printf(\"%.17g\") on every captured double", () => {
    expect(values.length).toBeGreaterThan(2000);
    const wrong = values.filter(([bits, text]) => formatDoubleG17(fromBits(bits)) !== text);
    expect(wrong).toEqual([]);
  });

  it("rounds exact halfway cases to even, as glibc does", () => {
    expect(formatDoubleG17(1234567890123456.25)).toBe("1234567890123456.2");
    expect(formatDoubleG17(1234567890123456.75)).toBe("1234567890123456.8");
    expect(formatDoubleG17(-1234567890123456.25)).toBe("-1234567890123456.2");
  });

  it("uses %g's switch between fixed and exponent notation", () => {
    expect(formatDoubleG17(1e16)).toBe("10000000000000000");
    expect(formatDoubleG17(1e17)).toBe("1e+17");
    expect(formatDoubleG17(0.0001)).toBe("0.0001");
    expect(formatDoubleG17(0.00001)).toBe("1.0000000000000001e-05");
    expect(formatDoubleG17(1e308)).toBe("1e+308");
    expect(formatDoubleG17(2.5)).toBe("2.5");
  });

  it("prints zeros, infinities and NaN like C", () => {
    expect(formatDoubleG17(0)).toBe("0");
    expect(formatDoubleG17(-0)).toBe("-0");
    expect(formatDoubleG17(Infinity)).toBe("inf");
    expect(formatDoubleG17(-Infinity)).toBe("-inf");
    expect(formatDoubleG17(NaN)).toMatch(/^-?nan$/);
  });

  it("is what the writer uses for every number that is not a safe integer", () => {
    for (const [bits, text] of values.slice(0, 500)) {
      const x = fromBits(bits);
      expect(formatNumber(x)).toBe(Number.isSafeInteger(x) && !Object.is(x, -0) ? String(x) : text);
    }
  });
});
