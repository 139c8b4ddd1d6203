import { describe, expect, it } from "vitest";
import { loadKvmAddon } from "../../../src/accel/kvm/kvm-addon.js";
import { allocateGuestMemory, isMappable } from "../../../src/accel/kvm/guest-memory.js";

let skip: string | undefined;
try {
  loadKvmAddon();
} catch (err) {
  skip = (err as Error).message;
  console.warn(`test/accel/kvm/guest-memory.test.ts skipped: ${skip}`);
}

describe.skipIf(skip !== undefined)(`guest memory${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("is a page-aligned window of a SharedArrayBuffer", () => {
    const page = loadKvmAddon().pageSize;
    for (const size of [page, 16 * page, 4 << 20]) {
      const m = allocateGuestMemory(size);
      expect(m.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(m.byteLength).toBe(size);
      expect(isMappable(m)).toBe(true);
      expect(m.every((b) => b === 0)).toBe(true);
    }
    // Large blocks start on a 2 MiB boundary (huge pages).
    expect(loadKvmAddon().alignOffset(allocateGuestMemory(4 << 20), 2 << 20)).toBe(0);
  });

  it("refuses sizes that are not whole pages; plain views are not mappable", () => {
    expect(() => allocateGuestMemory(1000)).toThrow(/not a whole number/);
    const raw = new Uint8Array(new SharedArrayBuffer(8192 + 1), 1, 4096);
    expect(isMappable(raw)).toBe(false);
  });
});
