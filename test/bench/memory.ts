/**
 * Memory API benchmarks: guest RAM reads and writes through AddressSpace (the fast path a CPU
 * uses when it has no cached pointer), port I/O dispatched to a device callback, an access
 * split into byte accesses, and rendering the flat view of a PC-sized map.
 */
import {
  addressSpaceIo,
  addressSpaceMemory,
  getSystemIo,
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionInitIo,
  memoryRegionInitRam,
  memoryRegionSetEnabled,
  type MemoryRegionOps,
} from "../../src/exec/memory.js";
import { qomInit } from "../../src/modules.js";
import { adoptChild } from "../../src/qom/child.js";
import { objectNew } from "../../src/qom/object.js";
import { objectGetRoot } from "../../src/qom/root.js";
import { opsPerSecond } from "./measure.js";

export async function run(): Promise<Record<string, number>> {
  const types = qomInit().types;
  adoptChild(objectGetRoot(types), "machine", objectNew(types, "container"));
  const sys = getSystemMemory(types);
  const io = getSystemIo(types);
  memoryRegionAddSubregion(sys, 0, memoryRegionInitRam(types, "pc.ram", 128 * 1024 * 1024));
  const state = { reg: 0 };
  const ops: MemoryRegionOps<typeof state> = {
    read: (s) => s.reg,
    write: (s, _addr, v) => {
      s.reg = v;
    },
  };
  const byteOnly: MemoryRegionOps<typeof state> = { ...ops, impl: { maxAccessSize: 1 } };
  // A PC-like I/O space: 40 port ranges.
  for (let i = 0; i < 40; i++) memoryRegionAddSubregion(io, 0x100 + i * 0x10, memoryRegionInitIo(types, ops, state, `port${i}`, 4));
  memoryRegionAddSubregion(io, 0x3f8, memoryRegionInitIo(types, byteOnly, state, "serial", 8));
  const mem = addressSpaceMemory(types);
  const ioas = addressSpaceIo(types);

  let addr = 0;
  let sink = 0;
  const ramRead32 = opsPerSecond(() => {
    sink ^= mem.read(addr, 4);
    addr = (addr + 4100) & 0x3fffffc;
  });
  const ramWrite32 = opsPerSecond(() => {
    mem.write(addr, addr, 4);
    addr = (addr + 4100) & 0x3fffffc;
  });
  let port = 0;
  const pioIn8 = opsPerSecond(() => {
    sink ^= ioas.read(0x100 + (port++ & 0xff), 1);
  });
  const pioOut32 = opsPerSecond(() => {
    ioas.write(0x180, port++, 4);
  });
  const pioSplit32 = opsPerSecond(() => {
    sink ^= ioas.read(0x3f8, 4);
  });
  const toggle = memoryRegionInitRam(types, "toggle", 0x1000);
  memoryRegionAddSubregion(sys, 0xe0000000, toggle);
  let on = false;
  const remap = opsPerSecond(() => {
    memoryRegionSetEnabled(toggle, (on = !on));
    sink ^= mem.read(0, 1);
  }, 200);
  if (sink === 0.5) console.log(sink);
  return {
    "memory.ram_read32_ops_per_s": ramRead32,
    "memory.ram_write32_ops_per_s": ramWrite32,
    "memory.pio_in8_ops_per_s": pioIn8,
    "memory.pio_out32_ops_per_s": pioOut32,
    "memory.pio_split_in32_ops_per_s": pioSplit32,
    "memory.remap_and_render_per_s": remap,
  };
}
