/**
 * QEMU's "modified UTF-8" rules (util/unicode.c in QEMU 7.2), which decide
 * what the JSON parser accepts inside strings and what the JSON writer
 * prints as U+FFFD.
 *
 * Modified UTF-8 is UTF-8 plus the overlong pair C0 80 for U+0000. On top of
 * plain UTF-8 validity, QEMU also refuses surrogates and the 66 Unicode
 * noncharacters (U+FDD0..U+FDEF and every U+xxFFFE / U+xxFFFF).
 */

/** True for code points QEMU can store in a string. */
export function isValidCodePoint(cp: number): boolean {
  if (cp < 0 || cp > 0x10ffff) return false;
  if (cp >= 0xfdd0 && cp <= 0xfdef) return false;
  if ((cp & 0xfffe) === 0xfffe) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return true;
}

/** Smallest code point that needs a sequence of 2, 3, 4, 5, 6 bytes. */
const MIN_CODE_POINT_FOR_LENGTH = [0, 0, 0x80, 0x800, 0x10000, 0x200000, 0x4000000];

/**
 * Decodes one sequence starting at `pos` (which must be < `end`). Returns the
 * code point, or -1 when the sequence is invalid, and stores in `next.pos`
 * where the following sequence starts. A zero byte counts as the end of the
 * text (the C string stops there), so it is invalid and consumes nothing.
 * A broken multi-byte sequence consumes its lead byte and the continuation
 * bytes that were present, so each broken sequence becomes one U+FFFD.
 */
export function decodeCodePoint(bytes: Uint8Array, pos: number, end: number, next: { pos: number }): number {
  const lead = bytes[pos]!;
  if (lead === 0) {
    next.pos = pos;
    return -1;
  }
  if (lead < 0x80) {
    next.pos = pos + 1;
    return lead;
  }
  if (lead >= 0xfe || (lead & 0x40) === 0) {
    // 0xFE/0xFF never occur in UTF-8; 0x80..0xBF are stray continuation bytes.
    next.pos = pos + 1;
    return -1;
  }
  let length = 0;
  let mask = 0x80;
  while (lead & mask) {
    length++;
    mask >>= 1;
  }
  let cp = lead & (mask - 1);
  let p = pos + 1;
  for (let i = 1; i < length; i++) {
    const b = p < end ? bytes[p]! : 0;
    if ((b & 0xc0) !== 0x80) {
      next.pos = p;
      return -1;
    }
    p++;
    cp = cp * 64 + (b & 0x3f);
  }
  next.pos = p;
  if (!isValidCodePoint(cp)) return -1;
  if (cp < MIN_CODE_POINT_FOR_LENGTH[length]! && !(cp === 0 && length === 2)) return -1;
  return cp;
}

/**
 * Turns bytes into a JS string the way QEMU's writer would print them:
 * every invalid sequence becomes U+FFFD, and the text stops at the first zero
 * byte (QEMU formats error messages with C strings). Used for texts that echo
 * raw input, such as "stray '…'" errors.
 */
export function decodeModUtf8Lossy(bytes: Uint8Array, start = 0, end = bytes.length): string {
  const units: number[] = [];
  const next = { pos: 0 };
  let pos = start;
  while (pos < end && bytes[pos] !== 0) {
    const cp = decodeCodePoint(bytes, pos, end, next);
    pushCodePoint(units, cp < 0 ? 0xfffd : cp);
    pos = next.pos;
  }
  return unitsToString(units);
}

/** Appends the UTF-16 code units of `cp` to `units`. */
export function pushCodePoint(units: number[], cp: number): void {
  if (cp > 0xffff) {
    const v = cp - 0x10000;
    units.push(0xd800 + (v >> 10), 0xdc00 + (v & 0x3ff));
  } else {
    units.push(cp);
  }
}

/** String.fromCharCode over a large array without overflowing the argument limit. */
export function unitsToString(units: number[]): string {
  const CHUNK = 8192;
  if (units.length <= CHUNK) return String.fromCharCode(...units);
  let out = "";
  for (let i = 0; i < units.length; i += CHUNK) {
    out += String.fromCharCode(...units.slice(i, i + CHUNK));
  }
  return out;
}

/**
 * The bytes QEMU would hold for a JS string: UTF-8, except U+0000 as C0 80.
 * A lone surrogate (which QEMU could never hold) is encoded as U+FFFD.
 */
export function encodeModUtf8(text: string): Uint8Array {
  const plain = Buffer.from(text, "utf8");
  if (!text.includes("\0")) return plain;
  const out: number[] = [];
  for (const b of plain) {
    if (b === 0) out.push(0xc0, 0x80);
    else out.push(b);
  }
  return Uint8Array.from(out);
}
