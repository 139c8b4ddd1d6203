/**
 * Turning the bytes of a scalar token (string, number, keyword) into a value,
 * with the error texts of QEMU 7.2's qobject/json-parser.c. Errors are
 * returned rather than thrown: the parser reports them only if it reaches
 * the token, since the first error of a message wins.
 */
import { decodeCodePoint, decodeModUtf8Lossy, isValidCodePoint, pushCodePoint, unitsToString } from "./mod-utf8.js";

/** A token that is to be reported as an error if the parser reaches it. */
export class TokenError {
  constructor(readonly message: string) {}
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * A JSON integer token: int64 if it fits, else uint64 if it fits, else a
 * double. Safe integers come back as `number`, the rest of the 64-bit range
 * as `bigint`. "-0" is the integer 0, as in QEMU.
 */
export function integerTokenValue(text: string): number | bigint {
  // Up to 15 digits always fits a safe integer.
  if (text.length <= 15) return Number(text) + 0;
  const big = BigInt(text);
  if (big >= INT64_MIN && big <= UINT64_MAX) {
    if (big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(big);
    return big;
  }
  return Number(text);
}

/** Whether a bigint is representable in QEMU's QNum (int64 or uint64). */
export function fitsQNum(v: bigint): boolean {
  return v >= INT64_MIN && v <= UINT64_MAX;
}

/** True if `v` is in int64 range (QEMU's QNUM_I64). */
export function fitsInt64(v: bigint): boolean {
  return v >= INT64_MIN && v <= INT64_MAX;
}

/** A JSON float token; strtod and Number() both round correctly, and overflow gives ±Infinity. */
export function floatTokenValue(text: string): number {
  return Number(text);
}

export function keywordTokenValue(text: string): boolean | null | TokenError {
  if (text === "true") return true;
  if (text === "false") return false;
  if (text === "null") return null;
  return new TokenError(`JSON parse error, invalid keyword '${text}'`);
}

const BACKSLASH = 0x5c;

/** Plain escapes: the byte after the backslash and the character it stands for. */
const SIMPLE_ESCAPES: Record<number, number> = {
  0x22: 0x22, // \"
  0x27: 0x27, // \'  (QEMU extension)
  0x5c: 0x5c, // \\
  0x2f: 0x2f, // \/
  0x62: 0x08, // \b
  0x66: 0x0c, // \f
  0x6e: 0x0a, // \n
  0x72: 0x0d, // \r
  0x74: 0x09, // \t
};

/** Value of 4 hex digits at data[pos..pos+4), or -1. Stops at `end` (the C string's end). */
function hex4(data: Uint8Array, pos: number, end: number): number {
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const b = pos + i < end ? data[pos + i]! : 0;
    let d: number;
    if (b >= 0x30 && b <= 0x39) d = b - 0x30;
    else if (b >= 0x41 && b <= 0x46) d = b - 0x41 + 10;
    else if (b >= 0x61 && b <= 0x66) d = b - 0x61 + 10;
    else return -1;
    v = v * 16 + d;
  }
  return v;
}

/**
 * Decodes a string token, quotes included (data[start] is the quote).
 * The lexer guarantees the token ends with the same quote and holds no
 * control bytes. `text` is `data` read as latin1, for a cheap ASCII path.
 */
export function stringTokenValue(data: Buffer, start: number, end: number, text: string): string | TokenError {
  const quote = data[start]!;
  const last = end - 1; // the closing quote
  // Fast path: printable ASCII without escapes.
  let simple = true;
  for (let i = start + 1; i < last; i++) {
    const b = data[i]!;
    if (b >= 0x80 || b === BACKSLASH) {
      simple = false;
      break;
    }
  }
  if (simple) {
    // Short slices are copied by V8 anyway; a long one would be a view that keeps
    // the whole chunk's text alive for as long as the value lives, so copy it.
    return last - start <= 24 ? text.slice(start + 1, last) : data.toString("latin1", start + 1, last);
  }

  const units: number[] = [];
  const next = { pos: 0 };
  let pos = start + 1;
  while (pos < last) {
    const b = data[pos]!;
    if (b === BACKSLASH) {
      const escapeStart = pos;
      const code = data[pos + 1]!;
      pos += 2;
      const simpleEscape = SIMPLE_ESCAPES[code];
      if (simpleEscape !== undefined) {
        units.push(simpleEscape);
        continue;
      }
      if (code !== 0x75 /* u */) return new TokenError("JSON parse error, invalid escape sequence in string");
      let cp = hex4(data, pos, end);
      pos += 4;
      if (cp >= 0xd800 && cp <= 0xdbff && pos + 1 < end && data[pos] === BACKSLASH && data[pos + 1] === 0x75) {
        // A leading surrogate followed by another \u escape: only a trailing surrogate may follow.
        const trailing = hex4(data, pos + 2, end);
        if (trailing >= 0xdc00 && trailing <= 0xdfff) {
          cp = 0x10000 + ((cp & 0x3ff) << 10) + (trailing & 0x3ff);
          pos += 6;
        } else {
          cp = -1;
        }
      }
      if (!isValidCodePoint(cp)) {
        // QEMU quotes the escape text it looked at; the token (a C string) ends at `end`.
        const shown = decodeModUtf8Lossy(data, escapeStart, Math.min(pos, end));
        return new TokenError(`JSON parse error, ${shown} is not a valid Unicode character`);
      }
      pushCodePoint(units, cp);
      continue;
    }
    if (b === quote) break; // cannot happen: the lexer ends the token at the first unescaped quote
    const cp = decodeCodePoint(data, pos, last, next);
    if (cp < 0) return new TokenError("JSON parse error, invalid UTF-8 sequence in string");
    pushCodePoint(units, cp);
    pos = next.pos;
  }
  return unitsToString(units);
}
