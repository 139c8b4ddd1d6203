/**
 * Shared set-up for the KVM guest tests: whether KVM can run here (and if not, what is missing),
 * a VM with RAM at 0 and a guest from test/fixtures/kvm loaded at 0x8000, and a VmOps that
 * records every access.
 */
import { readFileSync } from "node:fs";
import { Worker } from "node:worker_threads";
import type { AccessSize, VmOps } from "../../../src/accel/accel-ops.js";
import { KvmAccel } from "../../../src/accel/kvm/kvm-accel.js";
import type { KvmAccelOptions } from "../../../src/accel/kvm/kvm-accel.js";
import { kvmAddonPath } from "../../../src/accel/kvm/kvm-addon.js";
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
  /** Tests that play the interrupt controller set these. */
  hasInterrupt?: () => boolean;
  acknowledgeInterrupt?: () => number;
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

/**
 * Another thread that kicks a vCPU by its token: for each round, it waits for `go(round)`, sleeps
 * `delayMs` (so the guest is well into whatever it does), records the time and kicks.
 */
export class Kicker {
  private readonly shared = new SharedArrayBuffer(16 + 8 * 8);
  private readonly flag = new Int32Array(this.shared, 0, 4);
  private readonly stamps = new BigInt64Array(this.shared, 16, 8);
  readonly exited: Promise<number>;

  constructor(token: number, rounds: number, delayMs = 20) {
    const worker = new Worker(
      `const { workerData } = require("node:worker_threads");
       const addon = require(workerData.addonPath);
       const flag = new Int32Array(workerData.shared, 0, 4);
       const stamps = new BigInt64Array(workerData.shared, 16, 8);
       for (let round = 1; round <= workerData.rounds; round++) {
         while (Atomics.load(flag, 0) < round) Atomics.wait(flag, 0, round - 1);
         Atomics.wait(flag, 1, 0, workerData.delayMs);
         stamps[round] = process.hrtime.bigint();
         if (!addon.kick(workerData.token)) throw new Error("no such vCPU");
       }`,
      { eval: true, workerData: { addonPath: kvmAddonPath(), shared: this.shared, token, rounds, delayMs } },
    );
    this.exited = new Promise<number>((resolve, reject) => {
      worker.on("exit", resolve);
      worker.on("error", reject);
    });
  }

  /** Lets round `round` start (from any thread, e.g. inside a port handler). */
  go(round: number): void {
    Atomics.store(this.flag, 0, round);
    Atomics.notify(this.flag, 0);
  }

  /** When round `round` kicked (process.hrtime.bigint()). */
  kickedAt(round: number): bigint {
    return this.stamps[round];
  }
}
