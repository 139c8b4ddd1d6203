import { beforeEach, describe, expect, it } from "vitest";
import {
  addressSpaceIo,
  addressSpaceMemory,
  escapeRegionName,
  getSystemIo,
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionDelSubregion,
  memoryRegionInit,
  memoryRegionInitIo,
  memoryRegionInitRam,
  type MemoryRegionOps,
} from "../../src/exec/memory.js";
import { qomGet, qomList } from "../../src/qom/qom-qmp-cmds.js";
import { resolvePath } from "../../src/qom/path.js";
import { objectGetRoot } from "../../src/qom/root.js";
import type { TypeRegistry } from "../../src/qom/type.js";
import { freshMachine, ownerAt } from "./helpers.js";

let types: TypeRegistry;
beforeEach(() => {
  types = freshMachine();
});

describe("memory-region QOM objects", () => {
  it("places system and io under /machine/unattached with QEMU's properties", () => {
    getSystemMemory(types);
    getSystemIo(types);
    expect(qomGet(types, "/machine/unattached/system[0]", "type")).toBe("memory-region");
    expect(qomGet(types, "/machine/unattached/system[0]", "size")).toBe(18446744073709551615n);
    expect(qomGet(types, "/machine/unattached/system[0]", "container")).toBe("");
    expect(qomGet(types, "/machine/unattached/io[0]", "size")).toBe(65536);
    expect(qomList(types, "/machine/unattached/system[0]")).toEqual([
      { name: "type", type: "string" },
      { name: "container", type: "link<memory-region>" },
      { name: "addr", type: "uint64" },
      { name: "size", type: "uint64" },
      { name: "priority", type: "uint32" },
    ]);
  });

  it("reports container, addr and priority of a mapped region", () => {
    const sys = getSystemMemory(types);
    const msi = memoryRegionInitIo(ownerAt(types, "lapic"), undefined, undefined, "apic-msi", 0x100000);
    memoryRegionAddSubregionOverlap(sys, 0xfee00000, msi, 4096);
    expect(qomGet(types, "/machine/lapic/apic-msi[0]", "container")).toBe("/machine/unattached/system[0]");
    expect(qomGet(types, "/machine/lapic/apic-msi[0]", "addr")).toBe(4276092928);
    expect(qomGet(types, "/machine/lapic/apic-msi[0]", "priority")).toBe(4096);
    expect(resolvePath(objectGetRoot(types), "/machine/lapic/apic-msi[0]/container").obj).toBe(sys);
    memoryRegionDelSubregion(sys, msi);
    expect(qomGet(types, "/machine/lapic/apic-msi[0]", "container")).toBe("");
  });

  it("escapes names and numbers repeated names", () => {
    expect(escapeRegionName("/rom@etc/acpi/rsdp")).toBe("\\x2from@etc\\x2facpi\\x2frsdp");
    expect(escapeRegionName("a[1]\\")).toBe("a\\x5b1\\x5d\\x5c");
    const fwcfg = ownerAt(types, "fw_cfg");
    const rsdp = memoryRegionInitRam(fwcfg, "/rom@etc/acpi/rsdp", 4096);
    expect(rsdp.canonicalPath).toBe("/machine/fw_cfg/\\x2from@etc\\x2facpi\\x2frsdp[0]");
    expect(rsdp.name).toBe("/rom@etc/acpi/rsdp");
    const i440fx = ownerAt(types, "i440fx");
    const a = memoryRegionInit(i440fx, "pam-ram", 0x4000);
    const b = memoryRegionInit(i440fx, "pam-ram", 0x4000);
    expect([a.canonicalPath, b.canonicalPath]).toEqual(["/machine/i440fx/pam-ram[0]", "/machine/i440fx/pam-ram[1]"]);
  });

  it("leaves unnamed regions out of the tree", () => {
    const mr = memoryRegionInit(types, undefined, 16);
    expect(mr.parent).toBeUndefined();
    expect(mr.canonicalPath).toBeUndefined();
  });
});

describe("dispatch basics", () => {
  it("reads RAM, MMIO and unassigned space", () => {
    const sys = getSystemMemory(types);
    const ram = memoryRegionInitRam(types, "pc.ram", 0x10000);
    memoryRegionAddSubregion(sys, 0, ram);
    const regs = [0x11, 0x22];
    const ops: MemoryRegionOps<number[]> = {
      read: (s, addr) => s[addr]!,
      write: (s, addr, v) => {
        s[addr] = v;
      },
      valid: { minAccessSize: 1, maxAccessSize: 1 },
    };
    memoryRegionAddSubregion(getSystemIo(types), 0x70, memoryRegionInitIo(types, ops, regs, "rtc", 2));
    const mem = addressSpaceMemory(types);
    mem.write(0x100, 0xdeadbeef, 4);
    expect(mem.read(0x100, 4)).toBe(0xdeadbeef);
    expect(mem.read(0x101, 2)).toBe(0xadbe);
    expect(mem.read(0x20000, 4)).toBe(0);
    const io = addressSpaceIo(types);
    expect(io.read(0x70, 1)).toBe(0x11);
    expect(io.read(0x70, 2)).toBe(0x2211);
    expect(io.read(0x300, 4)).toBe(0xffffffff);
  });
});
