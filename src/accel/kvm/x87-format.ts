/**
 * x87 register formats: the 80-bit extended registers KVM stores (10 bytes of each 16-byte FXSAVE
 * slot) against the doubles the interpreter keeps, and the full tag word against FXSAVE's
 * abridged one.
 */

/** 80-bit extended value (10 little-endian bytes) → the nearest double. */
export function float80ToNumber(b: Uint8Array): number {
  let mant = 0n;
  for (let k = 7; k >= 0; k--) mant = (mant << 8n) | BigInt(b[k]);
  const se = b[8] | (b[9] << 8);
  const sign = se & 0x8000 ? -1 : 1;
  const exp = se & 0x7fff;
  if (exp === 0x7fff) return (mant & ((1n << 63n) - 1n)) === 0n ? sign * Infinity : NaN;
  if (mant === 0n) return sign * 0;
  // value = mant × 2^(exp − 16383 − 63); scale in steps so intermediate powers stay finite.
  let v = Number(mant);
  let e = (exp === 0 ? 1 : exp) - 16383 - 63;
  while (e > 1000) { v *= 2 ** 1000; e -= 1000; }
  while (e < -1000) { v *= 2 ** -1000; e += 1000; }
  return sign * v * 2 ** e;
}

/** A double → its exact 80-bit extended value (10 little-endian bytes). */
export function numberToFloat80(v: number, out: Uint8Array = new Uint8Array(10)): Uint8Array {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, v, true);
  const bits = dv.getBigUint64(0, true);
  const sign = Number(bits >> 63n);
  const exp11 = Number((bits >> 52n) & 0x7ffn);
  let frac = bits & ((1n << 52n) - 1n);
  let exp: number;
  let mant: bigint;
  if (exp11 === 0x7ff) {
    exp = 0x7fff;
    mant = (1n << 63n) | (frac << 11n);
  } else if (exp11 === 0 && frac === 0n) {
    exp = 0;
    mant = 0n;
  } else if (exp11 === 0) {
    // A double denormal is an ordinary normal number in 80 bits: normalise it.
    let e = 1 - 1023;
    while ((frac & (1n << 52n)) === 0n) { frac <<= 1n; e--; }
    exp = e + 16383;
    mant = frac << 11n;
  } else {
    exp = exp11 - 1023 + 16383;
    mant = (1n << 63n) | (frac << 11n);
  }
  for (let k = 0; k < 8; k++) out[k] = Number((mant >> BigInt(k * 8)) & 0xffn);
  out[8] = exp & 0xff;
  out[9] = ((exp >> 8) & 0x7f) | (sign << 7);
  return out;
}

/** The 2-bit tag of a non-empty register: 0 valid, 1 zero, 2 special (NaN, ∞, denormal, unnormal). */
export function float80Tag(b: Uint8Array): number {
  const exp = (b[8] | (b[9] << 8)) & 0x7fff;
  let zero = true;
  for (let k = 0; k < 8; k++) if (b[k] !== 0) zero = false;
  if (exp === 0) return zero ? 1 : 2;
  if (exp === 0x7fff || (b[7] & 0x80) === 0) return 2;
  return 0;
}

/** FXSAVE abridged tag (bit r set: physical register r in use) → full tag word. */
export function fullTagWord(abridged: number, physRegs: Uint8Array[]): number {
  let tw = 0;
  for (let r = 0; r < 8; r++) tw |= ((abridged >> r) & 1 ? float80Tag(physRegs[r]) : 3) << (r * 2);
  return tw;
}

/** Full tag word → FXSAVE abridged tag. */
export function abridgedTag(tw: number): number {
  let a = 0;
  for (let r = 0; r < 8; r++) if (((tw >> (r * 2)) & 3) !== 3) a |= 1 << r;
  return a;
}

export function bytesToHex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

export function hexToBytes(hex: string, out: Uint8Array): Uint8Array {
  for (let k = 0; k < out.length; k++) out[k] = parseInt(hex.slice(k * 2, k * 2 + 2), 16) || 0;
  return out;
}
