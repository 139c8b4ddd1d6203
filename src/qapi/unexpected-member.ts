/**
 * Which unexpected argument QEMU names when there are several.
 *
 * QEMU's input visitor copies the keys of an argument object into a GLib hash
 * table (GHashTable with g_str_hash), inserting them in QDict iteration order,
 * removes each key it consumes, and reports the first key left when iterating
 * the table.  So the name in "Parameter 'x' is unexpected" depends on GLib's
 * table layout.  This module reproduces that layout (GLib 2.74, the version
 * QEMU 7.2 runs with on Debian 12): open addressing over a power-of-two array,
 * home slot (hash * 11) mod a prime, triangular probing, tombstones on removal,
 * and growth at 15/16 occupancy with GLib's relocation order.
 */
import { qdictKeyOrder } from "../qobject/qdict-order.js";

const MIN_SHIFT = 3;
/** GLib's prime moduli, one per table size 1 << shift. */
const PRIME_MOD = [1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521];
const UNUSED = 0;
const TOMBSTONE = 1;

const utf8 = new TextEncoder();

/** g_str_hash: djb2 over the bytes taken as signed chars. */
function gStrHash(key: string): number {
  let h = 5381;
  for (const byte of utf8.encode(key)) {
    const c = byte >= 128 ? byte - 256 : byte;
    h = (Math.imul(h, 33) + c) >>> 0;
  }
  return h;
}

/** The subset of GHashTable<string, NULL> the visitor uses. */
class GlibStringSet {
  private size = 1 << MIN_SHIFT;
  private mod = PRIME_MOD[MIN_SHIFT];
  private mask = this.size - 1;
  private hashes: number[] = new Array<number>(this.size).fill(UNUSED);
  private keys: (string | undefined)[] = new Array<string | undefined>(this.size).fill(undefined);
  private nnodes = 0;
  private noccupied = 0;

  private static hashOf(key: string): number {
    const h = gStrHash(key);
    return h < 2 ? 2 : h; // 0 and 1 mark unused and deleted slots
  }

  private homeSlot(hash: number): number {
    return (Math.imul(hash, 11) >>> 0) % this.mod;
  }

  private lookup(key: string, hash: number): number {
    let index = this.homeSlot(hash);
    let step = 0;
    let tombstone = -1;
    while (this.hashes[index] !== UNUSED) {
      if (this.hashes[index] === hash && this.keys[index] === key) return index;
      if (this.hashes[index] === TOMBSTONE && tombstone < 0) tombstone = index;
      step++;
      index = (index + step) & this.mask;
    }
    return tombstone >= 0 ? tombstone : index;
  }

  add(key: string): void {
    const hash = GlibStringSet.hashOf(key);
    const index = this.lookup(key, hash);
    const old = this.hashes[index];
    if (old >= 2) return;
    this.hashes[index] = hash;
    this.keys[index] = key;
    this.nnodes++;
    if (old === UNUSED) {
      this.noccupied++;
      this.maybeResize();
    }
  }

  delete(key: string): void {
    const hash = GlibStringSet.hashOf(key);
    const index = this.lookup(key, hash);
    if (this.hashes[index] < 2) return;
    this.hashes[index] = TOMBSTONE;
    this.keys[index] = undefined;
    this.nnodes--;
    this.maybeResize();
  }

  first(): string | undefined {
    for (let i = 0; i < this.size; i++) if (this.hashes[i] >= 2) return this.keys[i];
    return undefined;
  }

  private maybeResize(): void {
    const { size, noccupied, nnodes } = this;
    if ((size > nnodes * 4 && size > 1 << MIN_SHIFT) || size <= noccupied + Math.trunc(noccupied / 16)) this.resize();
  }

  /** GLib relocates in place: old slots in index order, evicting occupants of claimed slots. */
  private resize(): void {
    const oldSize = this.size;
    let n = Math.trunc(this.nnodes * 1.333);
    let shift = 0;
    while (n) {
      n >>= 1;
      shift++;
    }
    shift = Math.max(shift, MIN_SHIFT);
    this.size = 1 << shift;
    this.mod = PRIME_MOD[shift];
    this.mask = this.size - 1;
    const span = Math.max(this.size, oldSize);
    while (this.hashes.length < span) {
      this.hashes.push(UNUSED);
      this.keys.push(undefined);
    }
    const placed = new Array<boolean>(span).fill(false);
    for (let i = 0; i < oldSize; i++) {
      let hash = this.hashes[i];
      if (hash < 2) {
        this.hashes[i] = UNUSED;
        continue;
      }
      if (placed[i]) continue;
      this.hashes[i] = UNUSED;
      let key = this.keys[i];
      this.keys[i] = undefined;
      for (;;) {
        let slot = this.homeSlot(hash);
        let step = 0;
        while (placed[slot]) {
          step++;
          slot = (slot + step) & this.mask;
        }
        placed[slot] = true;
        const replaced = this.hashes[slot];
        const replacedKey = this.keys[slot];
        this.hashes[slot] = hash;
        this.keys[slot] = key;
        if (replaced < 2) break;
        hash = replaced;
        key = replacedKey;
      }
    }
    this.hashes.length = this.size;
    this.keys.length = this.size;
    this.noccupied = this.nnodes;
  }
}

/**
 * The key QEMU reports as unexpected, given the object's keys in insertion
 * (JSON text) order and the keys the visitor consumed; undefined when every
 * key was consumed.
 */
export function firstUnexpectedKey(keysInInsertionOrder: readonly string[], consumed: ReadonlySet<string>): string | undefined {
  const table = new GlibStringSet();
  for (const key of qdictKeyOrder(keysInInsertionOrder)) table.add(key);
  for (const key of consumed) table.delete(key);
  return table.first();
}
