/**
 * Guest memory that KVM can map and JavaScript already owns: a SharedArrayBuffer (so RAM blocks
 * stay shareable with every worker, as src/exec/ram-block.ts wants) with a view over a
 * page-aligned window of it. KVM maps whole host pages in place; a SharedArrayBuffer's bytes come
 * from the allocator with no alignment promise, so the buffer is allocated one alignment unit
 * larger and the window starts where the addon says the boundary is.
 */
import { loadKvmAddon } from "./kvm-addon.js";

/** 2 MiB windows for large blocks let the host back them with huge pages. */
const HUGE_PAGE = 2 * 1024 * 1024;

/**
 * A zero-filled, page-aligned view of `size` bytes (a multiple of the page size) over a fresh
 * SharedArrayBuffer. Needs the addon (only it can see host addresses).
 */
export function allocateGuestMemory(size: number): Uint8Array {
  const addon = loadKvmAddon();
  if (size <= 0 || size % addon.pageSize !== 0) {
    throw new RangeError(`guest memory of ${size} bytes is not a whole number of ${addon.pageSize}-byte pages`);
  }
  const align = size >= HUGE_PAGE ? HUGE_PAGE : addon.pageSize;
  const buffer = new SharedArrayBuffer(size + align);
  const offset = addon.alignOffset(new Uint8Array(buffer), align);
  return new Uint8Array(buffer, offset, size);
}

/** True when KVM can map `view` as it is (page-aligned start and length). */
export function isMappable(view: Uint8Array): boolean {
  const addon = loadKvmAddon();
  return view.byteLength > 0 && view.byteLength % addon.pageSize === 0 && addon.alignOffset(view, addon.pageSize) === 0;
}
