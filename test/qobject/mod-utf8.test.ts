import { describe, expect, it } from "vitest";
import { decodeCodePoint, decodeModUtf8Lossy, encodeModUtf8, isValidCodePoint } from "../../src/qobject/mod-utf8.js";

/** [code point, bytes consumed] for the sequence at the start of `bytes`. */
function decode(bytes: number[]): [number, number] {
  const next = { pos: 0 };
  const cp = decodeCodePoint(Uint8Array.from(bytes), 0, bytes.length, next);
  return [cp, next.pos];
}

describe("QEMU's modified UTF-8", () => {
  it("decodes valid sequences, and C0 80 as U+0000", () => {
    expect(decode([0x41])).toEqual([0x41, 1]);
    expect(decode([0xc3, 0xa9])).toEqual([0xe9, 2]);
    expect(decode([0xe2, 0x98, 0x83])).toEqual([0x2603, 3]);
    expect(decode([0xf0, 0x9f, 0x98, 0x80])).toEqual([0x1f600, 4]);
    expect(decode([0xc0, 0x80])).toEqual([0, 2]);
  });

  it("rejects what QEMU rejects, consuming as QEMU does", () => {
    expect(decode([0x80])).toEqual([-1, 1]); // stray continuation byte
    expect(decode([0xff, 0x41])).toEqual([-1, 1]);
    expect(decode([0xfe])).toEqual([-1, 1]);
    expect(decode([0xc1, 0x81])).toEqual([-1, 2]); // overlong
    expect(decode([0xe0, 0x80, 0x80])).toEqual([-1, 3]); // overlong U+0000 in 3 bytes
    expect(decode([0xe2, 0x82, 0x41])).toEqual([-1, 2]); // truncated: the 'A' is not consumed
    expect(decode([0xe2])).toEqual([-1, 1]);
    expect(decode([0xed, 0xa0, 0x80])).toEqual([-1, 3]); // surrogate
    expect(decode([0xef, 0xbf, 0xbe])).toEqual([-1, 3]); // U+FFFE
    expect(decode([0xef, 0xb7, 0x90])).toEqual([-1, 3]); // U+FDD0
    expect(decode([0xf4, 0x90, 0x80, 0x80])).toEqual([-1, 4]); // U+110000
    expect(decode([0xf8, 0x88, 0x80, 0x80, 0x80])).toEqual([-1, 5]); // 5-byte form
    expect(decode([0x00])).toEqual([-1, 0]); // end of the C string
  });

  it("knows the noncharacters and surrogates", () => {
    for (const cp of [0xd800, 0xdfff, 0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x1fffe, 0x10ffff, 0x110000, -1]) {
      expect(isValidCodePoint(cp), cp.toString(16)).toBe(false);
    }
    for (const cp of [0, 0x7f, 0xfdcf, 0xfdf0, 0xfffd, 0x10000, 0x10fffd]) {
      expect(isValidCodePoint(cp), cp.toString(16)).toBe(true);
    }
  });

  it("renders raw bytes as QEMU's writer would see them", () => {
    const bytes = Buffer.from('"\xff\xc3\xa9\xe2\x82\'x\x00rest', "latin1");
    expect(decodeModUtf8Lossy(bytes)).toBe('"\uFFFDé\uFFFD\'x');
  });

  it("encodes U+0000 as C0 80", () => {
    expect([...encodeModUtf8("a\0é")]).toEqual([0x61, 0xc0, 0x80, 0xc3, 0xa9]);
    expect([...encodeModUtf8("abc")]).toEqual([0x61, 0x62, 0x63]);
  });
});
