import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { memoryMapInit, memorySystemOf } from "../../src/exec/memory.js";
import { mtreeInfo } from "../../src/exec/mtree.js";
import type { TypeRegistry } from "../../src/qom/type.js";
import { freshMachine } from "./helpers.js";
import { buildPcLayout } from "./pc-layout.js";

const FIXTURES = new URL("../fixtures/qemu-7.2/mtree/", import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8").replace(/\r\n/g, "\n");
}

/** Blank-line separated blocks; a flat view's "FlatView #N" header is dropped (QEMU's order varies). */
function blocks(text: string): string[] {
  return text
    .split("\n\n")
    .filter((b) => b.trim() !== "")
    .map((b) => b.replace(/^FlatView #\d+\n/, ""));
}

let types: TypeRegistry;
beforeEach(() => {
  types = freshMachine();
  buildPcLayout(types);
});

describe("info mtree", () => {
  it("prints the memory and I/O address spaces as QEMU 7.2 does", () => {
    const ours = blocks(mtreeInfo(memorySystemOf(types)));
    const theirs = blocks(fixture("info-mtree.pc-nodefaults.txt"));
    expect(ours[0]!.startsWith("address-space: cpu-memory-0\naddress-space: memory\n")).toBe(true);
    expect(ours.map((b) => b.split("\n")[0])).toEqual([
      "address-space: cpu-memory-0",
      "address-space: I/O",
      "memory-region: pc.ram",
      "memory-region: pc.bios",
      "memory-region: pci",
    ]);
    for (const b of ours) expect(theirs).toContain(b);
  });

  it("prints owners with -o", () => {
    const ours = blocks(mtreeInfo(memorySystemOf(types), { owner: true }));
    const theirs = blocks(fixture("info-mtree-o.pc-nodefaults.txt"));
    const io = ours.find((b) => b.startsWith("address-space: I/O"));
    expect(theirs).toContain(io);
    const ram = ours.find((b) => b.startsWith("memory-region: pc.ram"));
    expect(ram).toBe(
      "memory-region: pc.ram\n  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram owner:{obj path=/objects/pc.ram}",
    );
  });

  it("shows disabled regions with -D", () => {
    const ours = blocks(mtreeInfo(memorySystemOf(types), { disabled: true }));
    const theirs = blocks(fixture("info-mtree-D.pc-nodefaults.txt"));
    expect(theirs).toContain(ours.find((b) => b.startsWith("address-space: I/O")));
  });

  it("prints the flat views with -f", () => {
    const ours = blocks(mtreeInfo(memorySystemOf(types), { flatview: true }));
    const theirs = blocks(fixture("info-mtree-f.pc-nodefaults.txt"));
    expect(ours).toHaveLength(2);
    expect(ours[0]!.split("\n").slice(0, 2)).toEqual([' AS "memory", root: system', ' AS "cpu-memory-0", root: system']);
    for (const b of ours) expect(theirs).toContain(b);
  });

  it("reports an address space whose root renders nothing", () => {
    const empty = freshMachine();
    memoryMapInit(empty);
    const text = mtreeInfo(memorySystemOf(empty), { flatview: true });
    expect(text.split("\n").slice(0, 5)).toEqual([
      "FlatView #0",
      ' AS "memory", root: system',
      " Root memory region: (none)",
      "  No rendered FlatView",
      "",
    ]);
  });
});
