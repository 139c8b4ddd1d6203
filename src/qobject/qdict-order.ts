/**
 * The order in which QEMU 7.2 walks the keys of a QDict (qobject/qdict.c),
 * which is the order they appear in every JSON object QEMU writes.
 *
 * A QDict is a table of 512 buckets chosen by the tdb hash of the key's bytes;
 * iteration goes through the buckets in ascending order, and within a bucket
 * newer keys come first (each insertion goes to the head of the bucket list).
 */
import { encodeModUtf8 } from "./mod-utf8.js";

export const QDICT_BUCKETS = 512;

/** The tdb/gdbm hash QEMU uses for QDict keys, over the key's (modified UTF-8) bytes; unsigned 32-bit. */
export function tdbHash(key: string): number {
  // Plain ASCII (without NUL) is its own encoding; anything else goes through modified UTF-8.
  const ascii = /^[\x01-\x7f]*$/.test(key);
  const bytes = ascii ? undefined : encodeModUtf8(key);
  const length = bytes ? bytes.length : key.length;
  let value = Math.imul(0x238f13af, length) >>> 0;
  for (let i = 0; i < length; i++) {
    const byte = bytes ? bytes[i]! : key.charCodeAt(i);
    value = (value + (byte << ((i * 5) % 24))) >>> 0;
  }
  return (Math.imul(1103515243, value) + 12345) >>> 0;
}

/** Bucket cache: QMP output repeats a small set of keys ("return", "id", "name", "type", ...). */
const bucketCache = new Map<string, number>();
const BUCKET_CACHE_LIMIT = 4096;

export function qdictBucket(key: string): number {
  let bucket = bucketCache.get(key);
  if (bucket === undefined) {
    bucket = tdbHash(key) % QDICT_BUCKETS;
    if (bucketCache.size >= BUCKET_CACHE_LIMIT) bucketCache.clear();
    bucketCache.set(key, bucket);
  }
  return bucket;
}

/**
 * Keys in the order QEMU would print them, given the order they were
 * inserted (distinct keys; the last insertion of a key does not move it,
 * as QEMU replaces the value in place).
 */
export function qdictKeyOrder(keys: readonly string[]): string[] {
  const n = keys.length;
  if (n <= 1) return keys.slice();
  const buckets = keys.map(qdictBucket);
  // Ascending bucket; inside a bucket, the later insertion first.
  const before = (a: number, b: number): boolean => buckets[a]! < buckets[b]! || (buckets[a] === buckets[b] && a > b);
  const order: number[] = [];
  if (n <= 16) {
    // Insertion sort: objects are small and this avoids sort's overhead.
    for (let i = 0; i < n; i++) {
      let j = order.length;
      while (j > 0 && before(i, order[j - 1]!)) j--;
      order.splice(j, 0, i);
    }
  } else {
    for (let i = 0; i < n; i++) order.push(i);
    order.sort((a, b) => (before(a, b) ? -1 : 1));
  }
  return order.map((i) => keys[i]!);
}
