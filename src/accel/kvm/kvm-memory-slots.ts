/**
 * KVM memory slots kept equal to a machine's memory map (QEMU's kvm_region_add/del as a memory
 * listener): every RAM or ROM range of the address space's flat view becomes a slot over the very
 * bytes the devices use (ROM and ROM devices in ROMD mode read-only, so writes exit to the
 * device); everything else (MMIO, holes, RAM that is not page-aligned) stays unmapped and exits
 * to VmOps. Re-synchronised on every map change (PAM, SMRAM, BARs, ROM devices switching mode).
 */
import type { AddressSpace } from "../../exec/address-space.js";
import type { AccelOps } from "../accel-ops.js";
import { isMappable } from "./guest-memory.js";

const PAGE = 4096;

export interface SlotSpec {
  readonly gpa: number;
  readonly bytes: Uint8Array;
  readonly readonly: boolean;
}

/** The slots a flat view asks for: whole pages of RAM-backed ranges, adjacent pieces merged. */
export function slotsOfView(as: AddressSpace, mappable: (v: Uint8Array) => boolean = isMappable): SlotSpec[] {
  const out: SlotSpec[] = [];
  for (const r of as.view.ranges) {
    if (r.ram === undefined) continue;
    const start = Math.ceil(r.start / PAGE) * PAGE;
    const end = Math.floor(Math.min(r.end, 2 ** 52) / PAGE) * PAGE;
    if (end <= start) continue;
    const index = r.ramIndex + (start - r.start);
    const bytes = r.ram.subarray(index, index + (end - start));
    if (bytes.length !== end - start || !mappable(bytes)) continue;
    const readonly = !r.writable;
    const last = out[out.length - 1];
    // Neighbouring pieces of one block at consecutive offsets (PAM windows in the same mode) share a slot.
    if (
      last && last.readonly === readonly && last.gpa + last.bytes.length === start &&
      last.bytes.buffer === bytes.buffer && last.bytes.byteOffset + last.bytes.length === bytes.byteOffset
    ) {
      out[out.length - 1] = { gpa: last.gpa, readonly, bytes: new Uint8Array(bytes.buffer, last.bytes.byteOffset, last.bytes.length + bytes.length) };
    } else {
      out.push({ gpa: start, bytes, readonly });
    }
  }
  return out;
}

function sameSlot(a: SlotSpec, b: SlotSpec): boolean {
  return a.gpa === b.gpa && a.readonly === b.readonly && a.bytes.buffer === b.bytes.buffer &&
    a.bytes.byteOffset === b.bytes.byteOffset && a.bytes.length === b.bytes.length;
}

/** Follows `as` into `accel`'s slots until `close()`. */
export class KvmMemorySlots {
  private current: SlotSpec[] = [];
  private readonly unsubscribe: () => void;
  /** Slot updates so far (figures and tests). */
  updates = 0;

  constructor(
    private readonly as: AddressSpace,
    private readonly accel: AccelOps,
  ) {
    this.sync();
    this.unsubscribe = as.onChange(() => this.sync());
  }

  get slots(): readonly SlotSpec[] {
    return this.current;
  }

  /** Removes the slots that changed first (KVM refuses overlapping slots), then adds the new ones. */
  sync(): void {
    const next = slotsOfView(this.as);
    const keep = (s: SlotSpec) => next.some((n) => sameSlot(n, s));
    for (const s of this.current) if (!keep(s)) this.accel.unmapMemory(s.gpa);
    for (const n of next) {
      if (this.current.some((s) => sameSlot(s, n))) continue;
      this.accel.mapMemory(n.gpa, n.bytes, { readonly: n.readonly });
      this.updates++;
    }
    this.current = next;
  }

  close(): void {
    this.unsubscribe();
  }
}
