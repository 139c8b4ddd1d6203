/**
 * Text-to-value conversions used when a property is set from a string (the command line,
 * `-global`, keyval option lists), with the C library semantics QEMU relies on.
 */

/** QEMU's qapi_bool_parse: on/yes/true and off/no/false. */
export function parseBool(text: string): boolean | undefined {
  switch (text) {
    case "on":
    case "yes":
    case "true":
      return true;
    case "off":
    case "no":
    case "false":
      return false;
    default:
      return undefined;
  }
}

/** strtoull-style digits with base 0: `0x` hex, a leading `0` octal, otherwise decimal. */
function parseMagnitude(digits: string): bigint | undefined {
  if (/^0[xX][0-9a-fA-F]+$/.test(digits)) return BigInt(digits);
  if (/^0[0-7]*$/.test(digits)) return digits.length > 1 ? BigInt("0o" + digits.slice(1)) : 0n;
  if (/^[1-9][0-9]*$/.test(digits)) return BigInt(digits);
  return undefined;
}

function splitSign(text: string): [boolean, string] {
  const t = text.replace(/^[ \t\n\v\f\r]+/, "");
  if (t.startsWith("-")) return [true, t.slice(1)];
  if (t.startsWith("+")) return [false, t.slice(1)];
  return [false, t];
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/** QEMU's qemu_strtoi64 with base 0, whole string. */
export function parseInt64Text(text: string): bigint | undefined {
  const [neg, digits] = splitSign(text);
  const mag = parseMagnitude(digits);
  if (mag === undefined) return undefined;
  const v = neg ? -mag : mag;
  return v < INT64_MIN || v > INT64_MAX ? undefined : v;
}

/** QEMU's qemu_strtou64 with base 0, whole string; like strtoull, a minus sign wraps around. */
export function parseUint64Text(text: string): bigint | undefined {
  const [neg, digits] = splitSign(text);
  const mag = parseMagnitude(digits);
  if (mag === undefined || mag > UINT64_MAX) return undefined;
  return neg ? (2n ** 64n - mag) & UINT64_MAX : mag;
}

const SIZE_SUFFIXES = "BKMGTPE";

/**
 * QEMU's qemu_strtosz: a decimal number (a fraction is allowed with a suffix other than B),
 * or a hex integer, with an optional suffix B, K, M, G, T, P or E (either case); below 2^64.
 * `defaultSuffix` is the unit of a bare number (`-m 2048` means MiB).
 */
export function parseSizeText(text: string, defaultSuffix: string = "B"): bigint | undefined {
  const m = /^(0[xX][0-9a-fA-F]+|[0-9]+(?:\.[0-9]*)?)([bBkKmMgGtTpPeE]?)$/.exec(text);
  if (!m) return undefined;
  const [, num, suffixRaw] = m as unknown as [string, string, string];
  const suffix = (suffixRaw || defaultSuffix).toUpperCase();
  const shift = BigInt(SIZE_SUFFIXES.indexOf(suffix) * 10);
  let value: bigint;
  if (/^0[xX]/.test(num)) {
    // QEMU refuses hex with a fraction or with a suffix other than bytes written as 'B'.
    if (suffixRaw && suffixRaw.toUpperCase() !== "B") return undefined;
    value = BigInt(num);
  } else if (num.includes(".")) {
    if (suffix === "B") return undefined;
    const [intPart, fracPart = ""] = num.split(".") as [string, string?];
    const scale = 10n ** BigInt(fracPart.length);
    const whole = BigInt(intPart + fracPart) << shift;
    value = whole / scale;
    return value > UINT64_MAX ? undefined : value;
  } else {
    value = BigInt(num);
  }
  value <<= shift;
  return value > UINT64_MAX ? undefined : value;
}
