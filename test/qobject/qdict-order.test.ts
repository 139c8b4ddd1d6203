import { describe, expect, it } from "vitest";
import { QDICT_BUCKETS, qdictBucket, qdictKeyOrder, tdbHash } from "../../src/qobject/qdict-order.js";

describe("QDict key order", () => {
  it("hashes keys with tdb_hash as 32-bit unsigned arithmetic", () => {
    // By hand: strlen("") = 0, so the hash is just the final 12345.
    expect(tdbHash("")).toBe(12345);
    // "a": v = 0x238F13AF * 1 + 97; result = 1103515243 * v + 12345 (mod 2^32).
    const v = (0x238f13af + 97) >>> 0;
    expect(tdbHash("a")).toBe(Number((1103515243n * BigInt(v) + 12345n) % 2n ** 32n));
    for (const key of ["return", "id", "error", "class", "desc", "x".repeat(100)]) {
      const h = tdbHash(key);
      expect(Number.isInteger(h) && h >= 0 && h < 2 ** 32).toBe(true);
      expect(qdictBucket(key)).toBe(h % QDICT_BUCKETS);
    }
  });

  it("hashes the UTF-8 bytes of non-ASCII keys and C0 80 for U+0000", () => {
    const manual = (bytes: number[]): number => {
      let value = Math.imul(0x238f13af, bytes.length) >>> 0;
      bytes.forEach((b, i) => (value = (value + (b << ((i * 5) % 24))) >>> 0));
      return (Math.imul(1103515243, value) + 12345) >>> 0;
    };
    expect(tdbHash("é☃")).toBe(manual([0xc3, 0xa9, 0xe2, 0x98, 0x83]));
    expect(tdbHash("a\0b")).toBe(manual([0x61, 0xc0, 0x80, 0x62]));
  });

  it("reproduces the orders NOTES 1.8 checked against QEMU", () => {
    const cases: string[][] = [
      ["return", "id"],
      ["id", "error"],
      ["class", "desc"],
      ["timestamp", "event", "data"],
      ["seconds", "microseconds"],
      ["status", "singlestep", "running"],
      ["default-value", "name", "description", "type"],
      ["abstract", "name", "parent"],
    ];
    for (const expected of cases) {
      // Keys in different buckets come out in bucket order whatever the insertion order.
      expect(qdictKeyOrder([...expected].reverse())).toEqual(expected);
      expect(qdictKeyOrder([...expected].sort())).toEqual(expected);
    }
  });

  it("puts the newest key first inside a bucket", () => {
    // "micro" and "minor" share a bucket: QEMU inserts major, minor, micro and prints micro, minor, major.
    expect(qdictBucket("micro")).toBe(qdictBucket("minor"));
    expect(qdictKeyOrder(["major", "minor", "micro"])).toEqual(["micro", "minor", "major"]);
    expect(qdictKeyOrder(["micro", "minor", "major"])).toEqual(["minor", "micro", "major"]);
  });
});
