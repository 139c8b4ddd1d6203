/**
 * One machine's memory system: its address spaces, the memory transaction (QEMU's
 * memory_region_transaction_begin/commit) and the flat views shared between address spaces
 * with the same root. QEMU keeps these in globals; qomd has one per type registry, that is,
 * per machine worker.
 *
 * A committed change invalidates every address space (their listeners hear about it at once);
 * flat views are rendered again lazily, on the next access, so building a machine's map does
 * not render it hundreds of times.
 */
import { AddressSpace } from "./address-space.js";
import { flatViewRoot, generateFlatView, type FlatView } from "./flatview.js";
import type { MemoryRegion } from "./memory-region.js";
import type { TypeRegistry } from "../qom/type.js";

export class MemorySystem {
  /** In creation order (QEMU's address_spaces list). */
  readonly addressSpaces: AddressSpace[] = [];
  /** Rendered views by flat-view root (QEMU's flat_views table); cleared by every change. */
  private readonly flatViews = new Map<MemoryRegion | undefined, FlatView>();
  private depth = 0;
  private pending = false;
  /** `system` and `io`, and their address spaces, once memoryMapInit has run. */
  systemMemory: MemoryRegion | undefined;
  systemIo: MemoryRegion | undefined;
  addressSpaceMemory: AddressSpace | undefined;
  addressSpaceIo: AddressSpace | undefined;

  transactionBegin(): void {
    this.depth++;
  }

  markPending(pending: boolean): void {
    if (pending) this.pending = true;
  }

  transactionCommit(): void {
    if (this.depth <= 0) throw new Error("memory transaction commit without begin");
    if (--this.depth > 0 || !this.pending) return;
    this.pending = false;
    this.flatViews.clear();
    for (const as of this.addressSpaces) as.invalidate();
  }

  /** The view of `root`, shared by every address space whose root renders the same. */
  flatViewFor(root: MemoryRegion): FlatView {
    const phys = flatViewRoot(root);
    let view = this.flatViews.get(phys);
    if (!view) {
      view = generateFlatView(phys);
      this.flatViews.set(phys, view);
    }
    return view;
  }

  /** QEMU's address_space_init. */
  addressSpaceInit(root: MemoryRegion, name: string | undefined): AddressSpace {
    const as = new AddressSpace(this, root, name ?? "anonymous");
    this.addressSpaces.push(as);
    return as;
  }

  /** QEMU's address_space_destroy. */
  addressSpaceDestroy(as: AddressSpace): void {
    const i = this.addressSpaces.indexOf(as);
    if (i >= 0) this.addressSpaces.splice(i, 1);
  }
}

const systems = new WeakMap<TypeRegistry, MemorySystem>();

/** The memory system of the machine that owns `registry`, created on first use. */
export function memorySystemOf(registry: TypeRegistry): MemorySystem {
  let ms = systems.get(registry);
  if (!ms) {
    ms = new MemorySystem();
    systems.set(registry, ms);
  }
  return ms;
}
