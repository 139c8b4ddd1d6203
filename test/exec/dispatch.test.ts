import { beforeEach, describe, expect, it } from "vitest";
import {
  addressSpaceIo,
  addressSpaceMemory,
  getSystemIo,
  getSystemMemory,
  MEMTX_DECODE_ERROR,
  MEMTX_OK,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionDelSubregion,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionInitIo,
  memoryRegionInitRam,
  memoryRegionInitRom,
  memoryRegionInitRomDevice,
  memoryRegionRomDeviceSetRomd,
  memoryRegionSetAddress,
  memoryRegionSetAliasOffset,
  memoryRegionSetEnabled,
  memoryRegionSetReadonly,
  memoryRegionTransactionBegin,
  memoryRegionTransactionCommit,
  type MemoryRegionOps,
} from "../../src/exec/memory.js";
import type { TypeRegistry } from "../../src/qom/type.js";
import { freshMachine } from "./helpers.js";

let types: TypeRegistry;
beforeEach(() => {
  types = freshMachine();
});

/** A device of byte registers that logs every callback. */
class Regs {
  bytes = new Uint8Array(16).map((_, i) => 0x10 + i);
  calls: string[] = [];
}

function byteOps(extra: Partial<MemoryRegionOps<Regs>> = {}): MemoryRegionOps<Regs> {
  return {
    read: (s, addr, size) => {
      s.calls.push(`r${addr}/${size}`);
      let v = 0;
      for (let i = 0; i < size; i++) v += s.bytes[addr + i]! * 2 ** (8 * i);
      return v;
    },
    write: (s, addr, value, size) => {
      s.calls.push(`w${addr}/${size}=${value.toString(16)}`);
      for (let i = 0; i < size; i++) s.bytes[addr + i] = Math.floor(value / 2 ** (8 * i)) & 0xff;
    },
    ...extra,
  };
}

describe("priorities, overlaps and aliases", () => {
  it("lets the higher priority win and the most recent of equals", () => {
    const sys = getSystemMemory(types);
    const low = memoryRegionInitRam(types, "low", 0x1000);
    const high = memoryRegionInitRam(types, "high", 0x1000);
    low.ramBlock!.bytes.fill(1);
    high.ramBlock!.bytes.fill(2);
    memoryRegionAddSubregionOverlap(sys, 0, low, 0);
    memoryRegionAddSubregionOverlap(sys, 0x800, high, 1);
    const mem = addressSpaceMemory(types);
    expect(mem.read(0x7ff, 1)).toBe(1);
    expect(mem.read(0x800, 1)).toBe(2);
    expect(mem.read(0x17ff, 1)).toBe(2);
    const later = memoryRegionInitRam(types, "later", 0x1000);
    later.ramBlock!.bytes.fill(3);
    memoryRegionAddSubregionOverlap(sys, 0x800, later, 1);
    expect(mem.read(0x800, 1)).toBe(3);
    expect(mem.view.ranges.map((r) => [r.start, r.size, r.mr.name])).toEqual([
      [0, 0x800, "low"],
      [0x800, 0x1000, "later"],
    ]);
  });

  it("shows a container's own contents only in its subregions' gaps", () => {
    const io = getSystemIo(types);
    const regs = new Regs();
    memoryRegionAddSubregion(io, 0x60, memoryRegionInitIo(types, byteOps(), regs, "kbd", 1));
    const ioas = addressSpaceIo(types);
    expect(ioas.read(0x60, 1)).toBe(0x10);
    expect(ioas.read(0x61, 1)).toBe(0xff);
    expect(ioas.view.ranges.map((r) => [r.start, r.mr.name, r.offsetInRegion])).toEqual([
      [0, "io", 0],
      [0x60, "kbd", 0],
      [0x61, "io", 0x61],
    ]);
  });

  it("maps aliases with offsets, follows alias offset changes and read-only windows", () => {
    const sys = getSystemMemory(types);
    const ram = memoryRegionInitRam(types, "pc.ram", 0x100000);
    ram.ramBlock!.bytes[0xe0010] = 0xaa;
    const pci = memoryRegionInit(types, "pci", 2 ** 64);
    memoryRegionAddSubregionOverlap(sys, 0, pci, -1);
    const window = memoryRegionInitAlias(types, "pam-rom", ram, 0xe0000, 0x4000);
    memoryRegionAddSubregionOverlap(sys, 0xe0000, window, 1);
    const mem = addressSpaceMemory(types);
    expect(mem.read(0xe0010, 1)).toBe(0xaa);
    memoryRegionSetReadonly(window, true);
    mem.write(0xe0010, 0x55, 1);
    expect(mem.read(0xe0010, 1)).toBe(0xaa);
    expect(mem.ramPointer(0xe0010)).toMatchObject({ offset: 0xe0010, length: 0x3ff0, writable: false });
    memoryRegionSetAliasOffset(window, 0xe0010);
    expect(mem.read(0xe0000, 1)).toBe(0xaa);
    expect(mem.view.ranges[0]).toMatchObject({ start: 0xe0000, offsetInRegion: 0xe0010, readOnly: true });
  });

  it("hides disabled regions and moves regions", () => {
    const sys = getSystemMemory(types);
    const ram = memoryRegionInitRam(types, "ram", 0x1000);
    memoryRegionAddSubregion(sys, 0x1000, ram);
    const mem = addressSpaceMemory(types);
    mem.write(0x1000, 0x1234, 2);
    memoryRegionSetEnabled(ram, false);
    expect(mem.read(0x1000, 2)).toBe(0);
    expect(mem.lastResult).toBe(MEMTX_DECODE_ERROR);
    memoryRegionSetEnabled(ram, true);
    memoryRegionSetAddress(ram, 0x3000);
    expect(mem.read(0x3000, 4)).toBe(0x1234);
    expect(mem.read(0x1000, 2)).toBe(0);
    memoryRegionDelSubregion(sys, ram);
    expect(mem.view.ranges).toHaveLength(0);
  });
});

describe("access sizes", () => {
  it("splits a 4-byte access into a 1-byte-only device's accesses (impl)", () => {
    const regs = new Regs();
    const io = getSystemIo(types);
    memoryRegionAddSubregion(io, 0x100, memoryRegionInitIo(types, byteOps({ impl: { maxAccessSize: 1 } }), regs, "dev", 8));
    const ioas = addressSpaceIo(types);
    expect(ioas.read(0x100, 4)).toBe(0x13121110);
    expect(regs.calls).toEqual(["r0/1", "r1/1", "r2/1", "r3/1"]);
    regs.calls = [];
    ioas.write(0x104, 0xa1b2c3d4, 4);
    expect(regs.calls).toEqual(["w4/1=d4", "w5/1=c3", "w6/1=b2", "w7/1=a1"]);
  });

  it("cuts accesses wider than the valid maximum into several dispatches", () => {
    const regs = new Regs();
    const io = getSystemIo(types);
    memoryRegionAddSubregion(io, 0x100, memoryRegionInitIo(types, byteOps({ valid: { maxAccessSize: 1 } }), regs, "dev", 8));
    expect(addressSpaceIo(types).read(0x102, 2)).toBe(0x1312);
    expect(regs.calls).toEqual(["r2/1", "r3/1"]);
  });

  it("widens narrow accesses to the implemented minimum", () => {
    const regs = new Regs();
    memoryRegionAddSubregion(
      getSystemIo(types),
      0x100,
      memoryRegionInitIo(types, byteOps({ impl: { minAccessSize: 4, maxAccessSize: 4 } }), regs, "dev", 8),
    );
    expect(addressSpaceIo(types).read(0x104, 1)).toBe(0x14);
    expect(regs.calls).toEqual(["r4/4"]);
  });

  it("splits unaligned accesses at alignment and across regions", () => {
    const regs = new Regs();
    const io = getSystemIo(types);
    memoryRegionAddSubregion(io, 0x100, memoryRegionInitIo(types, byteOps(), regs, "dev", 4));
    const ioas = addressSpaceIo(types);
    // address_space_read (what qtest and DMA use): 0x103 is odd, so one byte comes from the
    // device and the rest from unassigned ports (all ones).
    const buf = new Uint8Array(2);
    ioas.readBytes(0x103, buf);
    expect(buf[0]! | (buf[1]! << 8)).toBe(0xff13);
    expect(ioas.read(0x101, 2)).toBe(0x1211);
    expect(regs.calls).toEqual(["r3/1", "r1/1", "r2/1"]);
  });

  it("sends a CPU load or store that starts in an I/O region to that region whole (address_space_ld/st)", () => {
    const regs = new Regs();
    const io = getSystemIo(types);
    memoryRegionAddSubregion(io, 0xcf8, memoryRegionInitIo(types, byteOps(), regs, "conf", 4));
    // A one-byte register laid over the second byte, like the PIIX3 reset control at 0xcf9.
    const rcr = new Regs();
    memoryRegionAddSubregionOverlap(io, 0xcf9, memoryRegionInitIo(types, byteOps(), rcr, "rcr", 1), 1);
    const ioas = addressSpaceIo(types);
    ioas.write(0xcf8, 0x80000000, 4);
    expect(regs.calls).toEqual(["w0/4=80000000"]);
    expect(rcr.calls).toEqual([]);
  });

  it("reads unassigned memory as zero and unassigned ports as all ones", () => {
    const mem = addressSpaceMemory(types);
    expect(mem.read(0xd0000000, 4)).toBe(0);
    expect(mem.lastResult).toBe(MEMTX_DECODE_ERROR);
    expect(mem.readQ(0xd0000000)).toBe(0n);
    const io = addressSpaceIo(types);
    expect(io.read(0x1234, 4)).toBe(0xffffffff);
    expect(io.read(0x1235, 1)).toBe(0xff);
    expect(io.lastResult).toBe(MEMTX_OK);
  });

  it("refuses what valid.accepts rejects", () => {
    const regs = new Regs();
    const ops = byteOps({ valid: { accepts: (_s, addr, _size, isWrite) => !isWrite || addr === 0 } });
    memoryRegionAddSubregion(getSystemMemory(types), 0x1000, memoryRegionInitIo(types, ops, regs, "dev", 4));
    const mem = addressSpaceMemory(types);
    mem.write(0x1001, 0x99, 1);
    expect(mem.lastResult).toBe(MEMTX_DECODE_ERROR);
    mem.write(0x1000, 0x99, 1);
    expect(regs.calls).toEqual(["w0/1=99"]);
  });

  it("serves 8-byte accesses from a 4-byte device and from read64", () => {
    const regs = new Regs();
    memoryRegionAddSubregion(getSystemMemory(types), 0x1000, memoryRegionInitIo(types, byteOps({ valid: { maxAccessSize: 8 } }), regs, "dev", 16));
    const mem = addressSpaceMemory(types);
    expect(mem.readQ(0x1000)).toBe(0x1716151413121110n);
    expect(regs.calls).toEqual(["r0/4", "r4/4"]);
    const wide: MemoryRegionOps<null> = {
      read64: (_s, addr) => 0x0102030405060708n + BigInt(addr),
      valid: { maxAccessSize: 8 },
      impl: { maxAccessSize: 8 },
    };
    memoryRegionAddSubregion(getSystemMemory(types), 0x2000, memoryRegionInitIo(types, wide, null, "wide", 16));
    expect(mem.readQ(0x2008)).toBe(0x0102030405060710n);
  });

  it("orders a big-endian device's bytes as QEMU does", () => {
    const regs = new Regs();
    memoryRegionAddSubregion(
      getSystemIo(types),
      0x514,
      memoryRegionInitIo(types, byteOps({ endianness: "big", impl: { maxAccessSize: 1 } }), regs, "fwcfg.dma", 8),
    );
    const io = addressSpaceIo(types);
    // Little-endian device bytes 10 11 12 13 come back as the guest's value 0x13121110 either way.
    expect(io.read(0x514, 4)).toBe(0x13121110);
    io.write(0x518, 0x11223344, 4);
    expect([...regs.bytes.subarray(4, 8)]).toEqual([0x44, 0x33, 0x22, 0x11]);
  });
});

describe("RAM, ROM and ROM devices", () => {
  it("gives direct access to RAM and tells about writes", () => {
    const ram = memoryRegionInitRam(types, "pc.ram", 0x10000);
    memoryRegionAddSubregion(getSystemMemory(types), 0x100000, ram);
    const mem = addressSpaceMemory(types);
    const p = mem.ramPointer(0x100010)!;
    expect(p).toMatchObject({ offset: 0x10, length: 0xfff0, writable: true });
    p.bytes[p.offset] = 0x42;
    expect(mem.read(0x100010, 1)).toBe(0x42);
    const writes: Array<[number, number]> = [];
    mem.ramWriteObserver = (addr, len) => writes.push([addr, len]);
    mem.write(0x100020, 0x01020304, 4);
    mem.writeBytes(0x10fffe, new Uint8Array([1, 2, 3, 4]));
    expect(writes).toEqual([
      [0x100020, 4],
      [0x10fffe, 2],
    ]);
    expect(mem.ramPointer(0x110000)).toBeUndefined();
  });

  it("ignores guest writes to ROM but loads it with writeRom", () => {
    const rom = memoryRegionInitRom(types, "pc.bios", 0x1000);
    memoryRegionAddSubregion(getSystemMemory(types), 0xfffff000, rom);
    const mem = addressSpaceMemory(types);
    mem.write(0xfffffff0, 0xea, 1);
    expect(mem.read(0xfffffff0, 1)).toBe(0);
    mem.writeRom(0xfffffff0, new Uint8Array([0xea, 0x5b, 0xe0]));
    expect(mem.read(0xfffffff0, 4)).toBe(0x00e05bea);
    expect(mem.ramPointer(0xfffffff0)?.writable).toBe(false);
  });

  it("reads a ROM device directly in ROMD mode and through its callbacks otherwise", () => {
    const regs = new Regs();
    const flash = memoryRegionInitRomDevice(types, byteOps(), regs, "flash", 0x100);
    flash.ramBlock!.bytes[0] = 0x77;
    memoryRegionAddSubregion(getSystemMemory(types), 0x10000, flash);
    const mem = addressSpaceMemory(types);
    expect(mem.read(0x10000, 1)).toBe(0x77);
    mem.write(0x10000, 0x5, 1);
    expect(regs.calls).toEqual(["w0/1=5"]);
    memoryRegionRomDeviceSetRomd(flash, false);
    expect(mem.read(0x10000, 1)).toBe(0x5);
  });
});

describe("change notification", () => {
  it("tells listeners once per committed transaction", () => {
    const mem = addressSpaceMemory(types);
    const seen: number[] = [];
    const off = mem.onChange((as) => seen.push(as.generation));
    memoryRegionTransactionBegin(types);
    const a = memoryRegionInitRam(types, "a", 0x1000);
    memoryRegionAddSubregion(getSystemMemory(types), 0, a);
    memoryRegionAddSubregion(getSystemMemory(types), 0x1000, memoryRegionInitRam(types, "b", 0x1000));
    expect(seen).toEqual([]);
    memoryRegionTransactionCommit(types);
    expect(seen).toHaveLength(1);
    // Changes to regions that are disabled anyway are not changes of the map.
    const hidden = memoryRegionInit(types, "hidden", 0x1000);
    memoryRegionSetEnabled(hidden, false);
    seen.length = 0;
    memoryRegionAddSubregion(getSystemMemory(types), 0x8000, hidden);
    expect(seen).toEqual([]);
    off();
    memoryRegionSetEnabled(a, false);
    expect(seen).toEqual([]);
  });
});
