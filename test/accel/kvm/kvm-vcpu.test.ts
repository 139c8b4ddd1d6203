/**
 * KvmVcpu on /dev/kvm with the small guests of test/fixtures/kvm: port I/O and HLT exits,
 * MMIO round trips, a read-only slot, userspace interrupt injection, 64-bit long mode at CPL3,
 * kicks from another thread, and the state object.
 */
import { describe, expect, it } from "vitest";
import { allocateGuestMemory } from "../../../src/accel/kvm/guest-memory.js";
import { bootGuest, GUEST_LOAD_ADDR, Kicker, kvmSkipReason } from "./guest-harness.js";

const skip = kvmSkipReason();
if (skip) console.warn(`test/accel/kvm/kvm-vcpu.test.ts skipped: ${skip}`);

/** Long-mode guest parameters (see long-mode.asm). */
function setLoop(ram: Uint8Array, mode: 0 | 1, iterations: bigint): void {
  const dv = new DataView(ram.buffer, ram.byteOffset);
  dv.setUint32(GUEST_LOAD_ADDR + 8, mode, true);
  dv.setBigUint64(GUEST_LOAD_ADDR + 0x10, iterations, true);
}

const ch = (s: string): number => s.charCodeAt(0);

describe.skipIf(skip !== undefined)(`kvm vCPU${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("serves port I/O of every width, string OUT and IN inside run(), and returns on HLT", () => {
    const g = bootGuest("io-hlt");
    try {
      g.ops.reads.set(0x11, 0x41);
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      expect(g.ops.log).toEqual([
        { kind: "pio", dir: "w", addr: 0x10, size: 1, value: ch("K") },
        { kind: "pio", dir: "w", addr: 0x500, size: 2, value: 0x1234 },
        { kind: "pio", dir: "w", addr: 0x500, size: 4, value: 0xdeadbeef },
        { kind: "pio", dir: "r", addr: 0x11, size: 1, value: 0x41 },
        { kind: "pio", dir: "w", addr: 0x12, size: 1, value: 0x42 },
        ...[..."vm!"].map((c) => ({ kind: "pio", dir: "w", addr: 0x10, size: 1, value: ch(c) })),
      ]);
      // Running again resumes after the HLT.
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      expect(g.ops.log.at(-1)).toEqual({ kind: "pio", dir: "w", addr: 0x10, size: 1, value: ch("R") });
      expect(g.vcpu.getState().halted).toBe(true);
    } finally {
      g.accel.close();
    }
  });

  it("round-trips MMIO reads and writes of 1, 2 and 4 bytes through VmOps", () => {
    const g = bootGuest("mmio", { ramSize: 0x80000 });
    try {
      g.ops.reads.set(0xd0010, 0xab).set(0xd0012, 0xbeef).set(0xd0014, 0x87654321);
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      const mmio = g.ops.log.filter((a) => a.kind === "mmio");
      expect(mmio).toEqual([
        { kind: "mmio", dir: "w", addr: 0xd0000, size: 1, value: 0x5a },
        { kind: "mmio", dir: "w", addr: 0xd0002, size: 2, value: 0x1234 },
        { kind: "mmio", dir: "w", addr: 0xd0004, size: 4, value: 0xcafef00d },
        { kind: "mmio", dir: "r", addr: 0xd0010, size: 1, value: 0xab },
        { kind: "mmio", dir: "r", addr: 0xd0012, size: 2, value: 0xbeef },
        { kind: "mmio", dir: "r", addr: 0xd0014, size: 4, value: 0x87654321 },
      ]);
      expect(g.ops.portBytes(0x10)).toEqual([0xab, 0xbeef, 0x87654321]);
    } finally {
      g.accel.close();
    }
  });

  it("shares RAM with JavaScript and turns writes to a read-only slot into MMIO writes", () => {
    const g = bootGuest("rom", { ramSize: 0x80000 });
    try {
      const rom = allocateGuestMemory(4096);
      rom[0] = 0xa5;
      g.accel.mapMemory(0xe0000, rom, { readonly: true });
      g.ram[0x601] = 0x99; // read by the guest
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      expect(g.ops.portBytes(0x10)).toEqual([0x99, 0xa5, 0xa5]);
      expect(g.ops.log.filter((a) => a.kind === "mmio")).toEqual([
        { kind: "mmio", dir: "w", addr: 0xe0000, size: 1, value: 0x77 },
      ]);
      expect(rom[0]).toBe(0xa5);
      expect(g.ram[0x600]).toBe(0x42); // written by the guest
    } finally {
      g.accel.close();
    }
  });

  it("injects interrupts from a userspace controller and wakes HLT only when one is pending", () => {
    const g = bootGuest("irq");
    try {
      let pending = false;
      g.ops.hasInterrupt = () => pending;
      g.ops.acknowledgeInterrupt = () => {
        pending = false;
        return 0x20;
      };
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      expect(g.ops.portBytes(0x10)).toEqual([]);
      // Still nothing pending: run() stays halted without entering the guest.
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      pending = true;
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      expect(g.ops.portBytes(0x10)).toEqual([ch("I"), ch("D")]);
      expect(pending).toBe(false);
    } finally {
      g.accel.close();
    }
  });

  it("enters 64-bit long mode and runs a compute loop at CPL3", () => {
    const g = bootGuest("long-mode", { ramSize: 2 << 20 });
    try {
      const n = 200_000_000;
      setLoop(g.ram, 0, BigInt(n));
      const t0 = process.hrtime.bigint();
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      const ns = Number(process.hrtime.bigint() - t0);
      // 'L' from CPL0 in long mode, 'U' from CPL3, the loop's result, then #UD (vector 6) from UD2.
      expect(g.ops.log.filter((a) => a.kind === "pio" && a.dir === "w").map((a) => [a.addr, a.value])).toEqual([
        [0x10, ch("L")], [0x10, ch("U")], [0x11, n % 2 ** 32], [0x13, 6],
      ]);
      const s = g.vcpu.getState();
      expect(s.cs.selector).toBe(0x08);
      expect((s.cs.flags >> 13) & 1).toBe(1); // CS.L
      expect(BigInt(s.long?.efer ?? "0") & 0x500n).toBe(0x500n); // LME | LMA
      expect(s.cr0 >>> 31).toBe(1);
      console.log(`long-mode CPL3 loop: ${(n * 4) / ns} G instructions/s (${(ns / 1e6).toFixed(1)} ms for ${n * 4} instructions, set-up included)`);
    } finally {
      g.accel.close();
    }
  });

  it("a kick before run() makes it return at once; a kick from another thread interrupts a guest in a loop", async () => {
    const g = bootGuest("long-mode", { ramSize: 2 << 20 });
    try {
      setLoop(g.ram, 0, 0n); // loop forever
      g.vcpu.kick();
      const before = g.vcpu.getState().eip;
      expect(g.vcpu.run()).toEqual({ reason: "interrupted" });
      expect(g.vcpu.getState().eip).toBe(before);

      const kicker = new Kicker((g.vcpu.kickHandle as { token: number }).token, 2);
      g.ops.onPioWrite = (port, value) => {
        if (port === 0x10 && value === ch("U")) kicker.go(1);
      };
      const counts: number[] = [];
      for (let round = 1; round <= 2; round++) {
        if (round === 2) kicker.go(2);
        expect(g.vcpu.run()).toEqual({ reason: "interrupted" });
        const returned = process.hrtime.bigint();
        console.log(`kick round ${round}: run() returned ${Number(returned - kicker.kickedAt(round)) / 1e3} µs after the kick`);
        const s = g.vcpu.getState();
        expect(s.cs.selector & 3).toBe(3); // stopped in the CPL3 loop
        counts.push(Number(BigInt(s.long?.gpr[0] ?? "0")));
      }
      expect(counts[0]).toBeGreaterThan(0);
      expect(counts[1]).not.toBe(counts[0]); // the loop ran on between the kicks
      expect(await kicker.exited).toBe(0);
      expect(g.vcpu.threadId).toBeGreaterThan(0);
    } finally {
      g.accel.close();
    }
  });

  it("with the in-kernel irqchip: HLT sleeps in the kernel until a kick, and KVM_IRQ_LINE wakes it", async () => {
    const g = bootGuest("pic", { kernelIrqchip: "on" });
    try {
      expect(g.accel.inKernelIrqchip).toBe(true);
      const kicker = new Kicker((g.vcpu.kickHandle as { token: number }).token, 2);
      g.ops.onPioWrite = (port, value) => {
        if (port === 0x10 && value === ch("P")) kicker.go(1);
      };
      // Programs the PIC (no exits), halts in the kernel; only the kick brings run() back.
      expect(g.vcpu.run()).toEqual({ reason: "interrupted" });
      expect(g.ops.portBytes(0x10)).toEqual([ch("P")]);
      expect(g.vcpu.getState().halted).toBe(true);
      // An edge on IRQ 1 of the in-kernel PIC: the handler runs, then the guest halts for good.
      g.accel.setIrq(1, true);
      g.accel.setIrq(1, false);
      g.ops.onPioWrite = (port, value) => {
        if (port === 0x10 && value === ch("D")) kicker.go(2);
      };
      expect(g.vcpu.run()).toEqual({ reason: "interrupted" });
      expect(g.ops.portBytes(0x10)).toEqual([ch("P"), ch("I"), ch("D")]);
      expect(await kicker.exited).toBe(0);
    } finally {
      g.accel.close();
    }
  });

  it("getState/setState round-trip, and 32-bit edits take effect", () => {
    const g = bootGuest("io-hlt");
    try {
      g.ops.reads.set(0x11, 0);
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      const s = g.vcpu.getState();
      g.vcpu.setState(s);
      const again = g.vcpu.getState();
      expect({ ...again, tsc: 0 }).toEqual({ ...s, tsc: 0 });
      // Restart at the first instruction through the 32-bit field alone.
      const restart = { ...s, eip: GUEST_LOAD_ADDR, halted: false };
      g.vcpu.setState(restart);
      expect(g.vcpu.getState().eip).toBe(GUEST_LOAD_ADDR);
      g.ops.log.length = 0;
      expect(g.vcpu.run()).toEqual({ reason: "halted" });
      expect(g.ops.portBytes(0x10)[0]).toBe(ch("K"));
      // x87 state survives: a value in R7 (ST0 after a push) as an exact 80-bit pattern and as a number.
      const f = g.vcpu.getState();
      f.fpu = { ...f.fpu, top: 7, tw: 0x3fff, regs: [0, 0, 0, 0, 0, 0, 0, 1.5] };
      delete f.long;
      g.vcpu.setState(f);
      const back = g.vcpu.getState();
      expect(back.fpu.regs[7]).toBe(1.5);
      expect(back.fpu.top).toBe(7);
      expect(back.fpu.tw).toBe(0x3fff);
      expect(back.long?.fpr[7]).toBe("00000000000000c0ff3f"); // 1.5: mantissa 0xc000…, exponent 0x3fff
    } finally {
      g.accel.close();
    }
  });

  it("reset() puts the vCPU in the power-on state", () => {
    const g = bootGuest("io-hlt");
    try {
      g.vcpu.reset();
      const s = g.vcpu.getState();
      expect(s.eip).toBe(0xfff0);
      expect(s.cs).toEqual({ selector: 0xf000, base: 0xffff0000, limit: 0xffff, flags: 0x9b });
      expect(s.cr0).toBe(0x60000010);
      expect(s.eflags).toBe(2);
      expect(s.fpu.cw).toBe(0x37f);
      expect(s.long?.mxcsr).toBe(0x1f80);
      expect(s.msrs[String(0x1b)]).toBe(String(0xfee00900));
    } finally {
      g.accel.close();
    }
  });
});
