/**
 * Property-style check: random values written by toQmpJson and read back by
 * the parsers come back equal (up to QEMU's own number model), in compact and
 * pretty form, whole or split into random chunks.
 */
import { describe, expect, it } from "vitest";
import { JsonMessageParser } from "../../src/qobject/json-streamer.js";
import { formatNumber, toQmpJson } from "../../src/qobject/json-writer.js";
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";
import { isValidCodePoint } from "../../src/qobject/mod-utf8.js";
import { parseJson } from "../../src/qobject/parse-json.js";

/** Small deterministic PRNG (mulberry32), so failures can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Generator {
  constructor(private readonly random: () => number) {}

  int(n: number): number {
    return Math.floor(this.random() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }

  codePoint(): number {
    switch (this.int(6)) {
      case 0:
        return this.int(0x20); // control characters
      case 1:
        return this.pick([0x22, 0x27, 0x5c, 0x2f, 0x7f, 0x25]);
      case 2:
        return 0x80 + this.int(0x780);
      case 3:
        return 0x800 + this.int(0xf800);
      case 4:
        return 0x10000 + this.int(0x100000);
      default:
        return 0x20 + this.int(0x5f);
    }
  }

  string(): string {
    const special = ["", "__proto__", "0", "42", "execute", "id", "return"];
    if (this.int(8) === 0) return this.pick(special);
    let s = "";
    const length = this.int(12);
    while ([...s].length < length) {
      const cp = this.codePoint();
      // Only what QEMU can hold; the rest is written as U+FFFD by design.
      if (isValidCodePoint(cp)) s += String.fromCodePoint(cp);
    }
    return s;
  }

  double(): number {
    if (this.int(2) === 0) {
      const view = new DataView(new ArrayBuffer(8));
      view.setUint32(0, this.int(2 ** 32));
      view.setUint32(4, this.int(2 ** 32));
      const x = view.getFloat64(0);
      return Number.isFinite(x) ? x : 1.5;
    }
    return (this.random() - 0.5) * 10 ** (this.int(40) - 20);
  }

  number(): number | bigint {
    switch (this.int(4)) {
      case 0:
        return this.int(2000) - 1000;
      case 1:
        return Math.floor((this.random() - 0.5) * 2 * Number.MAX_SAFE_INTEGER);
      case 2: {
        // Beyond the safe range, inside int64 or uint64.
        const bits62 = (BigInt(this.int(2 ** 31)) << 31n) | BigInt(this.int(2 ** 31));
        return this.pick([2n ** 53n + bits62, 2n ** 63n + bits62 * 2n + 1n, -(2n ** 53n) - bits62, -(2n ** 63n)]);
      }
      default:
        return this.double();
    }
  }

  value(depth: number): JsonValue {
    const kind = this.int(depth > 3 ? 5 : 7);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.int(2) === 0;
      case 2:
        return this.number();
      case 3:
      case 4:
        return this.string();
      case 5:
        return Array.from({ length: this.int(5) }, () => this.value(depth + 1));
      default: {
        const object: JsonObject = {};
        for (let n = this.int(6); n > 0; n--) {
          Object.defineProperty(object, this.string(), {
            value: this.value(depth + 1),
            enumerable: true,
            writable: true,
            configurable: true,
          });
        }
        return object;
      }
    }
  }
}

/**
 * What QEMU itself would read back: numbers written as integers are integers
 * (so a large integral double becomes int64/uint64 and -0 becomes 0), and
 * integers in the safe range are plain numbers.
 */
function expected(value: JsonValue): JsonValue {
  if (typeof value === "number") {
    if (Object.is(value, -0)) return 0;
    if (!Number.isSafeInteger(value) && /^-?\d+$/.test(formatNumber(value))) return BigInt(value);
    return value;
  }
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map(expected);
  if (value !== null && typeof value === "object") {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      Object.defineProperty(out, key, { value: expected(value[key]!), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }
  return value;
}

describe("write then parse gives the same value", () => {
  it("for 2000 random values, compact and pretty, whole text", () => {
    const gen = new Generator(prng(0x7202));
    for (let round = 0; round < 2000; round++) {
      const value = gen.value(0);
      for (const pretty of [false, true]) {
        const text = toQmpJson(value, { pretty });
        expect(/^[\x00-\x7f]*$/.test(text), text).toBe(true);
        expect(parseJson(text), text).toEqual(expected(value));
      }
    }
  });

  it("for a stream of random values cut into random chunks", () => {
    const gen = new Generator(prng(99));
    const values = Array.from({ length: 300 }, () => gen.value(0));
    // Scalars need a following byte to end; a newline after each message is what QEMU's clients send too.
    const stream = Buffer.from(values.map((v) => toQmpJson(v) + "\n").join(""), "latin1");
    const parser = new JsonMessageParser();
    const messages = [];
    for (let pos = 0; pos < stream.length; ) {
      const len = 1 + gen.int(64);
      messages.push(...parser.feed(stream.subarray(pos, pos + len)));
      pos += len;
    }
    expect(messages).toEqual(values.map((v) => ({ value: expected(v) })));
  });
});
