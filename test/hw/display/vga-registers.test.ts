// The register files a guest programs on the VGA cards: VGA ports, Bochs VBE, the MMIO BAR's
// remapped ports, QEMU extended registers and EDID, the legacy window, Cirrus's extensions.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addressSpaceIo, addressSpaceMemory, getSystemMemory, memoryRegionAddSubregion, memoryRegionDelSubregion, type MemoryRegion } from "../../../src/exec/memory.js";
import type { PCICirrusVGAState } from "../../../src/hw/display/cirrus_vga.js";
import type { PCIVGAState } from "../../../src/hw/display/vga-pci.js";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { createMachine, type MachineInstance } from "../../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";

let std: MachineInstance;
let cirrus: MachineInstance;

beforeAll(async () => {
  std = await createMachine(["-L", fakeFirmwareDir(), "-M", "pc", "-S", "-nodefaults", "-vga", "std"], { prog: "qemu-system-x86_64" });
  cirrus = await createMachine(["-L", fakeFirmwareDir(), "-M", "pc", "-S", "-nodefaults", "-vga", "cirrus"], { prog: "qemu-system-x86_64" });
});
afterAll(async () => {
  await std.chardevs.closeAll();
  await cirrus.chardevs.closeAll();
});

const card = <T>(m: MachineInstance) => resolvePath(objectGetRoot(m.registry), "/machine/unattached/device[8]").obj as T;

/** Maps an unmapped BAR region at a scratch address for the duration of `fn`. */
function withMapped<T>(m: MachineInstance, mr: MemoryRegion, fn: (base: number) => T): T {
  const base = 0xe0000000;
  memoryRegionAddSubregion(getSystemMemory(m.registry), base, mr);
  try {
    return fn(base);
  } finally {
    memoryRegionDelSubregion(getSystemMemory(m.registry), mr);
  }
}

describe("standard VGA", () => {
  it("keeps the sequencer, graphics, CRTC and DAC registers", () => {
    const io = addressSpaceIo(std.registry);
    io.write(0x3c4, 0x02, 1);
    io.write(0x3c5, 0x0f, 1);
    expect(io.read(0x3c5, 1)).toBe(0x0f);
    io.write(0x3c2, 0x67, 1); // colour emulation: CRTC at 0x3d4
    expect(io.read(0x3cc, 1)).toBe(0x67);
    io.write(0x3d4, 0x0a, 1);
    io.write(0x3d5, 0x0d, 1);
    expect(io.read(0x3d5, 1)).toBe(0x0d);
    expect(io.read(0x3b5, 1)).toBe(0xff); // the mono CRTC is not decoded in colour mode
    io.write(0x3c8, 5, 1);
    for (const v of [0x3f, 0x20, 0x01]) io.write(0x3c9, v, 1);
    io.write(0x3c7, 5, 1);
    expect([io.read(0x3c9, 1), io.read(0x3c9, 1), io.read(0x3c9, 1)]).toEqual([0x3f, 0x20, 0x01]);
  });

  it("toggles the attribute controller's flip-flop, reset by reading input status 1", () => {
    const io = addressSpaceIo(std.registry);
    io.read(0x3da, 1);
    io.write(0x3c0, 0x10, 1); // index
    io.write(0x3c0, 0x01, 1); // data
    expect(io.read(0x3c1, 1)).toBe(0x01);
    expect(io.read(0x3c0, 1)).toBe(0x10);
  });

  it("answers the Bochs VBE interface (id, memory size, capabilities)", () => {
    const io = addressSpaceIo(std.registry);
    io.write(0x1ce, 0x0, 2);
    expect(io.read(0x1cf, 2)).toBe(0xb0c5);
    io.write(0x1ce, 0xa, 2);
    expect(io.read(0x1cf, 2)).toBe(256); // 16 MiB in 64 KiB units
    io.write(0x1ce, 0x4, 2);
    io.write(0x1cf, 0x02, 2); // GETCAPS
    io.write(0x1ce, 0x1, 2);
    expect(io.read(0x1cf, 2)).toBe(16000);
    io.write(0x1ce, 0x4, 2);
    io.write(0x1cf, 0x00, 2);
  });

  it("maps the legacy window to video RAM by the memory map select", () => {
    const mem = addressSpaceMemory(std.registry);
    const io = addressSpaceIo(std.registry);
    const vga = card<PCIVGAState>(std);
    io.write(0x3ce, 0x06, 1);
    io.write(0x3cf, 0x0e, 1); // text window at 0xb8000
    mem.write(0xb8000, 0x0741, 2); // 'A', grey on black
    expect([...vga.vga.vramBytes().subarray(0, 2)]).toEqual([0x41, 0x07]);
    expect(mem.read(0xb8000, 2)).toBe(0x0741);
    expect(mem.read(0xa0000, 1)).toBe(0xff); // outside the selected window
  });

  it("exposes the VGA ports, DISPI registers, extended registers and EDID in its MMIO BAR", () => {
    const vga = card<PCIVGAState>(std);
    withMapped(std, vga.mmio!, (base) => {
      const mem = addressSpaceMemory(std.registry);
      mem.write(base + 0x400 + 0x04, 0x0102, 2); // SR index 2 := 1 as one word
      expect(addressSpaceIo(std.registry).read(0x3c5, 1)).toBe(0x01);
      expect(mem.read(base + 0x500, 2)).toBe(0xb0c5);
      expect(mem.read(base + 0x600, 4)).toBe(8);
      expect(mem.read(base + 0x604, 4)).toBe(0x1e1e1e1e);
      mem.write(base + 0x604, 0xbebebebe, 4);
      expect(vga.getProperty("big-endian-framebuffer")).toBe(true);
      const edid = [...Array(128).keys()].map((i) => mem.read(base + i, 1));
      expect(edid.slice(0, 8)).toEqual([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00]);
      expect(edid.reduce((a, b) => a + b, 0) % 256).toBe(0);
      // The preferred mode is 1280x800.
      expect(edid[56]! | ((edid[58]! >> 4) << 8)).toBe(1280);
      expect(edid[59]! | ((edid[61]! >> 4) << 8)).toBe(800);
    });
  });

  it("is revision 2 with the extended registers, revision 0 without", async () => {
    const vga = card<PCIVGAState>(std);
    expect(vga.config[0x08]).toBe(2);
    const m = await createMachine(["-L", fakeFirmwareDir(), "-M", "pc", "-S", "-nodefaults", "-device", "VGA,qemu-extended-regs=off,id=v"], {
      prog: "qemu-system-x86_64",
    });
    try {
      const v = resolvePath(objectGetRoot(m.registry), "/machine/peripheral/v").obj as PCIVGAState;
      expect(v.config[0x08]).toBe(0);
    } finally {
      await m.chardevs.closeAll();
    }
  });
});

describe("Cirrus CLGD 5446", () => {
  it("unlocks its extensions through SR6 and reports its part id in CR27", () => {
    const io = addressSpaceIo(cirrus.registry);
    io.write(0x3c4, 0x06, 1);
    expect(io.read(0x3c5, 1)).toBe(0x0f);
    io.write(0x3c5, 0x12, 1);
    expect(io.read(0x3c5, 1)).toBe(0x12);
    io.write(0x3c2, 0x01, 1);
    io.write(0x3d4, 0x27, 1);
    expect(io.read(0x3d5, 1)).toBe(0xb8);
    io.write(0x3d5, 0x00, 1);
    expect(io.read(0x3d5, 1)).toBe(0xb8);
  });

  it("refuses video memory sizes a 5446 cannot have", async () => {
    const err = await createMachine(["-L", fakeFirmwareDir(), "-M", "pc", "-S", "-nodefaults", "-device", "cirrus-vga,vgamem_mb=2"], {
      prog: "qemu-system-x86_64",
    }).then(
      () => "",
      (e: unknown) => (e as { stderrText(): string }).stderrText(),
    );
    expect(err).toBe("qemu-system-x86_64: -device cirrus-vga,vgamem_mb=2: Invalid cirrus_vga ram size '2'\n");
  });

  it("shows video RAM through the linear framebuffer aperture", () => {
    const c = card<PCICirrusVGAState>(cirrus);
    withMapped(cirrus, c.pciBar!, (base) => {
      addressSpaceMemory(cirrus.registry).write(base + 0x10, 0x5a, 1);
      expect(c.vga.vramBytes()[0x10]).toBe(0x5a);
    });
  });
});
