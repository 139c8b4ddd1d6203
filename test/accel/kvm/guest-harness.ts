/**
 * Shared set-up for the KVM guest tests: whether KVM can run here (and if not, what is missing),
 * a VM with RAM at 0 and a guest from test/fixtures/kvm loaded at 0x8000, and a VmOps that
 * records every access.
 */
import { readFileSync } from "node:fs";
import type { AccessSize, VmOps } from "../../../src/accel/accel-ops.js";
import { KvmAccel } from "../../../src/accel/kvm/kvm-accel.js";
import type { KvmAccelOptions } from "../../../src/accel/kvm/kvm-accel.js";
import { kvmAvailability } from "../../../src/accel/kvm/kvm-available.js";
import type { KvmVcpu } from "../../../src/accel/kvm/kvm-vcpu.js";
import { allocateGuestMemory } from "../../../src/accel/kvm/guest-memory.js";

/** Why the KVM tests cannot run here (naming /dev/kvm or the addon), or undefined when they can. */
export function kvmSkipReason(): string | undefined {
  const a = kvmAvailability();
  return a.usable ? undefined : `KVM unusable (${a.missing}): ${a.reason}`;
}

export const GUEST_LOAD_ADDR = 0x8000;

export function guestImage(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`../../fixtures/kvm/${name}.bin`, import.meta.url)));
}

export interface Access {
  kind: "pio" | "mmio";
  dir: "r" | "w";
  addr: number;
  size: AccessSize;
  value: number;
}

/** Records every access; reads answer from `reads` (address → value) or all ones. */
export class RecordingOps implements VmOps {
  readonly log: Access[] = [];
  readonly reads = new Map<number, number>();
  /** Called after each port write is logged, e.g. to kick the vCPU. */
  onPioWrite?: (port: number, value: number) => void;

  pioRead(port: number, size: AccessSize): number {
    const value = this.reads.get(port) ?? (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1);
    this.log.push({ kind: "pio", dir: "r", addr: port, size, value });
    return value;
  }
  pioWrite(port: number, value: number, size: AccessSize): void {
    this.log.push({ kind: "pio", dir: "w", addr: port, size, value });
    this.onPioWrite?.(port, value);
  }
  mmioRead(gpa: number, size: AccessSize): number {
    const value = this.reads.get(gpa) ?? (size === 4 ? 0xffffffff : (1 << (size * 8)) - 1);
    this.log.push({ kind: "mmio", dir: "r", addr: gpa, size, value });
    return value;
  }
  mmioWrite(gpa: number, value: number, size: AccessSize): void {
    this.log.push({ kind: "mmio", dir: "w", addr: gpa, size, value });
  }
  /** Bytes written to one port, in order. */
  portBytes(port: number): number[] {
    return this.log.filter((a) => a.kind === "pio" && a.dir === "w" && a.addr === port).map((a) => a.value);
  }
}

export interface Guest {
  accel: KvmAccel;
  vcpu: KvmVcpu;
  ram: Uint8Array;
  ops: RecordingOps;
}

/**
 * A VM with `ramSize` bytes of RAM at 0 (kernel-irqchip=off unless asked, so HLT comes back to
 * us), the named guest at 0x8000 and the vCPU in real mode at 0000:8000.
 */
export function bootGuest(name: string, opts: { ramSize?: number } & KvmAccelOptions = {}): Guest {
  const accel = KvmAccel.create({ kernelIrqchip: "off", ...opts });
  const ram = allocateGuestMemory(opts.ramSize ?? 1 << 20);
  accel.mapMemory(0, ram);
  ram.set(guestImage(name), GUEST_LOAD_ADDR);
  const ops = new RecordingOps();
  const vcpu = accel.createVcpu(0, ops);
  const s = vcpu.getState();
  s.cs = { selector: 0, base: 0, limit: 0xffff, flags: 0x9b };
  s.eip = GUEST_LOAD_ADDR;
  vcpu.setState(s);
  return { accel, vcpu, ram, ops };
}
