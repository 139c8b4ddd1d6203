/**
 * The interpreter's view of a machine (the tcg side of QEMU's softmmu TLB fill: which guest
 * pages are plain RAM the CPU may touch directly, and where everything else goes).
 *
 * The CPU's fast path is one byte array indexed by physical address: the RAM block that backs
 * physical address 0 (`pc.ram` on the PC). Each 4 KiB page of it gets read/write permission
 * bits from the address space's flat view: a page is direct only where the flat view maps that
 * very block at the identical offset (so ram-below-4g is direct, a PAM window in RAM mode is
 * direct, a PAM window set read-only is direct for reads only, the VGA window and the PCI hole
 * are not). Every other access goes through the memory API (ROM, MMIO, holes), and port I/O
 * through the I/O address space. The permissions are recomputed when the memory map changes.
 */
import type { AddressSpace } from "../../exec/address-space.js";
import { dispatchRead, dispatchWrite } from "../../exec/dispatch.js";
import type { CpuBus } from "../../target/i386/tcg/bus.js";
import type { AccessSize, VmOps } from "../accel-ops.js";

/** pageFlags bits, as CpuBus documents them. */
const PAGE_READ = 1;
const PAGE_WRITE = 2;
const PAGE_SHIFT = 12;

/** Where the bus finds its RAM and learns of map changes: a machine address space, or explicit slots. */
export interface TcgMemorySource {
  /** The bytes at physical 0 and the per-page direct-access bits for them. */
  layout(): { ram: Uint8Array; pageFlags: Uint8Array };
  /** Calls `fn` after every change of the map; returns an unsubscribe function. */
  onChange(fn: () => void): () => void;
  /** Told about RAM writes that do not come from the CPU (DMA, firmware loading), for the code cache. */
  onRamWrite?(fn: (addr: number, length: number) => void): () => void;
}

/** The RAM block at physical 0 and its direct pages, from an address space's flat view. */
export function addressSpaceLayout(as: AddressSpace): { ram: Uint8Array; pageFlags: Uint8Array } {
  const first = as.lookup(0);
  const ram = first?.ram ?? new Uint8Array(0);
  const pages = ram.length >>> PAGE_SHIFT;
  const flags = new Uint8Array(pages);
  const limit = pages << PAGE_SHIFT;
  for (const r of as.view.ranges) {
    if (r.start >= limit) break;
    if (r.ram !== ram || r.ramIndex !== r.start) continue;
    // Only whole pages inside the range may be direct; a partial page stays on the slow path.
    const from = Math.ceil(r.start / 4096);
    const to = Math.floor(Math.min(r.end, limit) / 4096);
    const bits = PAGE_READ | (r.writable ? PAGE_WRITE : 0);
    for (let p = from; p < to; p++) flags[p] = bits;
  }
  return { ram, pageFlags: flags };
}

/** A machine's memory address space as a TcgMemorySource. */
export function addressSpaceSource(as: AddressSpace): TcgMemorySource {
  return {
    layout: () => addressSpaceLayout(as),
    onChange: (fn) => as.onChange(() => fn()),
    onRamWrite: (fn) => {
      const previous = as.ramWriteObserver;
      const observer = (addr: number, length: number) => {
        previous?.(addr, length);
        fn(addr, length);
      };
      as.ramWriteObserver = observer;
      return () => {
        if (as.ramWriteObserver === observer) as.ramWriteObserver = previous;
      };
    },
  };
}

/**
 * The CpuBus of one tcg vCPU: RAM straight from the layout, the rest through VmOps (which the
 * machine implements over its memory and I/O address spaces).
 */
/** A second memory view for System Management Mode (QEMU's `cpu-smm-N`), with its own slow paths. */
export interface TcgSmmView {
  source: TcgMemorySource;
  ops: VmOps;
}

/**
 * The CpuBus of one tcg vCPU: RAM straight from the layout, the rest through VmOps (which the
 * machine implements over its memory and I/O address spaces). With an SMM view, the CPU's SMM
 * switches between the two (QEMU chooses the address space per access from the SMM attribute).
 */
export class TcgBus implements CpuBus {
  ram: Uint8Array;
  pageFlags: Uint8Array;
  private inSmm = false;
  /** Each view's layout, computed when first needed after a change (SMM entries are frequent under SeaBIOS). */
  private normalLayout: { ram: Uint8Array; pageFlags: Uint8Array } | undefined;
  private smmLayout: { ram: Uint8Array; pageFlags: Uint8Array } | undefined;
  private ops: VmOps;

  constructor(
    private readonly source: TcgMemorySource,
    private readonly normalOps: VmOps,
    private readonly smm?: TcgSmmView,
  ) {
    this.ops = normalOps;
    const l = this.layout();
    this.ram = l.ram;
    this.pageFlags = l.pageFlags;
  }

  private layout(): { ram: Uint8Array; pageFlags: Uint8Array } {
    if (this.inSmm && this.smm) return (this.smmLayout ??= this.smm.source.layout());
    return (this.normalLayout ??= this.source.layout());
  }

  /** Re-reads the layout after a map change (the caller then tells the CPU). */
  refresh(): void {
    this.normalLayout = this.smmLayout = undefined;
    const l = this.layout();
    this.ram = l.ram;
    this.pageFlags = l.pageFlags;
  }

  setSmm(on: boolean): void {
    if (!this.smm) return;
    this.inSmm = on;
    this.ops = on ? this.smm.ops : this.normalOps;
    const l = this.layout();
    this.ram = l.ram;
    this.pageFlags = l.pageFlags;
  }

  readSlow(addr: number, size: 1 | 2 | 4): number {
    return this.ops.mmioRead(addr >>> 0, size);
  }

  writeSlow(addr: number, value: number, size: 1 | 2 | 4): void {
    this.ops.mmioWrite(addr >>> 0, value, size);
  }

  ioRead(port: number, size: 1 | 2 | 4): number {
    return this.ops.pioRead(port & 0xffff, size);
  }

  ioWrite(port: number, value: number, size: 1 | 2 | 4): void {
    this.ops.pioWrite(port & 0xffff, value, size);
  }

  hasInterrupt(): boolean {
    return this.ops.hasInterrupt?.() ?? false;
  }

  acknowledgeInterrupt(): number {
    return this.ops.acknowledgeInterrupt?.() ?? 0;
  }
}

const scratch = new Uint8Array(4);

/**
 * A CPU load (QEMU's address_space_ldl and friends): RAM and ROM through the address space; a
 * device gets the whole access at the address where it starts, even when a smaller region
 * overlaps part of it (as PIIX3's reset register at 0xcf9 overlaps the PCI config index at 0xcf8).
 */
export function cpuLoad(as: AddressSpace, addr: number, size: AccessSize): number {
  const r = as.lookup(addr);
  if (r === undefined || r.ram !== undefined) return as.read(addr, size);
  dispatchRead(r.mr, addr - r.start + r.offsetInRegion, size, scratch, 0);
  if (size === 1) return scratch[0]!;
  if (size === 2) return scratch[0]! | (scratch[1]! << 8);
  return (scratch[0]! | (scratch[1]! << 8) | (scratch[2]! << 16) | (scratch[3]! << 24)) >>> 0;
}

/** A CPU store (QEMU's address_space_stl and friends); see cpuLoad. */
export function cpuStore(as: AddressSpace, addr: number, value: number, size: AccessSize): void {
  const r = as.lookup(addr);
  if (r === undefined || r.ram !== undefined) {
    as.write(addr, value, size);
    return;
  }
  for (let i = 0; i < size; i++) scratch[i] = value >>> (8 * i);
  dispatchWrite(r.mr, addr - r.start + r.offsetInRegion, size, scratch, 0);
}

/** VmOps over a machine's memory and I/O address spaces (what a board gives every vCPU). */
export function addressSpaceVmOps(
  memory: AddressSpace,
  io: AddressSpace,
  interrupts?: { hasInterrupt(): boolean; acknowledgeInterrupt(): number; takeNmi?(): boolean },
): VmOps {
  const ops: VmOps = {
    pioRead: (port, size) => cpuLoad(io, port, size),
    pioWrite: (port, value, size) => cpuStore(io, port, value, size),
    mmioRead: (gpa, size) => cpuLoad(memory, gpa, size),
    mmioWrite: (gpa, value, size) => cpuStore(memory, gpa, value, size),
  };
  if (interrupts) {
    ops.hasInterrupt = () => interrupts.hasInterrupt();
    ops.acknowledgeInterrupt = () => interrupts.acknowledgeInterrupt();
    if (interrupts.takeNmi) ops.takeNmi = () => interrupts.takeNmi?.() ?? false;
  }
  return ops;
}
