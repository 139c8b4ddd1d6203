/**
 * System Management Mode in the interpreter, against QEMU 7.2's smm_helper.c (x86_64 build): an
 * SMI saves the state at SMBASE + 0xfe00 in the AMD64 layout, starts the handler at SMBASE:8000
 * in flat 16-bit mode, and RSM restores the saved (possibly edited) state, SMBASE included.
 */
import { describe, expect, it } from "vitest";
import { RamOnlyBus } from "../../../../src/target/i386/tcg/bus.js";
import { CS, SS } from "../../../../src/target/i386/tcg/constants.js";
import { X86Cpu } from "../../../../src/target/i386/tcg/cpu.js";
import { infoRegisters } from "../../../../src/monitor/hmp/info-registers.js";

const RSM = [0x0f, 0xaa];
/** mov dword [cs:off], imm32 (16-bit addressing). */
function movCsDword(off: number, imm: number): number[] {
  return [0x2e, 0x66, 0xc7, 0x06, off & 0xff, off >> 8, imm & 0xff, (imm >> 8) & 0xff, (imm >> 16) & 0xff, imm >>> 24];
}

/** RAM only, recording the CPU's switches between its normal and SMM memory views. */
class SmmBus extends RamOnlyBus {
  readonly views: boolean[] = [];
  setSmm(on: boolean): void {
    this.views.push(on);
  }
}

function machine() {
  const bus = new SmmBus(1 << 20);
  const views = bus.views;
  const cpu = new X86Cpu({ bus, level: 686 });
  const dv = new DataView(bus.ram.buffer);
  // The interrupted program at 0000:1000: three NOPs and HLT.
  bus.ram.set([0x90, 0x90, 0x90, 0xf4], 0x1000);
  cpu.setSegCache(CS, 0, 0, 0xffff, cpu.segAr[CS]!);
  cpu.eip = 0x1000;
  return { bus, cpu, dv, views };
}

describe("tcg SMM", () => {
  it("an SMI saves the AMD64 state map at SMBASE+0xfe00 and enters SMBASE:8000 in flat 16-bit mode", () => {
    const { bus, cpu, dv, views } = machine();
    bus.ram.set([0xf4], 0x38000); // the handler just halts
    cpu.r32[0] = 0x11223344;
    cpu.r32[7] = 0x55667788;
    cpu.setFlags(0x202 | 0x1);
    cpu.injectSmi();
    expect(cpu.run(10)).toBe("hlt");
    expect(cpu.inSmm).toBe(true);
    expect(views).toEqual([true]);
    const s = 0x30000 + 0x8000;
    expect(dv.getUint32(s + 0x7efc, true)).toBe(0x00020064); // revision: AMD64 map, relocatable
    expect(dv.getUint32(s + 0x7f00, true)).toBe(0x30000); // SMBASE
    expect(dv.getUint32(s + 0x7ff8, true)).toBe(0x11223344); // RAX
    expect(dv.getUint32(s + 0x7fc0, true)).toBe(0x55667788); // RDI
    expect(dv.getUint32(s + 0x7f78, true)).toBe(0x1000); // RIP: the SMI came before the first NOP
    expect(dv.getUint32(s + 0x7f70, true)).toBe(0x203); // EFLAGS
    expect(dv.getUint16(s + 0x7e10, true)).toBe(0); // CS selector
    expect(dv.getUint32(s + 0x7e14, true)).toBe(0xffff); // CS limit
    expect(dv.getUint32(s + 0x7f60, true)).toBe(0x400); // DR7
    // The handler's state (QEMU: CS = SMBASE >> 4 with base SMBASE, 4 GiB limits, EFLAGS 2).
    expect(cpu.segBase[CS]! >>> 0).toBe(0x30000);
    expect(cpu.segSel[CS]).toBe(0x3000);
    expect(cpu.segLimit[SS]).toBe(0xffffffff);
    expect(cpu.getFlags()).toBe(2);
    expect(cpu.cs32).toBe(false);
    expect(cpu.eip).toBe(0x8001);
  });

  it("RSM restores the edited state and takes the new SMBASE; the next SMI uses it", () => {
    const { bus, cpu, dv, views } = machine();
    // Handler at the reset SMBASE: relocate to 0x50000, change the saved EAX, RSM.
    bus.ram.set([...movCsDword(0xff00, 0x50000), ...movCsDword(0xfff8, 0xcafe), ...RSM], 0x38000);
    bus.ram.set([...movCsDword(0xfff0, 0xbeef), ...RSM], 0x58000); // the relocated one changes ECX
    cpu.setFlags(0x202);
    cpu.injectSmi();
    expect(cpu.run(3)).toBe("budget");
    expect(cpu.inSmm).toBe(false);
    expect(cpu.smbase).toBe(0x50000);
    expect(cpu.r32[0]).toBe(0xcafe);
    expect(cpu.eip).toBe(0x1000);
    expect(cpu.getFlags()).toBe(0x202);
    expect(cpu.segBase[CS]).toBe(0);
    cpu.injectSmi();
    expect(cpu.run(2)).toBe("budget");
    expect(dv.getUint32(0x50000 + 0x8000 + 0x7efc, true)).toBe(0x00020064);
    expect(cpu.r32[1]).toBe(0xbeef);
    expect(cpu.smiCount).toBe(2);
    expect(views).toEqual([true, false, true, false]);
  });

  it("an SMI during SMM waits for RSM; NMIs stay blocked inside SMM", () => {
    const { bus, cpu } = machine();
    bus.ram.set([0x90, ...RSM], 0x38000);
    cpu.injectSmi();
    cpu.run(1); // enters SMM and runs the NOP
    expect(cpu.inSmm).toBe(true);
    cpu.injectSmi();
    cpu.injectNmi();
    expect(cpu.nmiBlocked).toBe(true);
    cpu.run(1); // RSM, then the latched SMI at once
    expect(cpu.inSmm).toBe(true);
    expect(cpu.smiCount).toBe(2);
  });

  it("the captured state says SMM, and `info registers` shows SMM=1 as QEMU's does", () => {
    const { bus, cpu } = machine();
    bus.ram.set([0xf4], 0x38000);
    cpu.injectSmi();
    cpu.run(5);
    const s = cpu.getState();
    expect(s.smm).toBe(true);
    expect(infoRegisters(0, s).join("\n")).toMatch(/ SMM=1 HLT=1$/m);
    cpu.reset();
    expect(infoRegisters(0, cpu.getState()).join("\n")).toMatch(/ SMM=0 HLT=0$/m);
  });

  it("RSM outside SMM is #UD", () => {
    const { bus, cpu, dv } = machine();
    bus.ram.set(RSM, 0x1000);
    dv.setUint32(6 * 4, 0x2000, true); // IVT[6] = 0000:2000
    bus.ram[0x2000] = 0xf4;
    expect(cpu.run(5)).toBe("hlt");
    expect(cpu.eip).toBe(0x2001);
    expect(dv.getUint16(0xfffa, true)).toBe(0x1000); // pushed IP: the RSM itself
  });

  it("reset leaves SMM and restores SMBASE 0x30000", () => {
    const { bus, cpu, views } = machine();
    bus.ram.set([...movCsDword(0xff00, 0x50000), 0xf4], 0x38000);
    cpu.injectSmi();
    cpu.run(5);
    expect(cpu.inSmm).toBe(true);
    cpu.reset();
    expect(cpu.inSmm).toBe(false);
    expect(cpu.smbase).toBe(0x30000);
    expect(views.at(-1)).toBe(false);
  });
});
