/**
 * The interpreter's view of a PC's memory map: which pages of pc.ram are direct, how PAM
 * programming through PCI configuration changes that (and tells the vCPU), and CPU accesses
 * that start in an I/O region going to it whole.
 */
import { describe, expect, it } from "vitest";
import { createMachine } from "../../../src/softmmu/vl.js";
import { addressSpaceIo, addressSpaceMemory } from "../../../src/exec/memory.js";
import { addressSpaceLayout, cpuLoad, cpuStore } from "../../../src/accel/tcg/tcg-bus.js";
import { TcgAccel } from "../../../src/accel/tcg/tcg-accel.js";
import { addressSpaceVmOps } from "../../../src/accel/tcg/tcg-bus.js";

async function pc() {
  const inst = await createMachine(["-M", "pc", "-S", "-nodefaults", "-m", "32"], { prog: "qemu-system-x86_64" });
  return { inst, mem: addressSpaceMemory(inst.registry), io: addressSpaceIo(inst.registry) };
}

/** Writes one byte of the host bridge's (00:00.0) configuration space through ports 0xcf8/0xcfc. */
function pciWriteByte(io: ReturnType<typeof addressSpaceIo>, reg: number, value: number): void {
  cpuStore(io, 0xcf8, (0x80000000 | (reg & 0xfc)) >>> 0, 4);
  cpuStore(io, 0xcfc + (reg & 3), value, 1);
}

const page = (addr: number) => addr >>> 12;

describe("tcg bus over the PC memory map", () => {
  it("RAM pages are direct; option ROM space and the BIOS area with PAM off are not", async () => {
    const { mem } = await pc();
    const l = addressSpaceLayout(mem);
    expect(l.ram.length).toBe(32 * 1024 * 1024);
    expect(l.pageFlags[page(0)]).toBe(3);
    expect(l.pageFlags[page(0x9f000)]).toBe(3);
    // Without a display card QEMU's flat view has pc.ram up to 0xbffff too.
    expect(l.pageFlags[page(0xb8000)]).toBe(3);
    expect(l.pageFlags[page(0xc0000)]).toBe(0);
    expect(l.pageFlags[page(0xf0000)]).toBe(0);
    expect(l.pageFlags[page(0x100000)]).toBe(3);
  });

  it("the VGA window of a display card is not direct", async () => {
    const inst = await createMachine(["-M", "pc", "-S", "-nodefaults", "-vga", "std"], { prog: "qemu-system-x86_64" });
    const l = addressSpaceLayout(addressSpaceMemory(inst.registry));
    expect(l.pageFlags[page(0xa0000)]).toBe(0);
    expect(l.pageFlags[page(0xb8000)]).toBe(0);
  });

  it("PAM: RAM read/write makes the BIOS pages direct, read-only makes them direct for reads only", async () => {
    const { mem, io } = await pc();
    pciWriteByte(io, 0x59, 0x30); // PAM0: 0xf0000-0xfffff read/write RAM
    expect(addressSpaceLayout(mem).pageFlags[page(0xf0000)]).toBe(3);
    pciWriteByte(io, 0x59, 0x10); // read-only: reads from RAM, writes go nowhere
    expect(addressSpaceLayout(mem).pageFlags[page(0xf0000)]).toBe(1);
  });

  it("a vCPU hears of map changes: its bus is refreshed", async () => {
    const { inst, mem, io } = await pc();
    const accel = new TcgAccel({ memory: mem });
    const vcpu = accel.createVcpu(0, addressSpaceVmOps(mem, io));
    expect(vcpu.bus.pageFlags[page(0xf0000)]).toBe(0);
    pciWriteByte(io, 0x59, 0x30);
    expect(vcpu.bus.pageFlags[page(0xf0000)]).toBe(3);
    accel.close();
    pciWriteByte(io, 0x59, 0x00);
    // Closed: no longer listening.
    expect(vcpu.bus.pageFlags[page(0xf0000)]).toBe(3);
    void inst;
  });

  it("a 4-byte access at 0xcf8 reaches the PCI config index whole, despite the reset register at 0xcf9", async () => {
    const { io } = await pc();
    cpuStore(io, 0xcf8, 0x80000000, 4);
    expect(cpuLoad(io, 0xcf8, 4)).toBe(0x80000000);
    expect(cpuLoad(io, 0xcfc, 4)).toBe(0x12378086); // i440FX: device 1237, vendor 8086
  });

  it("reads of the BIOS at the top of 4 GiB come from the ROM", async () => {
    const { mem } = await pc();
    // The reset vector of SeaBIOS (or any PC firmware) starts with a far jump.
    expect(cpuLoad(mem, 0xfffffff0, 1)).toBe(0xea);
  });
});
