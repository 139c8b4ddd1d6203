/**
 * Protected-mode machinery of the tcg interpreter, driven by small guest
 * programs in guests/*.asm (assembled bytes committed beside them; rebuild
 * with guests/build.sh). The harness builds the GDT, IDT and TSS in memory and
 * enters 32-bit flat protected mode at 0x1000; every IDT vector points at a
 * one-byte HLT stub at 0x3000 + 16 * vector, so where the CPU halts says which
 * exception was delivered.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RamOnlyBus } from "../../../../src/target/i386/tcg/bus.js";
import { CS, DS, ES, FS, GS, SS } from "../../../../src/target/i386/tcg/constants.js";
import { X86Cpu } from "../../../../src/target/i386/tcg/cpu.js";
import type { JitMode } from "../../../../src/target/i386/tcg/cpu.js";

const GDT = 0x500, IDT = 0x800, TSS = 0x4000, STUBS = 0x3000, STACK0 = 0x9000, TSS_ESP0 = 0x8800;

function guest(name: string): Uint8Array {
  return new Uint8Array(readFileSync(new URL(`./guests/${name}.bin`, import.meta.url)));
}
/** The dword the guest appended after its code: the address of its `fault` (or `after`) label. */
function marker(code: Uint8Array): number {
  return new DataView(code.buffer, code.byteOffset).getUint32(code.length - 4, true);
}

class Machine {
  readonly bus = new RamOnlyBus(16 << 20);
  readonly ram = this.bus.ram;
  readonly dv = new DataView(this.ram.buffer);
  readonly ports: [number, number][] = [];
  readonly cpu: X86Cpu;

  constructor(code: Uint8Array, opts: { notPresentVector?: number; idtLimit?: number; jit?: JitMode } = {}) {
    this.bus.ioWrite = (port, value) => {
      this.ports.push([port, value]);
    };
    this.cpu = new X86Cpu({ bus: this.bus, level: 686, jit: opts.jit });
    this.ram.set(code, 0x1000);
    // GDT: null, code0, data0, read-only data0, not-present data, data with limit 0xfff, TSS, -, code3, data3.
    this.desc(0x08, 0, 0xfffff, 0x9a, 0xc);
    this.desc(0x10, 0, 0xfffff, 0x92, 0xc);
    this.desc(0x18, 0, 0xfffff, 0x90, 0xc);
    this.desc(0x20, 0, 0xfffff, 0x12, 0xc);
    this.desc(0x28, 0x2000, 0xfff, 0x92, 0x4);
    this.desc(0x30, TSS, 0x67 + 0x2000 / 8 + 1, 0x89, 0);
    this.desc(0x40, 0, 0xfffff, 0xfa, 0xc);
    this.desc(0x48, 0, 0xfffff, 0xf2, 0xc);
    // IDT: 32-bit interrupt gates to the HLT stubs; INT 0x80 callable from ring 3.
    for (let v = 0; v < 256; v++) {
      const present = v !== opts.notPresentVector;
      this.gate(v, STUBS + v * 16, (present ? 0x80 : 0) | (v === 0x80 ? 0x60 : 0) | 0x0e);
      this.ram[STUBS + v * 16] = 0xf4;
    }
    // TSS: SS0:ESP0 and an I/O bitmap allowing only port 0x80.
    this.dv.setUint32(TSS + 4, TSS_ESP0, true);
    this.dv.setUint16(TSS + 8, 0x10, true);
    this.dv.setUint16(TSS + 0x66, 0x68, true);
    this.ram.fill(0xff, TSS + 0x68, TSS + 0x68 + 0x2000 / 8 + 1);
    this.ram[TSS + 0x68 + (0x80 >> 3)] &= ~(1 << (0x80 & 7));

    const c = this.cpu;
    c.gdtBase = GDT;
    c.gdtLimit = 0x4f;
    c.idtBase = IDT;
    c.idtLimit = opts.idtLimit ?? 256 * 8 - 1;
    c.cr0 |= 1;
    c.setCpl(0);
    c.setSegCache(CS, 0x08, 0, 0xffffffff, 0xc09b);
    for (const s of [DS, ES, SS, FS, GS]) c.setSegCache(s, 0x10, 0, 0xffffffff, 0xc093);
    c.trSel = 0x30;
    c.trBase = TSS;
    c.trLimit = 0x67 + 0x2000 / 8 + 1;
    c.trAr = 0x8b;
    c.r32[4] = STACK0;
    c.eip = 0x1000;
  }

  desc(sel: number, base: number, limit: number, access: number, flags: number): void {
    const at = GDT + sel;
    this.dv.setUint16(at, limit & 0xffff, true);
    this.dv.setUint16(at + 2, base & 0xffff, true);
    this.ram[at + 4] = (base >>> 16) & 0xff;
    this.ram[at + 5] = access;
    this.ram[at + 6] = ((limit >>> 16) & 0xf) | (flags << 4);
    this.ram[at + 7] = base >>> 24;
  }

  gate(v: number, target: number, typeByte: number): void {
    const at = IDT + v * 8;
    this.dv.setUint16(at, target & 0xffff, true);
    this.dv.setUint16(at + 2, 0x08, true);
    this.ram[at + 4] = 0;
    this.ram[at + 5] = typeByte;
    this.dv.setUint16(at + 6, target >>> 16, true);
  }

  run(): string {
    return this.cpu.run(100_000);
  }
  /** The vector whose stub the CPU halted in. */
  vector(): number {
    const at = this.cpu.eip - 1 - STUBS;
    return at % 16 === 0 ? at / 16 : -1;
  }
  stack(k: number): number {
    return this.dv.getUint32((this.cpu.segBase[SS] + this.cpu.r32[4] + 4 * k) >>> 0, true);
  }
}

// Each guest runs interpreted, with every block compiled first, and compiled once hot (the default).
for (const jit of ["off", "eager", "on"] as const) {
describe(`tcg protected mode (jit ${jit})`, () => {
  it("writing through a read-only data segment is #GP(0) at the faulting instruction", () => {
    const code = guest("seg-readonly");
    const m = new Machine(code, { jit });
    expect(m.run()).toBe("hlt");
    expect(m.vector()).toBe(13);
    expect(m.stack(0)).toBe(0); // error code
    expect(m.stack(1)).toBe(marker(code)); // EIP of the faulting MOV
    expect(m.stack(2)).toBe(0x08);
    expect(m.cpu.r32[3]).toBe(0x12345678); // the read through ES worked
    expect(m.dv.getUint32(0x2000, true)).toBe(0x12345678);
  });

  it("loading a not-present segment is #NP with the selector as error code; the register is unchanged", () => {
    const code = guest("seg-notpresent");
    const m = new Machine(code, { jit });
    expect(m.run()).toBe("hlt");
    expect(m.vector()).toBe(11);
    expect(m.stack(0)).toBe(0x20);
    expect(m.stack(1)).toBe(marker(code));
    expect(m.cpu.segSel[DS]).toBe(0x10);
  });

  it("an access running past the segment limit is #GP(0); the last dword inside is fine", () => {
    const code = guest("seg-limit");
    const m = new Machine(code, { jit });
    m.dv.setUint32(0x2ffc, 0xdeadbeef, true);
    expect(m.run()).toBe("hlt");
    expect(m.vector()).toBe(13);
    expect(m.stack(0)).toBe(0);
    expect(m.stack(1)).toBe(marker(code));
    expect(m.cpu.r32[0] >>> 0).toBe(0xdeadbeef);
  });

  it("pages: A and D bits, a 4 MiB page, WP write protection raising #PF with CR2 and the error code", () => {
    const code = guest("paging");
    const m = new Machine(code, { jit });
    m.dv.setUint32(0x2000, 0x5a5a1234, true);
    expect(m.run()).toBe("hlt");
    expect(m.vector()).toBe(14);
    expect(m.stack(0)).toBe(3); // present | write, supervisor
    expect(m.stack(1)).toBe(marker(code));
    expect(m.cpu.cr2).toBe(0x5000);
    const pte = (n: number): number => m.dv.getUint32(0x21000 + n * 4, true);
    expect(pte(6) & 0x60).toBe(0x20); // accessed, not dirty
    expect(pte(7) & 0x60).toBe(0x60); // accessed and dirty
    expect(pte(5) & 0x40).toBe(0); // the refused write did not dirty it
    expect(m.dv.getUint32(0x20004, true) & 0x20).toBe(0x20); // the 4 MiB PDE got its A bit
    expect(m.cpu.r32[6]).toBe(0x5a5a1234); // read through the 4 MiB page
    expect(m.dv.getUint32(0x7000, true)).toBe(1);
  });

  it("a fault while delivering a fault becomes a double fault (vector 8, error code 0)", () => {
    const code = guest("double-fault");
    const m = new Machine(code, { notPresentVector: 13, jit });
    expect(m.run()).toBe("hlt");
    expect(m.vector()).toBe(8);
    expect(m.stack(0)).toBe(0);
    expect(m.stack(1)).toBe(marker(code));
  });

  it("a fault that cannot be delivered at all shuts the CPU down (triple fault)", () => {
    const code = guest("double-fault");
    const m = new Machine(code, { idtLimit: 7, jit });
    expect(m.run()).toBe("shutdown");
  });

  it("INT from ring 3 switches to the TSS ring-0 stack and pushes SS, ESP, EFLAGS, CS, EIP", () => {
    const code = guest("ring3");
    const m = new Machine(code, { jit });
    expect(m.run()).toBe("hlt");
    expect(m.vector()).toBe(0x80);
    expect(m.cpu.cpl).toBe(0);
    expect(m.cpu.segSel[SS]).toBe(0x10);
    expect(m.cpu.r32[4]).toBe(TSS_ESP0 - 20);
    expect(m.stack(0)).toBe(marker(code)); // return EIP after INT 0x80
    expect(m.stack(1)).toBe(0x43);
    expect(m.stack(2) & 0x3002).toBe(0x0002);
    expect(m.stack(3)).toBe(0x7000);
    expect(m.stack(4)).toBe(0x4b);
    expect(m.cpu.r32[0]).toBe(0xcafe);
  });

  it("ring 3 port I/O follows the TSS I/O permission bitmap", () => {
    const code = guest("ring3-io");
    const m = new Machine(code, { jit });
    expect(m.run()).toBe("hlt");
    expect(m.ports).toEqual([[0x80, 0x5a]]);
    expect(m.vector()).toBe(13);
    expect(m.stack(0)).toBe(0);
    expect(m.stack(1)).toBe(marker(code));
    expect(m.stack(2)).toBe(0x43);
  });

  it("self-modifying code: a write into the current block takes effect for the next instruction", () => {
    const m = new Machine(guest("smc"), { jit });
    expect(m.run()).toBe("hlt");
    expect(m.cpu.r8[0]).toBe(0x42);
  });

  it("self-modifying code in a hot loop: each patched immediate is the one executed", () => {
    const m = new Machine(guest("hot-smc"), { jit });
    expect(m.run()).toBe("hlt");
    expect(m.cpu.r32[3]).toBe(20100);
    expect(m.cpu.r32[1]).toBe(0);
  });

  it("a fault inside a hot loop: EIP of the faulting instruction, EFLAGS from the instruction before it", () => {
    const code = guest("hot-fault");
    const m = new Machine(code, { jit });
    expect(m.run()).toBe("hlt");
    expect(m.vector()).toBe(13);
    expect(m.stack(0)).toBe(0);
    expect(m.stack(1)).toBe(marker(code));
    // SUB ECX, 3 giving -3075 (1025 iterations): SF and AF set, CF ZF OF PF clear.
    expect(m.stack(3) & 0x8d5).toBe(0x90);
    expect(m.cpu.r32[1]).toBe(-3075);
    expect(m.cpu.r32[6]).toBe(0x1000);
  });
});
}

describe("tcg reset and state", () => {
  it("resets to CS=F000 base FFFF0000, IP=FFF0, EDX = the CPUID signature", () => {
    const cpu = new X86Cpu({ bus: new RamOnlyBus(1 << 20), level: 686, cpuid: (leaf) => (leaf === 1 ? [0x663, 0, 0, 0] : [0, 0, 0, 0]) });
    const s = cpu.getState();
    expect(s.cs.selector).toBe(0xf000);
    expect(s.cs.base).toBe(0xffff0000);
    expect(s.eip).toBe(0xfff0);
    expect(s.edx).toBe(0x663);
    expect(s.eflags).toBe(2);
    expect(s.cr0).toBe(0x60000010);
  });

  it("getState/setState round-trips through JSON", () => {
    const m = new Machine(guest("ring3"));
    m.run();
    const s = JSON.parse(JSON.stringify(m.cpu.getState()));
    const other = new X86Cpu({ bus: new RamOnlyBus(1 << 20), level: 686 });
    other.setState(s);
    expect(other.getState()).toEqual(m.cpu.getState());
  });

  it("runs out of budget and stops at a kick", () => {
    const kick = new Int32Array(new SharedArrayBuffer(4));
    const bus = new RamOnlyBus(1 << 20);
    bus.ram.set([0xeb, 0xfe], 0xffff0); // jmp $
    const cpu = new X86Cpu({ bus, level: 686, kick });
    cpu.setSegCache(CS, 0xf000, 0xf0000, 0xffff, 0x9b);
    expect(cpu.run(1000)).toBe("budget");
    kick[0] = 1;
    expect(cpu.run(1000)).toBe("kick");
  });
});
