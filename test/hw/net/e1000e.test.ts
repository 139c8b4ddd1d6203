// The e1000e NIC against QEMU 7.2: its properties as device-list-properties lists them, its
// configuration space (ids, capabilities at QEMU's offsets, AER, serial number) as a guest reads
// it, and the first registers a driver probes (CTRL, STATUS, EECD, the NVM through EERD, the MAC
// in RAL/RAH) with QEMU's reset values. QEMU's side was captured after SeaBIOS had run with no
// option ROM (test/fixtures/qemu-7.2/e1000e-registers.capture.py).
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressSpaceDestroy, addressSpaceInit, type AddressSpace, type MemoryRegion } from "../../../src/exec/memory.js";
import { deviceListProperties } from "../../../src/hw/core/qdev.js";
import { qemuDevicesReset } from "../../../src/hw/core/reset.js";
import { E1000EState, e1000eGenDsn, TYPE_E1000E } from "../../../src/hw/net/e1000e.js";
import { pciGetLong, pciGetWord } from "../../../src/hw/pci/pci-config.js";
import { asPciDevice, type PCIDevice } from "../../../src/hw/pci/pci.js";
import { PCI_BASE_ADDRESS_0, PCI_CAPABILITY_LIST, PCI_COMMAND, PCI_INTERRUPT_LINE } from "../../../src/hw/pci/pci-regs.js";
import { qomInit } from "../../../src/modules.js";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { createMachine, type MachineInstance } from "../../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { FIXTURES } from "../../helpers/qom-tree.js";

interface RegisterCapture {
  command: string;
  config: string;
  registers: Record<string, string>;
  eerd: Record<string, string>;
}

const capture = JSON.parse(readFileSync(join(FIXTURES, "e1000e-registers.json"), "utf8")) as RegisterCapture;
const qemuConfig = Uint8Array.from(Buffer.from(capture.config, "hex"));

/** Register offsets of the capture's names. */
const REG_OFFSETS: Record<string, number> = {
  CTRL: 0x0, STATUS: 0x8, EECD: 0x10, EERD: 0x14, CTRL_EXT: 0x18, ITR: 0xc4, TIPG: 0x410, LEDCTL: 0xe00,
  EXTCNF_CTRL: 0xf00, POEMB: 0xf10, PBA: 0x1000, PBS: 0x1008, EEMNGCTL: 0x1010, EEWR: 0x102c, RXCSUM: 0x5000,
  RAL0: 0x5400, RAH0: 0x5404, RAL0_alias: 0x40, RAH0_alias: 0x44, MANC: 0x5820, GCR: 0x5b00, FACTPS: 0x5b30, SWSM: 0x5b50,
};

/** Bytes the firmware wrote before QEMU's capture: COMMAND, BAR0-3, INTERRUPT_LINE. */
function firmwareOwned(offset: number): boolean {
  return (
    (offset >= PCI_COMMAND && offset < PCI_COMMAND + 2) ||
    (offset >= PCI_BASE_ADDRESS_0 && offset < PCI_BASE_ADDRESS_0 + 16) ||
    offset === PCI_INTERRUPT_LINE
  );
}

async function machine(argv: readonly string[]): Promise<MachineInstance> {
  const sock = join(mkdtempSync(join(tmpdir(), "qomd-e1000e-")), "qmp.sock");
  return createMachine(["-L", fakeFirmwareDir(), ...argv, "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], {
    prog: "qemu-system-x86_64",
  });
}

function findNic(m: MachineInstance): E1000EState {
  const found: E1000EState[] = [];
  const walk = (path: string) => {
    const obj = resolvePath(objectGetRoot(m.registry), path).obj;
    if (!obj) return;
    if (obj.typeName === TYPE_E1000E) found.push(obj as E1000EState);
    for (const [name] of obj.children()) walk(`${path === "/" ? "" : path}/${name}`);
  };
  walk("/machine");
  expect(found).toHaveLength(1);
  return found[0]!;
}

/** A view of one BAR's region, as a guest sees it once the BAR is mapped. */
function barSpace(dev: PCIDevice, bar: number): AddressSpace {
  const mr: MemoryRegion = dev.ioRegions[bar]!.memory;
  return addressSpaceInit(mr, `test-bar${bar}`);
}

describe("device-list-properties e1000e", () => {
  it("lists QEMU 7.2's properties, types, defaults and descriptions in its order", () => {
    const file = join(FIXTURES, "device-list-properties.e1000e.json");
    const want = (JSON.parse(readFileSync(file, "utf8")) as { response: { return: unknown[] } }).response.return;
    expect(deviceListProperties(qomInit().types, "e1000e")).toEqual(want);
  });
});

describe(`${capture.command} (as QEMU 7.2 was captured)`, () => {
  let m: MachineInstance;
  let nic: E1000EState;
  let mmio: AddressSpace;

  beforeAll(async () => {
    m = await machine(capture.command.split(" ").slice(1));
    // QEMU resets the machine once before the firmware runs (its run loop does this in qomd).
    qemuDevicesReset(m.registry);
    nic = findNic(m);
    mmio = barSpace(nic, 0);
  });

  afterAll(async () => {
    addressSpaceDestroy(mmio);
    await m.chardevs.closeAll();
  });

  it("has QEMU's configuration space up to the serial number, but for what the firmware programs", () => {
    const diffs: string[] = [];
    for (let i = 0; i < qemuConfig.length; i++) {
      if (firmwareOwned(i)) continue;
      if (nic.config[i] !== qemuConfig[i]) diffs.push(`0x${i.toString(16)}: ${nic.config[i]}, QEMU ${qemuConfig[i]}`);
    }
    expect(diffs).toEqual([]);
  });

  it("identifies as 8086:10d3, subsystem 8086:0000, Ethernet controller, revision 0", () => {
    expect(nic.vendorIdValue()).toBe(0x8086);
    expect(nic.deviceIdValue()).toBe(0x10d3);
    expect(nic.subsystemVendorIdValue()).toBe(0x8086);
    expect(nic.subsystemIdValue()).toBe(0x0000);
    expect(nic.classIdValue()).toBe(0x0200);
    expect(nic.config[8]).toBe(0);
  });

  it("chains PM (0xc8), MSI (0xd0), PCI Express (0xe0, root complex integrated endpoint), MSI-X (0xa0)", () => {
    const chain: Array<[number, number]> = [];
    for (let pos = nic.config[PCI_CAPABILITY_LIST]!; pos !== 0; pos = nic.config[pos + 1]!) chain.push([pos, nic.config[pos]!]);
    expect(chain).toEqual([
      [0xc8, 0x01],
      [0xd0, 0x05],
      [0xe0, 0x10],
      [0xa0, 0x11],
    ]);
    expect(pciGetWord(nic.config, 0xe2)).toBe(0x0091);
    // Five MSI-X vectors, table at BAR 3 offset 0, PBA at BAR 3 offset 0x2000.
    expect(pciGetWord(nic.config, 0xa2)).toBe(4);
    expect(pciGetLong(nic.config, 0xa4)).toBe(0x3);
    expect(pciGetLong(nic.config, 0xa8)).toBe(0x2003);
  });

  it("has AER at 0x100 and the serial number at 0x140 derived from the MAC", () => {
    expect(pciGetLong(nic.config, 0x100)).toBe(0x14020001);
    expect(pciGetLong(nic.config, 0x140)).toBe(0x00010003);
    expect(pciGetLong(nic.config, 0x144)).toBe(0xff123456);
    expect(pciGetLong(nic.config, 0x148)).toBe(0x525400ff);
  });

  it("reads QEMU's reset values from the first registers, the MAC in RAL0/RAH0 and their low alias", () => {
    const got: Record<string, string> = {};
    for (const name of Object.keys(capture.registers)) {
      got[name] = `0x${mmio.read(REG_OFFSETS[name]!, 4).toString(16).padStart(8, "0")}`;
    }
    expect(got).toEqual(capture.registers);
  });

  it("answers NVM reads through EERD as QEMU does: MAC words, device id, checksum", () => {
    const got: Record<string, string> = {};
    for (const word of Object.keys(capture.eerd)) {
      mmio.write(0x14, (Number(word) << 2) | 1, 4);
      got[word] = `0x${mmio.read(0x14, 4).toString(16).padStart(8, "0")}`;
    }
    expect(got).toEqual(capture.eerd);
    // The 64 words sum to 0xbaba.
    let sum = 0;
    for (let w = 0; w < 64; w++) {
      mmio.write(0x14, (w << 2) | 1, 4);
      sum += mmio.read(0x14, 4) >>> 16;
    }
    expect(sum & 0xffff).toBe(0xbaba);
  });
});

describe("e1000e registers and reset", () => {
  let m: MachineInstance;
  let nic: E1000EState;
  let mmio: AddressSpace;

  beforeAll(async () => {
    m = await machine(["-M", "q35", "-S", "-nodefaults", "-device", "e1000e,id=nic0,mac=02:11:22:33:44:55,subsys=0x1234,subsys_ven=0x1af4"]);
    nic = findNic(m);
    mmio = barSpace(nic, 0);
  });

  afterAll(async () => {
    addressSpaceDestroy(mmio);
    await m.chardevs.closeAll();
  });

  it("takes its subsystem ids from subsys_ven/subsys and its NVM, RA and serial number from mac", () => {
    expect(nic.subsystemVendorIdValue()).toBe(0x1af4);
    expect(nic.subsystemIdValue()).toBe(0x1234);
    expect(mmio.read(0x5400, 4)).toBe(0x33221102);
    expect(mmio.read(0x5404, 4)).toBe(0x80005544);
    mmio.write(0x14, (1 << 2) | 1, 4);
    expect(mmio.read(0x14, 4) >>> 16).toBe(0x3322);
    expect(e1000eGenDsn([0x02, 0x11, 0x22, 0x33, 0x44, 0x55])).toBe(0x021122ffff334455n);
    expect(pciGetLong(nic.config, 0x144)).toBe(0xff334455);
    expect(pciGetLong(nic.config, 0x148)).toBe(0x021122ff);
    expect(nic.getProperty("mac")).toBe("02:11:22:33:44:55");
  });

  it("keeps EECD's presence, auto-read and size bits, and a self-clearing CTRL.RST restores the MAC", () => {
    mmio.write(0x10, 0, 4);
    expect(mmio.read(0x10, 4)).toBe(0x300);
    mmio.write(0x5400, 0xdeadbeef, 4);
    expect(mmio.read(0x5400, 4)).toBe(0xdeadbeef);
    mmio.write(0x0, 0x00140241 | 0x04000000, 4);
    expect(mmio.read(0x0, 4)).toBe(0x00140241);
    expect(mmio.read(0x5400, 4)).toBe(0x33221102);
  });

  it("reports forced speed and duplex in STATUS, and PHY reset until the guest clears it", () => {
    // Force 100 Mb/s half duplex, GIO master disabled.
    mmio.write(0x0, 0x40 | 0x100 | 0x800 | 0x1000 | 0x4, 4);
    expect(mmio.read(0x8, 4)).toBe(0x202 | 0x40);
    mmio.write(0x0, 0x80000000 | 0x00140241, 4);
    expect(mmio.read(0x8, 4) & 0x400).toBe(0x400);
    mmio.write(0x8, 0, 4);
    expect(mmio.read(0x8, 4) & 0x400).toBe(0);
    expect(mmio.read(0x8, 4)).toBe(0x00080283);
  });

  it("reaches the registers through the I/O BAR's address and data ports", () => {
    const io = barSpace(nic, 2);
    try {
      io.write(0x0, 0x8, 4);
      expect(io.read(0x0, 4)).toBe(0x8);
      expect(io.read(0x4, 4)).toBe(0x00080283);
      io.write(0x0, 0x5404, 4);
      expect(io.read(0x4, 4)).toBe(0x80005544);
      io.write(0x0, 0x38, 4);
      io.write(0x4, 0x12345678, 4);
      expect(mmio.read(0x38, 4)).toBe(0x5678);
      // Flash addresses are not registers.
      io.write(0x0, 0x80000, 4);
      expect(io.read(0x4, 4)).toBe(0);
    } finally {
      addressSpaceDestroy(io);
    }
  });

  it("maps a masked MSI-X table and an empty PBA inside BAR 3", () => {
    const msix = barSpace(nic, 3);
    try {
      for (let v = 0; v < 5; v++) expect(msix.read(v * 16 + 12, 4)).toBe(1);
      msix.write(16, 0xfee00000, 4);
      msix.write(28, 0, 4);
      expect(msix.read(16, 4)).toBe(0xfee00000);
      expect(msix.read(28, 4)).toBe(0);
      expect(msix.read(0x2000, 4)).toBe(0);
    } finally {
      addressSpaceDestroy(msix);
    }
  });

  it("lets the guest program MSI, PM and MSI-X control as QEMU's write masks allow", () => {
    // MSI: enable and queue size writable, the 64-bit flag not; address dword aligned.
    nic.writeConfig(0xd2, 0xffff, 2);
    expect(pciGetWord(nic.config, 0xd2)).toBe(0x80 | 0x70 | 0x01);
    nic.writeConfig(0xd4, 0xffffffff, 4);
    expect(pciGetLong(nic.config, 0xd4)).toBe(0xfffffffc);
    // PM: power state, PME enable and data select; PMC read-only.
    nic.writeConfig(0xca, 0, 2);
    expect(pciGetWord(nic.config, 0xca)).toBe(0x0022);
    nic.writeConfig(0xcc, 0xffff, 2);
    expect(pciGetWord(nic.config, 0xcc)).toBe(0x0003 | 0x0100 | 0x1e00);
    // MSI-X: enable and function mask; table size read-only.
    nic.writeConfig(0xa2, 0xffff, 2);
    expect(pciGetWord(nic.config, 0xa2)).toBe(0xc004);
    // The PCI Express capability of version 1 is read-only.
    nic.writeConfig(0xe8, 0xffff, 2);
    expect(pciGetWord(nic.config, 0xe8)).toBe(0);
  });

  it("goes back to QEMU's state on system reset: registers, VET from init-vet, MSI and MSI-X off, vectors masked", () => {
    const msix = barSpace(nic, 3);
    try {
      mmio.write(0x1000, 0x1, 4);
      msix.write(12, 0, 4);
      nic.writeConfig(0xd2, 0x01, 2);
      nic.writeConfig(0xa2, 0x8000, 2);
      nic.reset();
      expect(mmio.read(0x1000, 4)).toBe(0x00140014);
      expect(mmio.read(0x38, 4)).toBe(0x8100);
      expect(mmio.read(0x5400, 4)).toBe(0x33221102);
      expect(msix.read(12, 4)).toBe(1);
      expect(pciGetWord(nic.config, 0xd2) & 0x71).toBe(0);
      expect(pciGetWord(nic.config, 0xa2)).toBe(4);
    } finally {
      addressSpaceDestroy(msix);
    }
  });
});

describe("e1000e on a conventional PCI bus (-M pc)", () => {
  it("reports a plain endpoint in its PCI Express capability, and is one of pc's NIC models", async () => {
    const m = await machine(["-M", "pc", "-S", "-nodefaults", "-device", "e1000e"]);
    try {
      const nic = findNic(m);
      expect(asPciDevice(nic)?.express).toBe(true);
      expect(pciGetWord(nic.config, 0xe2)).toBe(0x0001);
      expect(nic.getProperty("mac")).toBe("52:54:00:12:34:56");
    } finally {
      await m.chardevs.closeAll();
    }
  });

  it("-net nic,model=e1000e on pc builds it with the next default MAC", async () => {
    const m = await machine(["-M", "pc", "-S", "-nodefaults", "-net", "nic,model=e1000e", "-net", "nic,model=e1000e"]);
    try {
      const macs: string[] = [];
      const root = objectGetRoot(m.registry);
      for (let i = 0; i < 40; i++) {
        const obj = resolvePath(root, `/machine/unattached/device[${i}]`).obj;
        if (obj?.typeName === TYPE_E1000E) macs.push(obj.getProperty("mac") as string);
      }
      expect(macs).toEqual(["52:54:00:12:34:56", "52:54:00:12:34:57"]);
    } finally {
      await m.chardevs.closeAll();
    }
  });
});
