/**
 * The tcg accelerator for one machine (QEMU's TCG context, here the x86 interpreter): makes
 * vCPUs over the machine's memory. The machine normally hands it its memory address space, so
 * RAM permissions follow the memory map (PAM, SMRAM, BARs) on their own; without one, guest
 * memory is what `mapMemory` was given, as with kvm's slots.
 */
import type { AddressSpace } from "../../exec/address-space.js";
import type { AccelOps, AccessSize, MapMemoryOptions, VmOps } from "../accel-ops.js";
import { addressSpaceSource, cpuLoad, cpuStore, TcgBus, type TcgMemorySource, type TcgSmmView } from "./tcg-bus.js";
import { TcgVcpu, type TcgCpuOptions } from "./tcg-vcpu.js";

export interface TcgAccelOptions {
  /** The machine's memory address space; absent: memory comes from mapMemory. */
  memory?: AddressSpace;
  /** Per-vCPU interpreter options (CPU model, cpuid, TSC source). */
  cpuOptions?: (index: number) => TcgCpuOptions;
  /** A vCPU's SMM view (QEMU's `cpu-smm-N`), when the machine has SMRAM; used with `memory`. */
  smmMemory?: (index: number) => AddressSpace | undefined;
}

interface Slot {
  gpa: number;
  bytes: Uint8Array;
  readonly: boolean;
}

/** Memory from explicit slots: the slot at 0 is the fast-path RAM, the others are served by the accel. */
class SlotSource implements TcgMemorySource {
  readonly slots = new Map<number, Slot>();
  private readonly listeners = new Set<() => void>();

  layout(): { ram: Uint8Array; pageFlags: Uint8Array } {
    const s = this.slots.get(0);
    const ram = s?.bytes ?? new Uint8Array(0);
    const flags = new Uint8Array(ram.length >>> 12).fill(s?.readonly ? 1 : 3);
    return { ram, pageFlags: flags };
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  changed(): void {
    for (const fn of this.listeners) fn();
  }

  find(gpa: number, size: number): Slot | undefined {
    for (const s of this.slots.values()) if (gpa >= s.gpa && gpa + size <= s.gpa + s.bytes.length) return s;
    return undefined;
  }
}

function readLe(b: Uint8Array, i: number, size: AccessSize): number {
  if (size === 1) return b[i]!;
  if (size === 2) return b[i]! | (b[i + 1]! << 8);
  return (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
}

function writeLe(b: Uint8Array, i: number, v: number, size: AccessSize): void {
  for (let k = 0; k < size; k++) b[i + k] = v >>> (8 * k);
}

export class TcgAccel implements AccelOps {
  readonly name = "tcg" as const;
  readonly vcpus: TcgVcpu[] = [];
  private readonly slots = new SlotSource();
  private readonly source: TcgMemorySource;

  constructor(private readonly opts: TcgAccelOptions = {}) {
    this.source = opts.memory ? addressSpaceSource(opts.memory) : this.slots;
  }

  mapMemory(gpa: number, bytes: Uint8Array, opts: MapMemoryOptions = {}): void {
    if (this.opts.memory) throw new Error("tcg: memory comes from the machine's address space");
    this.slots.slots.set(gpa, { gpa, bytes, readonly: opts.readonly === true });
    this.slots.changed();
  }

  unmapMemory(gpa: number): void {
    if (this.slots.slots.delete(gpa)) this.slots.changed();
  }

  createVcpu(index: number, ops: VmOps): TcgVcpu {
    const smm = this.smmView(index, ops);
    const bus = new TcgBus(this.source, this.opts.memory ? ops : this.slotOps(ops), smm);
    const vcpu = new TcgVcpu(index, bus, this.opts.cpuOptions?.(index) ?? {});
    vcpu.own(this.source.onChange(() => vcpu.memoryMapChanged()));
    if (smm) vcpu.own(smm.source.onChange(() => vcpu.memoryMapChanged()));
    if (this.source.onRamWrite) vcpu.own(this.source.onRamWrite((a, l) => vcpu.ramWritten(a, l)));
    this.vcpus.push(vcpu);
    return vcpu;
  }

  /** The SMM view: memory accesses through the vCPU's SMM address space, I/O and interrupts as usual. */
  private smmView(index: number, ops: VmOps): TcgSmmView | undefined {
    const as = this.opts.memory ? this.opts.smmMemory?.(index) : undefined;
    if (!as) return undefined;
    return {
      source: addressSpaceSource(as),
      ops: { ...ops, mmioRead: (gpa, size) => cpuLoad(as, gpa, size), mmioWrite: (gpa, v, size) => cpuStore(as, gpa, v, size) },
    };
  }

  /** Without an address space, slots other than the one at 0 are served here; ROM writes reach the machine. */
  private slotOps(ops: VmOps): VmOps {
    const slots = this.slots;
    return {
      ...ops,
      mmioRead: (gpa, size) => {
        const s = slots.find(gpa, size);
        return s ? readLe(s.bytes, gpa - s.gpa, size) : ops.mmioRead(gpa, size);
      },
      mmioWrite: (gpa, value, size) => {
        const s = slots.find(gpa, size);
        if (s && !s.readonly) writeLe(s.bytes, gpa - s.gpa, value, size);
        else ops.mmioWrite(gpa, value, size);
      },
    };
  }

  close(): void {
    for (const v of this.vcpus) v.close();
    this.vcpus.length = 0;
  }
}
