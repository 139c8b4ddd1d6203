/**
 * Guest writes to qcow2 images made by Debian's qemu-img, through qomd's block layer, held to
 * qemu-img itself: `qemu-img check` must find no errors and no leaks, and `qemu-img convert -O
 * raw` must give exactly the bytes the writes should have left.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { openImage, type BlockImage } from "../../src/block/block-image.js";

const haveQemuImg = spawnSync("qemu-img", ["--version"], { stdio: "ignore" }).status === 0;
const haveQemuIo = spawnSync("qemu-io", ["--version"], { stdio: "ignore" }).status === 0;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "qomd-qcow2w-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function qimg(...args: string[]): void {
  execFileSync("qemu-img", args, { cwd: dir, stdio: "ignore" });
}
function qio(file: string, ...cmds: string[]): void {
  execFileSync("qemu-io", [...cmds.flatMap((c) => ["-c", c]), file], { cwd: dir, stdio: "ignore" });
}

/** `qemu-img check`: exit status 0 means no corruption and no leaked clusters. */
function expectClean(file: string): void {
  const r = spawnSync("qemu-img", ["check", file], { cwd: dir, encoding: "utf8" });
  expect(r.stdout + r.stderr).toContain("No errors were found on the image.");
  expect(r.status).toBe(0);
}

/** The guest view according to qemu-img. */
function qemuContents(file: string): Buffer {
  qimg("convert", "-O", "raw", file, "out.raw");
  return readFileSync(join(dir, "out.raw"));
}

function open(file: string, readOnly = false): BlockImage {
  return openImage({ filename: join(dir, file), format: "qcow2", readOnly, autoReadOnly: false });
}

/** A deterministic pattern so every written byte differs from its neighbours'. */
function pattern(len: number, seed: number): Uint8Array {
  const b = new Uint8Array(len);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < len; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** Writes through qomd and into the expected buffer alike. */
function writeBoth(img: BlockImage, want: Uint8Array, offset: number, data: Uint8Array): void {
  img.write(offset, data);
  want.set(data, offset);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a).equals(Buffer.from(b));
}

describe.skipIf(!haveQemuImg)("qcow2 guest writes, checked by qemu-img", () => {
  for (const opts of ["cluster_size=512", "cluster_size=512,compat=0.10", "cluster_size=4096", "cluster_size=512,refcount_bits=1", "cluster_size=512,refcount_bits=64", "compat=0.10"]) {
    it(`partial, cluster-crossing, in-place and whole-image writes (${opts})`, () => {
      const size = 1 << 20;
      qimg("create", "-f", "qcow2", "-o", opts, "d.qcow2", String(size));
      const want = new Uint8Array(size);
      let img = open("d.qcow2");
      writeBoth(img, want, 100, pattern(300, 1)); // inside one cluster
      writeBoth(img, want, 4000, pattern(9000, 2)); // across cluster boundaries
      writeBoth(img, want, size - 700, pattern(700, 3)); // the last bytes
      writeBoth(img, want, 200, pattern(50, 4)); // in place, in an allocated cluster
      img.close();
      expectClean("d.qcow2");
      expect(sameBytes(qemuContents("d.qcow2"), want)).toBe(true);

      // Reopened: the whole image, in odd-sized pieces, needing new L2 tables and refcount blocks.
      img = open("d.qcow2");
      for (let off = 0, i = 0; off < size; i++) {
        const n = Math.min(size - off, 3 * 1024 + 7 * i);
        writeBoth(img, want, off, pattern(n, 10 + i));
        off += n;
      }
      const back = new Uint8Array(size);
      img.read(0, back);
      expect(sameBytes(back, want)).toBe(true);
      img.close();
      expectClean("d.qcow2");
      expect(sameBytes(qemuContents("d.qcow2"), want)).toBe(true);
    });
  }

  it("a write over a backing file copies the backing bytes around it", () => {
    qimg("create", "-f", "raw", "base.raw", "1M");
    const base = pattern(1 << 20, 77);
    writeFileSync(join(dir, "base.raw"), base);
    qimg("create", "-f", "qcow2", "-o", "cluster_size=4096", "-b", "base.raw", "-F", "raw", "top.qcow2");
    const want = Uint8Array.from(base);
    const img = open("top.qcow2");
    writeBoth(img, want, 5000, pattern(100, 5));
    writeBoth(img, want, 8190, pattern(5000, 6));
    writeBoth(img, want, (1 << 20) - 10, pattern(10, 7));
    img.close();
    expectClean("top.qcow2");
    expect(sameBytes(qemuContents("top.qcow2"), want)).toBe(true);
    expect(sameBytes(readFileSync(join(dir, "base.raw")), base)).toBe(true);
  });

  it.skipIf(!haveQemuIo)("zero clusters (v3) read zeros around a partial write; preallocated ones are released", () => {
    qimg("create", "-f", "qcow2", "-o", "cluster_size=4096", "z.qcow2", "1M");
    qio("z.qcow2", "write -P 0x55 0 64k", "write -z -u 0 8k", "write -z 16k 8k");
    const want = new Uint8Array(1 << 20);
    want.fill(0x55, 0, 65536);
    want.fill(0, 0, 8192);
    want.fill(0, 16384, 24576);
    const img = open("z.qcow2");
    writeBoth(img, want, 1000, pattern(100, 8));
    writeBoth(img, want, 17000, pattern(100, 9));
    img.close();
    expectClean("z.qcow2");
    expect(sameBytes(qemuContents("z.qcow2"), want)).toBe(true);
  });

  it("clusters and L2 tables shared with an internal snapshot are copied; the snapshot keeps its contents", () => {
    const size = 1 << 20;
    qimg("create", "-f", "qcow2", "-o", "cluster_size=4096", "s.qcow2", String(size));
    const old = new Uint8Array(size);
    let img = open("s.qcow2");
    writeBoth(img, old, 0, pattern(200 * 1024, 21));
    writeBoth(img, old, 600 * 1024, pattern(10 * 1024, 22));
    img.close();
    qimg("snapshot", "-c", "s1", "s.qcow2");
    const want = Uint8Array.from(old);
    img = open("s.qcow2");
    writeBoth(img, want, 1000, pattern(3000, 23)); // a shared data cluster, partially
    writeBoth(img, want, 100 * 1024 - 100, pattern(9000, 24));
    writeBoth(img, want, 1100, pattern(10, 25)); // now owned: in place
    writeBoth(img, want, 900 * 1024, pattern(100, 26)); // unallocated, in a shared L2 table
    img.close();
    expectClean("s.qcow2");
    expect(sameBytes(qemuContents("s.qcow2"), want)).toBe(true);
    qimg("snapshot", "-a", "s1", "s.qcow2");
    expectClean("s.qcow2");
    expect(sameBytes(qemuContents("s.qcow2"), old)).toBe(true);
  });

  it("compressed clusters and read-only opens refuse writes, leaving the image intact", () => {
    qimg("create", "-f", "raw", "base.raw", "256k");
    writeFileSync(join(dir, "base.raw"), pattern(256 * 1024, 3));
    qimg("convert", "-c", "-O", "qcow2", "base.raw", "c.qcow2");
    const before = readFileSync(join(dir, "c.qcow2"));
    const img = open("c.qcow2");
    expect(() => img.write(0, new Uint8Array(512))).toThrow(/compressed clusters/);
    img.close();
    const ro = open("c.qcow2", true);
    expect(() => ro.write(0, new Uint8Array(512))).toThrow(/read-only/);
    ro.close();
    expect(sameBytes(readFileSync(join(dir, "c.qcow2")), before)).toBe(true);
  });

  it("a full refcount table fails the write with a clear error and no corruption", () => {
    // 512-byte clusters, 64-bit refcounts: one refcount-table cluster covers 2 MiB of file.
    const size = 4 << 20;
    qimg("create", "-f", "qcow2", "-o", "cluster_size=512,refcount_bits=64", "f.qcow2", String(size));
    const want = new Uint8Array(size);
    const img = open("f.qcow2");
    let failed: unknown;
    // One cluster per write, so the failing write is all-or-nothing (a multi-cluster write keeps
    // the clusters it completed before the error, as a torn write on a real disk would).
    for (let off = 0; off < size; off += 512) {
      try {
        img.write(off, pattern(512, off));
      } catch (e) {
        failed = e;
        break;
      }
      want.set(pattern(512, off), off);
    }
    img.close();
    expect(String(failed)).toMatch(/refcount table .* is full/);
    expectClean("f.qcow2");
    expect(sameBytes(qemuContents("f.qcow2"), want)).toBe(true);
  });
});

describe.skipIf(haveQemuImg)("qcow2 guest writes without qemu-img", () => {
  it("needs qemu-img (apt-get install qemu-utils); not installed, so these checks are skipped", () => {
    console.warn("qemu-img not found (Debian package qemu-utils): skipping the qcow2 write tests");
  });
});
