/**
 * The ATA register file of the PIIX3 IDE channels through the I/O ports, as a BIOS drives it:
 * signatures after soft reset, IDENTIFY DEVICE, PIO reads (LBA and CHS, single and multiple)
 * and writes reaching the image (raw, and qcow2 held to qemu-img), aborts, an empty channel,
 * and the interrupt line.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createMachine } from "../../../src/softmmu/vl.js";
import { addressSpaceIo } from "../../../src/exec/memory.js";
import { cpuLoad, cpuStore } from "../../../src/accel/tcg/tcg-bus.js";
import { ideChannelsOf } from "../../../src/hw/ide/ide-core.js";
import { resolvePathType } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

const haveQemuImg = spawnSync("qemu-img", ["--version"], { stdio: "ignore" }).status === 0;

/**
 * A PC with a 1 MiB disk on ide0-0 whose sector N starts with the bytes "SECTOR", N: raw, or
 * qcow2 converted from that raw file by qemu-img (64 KiB clusters, all allocated).
 */
async function pcWithDisk(format: "raw" | "qcow2" = "raw") {
  dir = mkdtempSync(join(tmpdir(), "qomd-ide-"));
  let image = join(dir, "disk.img");
  const bytes = new Uint8Array(1024 * 1024);
  for (let s = 0; s < 2048; s++) {
    bytes.set([0x53, 0x45, 0x43, 0x54, 0x4f, 0x52], s * 512);
    bytes[s * 512 + 6] = s & 0xff;
    bytes[s * 512 + 7] = s >> 8;
  }
  writeFileSync(image, bytes);
  if (format === "qcow2") {
    // Sectors 1024.. zero, so that part of the qcow2 is unallocated and writes there allocate.
    writeFileSync(image, bytes.fill(0, 512 * 1024));
    execFileSync("qemu-img", ["convert", "-f", "raw", "-O", "qcow2", image, `${image}.qcow2`], { stdio: "ignore" });
    image = `${image}.qcow2`;
  }
  const inst = await createMachine(["-M", "pc", "-S", "-nodefaults", "-drive", `file=${image},format=${format},if=ide`], { prog: "qemu-system-x86_64" });
  const io = addressSpaceIo(inst.registry);
  const ide = resolvePathType(objectGetRoot(inst.registry), "", "piix3-ide").obj!;
  for (const ch of ideChannelsOf(ide)) ch.reset();
  return {
    image,
    bytes,
    io,
    inb: (p: number) => cpuLoad(io, p, 1),
    outb: (p: number, v: number) => cpuStore(io, p, v, 1),
    inw: (p: number) => cpuLoad(io, p, 2),
    outw: (p: number, v: number) => cpuStore(io, p, v, 2),
    inl: (p: number) => cpuLoad(io, p, 4),
    channel: ideChannelsOf(ide)[0]!,
  };
}

/** 256 words from the data port as bytes. */
function readBlock(inw: (p: number) => number): Uint8Array {
  const out = new Uint8Array(512);
  for (let i = 0; i < 256; i++) {
    const w = inw(0x1f0);
    out[i * 2] = w & 0xff;
    out[i * 2 + 1] = w >> 8;
  }
  return out;
}

/** An ATA string from IDENTIFY data (byte-swapped words), trailing spaces removed. */
function ataString(id: Uint8Array, word: number, words: number): string {
  let s = "";
  for (let i = 0; i < words * 2; i++) s += String.fromCharCode(id[word * 2 + (i ^ 1)]!);
  return s.trimEnd();
}

describe("IDE (PIIX3, primary channel)", () => {
  it("soft reset shows the ATA signature; status READY|DSC", async () => {
    const m = await pcWithDisk();
    m.outb(0x3f6, 0x04 | 0x02); // SRST, nIEN
    expect(m.inb(0x3f6) & 0x80).toBe(0x80); // busy while in reset
    m.outb(0x3f6, 0x02);
    expect([m.inb(0x1f2), m.inb(0x1f3), m.inb(0x1f4), m.inb(0x1f5)]).toEqual([1, 1, 0, 0]);
    expect(m.inb(0x1f7)).toBe(0x50);
    expect(m.inb(0x1f1)).toBe(0x01); // diagnostic code: no error
  });

  it("IDENTIFY DEVICE: QEMU's model, serial, version and geometry for a 1 MiB disk", async () => {
    const m = await pcWithDisk();
    m.outb(0x1f6, 0xa0);
    m.outb(0x1f7, 0xec);
    expect(m.inb(0x1f7)).toBe(0x58); // READY | DSC | DRQ
    const id = readBlock(m.inw);
    const w = (i: number) => id[i * 2]! | (id[i * 2 + 1]! << 8);
    expect(ataString(id, 27, 20)).toBe("QEMU HARDDISK");
    expect(ataString(id, 10, 10)).toMatch(/^QM\d{5}$/);
    expect(ataString(id, 23, 4)).toBe("2.5+");
    expect([w(1), w(3), w(6)]).toEqual([2, 16, 63]);
    expect(w(60) | (w(61) << 16)).toBe(2048);
    expect(w(80)).toBe(0xf0);
    expect(w(83) & (1 << 10)).not.toBe(0); // LBA48
    expect(m.inb(0x1f7)).toBe(0x50); // DRQ gone once all 256 words were read
  });

  it("READ SECTORS in LBA28 and CHS mode, READ MULTIPLE, READ SECTORS EXT, dword data reads", async () => {
    const m = await pcWithDisk();
    // LBA 5, 2 sectors
    m.outb(0x1f2, 2);
    m.outb(0x1f3, 5);
    m.outb(0x1f4, 0);
    m.outb(0x1f5, 0);
    m.outb(0x1f6, 0xe0);
    m.outb(0x1f7, 0x20);
    expect(Array.from(readBlock(m.inw).subarray(0, 8))).toEqual([0x53, 0x45, 0x43, 0x54, 0x4f, 0x52, 5, 0]);
    expect(Array.from(readBlock(m.inw).subarray(6, 8))).toEqual([6, 0]);
    expect(m.inb(0x1f7)).toBe(0x50);
    // The task file now addresses the sector after the transfer.
    expect(m.inb(0x1f3)).toBe(7);
    // CHS 0/1/3 = LBA 63 + 2 = 65
    m.outb(0x1f2, 1);
    m.outb(0x1f3, 3);
    m.outb(0x1f4, 0);
    m.outb(0x1f5, 0);
    m.outb(0x1f6, 0xa1);
    m.outb(0x1f7, 0x20);
    expect(readBlock(m.inw)[6]).toBe(65);
    // SET MULTIPLE 4, READ MULTIPLE 8 from LBA 1000: two blocks of 4 sectors, dword reads
    m.outb(0x1f2, 4);
    m.outb(0x1f7, 0xc6);
    expect(m.inb(0x1f7)).toBe(0x50);
    m.outb(0x1f2, 8);
    m.outb(0x1f3, 1000 & 0xff);
    m.outb(0x1f4, 1000 >> 8);
    m.outb(0x1f5, 0);
    m.outb(0x1f6, 0xe0);
    m.outb(0x1f7, 0xc4);
    const firsts: number[] = [];
    for (let block = 0; block < 2; block++) {
      expect(m.inb(0x1f7) & 0x08).toBe(0x08);
      for (let s = 0; s < 4; s++) {
        for (let i = 0; i < 128; i++) {
          const v = m.inl(0x1f0);
          if (i === 1) firsts.push((v >>> 16) & 0xffff);
        }
      }
    }
    expect(firsts).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007]);
    // READ SECTORS EXT: LBA 2047 (high bytes through the HOB registers)
    m.outb(0x1f2, 0);
    m.outb(0x1f2, 1);
    m.outb(0x1f3, 0);
    m.outb(0x1f3, 0xff);
    m.outb(0x1f4, 0);
    m.outb(0x1f4, 0x07);
    m.outb(0x1f5, 0);
    m.outb(0x1f5, 0);
    m.outb(0x1f6, 0x40);
    m.outb(0x1f7, 0x24);
    const b = readBlock(m.inw);
    expect(b[6] | (b[7]! << 8)).toBe(2047);
  });

  it("WRITE SECTORS reaches the image, with an interrupt per sector", async () => {
    const m = await pcWithDisk();
    m.outb(0x3f6, 0); // interrupts on
    m.outb(0x1f2, 1);
    m.outb(0x1f3, 9);
    m.outb(0x1f4, 0);
    m.outb(0x1f5, 0);
    m.outb(0x1f6, 0xe0);
    m.outb(0x1f7, 0x30);
    expect(m.inb(0x3f6)).toBe(0x58);
    for (let i = 0; i < 256; i++) m.outw(0x1f0, 0x4141 + (i === 0 ? 1 : 0));
    expect(m.inb(0x3f6)).toBe(0x50);
    const img = readFileSync(m.image);
    expect(Array.from(img.subarray(9 * 512, 9 * 512 + 4))).toEqual([0x42, 0x41, 0x41, 0x41]);
    expect(img[10 * 512 + 6]).toBe(10);
  });

  it.skipIf(!haveQemuImg)("WRITE SECTORS on a qcow2 disk: in place, across a cluster boundary, into unallocated clusters; qemu-img agrees (needs qemu-utils)", async () => {
    const m = await pcWithDisk("qcow2");
    const want = Uint8Array.from(m.bytes);
    m.outb(0x3f6, 0x02); // nIEN: polled PIO
    // LBA 127..129 crosses the first 64 KiB cluster boundary; LBA 1500..1502 is unallocated.
    for (const [lba, count, fill] of [[9, 1, 0x41], [127, 3, 0x5a], [1500, 3, 0x77]] as const) {
      m.outb(0x1f2, count);
      m.outb(0x1f3, lba & 0xff);
      m.outb(0x1f4, lba >> 8);
      m.outb(0x1f5, 0);
      m.outb(0x1f6, 0xe0);
      m.outb(0x1f7, 0x30);
      for (let s = 0; s < count; s++) {
        expect(m.inb(0x1f7) & 0x08).toBe(0x08); // DRQ: the drive wants this sector
        for (let i = 0; i < 256; i++) m.outw(0x1f0, (fill << 8) | ((s + i) & 0xff));
        for (let i = 0; i < 256; i++) {
          want[(lba + s) * 512 + i * 2] = (s + i) & 0xff;
          want[(lba + s) * 512 + i * 2 + 1] = fill;
        }
      }
      expect(m.inb(0x1f7)).toBe(0x50);
    }
    // Read back through the drive: the guest sees its writes.
    m.outb(0x1f2, 1);
    m.outb(0x1f3, 1501 & 0xff);
    m.outb(0x1f4, 1501 >> 8);
    m.outb(0x1f5, 0);
    m.outb(0x1f6, 0xe0);
    m.outb(0x1f7, 0x20);
    expect(Buffer.from(readBlock(m.inw)).equals(Buffer.from(want.subarray(1501 * 512, 1502 * 512)))).toBe(true);
    const check = spawnSync("qemu-img", ["check", m.image], { encoding: "utf8" });
    expect(check.stdout).toContain("No errors were found on the image.");
    expect(check.status).toBe(0);
    const out = `${m.image}.raw`;
    execFileSync("qemu-img", ["convert", "-O", "raw", m.image, out], { stdio: "ignore" });
    expect(Buffer.from(readFileSync(out)).equals(Buffer.from(want))).toBe(true);
  });

  it("an unknown command aborts (ERR, ABRT); a sector past the end is IDNF", async () => {
    const m = await pcWithDisk();
    m.outb(0x1f6, 0xa0);
    m.outb(0x1f7, 0xa1); // IDENTIFY PACKET DEVICE: not for a disk
    expect(m.inb(0x1f7)).toBe(0x41);
    expect(m.inb(0x1f1)).toBe(0x04);
    m.outb(0x1f2, 1);
    m.outb(0x1f3, 0);
    m.outb(0x1f4, 0);
    m.outb(0x1f5, 0x10); // LBA 0x100000, beyond 2048 sectors
    m.outb(0x1f6, 0xe0);
    m.outb(0x1f7, 0x20);
    expect(m.inb(0x1f7)).toBe(0x41);
    expect(m.inb(0x1f1)).toBe(0x14);
  });

  it("the absent slave reads as zeros and ignores commands; the empty secondary channel reads zeros", async () => {
    const m = await pcWithDisk();
    m.outb(0x1f6, 0xb0);
    expect(m.inb(0x1f7)).toBe(0);
    m.outb(0x1f7, 0xec);
    expect(m.inb(0x1f7)).toBe(0);
    m.outb(0x172, 0x55);
    expect([m.inb(0x172), m.inb(0x177)]).toEqual([0, 0]);
  });
});
