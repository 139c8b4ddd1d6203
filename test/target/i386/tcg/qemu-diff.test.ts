/**
 * Differential test of the x86 core against QEMU 7.2 (qemu-system-i386
 * -accel tcg) in 32-bit protected mode. guests/qemu-diff.asm is the harness
 * ROM; qemu-diff/generate.ts makes seeded instruction sequences; after each
 * sequence the guest dumps registers, EFLAGS and its scratch memory to port
 * 0xE9. Dumps must agree except for the flags the SDM leaves undefined (the
 * masks are listed in generate.ts) and the sequences listed in
 * test/fixtures/qemu-diff/KNOWN-DIFFERENCES.md.
 *
 * A batch generated from FIXTURE_SEED is committed with QEMU's dump, so the
 * comparison runs without QEMU too. To re-record it (after changing the
 * generator or the harness): QOMD_RECORD_QEMU_DIFF=1 npx vitest run test/target/i386/tcg/qemu-diff.test.ts
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { JitMode } from "../../../../src/target/i386/tcg/cpu.js";
import { generateBatch } from "./qemu-diff/generate.js";
import type { SequenceInfo } from "./qemu-diff/generate.js";
import { compareDumps, findQemu, qemuVersion, runQemu, runQomd } from "./qemu-diff/harness.js";
import type { Mismatch } from "./qemu-diff/harness.js";

const FIXTURE_SEED = 0x5eed0001;
/** Seeds generated afresh at test time when QEMU is installed (about 560 sequences each). */
const LIVE_SEEDS = Array.from({ length: 12 }, (_, k) => 0x5eed1001 + k);
const MODES: JitMode[] = ["off", "eager", "on"];

const fixtureDir = fileURLToPath(new URL("../../../fixtures/qemu-diff/", import.meta.url));
const fixture = (name: string): string => fixtureDir + name;

interface FixtureMeta {
  seed: number;
  qemu: string;
  sequences: SequenceInfo[];
}

/** Rows of KNOWN-DIFFERENCES.md as "seed/sequence" keys (seed in hex). */
function knownDifferences(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(fixture("KNOWN-DIFFERENCES.md"), "utf8").split("\n")) {
    const m = /^\|\s*(0x[0-9a-f]+)\s*\|\s*(\d+)\s*\|\s*(.+?)\s*\|$/.exec(line);
    if (m) rows.set(`${m[1]}/${m[2]}`, m[3]);
  }
  return rows;
}

/** Mismatches not listed as known, and known rows for this seed that no longer differ. */
function judge(seed: number, mismatches: Mismatch[], known: Map<string, string>): { unexpected: string[]; stale: string[] } {
  const tag = `0x${seed.toString(16)}`;
  const seen = new Set(mismatches.map((m) => `${tag}/${m.seq}`));
  return {
    unexpected: mismatches.filter((m) => !known.has(`${tag}/${m.seq}`)).map((m) => m.message),
    stale: [...known.keys()].filter((k) => k.startsWith(`${tag}/`) && !seen.has(k)),
  };
}

const qemu = findQemu();
const recording = process.env.QOMD_RECORD_QEMU_DIFF === "1";

describe("x86 differential test against QEMU, 32-bit protected mode", () => {
  const known = knownDifferences();

  if (recording) {
    it("records the committed batch from QEMU", () => {
      if (qemu === undefined) throw new Error("QOMD_RECORD_QEMU_DIFF=1 needs qemu-system-i386 on PATH");
      const batch = generateBatch(FIXTURE_SEED, 10_000);
      const dump = runQemu(qemu, batch);
      const version = qemuVersion(qemu);
      writeFileSync(fixture("batch.bin"), batch.blob);
      writeFileSync(fixture("batch.qemu-dump.bin"), dump);
      const meta: FixtureMeta = { seed: FIXTURE_SEED, qemu: version, sequences: batch.sequences };
      // One sequence per line keeps the file readable and its diffs small.
      const lines = meta.sequences.map((q) => JSON.stringify(q));
      writeFileSync(fixture("batch.json"), `{"seed": ${meta.seed}, "qemu": ${JSON.stringify(meta.qemu)}, "sequences": [\n${lines.join(",\n")}\n]}\n`);
    });
    return;
  }

  const meta = JSON.parse(readFileSync(fixture("batch.json"), "utf8")) as FixtureMeta;
  const blob = new Uint8Array(readFileSync(fixture("batch.bin")));
  const qemuDump = new Uint8Array(readFileSync(fixture("batch.qemu-dump.bin")));

  for (const jit of MODES) {
    it(`the committed batch (${meta.sequences.length} sequences): qomd with jit ${jit} matches QEMU's recorded dump`, () => {
      const got = runQomd({ blob }, jit);
      const { unexpected, stale } = judge(meta.seed, compareDumps(meta.sequences, qemuDump, got), known);
      expect(unexpected.slice(0, 5).join("\n")).toBe("");
      expect(unexpected.length).toBe(0);
      expect(stale).toEqual([]);
    });
  }

  it("the committed batch is what the generator makes from its seed", () => {
    const batch = generateBatch(meta.seed, 10_000);
    expect(Buffer.from(batch.blob).equals(Buffer.from(blob))).toBe(true);
    expect(batch.sequences).toEqual(meta.sequences);
  });

  it("batches generated now agree with qemu-system-i386 run now", (ctx) => {
    if (qemu === undefined) {
      ctx.skip("qemu-system-i386 is not installed (Debian package qemu-system-x86): only the committed batch was compared");
      return;
    }
    // QEMU still gives the recorded dump for the committed batch.
    expect(Buffer.from(runQemu(qemu, { blob })).equals(Buffer.from(qemuDump))).toBe(true);
    let sequences = 0;
    for (const seed of LIVE_SEEDS) {
      const batch = generateBatch(seed, 10_000);
      sequences += batch.sequences.length;
      const want = runQemu(qemu, batch);
      for (const jit of ["off", "eager"] as const) {
        const { unexpected, stale } = judge(seed, compareDumps(batch.sequences, want, runQomd(batch, jit)), known);
        expect(unexpected.slice(0, 5).join("\n"), `seed 0x${seed.toString(16)}, jit ${jit}`).toBe("");
        expect(unexpected.length).toBe(0);
        expect(stale).toEqual([]);
      }
    }
    expect(sequences).toBeGreaterThan(6000);
  });
});
