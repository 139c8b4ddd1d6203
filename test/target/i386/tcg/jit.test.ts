/**
 * The block compiler against the interpreter it must agree with: the same
 * generated instruction sequences as the QEMU differential test, compared bit
 * for bit (undefined flags included: the compiled code computes them the way
 * the interpreter does), plus instruction counting, budgets and kicks inside
 * compiled loops.
 */
import { describe, expect, it } from "vitest";
import { RamOnlyBus } from "../../../../src/target/i386/tcg/bus.js";
import { CS, DS, ES, SS } from "../../../../src/target/i386/tcg/constants.js";
import { X86Cpu } from "../../../../src/target/i386/tcg/cpu.js";
import type { JitMode } from "../../../../src/target/i386/tcg/cpu.js";
import { blockSource, jitStats } from "../../../../src/target/i386/tcg/jit/compile.js";
import { decodeInsn } from "../../../../src/target/i386/tcg/decode.js";
import { generateBatch } from "./qemu-diff/generate.js";
import { compareDumps, runQomdCpu } from "./qemu-diff/harness.js";

/** A CPU in flat 32-bit protected mode with `code` at 0x1000. */
function flatCpu(code: number[], jit: JitMode, bus = new RamOnlyBus(1 << 20)): X86Cpu {
  const cpu = new X86Cpu({ bus, level: 686, jit });
  bus.ram.set(code, 0x1000);
  cpu.cr0 |= 1;
  cpu.setSegCache(CS, 0x08, 0, 0xffffffff, 0xc09b);
  for (const s of [DS, ES, SS]) cpu.setSegCache(s, 0x10, 0, 0xffffffff, 0xc093);
  cpu.eip = 0x1000;
  cpu.r32[4] = 0x8000;
  return cpu;
}

describe("compiled blocks against the interpreter", () => {
  for (const [jit, threshold] of [["eager", 0], ["on", 1]] as const) {
    it(`generated sequences (jit ${jit}${jit === "on" ? `, threshold ${threshold}` : ""}): identical dumps and instruction counts`, () => {
      const before = jitStats.native;
      for (let seed = 1; seed <= 8; seed++) {
        const batch = generateBatch(seed, 10_000);
        const ref = runQomdCpu(batch, "off");
        const got = runQomdCpu(batch, jit, threshold);
        const exact = batch.sequences.map((s) => ({ ...s, undefMask: 0 }));
        const diffs = compareDumps(exact, ref.dump, got.dump);
        expect(diffs.slice(0, 3).map((d) => d.message).join("\n"), `seed ${seed}`).toBe("");
        expect(got.cpu.instructions).toBe(ref.cpu.instructions);
        expect(got.cpu.getState()).toEqual(ref.cpu.getState());
      }
      // The native emitters (not only interpreter fallbacks) did the work.
      expect(jitStats.native - before).toBeGreaterThan(jit === "eager" ? 10_000 : 1000);
    });
  }

  it("a compiled loop stops exactly at the budget, like the interpreter", () => {
    // l: add eax, 3; xor edx, eax; dec ecx; jnz l; hlt
    const code = [0x83, 0xc0, 0x03, 0x31, 0xc2, 0x49, 0x75, 0xf8, 0xf4];
    const ref = flatCpu(code, "off");
    const jitted = flatCpu(code, "on");
    for (const c of [ref, jitted]) c.r32[1] = 100_000;
    for (const budget of [1000, 1001, 1002, 1003, 77_777]) {
      expect(jitted.run(budget)).toBe(ref.run(budget));
      expect(jitted.instructions).toBe(ref.instructions);
      expect(jitted.getState()).toEqual(ref.getState());
    }
  });

  it("a kick from a device stops a compiled loop at the next iteration", () => {
    // l: out 0x80, al; inc eax; jmp l
    const code = [0xe6, 0x80, 0x40, 0xeb, 0xfb];
    for (const jit of ["off", "on"] as const) {
      const kick = new Int32Array(1);
      const bus = new RamOnlyBus(1 << 20);
      let writes = 0;
      bus.ioWrite = () => {
        if (++writes === 500) kick[0] = 1;
      };
      const cpu = new X86Cpu({ bus, level: 686, jit, kick });
      bus.ram.set(code, 0x1000);
      cpu.cr0 |= 1;
      cpu.setSegCache(CS, 0x08, 0, 0xffffffff, 0xc09b);
      cpu.eip = 0x1000;
      expect(cpu.run(1_000_000)).toBe("kick");
      expect(cpu.r32[0]).toBe(500);
    }
  });

  it("flags: a compare tested in the same block costs no lazy-flag stores; the block end writes them", () => {
    const bus = new RamOnlyBus(1 << 20);
    // add eax, ebx; xor edx, eax; dec ecx; jnz -8
    bus.ram.set([0x01, 0xd8, 0x31, 0xc2, 0x49, 0x75, 0xf9], 0x1000);
    const cpu = flatCpu([], "off", bus);
    const insns = [];
    let at = 0x1000;
    for (let k = 0; k < 4; k++) {
      const i = decodeInsn(cpu, at);
      i.delta = at - 0x1000;
      i.next = i.delta + i.len;
      insns.push(i);
      at += i.len;
    }
    const src = blockSource(insns, true, 686, false);
    // The ADD's and XOR's flags are dead (overwritten before anything reads them): no lazy state for them.
    expect(src.match(/c\.lzOp = /g)?.length).toBe(2); // the DEC's, on the two exits of the loop
    expect(src).toContain("continue;");
  });
});
