import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { addressSpaceMemory } from "../../../src/exec/memory.js";
import { testMachine } from "../machine-fixture.js";

const dir = mkdtempSync(join(tmpdir(), "qomd-memsave-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("memsave and pmemsave", () => {
  it("dump RAM through the CPU (paging off after reset) and physical memory", async () => {
    const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    const as = addressSpaceMemory(m.instance.registry);
    const pattern = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7 + 3) & 0xff);
    as.writeBytes(0x100000, pattern);

    const v = join(dir, "virt.bin");
    expect(m.run("memsave", { val: 0x100000, size: 3000, filename: v })).toBeUndefined();
    expect(new Uint8Array(readFileSync(v))).toEqual(pattern);

    const p = join(dir, "phys.bin");
    m.run("pmemsave", { val: 0x100000, size: 3000, filename: p });
    expect(new Uint8Array(readFileSync(p))).toEqual(pattern);
  });

  it("check cpu-index and unmapped memory with QEMU's texts; the file is created first", async () => {
    const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    const f = join(dir, "bad.bin");
    expect(m.fail("memsave", { val: 0, size: 16, filename: f, "cpu-index": 1 })).toEqual({
      class: "GenericError",
      desc: "Parameter 'cpu-index' expects a CPU number",
    });
    // 128 MiB of RAM ends at 0x8000000: the piece that crosses it fails, nothing is written.
    expect(m.fail("memsave", { val: 0x7fffff0, size: 32, filename: f })).toEqual({
      class: "GenericError",
      desc: "Invalid addr 0x0000000007fffff0/size 32 specified",
    });
    expect(statSync(f).size).toBe(0);
    // pmemsave takes whatever unassigned space reads as, as QEMU does, and does not fail.
    m.run("pmemsave", { val: 0x7fffff0, size: 32, filename: f });
    expect(statSync(f).size).toBe(32);
    expect(m.fail("pmemsave", { val: 0, size: 16, filename: "/nonexistent-dir/x" })).toEqual({
      class: "GenericError",
      desc: "Could not open '/nonexistent-dir/x': No such file or directory",
    });
  });

  it("memsave needs a CPU: -M none has none", async () => {
    const m = await testMachine(["-M", "none", "-S", "-nodefaults"]);
    expect(m.fail("memsave", { val: 0, size: 16, filename: join(dir, "none.bin") }).desc).toBe(
      "Parameter 'cpu-index' expects a CPU number",
    );
  });
});
