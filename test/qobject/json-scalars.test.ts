import { describe, expect, it } from "vitest";
import { TokenError, floatTokenValue, integerTokenValue, keywordTokenValue, stringTokenValue } from "../../src/qobject/json-scalars.js";

function str(token: string): string | TokenError {
  const data = Buffer.from(token, "latin1");
  return stringTokenValue(data, 0, data.length, token);
}

function strError(token: string): string {
  const result = str(token);
  if (!(result instanceof TokenError)) throw new Error(`no error for ${token}`);
  return result.message;
}

describe("integer tokens", () => {
  it("keep int64, then uint64, else become doubles", () => {
    expect(integerTokenValue("0")).toBe(0);
    expect(Object.is(integerTokenValue("-0"), 0)).toBe(true);
    expect(integerTokenValue("9007199254740991")).toBe(9007199254740991);
    expect(integerTokenValue("9007199254740992")).toBe(9007199254740992n);
    expect(integerTokenValue("-9007199254740992")).toBe(-9007199254740992n);
    expect(integerTokenValue("9223372036854775807")).toBe(9223372036854775807n);
    expect(integerTokenValue("9223372036854775808")).toBe(9223372036854775808n);
    expect(integerTokenValue("18446744073709551615")).toBe(18446744073709551615n);
    expect(integerTokenValue("18446744073709551616")).toBe(18446744073709551616);
    expect(integerTokenValue("-9223372036854775808")).toBe(-9223372036854775808n);
    expect(integerTokenValue("-9223372036854775809")).toBe(-9223372036854775808); // a double, rounded
    expect(integerTokenValue("1" + "0".repeat(400))).toBe(Infinity);
  });
});

describe("float tokens", () => {
  it("are doubles, rounded like strtod", () => {
    expect(floatTokenValue("1.0")).toBe(1);
    expect(floatTokenValue("1e3")).toBe(1000);
    expect(floatTokenValue("0.1")).toBe(0.1);
    expect(Object.is(floatTokenValue("-0.0"), -0)).toBe(true);
    expect(floatTokenValue("1e400")).toBe(Infinity);
    expect(floatTokenValue("1e-400")).toBe(0);
  });
});

describe("keyword tokens", () => {
  it("accept exactly true, false, null", () => {
    expect(keywordTokenValue("true")).toBe(true);
    expect(keywordTokenValue("false")).toBe(false);
    expect(keywordTokenValue("null")).toBe(null);
    expect(keywordTokenValue("nul")).toEqual(new TokenError("JSON parse error, invalid keyword 'nul'"));
  });
});

describe("string tokens", () => {
  it("decode escapes, both quote styles and UTF-8", () => {
    expect(str('"plain"')).toBe("plain");
    expect(str("'single \"q\"'")).toBe('single "q"');
    expect(str('"\\"\\\\\\/\\b\\f\\n\\r\\t\\\'"')).toBe("\"\\/\b\f\n\r\t'");
    expect(str('"\\u00e9\\u00C9\\u2603"')).toBe("éÉ☃");
    expect(str('"\\ud83d\\ude00"')).toBe("😀");
    expect(str('"\\u0000"')).toBe("\0");
    expect(str('"h\xc3\xa9 \xf0\x9f\x98\x80 \xc0\x80"')).toBe("hé 😀 \0");
  });

  it("report QEMU's errors", () => {
    expect(strError('"\\x"')).toBe("JSON parse error, invalid escape sequence in string");
    expect(strError('"\\u12"')).toBe('JSON parse error, \\u12" is not a valid Unicode character');
    expect(strError('"\\u"')).toBe('JSON parse error, \\u" is not a valid Unicode character');
    expect(strError('"\\uD800\\u0041"')).toBe("JSON parse error, \\uD800 is not a valid Unicode character");
    expect(strError('"\\ud83f\\udffe"')).toBe("JSON parse error, \\ud83f\\udffe is not a valid Unicode character");
    expect(strError('"\\uFFFF"')).toBe("JSON parse error, \\uFFFF is not a valid Unicode character");
    // QEMU quotes the 6 bytes from the backslash, even if that splits a character.
    expect(strError('"\\u00\xc3\xa9"')).toBe("JSON parse error, \\u00é is not a valid Unicode character");
    expect(strError('"\\u000\xc3\xa9"')).toBe("JSON parse error, \\u000\uFFFD is not a valid Unicode character");
    expect(strError('"\xc3("')).toBe("JSON parse error, invalid UTF-8 sequence in string");
    expect(strError('"\xed\xa0\x80"')).toBe("JSON parse error, invalid UTF-8 sequence in string");
  });
});
