/**
 * The iteration order of a GLib GHashTable keyed by strings (g_str_hash), as GLib 2.74 (Debian
 * 12, which QEMU 7.2 links) produces it. QEMU keeps an object's instance properties, each
 * class's properties and the type table in such tables, so everything QEMU lists by walking
 * them (qom-list, qom-list-properties, device-list-properties, query-chardev over `/chardevs`,
 * query-memdev over `/objects`) comes out in this order, not in creation order.
 *
 * The model tracks only keys: slots, open addressing with quadratic probing, tombstones on
 * removal, and the in-place resize with its eviction chains, since all of these move keys. The
 * order therefore depends on the whole history of insertions and removals, not only on the keys
 * present.
 */
const UNUSED = 0;
const TOMBSTONE = 1;
const MIN_SHIFT = 3;
/** GLib's prime_mod table: the largest prime below each power of two. */
const PRIME_MOD = [
  1, 2, 3, 7, 13, 31, 61, 127, 251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071, 262139, 524287, 1048573,
];

/** g_str_hash(): djb2 over the bytes, taken as signed chars, in 32-bit arithmetic. */
export function gStrHash(key: string): number {
  let h = 5381;
  for (const byte of Buffer.from(key, "utf8")) {
    const c = byte >= 128 ? byte - 256 : byte;
    h = (Math.imul(h, 33) + c) >>> 0;
  }
  return h;
}

export class GHashOrder {
  private size = 0;
  private mod = 0;
  private mask = 0;
  private hashes: number[] = [];
  private keys: Array<string | undefined> = [];
  private nnodes = 0;
  private noccupied = 0;

  constructor() {
    this.setShift(MIN_SHIFT);
    this.hashes = new Array<number>(this.size).fill(UNUSED);
    this.keys = new Array<string | undefined>(this.size).fill(undefined);
  }

  private setShift(shift: number): void {
    this.size = 1 << shift;
    this.mod = PRIME_MOD[shift]!;
    this.mask = this.size - 1;
  }

  private toIndex(hash: number): number {
    return (Math.imul(hash, 11) >>> 0) % this.mod;
  }

  /** g_hash_table_lookup_node(): the slot holding `key`, or where it would go. */
  private lookupNode(key: string, hash: number): { index: number; found: boolean } {
    let index = this.toIndex(hash);
    let step = 0;
    let firstTombstone = -1;
    while (this.hashes[index] !== UNUSED) {
      if (this.hashes[index] === hash && this.keys[index] === key) return { index, found: true };
      if (this.hashes[index] === TOMBSTONE && firstTombstone < 0) firstTombstone = index;
      step++;
      index = (index + step) & this.mask;
    }
    return { index: firstTombstone >= 0 ? firstTombstone : index, found: false };
  }

  private static realHash(key: string): number {
    const h = gStrHash(key);
    return h < 2 ? 2 : h;
  }

  insert(key: string): void {
    const hash = GHashOrder.realHash(key);
    const { index, found } = this.lookupNode(key, hash);
    if (found) return;
    const wasUnused = this.hashes[index] === UNUSED;
    this.hashes[index] = hash;
    this.keys[index] = key;
    this.nnodes++;
    if (wasUnused) {
      this.noccupied++;
      this.maybeResize();
    }
  }

  remove(key: string): void {
    const hash = GHashOrder.realHash(key);
    const { index, found } = this.lookupNode(key, hash);
    if (!found) return;
    this.hashes[index] = TOMBSTONE;
    this.keys[index] = undefined;
    this.nnodes--;
    this.maybeResize();
  }

  private maybeResize(): void {
    const size = this.size;
    if ((size > this.nnodes * 4 && size > 1 << MIN_SHIFT) || size <= this.noccupied + Math.floor(this.noccupied / 16)) {
      this.resize();
    }
  }

  private resize(): void {
    const oldSize = this.size;
    let n = Math.floor(this.nnodes * 1.333);
    let shift = 0;
    while (n) {
      n >>= 1;
      shift++;
    }
    this.setShift(Math.max(shift, MIN_SHIFT));
    if (this.size > oldSize) {
      for (let i = oldSize; i < this.size; i++) {
        this.hashes.push(UNUSED);
        this.keys.push(undefined);
      }
    }
    const relocated = new Set<number>();
    for (let i = 0; i < oldSize; i++) {
      let nodeHash = this.hashes[i]!;
      if (nodeHash < 2) {
        this.hashes[i] = UNUSED;
        continue;
      }
      if (relocated.has(i)) continue;
      this.hashes[i] = UNUSED;
      let key = this.keys[i];
      this.keys[i] = undefined;
      for (;;) {
        let hv = this.toIndex(nodeHash);
        let step = 0;
        while (relocated.has(hv)) {
          step++;
          hv = (hv + step) & this.mask;
        }
        relocated.add(hv);
        const replaced = this.hashes[hv]!;
        this.hashes[hv] = nodeHash;
        if (replaced < 2) {
          this.keys[hv] = key;
          break;
        }
        nodeHash = replaced;
        const evicted = this.keys[hv];
        this.keys[hv] = key;
        key = evicted;
      }
    }
    if (this.size < oldSize) {
      this.hashes.length = this.size;
      this.keys.length = this.size;
    }
    this.noccupied = this.nnodes;
  }

  /** A table that saw exactly these insertions, in this order, and no removal. */
  static fromInsertions(keys: Iterable<string>): GHashOrder {
    const table = new GHashOrder();
    for (const key of keys) table.insert(key);
    return table;
  }

  /** The keys in the order g_hash_table_iter visits them. */
  order(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.size; i++) if (this.hashes[i]! >= 2) out.push(this.keys[i]!);
    return out;
  }
}
