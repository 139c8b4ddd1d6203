/**
 * Little-endian accessors over a configuration space (QEMU's pci_get/set_byte/word/long/quad),
 * and the masks that decide which bits a guest may write.
 */

export function pciGetByte(b: Uint8Array, off: number): number {
  return b[off]!;
}

export function pciSetByte(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
}

export function pciGetWord(b: Uint8Array, off: number): number {
  return b[off]! | (b[off + 1]! << 8);
}

export function pciSetWord(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >>> 8) & 0xff;
}

export function pciGetLong(b: Uint8Array, off: number): number {
  return (b[off]! | (b[off + 1]! << 8) | (b[off + 2]! << 16) | (b[off + 3]! << 24)) >>> 0;
}

export function pciSetLong(b: Uint8Array, off: number, v: number): void {
  pciSetWord(b, off, v & 0xffff);
  pciSetWord(b, off + 2, (v >>> 16) & 0xffff);
}

export function pciGetQuad(b: Uint8Array, off: number): bigint {
  return BigInt(pciGetLong(b, off)) | (BigInt(pciGetLong(b, off + 4)) << 32n);
}

export function pciSetQuad(b: Uint8Array, off: number, v: bigint): void {
  const x = BigInt.asUintN(64, v);
  pciSetLong(b, off, Number(x & 0xffffffffn));
  pciSetLong(b, off + 4, Number(x >> 32n));
}

/** Sets the bits of `mask` in a word (QEMU's pci_word_test_and_set_mask without the test). */
export function pciOrWord(b: Uint8Array, off: number, mask: number): void {
  pciSetWord(b, off, pciGetWord(b, off) | mask);
}

export function pciOrLong(b: Uint8Array, off: number, mask: number): void {
  pciSetLong(b, off, (pciGetLong(b, off) | mask) >>> 0);
}
