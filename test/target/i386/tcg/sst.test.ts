import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { runSstFile } from "../../../../src/target/i386/tcg/cputest/sst.js";
import type { SstCpu, SstFailure } from "../../../../src/target/i386/tcg/cputest/sst.js";
import type { JitMode } from "../../../../src/target/i386/tcg/cpu.js";
import { main } from "../../../../src/target/i386/tcg/cputest/main.js";

const dir = fileURLToPath(new URL("../../../fixtures/sst/", import.meta.url));

/** Rows of KNOWN-FAILURES.md as "cpu form idx hash12" keys. */
function knownFailures(): Map<string, string> {
  const rows = new Map<string, string>();
  for (const line of readFileSync(join(dir, "KNOWN-FAILURES.md"), "utf8").split("\n")) {
    const m = /^\|\s*(8086|286)\s*\|\s*(\S+)\s*\|\s*(\d+)\s*\|\s*([0-9a-f]*)\s*\|\s*(.+?)\s*\|$/.exec(line);
    if (m) rows.set(`${m[1]} ${m[2]} ${m[3]} ${m[4]}`, m[5]);
  }
  return rows;
}

function runAll(sub: string, cpu: SstCpu, jit: JitMode): { passed: number; failed: number; failures: SstFailure[] } {
  const files = readdirSync(join(dir, sub)).filter((f) => f.endsWith(".json.gz")).sort();
  const total = { passed: 0, failed: 0, failures: [] as SstFailure[] };
  for (const f of files) {
    const r = runSstFile(join(dir, sub, f), { cpu, jit });
    total.passed += r.passed;
    total.failed += r.failed;
    total.failures.push(...r.failures);
  }
  return total;
}

describe("SingleStepTests through the tcg interpreter", () => {
  const known = knownFailures();
  // "off" is the interpreter; "eager" compiles every block (cut to the instructions the test runs) first.
  for (const [sub, cpu, jit] of [["8086", 8086, "off"], ["80286", 286, "off"], ["8086", 8086, "eager"], ["80286", 286, "eager"]] as const) {
    it(`${sub} (jit ${jit}): at least 99.5% pass and every failure is listed in KNOWN-FAILURES.md`, () => {
      const r = runAll(sub, cpu, jit);
      expect(r.passed + r.failed).toBeGreaterThan(30000);
      expect(r.passed / (r.passed + r.failed)).toBeGreaterThanOrEqual(0.995);
      const got = r.failures.map((f) => `${cpu} ${f.form} ${f.idx} ${f.hash.slice(0, 12)}`).sort();
      const listed = [...known.keys()].filter((k) => k.startsWith(`${cpu} `)).sort();
      expect(got).toEqual(listed);
    });
  }

  it("qomd-cputest prints the totals and fails on failures", () => {
    const out: string[] = [];
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => {
      out.push(s);
      return true;
    }) as typeof process.stdout.write;
    let code: number;
    try {
      code = main([join(dir, "8086", "00.json.gz"), join(dir, "80286", "F4.json.gz")]);
    } finally {
      process.stdout.write = orig;
    }
    expect(out.join("")).toBe("200 passed, 0 failed\n");
    expect(code).toBe(0);
  });
});
