/**
 * QEMU's number parsing (util/cutils.c and friends): the strtoull()-based integer parsers,
 * qemu_strtosz() for sizes with k/M/G/T/P/E suffixes, on/off booleans, identifiers and QAPI names.
 *
 * Results are `bigint` because QEMU works with the full uint64 range. Errors are reported the way
 * QEMU reports them, as -EINVAL / -ERANGE, so callers can pick QEMU's message for each.
 */
import { QemuError, type WarningSink } from "./error.js";

export const EINVAL = -22;
export const ERANGE = -34;

export const UINT64_MAX = (1n << 64n) - 1n;
export const INT64_MAX = (1n << 63n) - 1n;
export const INT64_MIN = -(1n << 63n);

export interface StrtoResult {
  /** 0, EINVAL or ERANGE. */
  err: number;
  /** The value (meaningful when err is 0; clamped like the C function on ERANGE). */
  value: bigint;
  /** Index just past the characters consumed (the start when nothing was converted). */
  end: number;
}

/** C isspace() in the "C" locale. */
function isSpace(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
}

function digitValue(c: string | undefined): number {
  if (c === undefined) return 99;
  const code = c.charCodeAt(0);
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 97 && code <= 122) return code - 97 + 10;
  if (code >= 65 && code <= 90) return code - 65 + 10;
  return 99;
}

interface RawConversion {
  /** Magnitude of the digits, unbounded. */
  magnitude: bigint;
  negative: boolean;
  /** Index past the converted text; equal to `start` when nothing was converted. */
  end: number;
}

/**
 * The conversion shared by strtoull() and strtoll(): optional white space, one optional sign,
 * "0x" for base 0/16, octal for a leading 0 in base 0, then digits.
 */
function convert(s: string, start: number, base: number): RawConversion {
  let i = start;
  while (isSpace(s[i])) i++;
  let negative = false;
  if (s[i] === "+" || s[i] === "-") {
    negative = s[i] === "-";
    i++;
  }
  let b = base;
  if ((b === 0 || b === 16) && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && digitValue(s[i + 2]) < 16) {
    i += 2;
    b = 16;
  } else if (b === 0) {
    b = s[i] === "0" ? 8 : 10;
  }
  const digitsStart = i;
  let magnitude = 0n;
  const bigBase = BigInt(b);
  while (digitValue(s[i]) < b) {
    magnitude = magnitude * bigBase + BigInt(digitValue(s[i]));
    i++;
  }
  if (i === digitsStart) {
    return { magnitude: 0n, negative: false, end: start };
  }
  return { magnitude, negative, end: i };
}

/**
 * check_strtox_error(): no conversion is EINVAL; when the caller wants the whole string consumed
 * (`wholeString`), trailing characters are EINVAL too, even after an overflow.
 */
function finish(s: string, start: number, conv: RawConversion, overflow: boolean, value: bigint, wholeString: boolean): StrtoResult {
  if (conv.end === start) return { err: EINVAL, value: 0n, end: start };
  if (wholeString && conv.end < s.length) return { err: EINVAL, value, end: conv.end };
  return { err: overflow ? ERANGE : 0, value, end: conv.end };
}

/**
 * qemu_strtou64(): strtoull() semantics, so "-1" is 2^64-1 and base 0 takes 0x.. and 0.. (octal).
 * With `wholeString` (QEMU's NULL endptr) anything after the number is an error.
 */
export function qemuStrtou64(s: string, base: number, wholeString = true, start = 0): StrtoResult {
  const conv = convert(s, start, base);
  const overflow = conv.magnitude > UINT64_MAX;
  const value = overflow ? UINT64_MAX : conv.negative ? -conv.magnitude & UINT64_MAX : conv.magnitude;
  return finish(s, start, conv, overflow, value, wholeString);
}

/** qemu_strtoi64(): strtoll() semantics, clamping to INT64_MIN / INT64_MAX with ERANGE. */
export function qemuStrtoi64(s: string, base: number, wholeString = true, start = 0): StrtoResult {
  const conv = convert(s, start, base);
  const signed = conv.negative ? -conv.magnitude : conv.magnitude;
  let value = signed;
  let overflow = false;
  if (signed > INT64_MAX) {
    value = INT64_MAX;
    overflow = true;
  } else if (signed < INT64_MIN) {
    value = INT64_MIN;
    overflow = true;
  }
  return finish(s, start, conv, overflow, value, wholeString);
}

/** The multiplier a size suffix stands for, or -1 when the character is not a suffix. */
function suffixMultiplier(c: string | undefined, unit: bigint): bigint {
  switch (c?.toUpperCase()) {
    case "B":
      return 1n;
    case "K":
      return unit;
    case "M":
      return unit ** 2n;
    case "G":
      return unit ** 3n;
    case "T":
      return unit ** 4n;
    case "P":
      return unit ** 5n;
    case "E":
      return unit ** 6n;
    default:
      return -1n;
  }
}

/** The part of strtod() a fraction needs: "." digits, optionally an exponent with digits. */
const FRACTION_RE = /^\.(\d*)(?:[eE][+-]?\d+)?/;

export type SizeSuffix = "B" | "K" | "M" | "G" | "T" | "P" | "E";

export interface StrtoszOptions {
  /** Scale for a number without suffix: 'B' for qemu_strtosz, 'M' for qemu_strtosz_MiB. */
  defaultSuffix?: SizeSuffix;
  /** 1024, or 1000 for qemu_strtosz_metric. */
  unit?: 1024 | 1000;
  /** Accept trailing text and report where the number ended (QEMU's non-NULL endptr). */
  allowTrailing?: boolean;
  /** Where the "multiplier suffix on hex numbers" deprecation warning goes. */
  warnings?: WarningSink;
}

/**
 * qemu_strtosz(): "12345", "1.5G", "0x1000" (and, deprecated, "0x10k"), all below 2^64.
 * Fractions need a suffix bigger than a byte and round half up to whole bytes.
 */
export function qemuStrtosz(nptr: string, options: StrtoszOptions = {}): StrtoResult {
  const unit = BigInt(options.unit ?? 1024);
  const defaultSuffix = options.defaultSuffix ?? "B";
  const wholeString = !options.allowTrailing;
  const fail = (err: number, end: number): StrtoResult => {
    // QEMU: with a NULL endptr, leftover text turns any error other than the above into EINVAL.
    if (wholeString && end < nptr.length) err = EINVAL;
    return { err, value: 0n, end };
  };

  let r = qemuStrtou64(nptr, 10, false);
  if (r.err) return fail(r.err, r.end);
  let end = r.end;
  let val = r.value;
  if (nptr.slice(0, end).includes("-")) return fail(EINVAL, 0);

  let hex = false;
  let valf = 0n;
  if (val === 0n && (nptr[end] === "x" || nptr[end] === "X")) {
    r = qemuStrtou64(nptr, 16, false);
    if (r.err) return fail(r.err, r.end);
    end = r.end;
    val = r.value;
    if (nptr[end] === ".") return fail(EINVAL, 0);
    hex = true;
  } else if (nptr[end] === ".") {
    const m = FRACTION_RE.exec(nptr.slice(end));
    if (!m || m[1] === "") {
      // strtod() found no digits: QEMU skips the lone '.' so that "1.k" still works.
      end += 1;
    } else if (m[0].includes("e") || m[0].includes("E")) {
      return fail(EINVAL, 0);
    } else {
      const fraction = Number.parseFloat("0" + m[0]);
      end += m[0].length;
      // (uint64_t)(fraction * 0x1p64); a fraction that rounded up to 1.0 would not fit.
      const scaled = fraction * 2 ** 64;
      valf = scaled >= 2 ** 64 ? UINT64_MAX : BigInt(Math.trunc(scaled));
    }
  }

  let mul = suffixMultiplier(nptr[end], unit);
  if (mul > 0n) {
    if (hex) options.warnings?.warn(`Using a multiplier suffix on hex numbers is deprecated: ${nptr}`);
    end++;
  } else {
    mul = suffixMultiplier(defaultSuffix, unit);
  }

  let result = val;
  if (mul === 1n) {
    if (valf !== 0n) return fail(EINVAL, 0);
  } else {
    // Exact 64.64 fixed point times the multiplier, rounding half a byte upward.
    const fracProduct = valf * mul;
    result = val * mul + (fracProduct >> 64n) + ((fracProduct >> 63n) & 1n);
    if (result > UINT64_MAX) {
      if (wholeString && end < nptr.length) return { err: EINVAL, value: 0n, end };
      return { err: ERANGE, value: 0n, end };
    }
  }
  if (wholeString && end < nptr.length) return { err: EINVAL, value: 0n, end };
  return { err: 0, value: result, end };
}

/** qemu_strtosz_MiB(): a bare number counts mebibytes (-m 2048). */
export function qemuStrtoszMiB(nptr: string, options: Omit<StrtoszOptions, "defaultSuffix"> = {}): StrtoResult {
  return qemuStrtosz(nptr, { ...options, defaultSuffix: "M" });
}

/** qemu_strtosz_metric(): powers of 1000. */
export function qemuStrtoszMetric(nptr: string, options: Omit<StrtoszOptions, "unit"> = {}): StrtoResult {
  return qemuStrtosz(nptr, { ...options, unit: 1000 });
}

/**
 * qapi_bool_parse(): on/yes/true/y and off/no/false/n, anything else is
 * "Parameter 'NAME' expects 'on' or 'off'".
 */
export function qapiBoolParse(name: string, value: string): boolean {
  switch (value) {
    case "on":
    case "yes":
    case "true":
    case "y":
      return true;
    case "off":
    case "no":
    case "false":
    case "n":
      return false;
    default:
      throw new QemuError(`Parameter '${name}' expects 'on' or 'off'`);
  }
}

/** is_help_option(): "help" or the deprecated "?". */
export function isHelpOption(s: string): boolean {
  return s === "?" || s === "help";
}

/** starts_with_help_option(): how many leading characters spell "?" or "help" (0 if none). */
export function startsWithHelpOption(s: string): number {
  if (s.startsWith("?")) return 1;
  if (s.startsWith("help")) return 4;
  return 0;
}

function isAsciiAlpha(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z]$/.test(c);
}

function isAsciiAlnum(c: string | undefined): boolean {
  return c !== undefined && /^[A-Za-z0-9]$/.test(c);
}

/** id_wellformed(): a letter, then letters, digits, '-', '.', '_'. */
export function idWellformed(id: string): boolean {
  if (!isAsciiAlpha(id[0])) return false;
  for (let i = 1; i < id.length; i++) {
    const c = id[i];
    if (!isAsciiAlnum(c) && c !== "-" && c !== "." && c !== "_") return false;
  }
  return true;
}

/** The hint QEMU appends when an id is not well formed. */
export const ID_HINT = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n";

/**
 * parse_qapi_name(): the length of the QAPI name at the start of `s` (letters, digits, '-', '_',
 * starting with a letter, optionally after a "__RFQDN_" downstream prefix), or -1. With
 * `complete` the name must span all of `s`.
 */
export function parseQapiName(s: string, complete: boolean, start = 0): number {
  let p = start;
  if (s[p] === "_") {
    p++;
    if (s[p] !== "_") return -1;
    p++;
    while (p < s.length && (isAsciiAlnum(s[p]) || s[p] === "-" || s[p] === ".")) p++;
    if (s[p] !== "_") return -1;
    p++;
  }
  if (!isAsciiAlpha(s[p])) return -1;
  while (p < s.length && (isAsciiAlnum(s[p]) || s[p] === "-" || s[p] === "_")) p++;
  if (complete && p < s.length) return -1;
  return p - start;
}
