/**
 * HMP `info mtree` (with -f, -o, -D) and `info qom-tree` on `-M pc -S
 * -nodefaults`, against QEMU 7.2's output for the same command line
 * (test/fixtures/hmp/pc-nodefaults-hmp.json).
 *
 * info mtree prints one block per address space (or per flat view with -f)
 * in the iteration order of a GLib hash table keyed by heap pointers (the
 * root region or the FlatView), which depends on where malloc put them and
 * cannot be reproduced; qomd prints the blocks in address-space creation
 * order.  So blocks are compared as a multiset, and "FlatView #N" numbers,
 * which follow the printing order, are compared without their number.
 * `-d` (the dispatch radix tree, an internal structure of QEMU's) is not
 * printed.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { testMachine } from "../machine-fixture.js";

const capture = JSON.parse(readFileSync(new URL("../../fixtures/hmp/pc-nodefaults-hmp.json", import.meta.url), "utf8")) as {
  outputs: Record<string, string>;
};

function blocks(text: string): string[] {
  return text
    .replace(/\r/g, "")
    .replace(/FlatView #\d+/g, "FlatView #N")
    .split("\n\n")
    .map((b) => b.replace(/^\n+|\n+$/g, ""))
    .filter((b) => b !== "")
    .sort();
}

describe("info mtree and info qom-tree on -M pc -S -nodefaults", () => {
  for (const command of ["info mtree", "info mtree -f", "info mtree -o", "info mtree -D", "info mtree -f -o -D"]) {
    it(`${command}: QEMU's blocks`, async () => {
      const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
      const ours = m.run("human-monitor-command", { "command-line": command }) as string;
      expect(ours.endsWith("\r\n")).toBe(true);
      expect(blocks(ours)).toEqual(blocks(capture.outputs[command]!));
    });
  }

  it("info qom-tree: QEMU's tree, the ACPI tables' ROM regions under fw_cfg included", async () => {
    const m = await testMachine(["-M", "pc", "-S", "-nodefaults"]);
    const ours = (m.run("human-monitor-command", { "command-line": "info qom-tree" }) as string).replace(/\r/g, "");
    const theirs = capture.outputs["info qom-tree"]!.split("\n");
    expect(theirs).toContain("    /\\x2from@etc\\x2facpi\\x2ftables[0] (memory-region)");
    expect(ours.split("\n")).toEqual(theirs);
  });
});
