/**
 * Reading and writing kernel structures by the [offset, size] fields the addon exports, so that
 * no offset is written down in TypeScript. Integer fields of 1, 2, 4 or 8 bytes, little-endian.
 */
import type { Field, StructLayout } from "./kvm-addon.js";

/** A byte buffer the size of a kernel structure, with a DataView over it. */
export class StructBuffer {
  readonly bytes: Uint8Array;
  readonly view: DataView;
  constructor(readonly layout: StructLayout) {
    this.bytes = new Uint8Array(layout.size);
    this.view = new DataView(this.bytes.buffer);
  }
  field(name: string): Field {
    const f = this.layout[name];
    if (!Array.isArray(f)) throw new Error(`kvm: no member ${name} in this structure`);
    return f as Field;
  }
  u(name: string, base = 0): number {
    return readUint(this.view, base, this.field(name));
  }
  u64(name: string, base = 0): bigint {
    return readU64(this.view, base, this.field(name));
  }
  set(name: string, value: number | bigint, base = 0): void {
    writeUint(this.view, base, this.field(name), value);
  }
  clear(): void {
    this.bytes.fill(0);
  }
}

/** An unsigned field as a number (an 8-byte field loses precision above 2^53). */
export function readUint(view: DataView, base: number, [off, size]: Field): number {
  const p = base + off;
  switch (size) {
    case 1: return view.getUint8(p);
    case 2: return view.getUint16(p, true);
    case 4: return view.getUint32(p, true);
    case 8: return Number(view.getBigUint64(p, true));
    default: throw new Error(`kvm: field of ${size} bytes is not an integer`);
  }
}

export function readU64(view: DataView, base: number, [off, size]: Field): bigint {
  if (size === 8) return view.getBigUint64(base + off, true);
  return BigInt(readUint(view, base, [off, size]));
}

export function writeUint(view: DataView, base: number, [off, size]: Field, value: number | bigint): void {
  const p = base + off;
  switch (size) {
    case 1: view.setUint8(p, Number(value) & 0xff); return;
    case 2: view.setUint16(p, Number(value) & 0xffff, true); return;
    case 4: view.setUint32(p, Number(BigInt.asUintN(32, BigInt(value))), true); return;
    case 8: view.setBigUint64(p, BigInt.asUintN(64, BigInt(value)), true); return;
    default: throw new Error(`kvm: field of ${size} bytes is not an integer`);
  }
}
