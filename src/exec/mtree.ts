/**
 * HMP `info mtree` (QEMU 7.2's mtree_info): the region tree of every address space, the
 * aliased regions below them, or with `-f` the rendered flat views.
 *
 * Ordering: QEMU walks hash tables keyed by pointers for the address-space groups and the
 * flat views, so its order between groups is not reproducible. qomd prints groups in the order
 * their first address space was created; inside a group, address spaces are sorted by name as
 * QEMU sorts them (tree view) or listed in creation order (flat view), as QEMU does.
 */
import type { QomObject } from "../qom/object.js";
import type { AddressSpace } from "./address-space.js";
import type { FlatView } from "./flatview.js";
import type { MemoryRegion } from "./memory-region.js";
import type { MemorySystem } from "./memory-system.js";

export interface MtreeOptions {
  /** `-f`: flat views instead of trees. */
  flatview?: boolean;
  /** `-o`: the owner of each region. */
  owner?: boolean;
  /** `-D`: regions that are disabled too. */
  disabled?: boolean;
}

const INDENT = "  ";
const MASK64 = (1n << 64n) - 1n;

function hex16(v: bigint): string {
  return v.toString(16).padStart(16, "0");
}

/** QEMU's MR_SIZE: the offset of the last byte (0 for an empty region). */
function lastOffset(size: number): bigint {
  return size === 0 ? 0n : BigInt(size) - 1n;
}

/** QEMU's memory_region_type. */
export function memoryRegionTypeName(mr: MemoryRegion): string {
  if (mr.alias) return memoryRegionTypeName(mr.alias);
  if (mr.ramDevice) return "ramd";
  if (mr.romDevice && mr.romdMode) return "romd";
  if (mr.ram && mr.readonly) return "rom";
  if (mr.ram) return "ram";
  return "i/o";
}

function expandOwner(label: string, obj: QomObject): string {
  const dev = obj.dynamicCast("device") as (QomObject & { id?: string | undefined }) | undefined;
  let s = ` ${label}:{${dev ? "dev" : "obj"}`;
  if (dev?.id) {
    s += ` id=${dev.id}`;
  } else {
    const path = obj.canonicalPath;
    s += path !== undefined ? ` path=${path}` : ` type=${obj.typeName}`;
  }
  return s + "}";
}

function ownerText(mr: MemoryRegion): string {
  const owner = mr.owner;
  const parent = mr.parent;
  if (!owner && !parent) return " orphan";
  let s = owner ? expandOwner("owner", owner) : "";
  if (parent && parent !== owner) s += expandOwner("parent", parent);
  return s;
}

class TreePrinter {
  out = "";
  readonly aliasQueue: MemoryRegion[] = [];

  constructor(private readonly opts: MtreeOptions) {}

  printRegion(mr: MemoryRegion, level: number, base: bigint): void {
    const start = (base + BigInt(mr.addr)) & MASK64;
    const end = (start + lastOffset(mr.size)) & MASK64;
    let line = "";
    if (start < base || end < start) line += "[DETECTED OVERFLOW!] ";
    const shown = mr.enabled || this.opts.disabled;
    const nv = mr.nonvolatile ? "nv-" : "";
    const disabled = mr.enabled ? "" : " [disabled]";
    if (mr.alias) {
      if (!this.aliasQueue.includes(mr.alias)) this.aliasQueue.push(mr.alias);
      const aliasStart = BigInt(mr.aliasOffset);
      line +=
        `${hex16(start)}-${hex16(end)} (prio ${mr.priority}, ${nv}${memoryRegionTypeName(mr)}): ` +
        `alias ${mr.name} @${mr.alias.name} ${hex16(aliasStart)}-${hex16((aliasStart + lastOffset(mr.size)) & MASK64)}${disabled}`;
    } else {
      line += `${hex16(start)}-${hex16(end)} (prio ${mr.priority}, ${nv}${memoryRegionTypeName(mr)}): ${mr.name}${disabled}`;
    }
    // A hidden disabled region still has its subregions printed, one level deeper, as in QEMU.
    if (shown) this.out += INDENT.repeat(level) + line + (this.opts.owner ? ownerText(mr) : "") + "\n";

    // Subregions by address; at equal addresses the higher priority first, else in list order.
    const queue: MemoryRegion[] = [];
    for (const sub of mr.subregions) {
      const i = queue.findIndex((q) => sub.addr < q.addr || (sub.addr === q.addr && sub.priority > q.priority));
      if (i < 0) queue.push(sub);
      else queue.splice(i, 0, sub);
    }
    for (const sub of queue) this.printRegion(sub, level + 1, start);
  }
}

function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function treeInfo(system: MemorySystem, opts: MtreeOptions): string {
  const p = new TreePrinter(opts);
  const groups = new Map<MemoryRegion, AddressSpace[]>();
  for (const as of system.addressSpaces) {
    const list = groups.get(as.root) ?? [];
    list.push(as);
    groups.set(as.root, list);
  }
  for (const [root, list] of groups) {
    for (const as of [...list].sort((a, b) => strcmp(a.name, b.name))) p.out += `address-space: ${as.name}\n`;
    p.printRegion(root, 1, 0n);
    p.out += "\n";
  }
  // The queue grows while it is printed: aliases inside aliased regions are listed too.
  for (let i = 0; i < p.aliasQueue.length; i++) {
    const mr = p.aliasQueue[i]!;
    p.out += `memory-region: ${mr.name}\n`;
    p.printRegion(mr, 1, 0n);
    p.out += "\n";
  }
  return p.out;
}

function flatViewInfo(system: MemorySystem, opts: MtreeOptions): string {
  const views = new Map<FlatView, AddressSpace[]>();
  for (const as of system.addressSpaces) {
    const view = as.view;
    const list = views.get(view) ?? [];
    list.push(as);
    views.set(view, list);
  }
  let out = "";
  let counter = 0;
  for (const [view, list] of views) {
    out += `FlatView #${counter++}\n`;
    for (const as of list) {
      out += ` AS "${as.name}", root: ${as.root.name}`;
      if (as.root.alias) out += `, alias ${as.root.alias.name}`;
      out += "\n";
    }
    out += ` Root memory region: ${view.root ? view.root.name : "(none)"}\n`;
    if (view.ranges.length === 0) {
      out += `${INDENT}No rendered FlatView\n\n`;
      continue;
    }
    for (const r of view.ranges) {
      const start = BigInt(r.start);
      const mr = r.mr;
      const type = r.readOnly ? "rom" : memoryRegionTypeName(mr);
      out += `${INDENT}${hex16(start)}-${hex16(start + lastOffset(r.size))} (prio ${mr.priority}, ${r.nonvolatile ? "nv-" : ""}${type}): ${mr.name}`;
      if (r.offsetInRegion) out += ` @${hex16(BigInt(r.offsetInRegion))}`;
      if (opts.owner) out += ownerText(mr);
      out += "\n";
    }
    out += "\n";
  }
  return out;
}

/** The text of `info mtree` with the given flags. */
export function mtreeInfo(system: MemorySystem, opts: MtreeOptions = {}): string {
  return opts.flatview ? flatViewInfo(system, opts) : treeInfo(system, opts);
}
