/**
 * Flat views (QEMU's FlatView and render_memory_region): a region tree rendered into sorted,
 * disjoint address ranges, each pointing at the terminal region that answers there. Higher
 * priority subregions are rendered first and hide what lies below; a region's own contents
 * only fill the gaps its subregions leave; aliases render their target through a window.
 */
import { SIZE_2_64, type MemoryRegion } from "./memory-region.js";

export class FlatRange {
  /** One past the last address; may be 2^64. */
  readonly end: number;
  /** Bytes a read may take directly (RAM, ROM, ROM device in ROMD mode); else undefined. */
  ram: Uint8Array | undefined;
  /** Index in `ram` of the byte at `start`. */
  ramIndex = 0;
  /** Writes may go straight to `ram`. */
  writable = false;

  constructor(
    readonly mr: MemoryRegion,
    readonly offsetInRegion: number,
    readonly start: number,
    readonly size: number,
    readonly romdMode: boolean,
    readonly readOnly: boolean,
    readonly nonvolatile: boolean,
  ) {
    this.end = start + size;
  }

  withSize(size: number): FlatRange {
    return new FlatRange(this.mr, this.offsetInRegion, this.start, size, this.romdMode, this.readOnly, this.nonvolatile);
  }

  /** QEMU's flatrange_equal. */
  equals(o: FlatRange): boolean {
    return (
      this.mr === o.mr &&
      this.start === o.start &&
      this.size === o.size &&
      this.offsetInRegion === o.offsetInRegion &&
      this.romdMode === o.romdMode &&
      this.readOnly === o.readOnly &&
      this.nonvolatile === o.nonvolatile
    );
  }
}

export class FlatView {
  /** Sorted by start, disjoint. */
  readonly ranges: FlatRange[];
  /** Range starts, for binary search. */
  readonly starts: Float64Array;

  constructor(
    readonly root: MemoryRegion | undefined,
    ranges: FlatRange[],
  ) {
    this.ranges = ranges;
    this.starts = Float64Array.from(ranges, (r) => r.start);
    for (const r of ranges) prepareDirectAccess(r);
  }

  /** The range containing `addr`, or undefined (unassigned). */
  lookup(addr: number): FlatRange | undefined {
    const starts = this.starts;
    let lo = 0;
    let hi = starts.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid]! <= addr) lo = mid + 1;
      else hi = mid - 1;
    }
    if (hi < 0) return undefined;
    const r = this.ranges[hi]!;
    return addr < r.end ? r : undefined;
  }

  equals(o: FlatView): boolean {
    if (this.ranges.length !== o.ranges.length) return false;
    for (let i = 0; i < this.ranges.length; i++) {
      if (!this.ranges[i]!.equals(o.ranges[i]!)) return false;
    }
    return true;
  }
}

/** QEMU's memory_access_is_direct, plus: writes through a read-only window are discarded. */
function prepareDirectAccess(r: FlatRange): void {
  const mr = r.mr;
  const block = mr.ramBlock;
  if (!block) return;
  const directRead = (mr.ram && !mr.ramDevice) || (mr.romDevice && mr.romdMode);
  if (!directRead) return;
  r.ram = block.bytes;
  r.ramIndex = r.offsetInRegion;
  r.writable = mr.ram && !mr.readonly && !mr.romDevice && !mr.ramDevice && !r.readOnly;
}

/** QEMU's render_memory_region, over a list kept sorted by start. */
function render(
  out: FlatRange[],
  mr: MemoryRegion,
  base: number,
  clipStart: number,
  clipEnd: number,
  readonly: boolean,
  nonvolatile: boolean,
): void {
  if (!mr.enabled) return;
  base += mr.addr;
  readonly ||= mr.readonly;
  nonvolatile ||= mr.nonvolatile;
  clipStart = Math.max(clipStart, base);
  clipEnd = Math.min(clipEnd, base + mr.size);
  // An empty window renders nothing, here or below.
  if (clipEnd <= clipStart) return;

  if (mr.alias) {
    render(out, mr.alias, base - mr.alias.addr - mr.aliasOffset, clipStart, clipEnd, readonly, nonvolatile);
    return;
  }
  for (const sub of mr.subregions) render(out, sub, base, clipStart, clipEnd, readonly, nonvolatile);
  if (!mr.terminates) return;

  // Fill the gaps the ranges already rendered leave inside the clip.
  let offset = clipStart - base;
  let cur = clipStart;
  let remain = clipEnd - clipStart;
  let i = 0;
  for (; i < out.length && remain > 0; i++) {
    const r = out[i]!;
    if (cur >= r.end) continue;
    if (cur < r.start) {
      const now = Math.min(remain, r.start - cur);
      out.splice(i, 0, new FlatRange(mr, offset, cur, now, mr.romdMode, readonly, nonvolatile));
      i++;
      cur += now;
      offset += now;
      remain -= now;
    }
    const now = Math.min(cur + remain, r.end) - cur;
    cur += now;
    offset += now;
    remain -= now;
  }
  if (remain > 0) out.splice(i, 0, new FlatRange(mr, offset, cur, remain, mr.romdMode, readonly, nonvolatile));
}

function canMerge(a: FlatRange, b: FlatRange): boolean {
  return (
    a.end === b.start &&
    a.mr === b.mr &&
    a.offsetInRegion + a.size === b.offsetInRegion &&
    a.romdMode === b.romdMode &&
    a.readOnly === b.readOnly &&
    a.nonvolatile === b.nonvolatile
  );
}

/** QEMU's flatview_simplify: adjacent pieces of the same region become one range. */
function simplify(ranges: FlatRange[]): FlatRange[] {
  const out: FlatRange[] = [];
  for (const r of ranges) {
    const last = out[out.length - 1];
    if (last && canMerge(last, r)) out[out.length - 1] = last.withSize(last.size + r.size);
    else out.push(r);
  }
  return out;
}

/** QEMU's generate_memory_topology. */
export function generateFlatView(root: MemoryRegion | undefined): FlatView {
  const ranges: FlatRange[] = [];
  if (root) render(ranges, root, 0, 0, SIZE_2_64, false, false);
  return new FlatView(root, simplify(ranges));
}

/**
 * QEMU's memory_region_get_flatview_root: the region a flat view is really rendered from,
 * looking through a whole-region alias or a single whole-covering subregion, so that address
 * spaces that see the same thing share one view. Undefined when nothing is enabled.
 */
export function flatViewRoot(mr: MemoryRegion | undefined): MemoryRegion | undefined {
  while (mr && mr.enabled) {
    if (mr.alias) {
      if (mr.aliasOffset === 0 && mr.size >= mr.alias.size) {
        mr = mr.alias;
        continue;
      }
    } else if (!mr.terminates) {
      let found = 0;
      let next: MemoryRegion | undefined;
      for (const child of mr.subregions) {
        if (!child.enabled) continue;
        if (++found > 1) {
          next = undefined;
          break;
        }
        if (child.addr === 0 && mr.size >= child.size) next = child;
      }
      if (found === 0) return undefined;
      if (next) {
        mr = next;
        continue;
      }
    }
    return mr;
  }
  return undefined;
}
