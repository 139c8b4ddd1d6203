import { describe, expect, it } from "vitest";
import { JsonParseError, parseJson } from "../../src/qobject/parse-json.js";

describe("parseJson (whole text, QEMU's qobject_from_json)", () => {
  it("parses one value with QEMU's extensions and number model", () => {
    expect(parseJson(' {"a": [1, 2.5, "x"], \'b\': \'it\\\'s\'} ')).toEqual({ a: [1, 2.5, "x"], b: "it's" });
    expect(parseJson("42")).toBe(42);
    expect(parseJson("-0")).toBe(0);
    expect(Object.is(parseJson("-0.0"), -0)).toBe(true);
    expect(parseJson("1e3")).toBe(1000);
    expect(parseJson("9223372036854775807")).toBe(9223372036854775807n);
    expect(parseJson("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(parseJson("18446744073709551615")).toBe(18446744073709551615n);
    expect(parseJson("18446744073709551616")).toBe(18446744073709551616);
    expect(parseJson("-9223372036854775809")).toBe(-9223372036854775809);
    expect(parseJson(Buffer.from('"h\xc3\xa9llo"', "latin1"))).toBe("héllo");
  });

  it("throws QEMU's error texts", () => {
    const error = (text: string): string => {
      try {
        parseJson(text);
      } catch (e) {
        expect(e).toBeInstanceOf(JsonParseError);
        return (e as Error).message;
      }
      throw new Error(`no error for ${text}`);
    };
    expect(error("")).toBe("Expecting a JSON value");
    expect(error("   \n")).toBe("Expecting a JSON value");
    expect(error("1 2")).toBe("Expecting at most one JSON value");
    expect(error("{} x")).toBe("Expecting at most one JSON value");
    expect(error("[1,")).toBe("JSON parse error, premature EOI");
    expect(error("{")).toBe("JSON parse error, premature EOI");
    expect(error('{"a"')).toBe("JSON parse error, premature EOI");
    expect(error('"abc')).toBe("JSON parse error, stray '\"abc'");
    expect(error("tru")).toBe("JSON parse error, invalid keyword 'tru'");
    expect(error("-")).toBe("JSON parse error, stray '-'");
    expect(error("1.")).toBe("JSON parse error, stray '1.'");
    expect(error('{"a":1,"a":2}')).toBe("JSON parse error, duplicate key");
    // The first error wins; later values do not matter.
    expect(error("x 1")).toBe("JSON parse error, invalid keyword 'x'");
  });

  it("stops at a zero byte, as QEMU's C string would", () => {
    expect(parseJson("[1]\0garbage")).toEqual([1]);
  });
});
