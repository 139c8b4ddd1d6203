// What the guest sees of the Q35 chipset: configuration space through 0xcf8/0xcfc and
// MMCONFIG, the PAM windows, the LPC's PM block and PIRQ routing, the SMBus EEPROMs and the
// AHCI registers. Values are QEMU 7.2's (its source and `info pci` of the real binary).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressSpaceIo, addressSpaceMemory, getSystemMemory, memoryRegionAddSubregion, memoryRegionDelSubregion, type MemoryRegion } from "../../../src/exec/memory.js";
import type { ICH9SMBState } from "../../../src/hw/i2c/smbus_ich9.js";
import type { AHCIPCIState } from "../../../src/hw/ide/ich.js";
import type { ICH9LPCState } from "../../../src/hw/isa/lpc_ich9.js";
import type { Q35PCIHost } from "../../../src/hw/pci-host/q35.js";
import { pciSetIrq } from "../../../src/hw/pci/pci.js";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { createMachine, type MachineInstance } from "../../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";

let m: MachineInstance;
const obj = <T>(path: string) => resolvePath(objectGetRoot(m.registry), path).obj as T;

beforeAll(async () => {
  m = await createMachine(["-L", fakeFirmwareDir(), "-M", "q35", "-S", "-nodefaults"], { prog: "qemu-system-x86_64" });
});
afterAll(async () => {
  await m.chardevs.closeAll();
});

/**
 * CONFIG_ADDRESS is set on the host bridge itself: a 4-byte port write at 0xcf8 overlaps the
 * reset control register at 0xcf9, which qomd's address space splits into byte accesses where
 * QEMU dispatches the whole access to the region at 0xcf8 (see the report). The data port and
 * everything behind it are the guest's view.
 */
function selectConfig(devfn: number, reg: number): void {
  obj<Q35PCIHost>("/machine/q35").configReg = (0x80000000 | (devfn << 8) | (reg & 0xfc)) >>> 0;
}

function cfgRead(devfn: number, reg: number, size: 1 | 2 | 4): number {
  selectConfig(devfn, reg);
  return addressSpaceIo(m.registry).read(0xcfc + (reg & 3), size);
}

function cfgWrite(devfn: number, reg: number, value: number, size: 1 | 2 | 4): void {
  selectConfig(devfn, reg);
  addressSpaceIo(m.registry).write(0xcfc + (reg & 3), value, size);
}

/** Maps an unmapped BAR region at a scratch address for the duration of `fn`. */
function withMapped<T>(mr: MemoryRegion, fn: (base: number) => T): T {
  const base = 0xe0000000;
  memoryRegionAddSubregion(getSystemMemory(m.registry), base, mr);
  try {
    return fn(base);
  } finally {
    memoryRegionDelSubregion(getSystemMemory(m.registry), mr);
  }
}

describe("configuration space", () => {
  it("identifies the four functions as QEMU does", () => {
    expect(cfgRead(0x00, 0, 4)).toBe(0x29c08086); // MCH (82P35)
    expect(cfgRead(0xf8, 0, 4)).toBe(0x29188086); // ICH9 LPC
    expect(cfgRead(0xfa, 0, 4)).toBe(0x29228086); // ICH9 AHCI
    expect(cfgRead(0xfb, 0, 4)).toBe(0x29308086); // ICH9 SMBus
    expect(cfgRead(0xf8, 0x08, 4)).toBe(0x06010002); // ISA bridge, revision 2
    expect(cfgRead(0xfa, 0x08, 4)).toBe(0x01060102); // SATA, AHCI 1.0, revision 2
    expect(cfgRead(0xfb, 0x08, 4)).toBe(0x0c050002); // SMBus, revision 2
    expect(cfgRead(0xf8, 0x0e, 1) & 0x80).toBe(0x80); // multifunction
    expect(cfgRead(0x08, 0, 4)).toBe(0xffffffff); // empty slot
  });

  it("maps MMCONFIG where PCIEXBAR says once enabled", () => {
    const host = obj<Q35PCIHost>("/machine/q35");
    const mem = addressSpaceMemory(m.registry);
    expect(mem.read(0xb0000000 + (0xf8 << 12), 4)).not.toBe(0x29188086);
    cfgWrite(0, 0x60, 0xb0000001, 4);
    expect(host.getProperty("MCFG")).toBe(0xb0000000);
    expect(host.getProperty("mcfg_size")).toBe(256 * 1024 * 1024);
    expect(mem.read(0xb0000000 + (0xf8 << 12), 4)).toBe(0x29188086);
    expect(mem.read(0xb0000000 + (0xfa << 12) + 0x34, 1)).toBe(0x80);
    cfgWrite(0, 0x60, 0xb0000000, 4);
    expect(host.getProperty("MCFG")).toBe(0xffffffffffffffffn);
    expect(mem.read(0xb0000000 + (0xf8 << 12), 4)).not.toBe(0x29188086);
  });
});

describe("the MCH's PAM registers", () => {
  it("route the BIOS area between PCI (the firmware) and RAM", () => {
    const mem = addressSpaceMemory(m.registry);
    cfgWrite(0, 0x90, 0x30, 1); // 0xf0000-0xfffff: read and write RAM
    mem.write(0xf0000, 0xab, 1);
    expect(mem.read(0xf0000, 1)).toBe(0xab);
    cfgWrite(0, 0x90, 0x10, 1); // reads from RAM, writes to PCI
    mem.write(0xf0000, 0xcd, 1);
    expect(mem.read(0xf0000, 1)).toBe(0xab);
    cfgWrite(0, 0x90, 0x00, 1); // all to PCI: the (zero-filled test) BIOS image
    expect(mem.read(0xf0000, 1)).toBe(0);
  });
});

describe("the LPC bridge", () => {
  it("places the PM block at PMBASE when ACPI_EN is set", () => {
    const lpc = obj<ICH9LPCState>("/machine/unattached/device[2]");
    const io = addressSpaceIo(m.registry);
    expect(io.read(0x604, 2)).toBe(0xffff);
    cfgWrite(0xf8, 0x40, 0x601, 4);
    cfgWrite(0xf8, 0x44, 0x80, 1);
    expect(lpc.getProperty("pm_io_base")).toBe(0x600);
    expect(lpc.getProperty("gpe0_blk")).toBe(0x620);
    io.write(0x604, 0x0001, 2);
    expect(io.read(0x604, 2)).toBe(0x0001);
    // APM "ACPI disable" clears SCI_EN again.
    io.write(0xb2, 0x03, 1);
    expect(io.read(0x604, 2)).toBe(0x0000);
  });

  it("routes INTA of slot 31 through PIRQA to IOAPIC pin 16 and the 8259 line PIRQA_ROUT names", () => {
    const lpc = obj<ICH9LPCState>("/machine/unattached/device[2]");
    const ahci = obj<AHCIPCIState>("/machine/unattached/device[15]");
    const levels = new Map<number, number>();
    for (const n of [10, 16]) {
      const irq = lpc.gsi(n)!;
      const orig = irq.handler;
      irq.handler = (i, level) => {
        levels.set(n, level);
        orig?.(i, level);
      };
    }
    cfgWrite(0xf8, 0x60, 0x0a, 1); // PIRQA -> IRQ 10, routing enabled
    pciSetIrq(ahci, 1);
    expect([levels.get(16), levels.get(10)]).toEqual([1, 1]);
    pciSetIrq(ahci, 0);
    expect([levels.get(16), levels.get(10)]).toEqual([0, 0]);
  });
});

describe("the SMBus controller", () => {
  it("reads the SPD EEPROMs with byte-data transfers", () => {
    const smb = obj<ICH9SMBState>("/machine/unattached/device[16]");
    const eeprom = obj<{ data: Uint8Array }>("/machine/unattached/device[17]");
    eeprom.data[0x12] = 0x5a;
    withMapped(smb.io!, (base) => {
      const mem = addressSpaceMemory(m.registry);
      mem.write(base + 0x04, (0x50 << 1) | 1, 1); // read from 0x50
      mem.write(base + 0x03, 0x12, 1); // offset
      mem.write(base + 0x02, 0x40 | (2 << 2), 1); // start, byte data
      expect(mem.read(base + 0x00, 1) & 0x02).toBe(0x02);
      expect(mem.read(base + 0x05, 1)).toBe(0x5a);
      mem.write(base + 0x00, 0xff, 1);
      mem.write(base + 0x04, (0x58 << 1) | 1, 1); // nobody there
      mem.write(base + 0x02, 0x40 | (2 << 2), 1);
      expect(mem.read(base + 0x00, 1) & 0x04).toBe(0x04);
    });
  });
});

describe("the AHCI controller", () => {
  it("reports six ports, 32 command slots, NCQ and 64-bit DMA, AHCI 1.0", () => {
    const ahci = obj<AHCIPCIState>("/machine/unattached/device[15]");
    withMapped(ahci.mem!, (base) => {
      const mem = addressSpaceMemory(m.registry);
      expect(mem.read(base + 0x00, 4)).toBe(0xc0141f05);
      expect(mem.read(base + 0x0c, 4)).toBe(0x3f);
      expect(mem.read(base + 0x10, 4)).toBe(0x10000);
    });
  });

  it("lists MSI then the SATA capability, whose BAR field points at the index/data pair", () => {
    expect(cfgRead(0xfa, 0x34, 1)).toBe(0x80);
    expect([cfgRead(0xfa, 0x80, 1), cfgRead(0xfa, 0x81, 1)]).toEqual([0x05, 0xa8]);
    expect([cfgRead(0xfa, 0xa8, 1), cfgRead(0xfa, 0xa9, 1)]).toEqual([0x12, 0x00]);
    expect(cfgRead(0xfa, 0xaa, 2)).toBe(0x10);
    expect(cfgRead(0xfa, 0xac, 4)).toBe(0x48);
    expect(cfgRead(0xfa, 0x3d, 1)).toBe(1);
  });
});
