/**
 * The tcg accelerator: vCPUs over explicit memory slots (the AccelOps contract kvm shares), exits,
 * I/O served inside run(), and a kick from another thread ending a run of a `jmp $` loop.
 */
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import type { AccessSize, VmOps } from "../../../src/accel/accel-ops.js";
import { kickByHandle } from "../../../src/accel/accel-ops.js";
import { TcgAccel } from "../../../src/accel/tcg/tcg-accel.js";

/** VmOps that record port writes and answer port reads with a fixed value. */
function recordingOps(): VmOps & { out: Array<[number, number, AccessSize]>; mmio: Array<[number, number]> } {
  const out: Array<[number, number, AccessSize]> = [];
  const mmio: Array<[number, number]> = [];
  return {
    out,
    mmio,
    pioRead: () => 0x5a,
    pioWrite: (port, value, size) => out.push([port, value, size]),
    mmioRead: () => 0xffffffff,
    mmioWrite: (gpa, value) => mmio.push([gpa, value]),
  };
}

/** A 64 KiB ROM for 0xf0000 whose reset vector jumps to `code` at f000:0000. */
function rom(code: number[]): Uint8Array {
  const r = new Uint8Array(0x10000).fill(0xf4);
  r.set(code, 0);
  r.set([0xea, 0x00, 0x00, 0x00, 0xf0], 0xfff0); // jmp f000:0000
  return r;
}

/** 512 KiB of RAM at 0, the ROM at 0xf0000 and again at the top of 4 GiB (where a PC's firmware is seen at reset). */
function machine(code: number[]): { accel: TcgAccel; ops: ReturnType<typeof recordingOps>; ram: Uint8Array; image: Uint8Array } {
  const accel = new TcgAccel();
  const ram = new Uint8Array(0x80000);
  const image = rom(code);
  accel.mapMemory(0, ram);
  accel.mapMemory(0xf0000, image, { readonly: true });
  accel.mapMemory(0xffff0000, image, { readonly: true });
  return { accel, ops: recordingOps(), ram, image };
}

describe("TcgVcpu", () => {
  it("runs from the reset vector, serves port I/O inside run() and exits on HLT", () => {
    // mov ax, 0x1234; out 0x80, ax; in al, 0x60; mov [0x500], al; hlt
    const { accel, ops, ram } = machine([0xb8, 0x34, 0x12, 0xe7, 0x80, 0xe4, 0x60, 0xa2, 0x00, 0x05, 0xf4]);
    const vcpu = accel.createVcpu(0, ops);
    expect(vcpu.run()).toEqual({ reason: "halted" });
    expect(ops.out).toEqual([[0x80, 0x1234, 2]]);
    expect(ram[0x500]).toBe(0x5a);
    expect(vcpu.getState().eip).toBe(0x0b);
    expect(vcpu.lastExecuted).toBe(6); // the reset vector's far jump, then five
  });

  it("writes to a read-only slot or to no slot reach the machine; the ROM bytes stay", () => {
    // mov ax,0x9000; mov ds,ax; mov byte [0],0x77; mov ax,0xf000; mov ds,ax; mov byte [0x100],0x66; hlt
    const code = [0xb8, 0x00, 0x90, 0x8e, 0xd8, 0xc6, 0x06, 0x00, 0x00, 0x77, 0xb8, 0x00, 0xf0, 0x8e, 0xd8, 0xc6, 0x06, 0x00, 0x01, 0x66, 0xf4];
    const { accel, ops, image } = machine(code);
    const vcpu = accel.createVcpu(0, ops);
    expect(vcpu.run().reason).toBe("halted");
    expect(ops.mmio).toEqual([
      [0x90000, 0x77],
      [0xf0100, 0x66],
    ]);
    expect(image[0x100]).toBe(0xf4);
  });

  it("a budget ends run() with 'interrupted'; the next run continues", () => {
    const { accel, ops } = machine([0xeb, 0xfe]); // jmp $
    const vcpu = accel.createVcpu(0, ops);
    vcpu.budget = 1000;
    expect(vcpu.run()).toEqual({ reason: "interrupted" });
    expect(vcpu.lastExecuted).toBeGreaterThanOrEqual(1000);
    expect(vcpu.run()).toEqual({ reason: "interrupted" });
    expect(vcpu.getState().eip).toBe(0);
  });

  it("a kick set before run() makes it return at once, and is consumed", () => {
    const { accel, ops } = machine([0xeb, 0xfe]);
    const vcpu = accel.createVcpu(0, ops);
    vcpu.budget = 1e12;
    vcpu.kick();
    expect(vcpu.run()).toEqual({ reason: "interrupted" });
    expect(vcpu.kickFlag[0]).toBe(0);
  });

  it("another thread ends a run of `jmp $` through the kick handle", async () => {
    const { accel, ops } = machine([0xeb, 0xfe]);
    const vcpu = accel.createVcpu(0, ops);
    vcpu.budget = 1e12;
    const handle = vcpu.kickHandle;
    expect(handle.kind).toBe("flag");
    // The worker waits until it is told the run has started, then kicks.
    const started = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(
      `const { workerData } = require("node:worker_threads");
       const [started, flag] = workerData;
       Atomics.wait(started, 0, 0);
       setTimeout(() => { Atomics.store(flag, 0, 1); Atomics.notify(flag, 0); }, 20);`,
      { eval: true, workerData: [started, handle.kind === "flag" ? handle.flag : undefined] },
    );
    await new Promise((r) => worker.once("online", r));
    Atomics.store(started, 0, 1);
    Atomics.notify(started, 0);
    expect(vcpu.run()).toEqual({ reason: "interrupted" });
    expect(vcpu.lastExecuted).toBeGreaterThan(0);
    await worker.terminate();
    // kickByHandle is the same path from the current thread.
    kickByHandle(vcpu.kickHandle);
    expect(vcpu.run()).toEqual({ reason: "interrupted" });
  });

  it("a triple fault is reported as such, and reset() restarts at the reset vector", () => {
    // lidt [cs:idt0] (limit 0); int3 → #GP → #DF → shutdown
    const code = [0x2e, 0x0f, 0x01, 0x1e, 0x10, 0x00, 0xcc, 0xf4];
    const full = [...code, ...new Array(0x10 - code.length).fill(0x90), 0, 0, 0, 0, 0, 0];
    const { accel, ops } = machine(full);
    const vcpu = accel.createVcpu(0, ops);
    expect(vcpu.run()).toEqual({ reason: "triple-fault" });
    vcpu.reset();
    const s = vcpu.getState();
    expect([s.cs.selector, s.eip]).toEqual([0xf000, 0xfff0]);
  });

  it("getState/setState round-trip", () => {
    const { accel, ops } = machine([0xf4]);
    const vcpu = accel.createVcpu(0, ops);
    const s = vcpu.getState();
    s.eax = 0xdeadbeef;
    vcpu.setState(s);
    expect(vcpu.getState().eax).toBe(0xdeadbeef);
  });
});
