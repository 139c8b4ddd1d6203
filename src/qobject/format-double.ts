/**
 * C's printf("%.17g") for a double, as glibc prints it; QEMU writes every
 * floating-point QNum this way (0.1 → 0.10000000000000001, 1e20 → 1e+20).
 *
 * JS's toExponential rounds exact halfway cases up, glibc rounds them to
 * even; those (rare) cases are redone with exact BigInt arithmetic.
 */

const PRECISION = 17;

export function formatDoubleG17(x: number): string {
  if (Number.isNaN(x)) return signBitSet(x) ? "-nan" : "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const sign = x < 0 ? "-" : "";
  const { digits, exponent } = significantDigits(Math.abs(x));
  return sign + layOut(digits, exponent);
}

/** %g layout of 17 significant digits whose first digit has weight 10^exponent. */
function layOut(digits: string, exponent: number): string {
  if (exponent < -4 || exponent >= PRECISION) {
    const mantissa = stripZeros(digits[0] + "." + digits.slice(1));
    const e = Math.abs(exponent);
    return `${mantissa}e${exponent < 0 ? "-" : "+"}${e < 10 ? "0" : ""}${e}`;
  }
  if (exponent >= 0) {
    return stripZeros(digits.slice(0, exponent + 1) + "." + digits.slice(exponent + 1));
  }
  return stripZeros("0." + "0".repeat(-exponent - 1) + digits);
}

/** Drops trailing zeros after the decimal point, and the point if nothing follows it (no '#' flag). */
function stripZeros(s: string): string {
  let end = s.length;
  while (s.charCodeAt(end - 1) === 0x30) end--;
  if (s.charCodeAt(end - 1) === 0x2e) end--;
  return s.slice(0, end);
}

/** The 17 significant digits of a positive finite x, rounded half to even, and the decimal exponent. */
function significantDigits(x: number): { digits: string; exponent: number } {
  // With 18 digits an exact halfway case is shown exactly, ending in 5.
  const eighteen = x.toExponential(PRECISION);
  if (eighteen[PRECISION + 1] === "5") return exactDigits(x);
  const s = x.toExponential(PRECISION - 1);
  const e = s.indexOf("e");
  return { digits: s[0] + s.slice(2, e), exponent: Number(s.slice(e + 1)) };
}

/** Exact decimal expansion of x (a binary fraction always has one), rounded half to even. */
function exactDigits(x: number): { digits: string; exponent: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const low = view.getUint32(4);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(low);
  let power: number; // x = mantissa * 2^power
  if (biased === 0) {
    power = -1074;
  } else {
    mantissa |= 1n << 52n;
    power = biased - 1075;
  }
  let all: string;
  let exponent: number;
  if (power >= 0) {
    all = (mantissa << BigInt(power)).toString();
    exponent = all.length - 1;
  } else {
    // m / 2^k = m * 5^k / 10^k
    all = (mantissa * 5n ** BigInt(-power)).toString();
    exponent = all.length - 1 + power;
  }
  if (all.length <= PRECISION) return { digits: all.padEnd(PRECISION, "0"), exponent };
  let head = BigInt(all.slice(0, PRECISION));
  const rest = all.slice(PRECISION);
  const firstDropped = rest.charCodeAt(0) - 0x30;
  const restIsHalf = firstDropped === 5 && /^50*$/.test(rest);
  if (firstDropped > 5 || (firstDropped === 5 && !restIsHalf) || (restIsHalf && (head & 1n) === 1n)) {
    head += 1n;
  }
  let digits = head.toString();
  if (digits.length > PRECISION) {
    digits = digits.slice(0, PRECISION);
    exponent++;
  }
  return { digits, exponent };
}

function signBitSet(x: number): boolean {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  return (view.getUint8(0) & 0x80) !== 0;
}
