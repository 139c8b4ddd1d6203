import { describe, expect, it } from "vitest";
import {
  abridgedTag, bytesToHex, float80Tag, float80ToNumber, fullTagWord, hexToBytes, numberToFloat80,
} from "../../../src/accel/kvm/x87-format.js";

const hex = (v: number): string => bytesToHex(numberToFloat80(v));

describe("80-bit extended ↔ double", () => {
  it("encodes known values exactly", () => {
    expect(hex(1)).toBe("0000000000000080ff3f");
    expect(hex(-2)).toBe("000000000000008000c0");
    expect(hex(1.5)).toBe("00000000000000c0ff3f");
    expect(hex(0)).toBe("00000000000000000000");
    expect(hex(-0)).toBe("00000000000000000080");
    expect(hex(Infinity)).toBe("0000000000000080ff7f");
  });

  it("round-trips doubles, denormals and specials", () => {
    for (const v of [1, -1, 3.141592653589793, 1e300, -1e-300, 5e-324, 2.2250738585072014e-308, Number.MAX_VALUE, -Infinity, 0]) {
      expect(float80ToNumber(numberToFloat80(v))).toBe(v);
    }
    expect(Number.isNaN(float80ToNumber(numberToFloat80(NaN)))).toBe(true);
    expect(Object.is(float80ToNumber(numberToFloat80(-0)), -0)).toBe(true);
  });

  it("reads values beyond double range as infinities and zeros", () => {
    const huge = hexToBytes("0000000000000080fe7f", new Uint8Array(10)); // 2^16383
    expect(float80ToNumber(huge)).toBe(Infinity);
    const tiny = hexToBytes("00000000000000800100", new Uint8Array(10)); // 2^-16382
    expect(float80ToNumber(tiny)).toBe(0);
  });

  it("tags: valid, zero, special; full ↔ abridged tag words", () => {
    expect(float80Tag(numberToFloat80(1))).toBe(0);
    expect(float80Tag(numberToFloat80(0))).toBe(1);
    expect(float80Tag(numberToFloat80(Infinity))).toBe(2);
    const regs = [1, 0, Infinity, 1, 1, 1, 1, 1].map((v) => numberToFloat80(v));
    // R0 valid, R1 zero, R2 special, R3-R7 empty.
    expect(fullTagWord(0b00000111, regs)).toBe(0xffe0 | 0b100100);
    expect(abridgedTag(0xffe0 | 0b100100)).toBe(0b00000111);
    expect(abridgedTag(0xffff)).toBe(0);
  });
});
