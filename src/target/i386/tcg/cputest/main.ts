#!/usr/bin/env node
/**
 * qomd-cputest FILE… — run SingleStepTests-format files (.json or .json.gz)
 * against the tcg interpreter and print "N passed, M failed".
 *
 *   -v            print every failure with what differed
 *   --cpu 8086|286  force the CPU (default: from metadata.json beside the file, or the path)
 *   --jit off|on|eager   how blocks run (default on; off = interpreter only, eager = compile every block first)
 *   --no-jit      the same as --jit off
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { runSstFile } from "./sst.js";
import type { SstCpu } from "./sst.js";
import type { JitMode } from "../cpu.js";

const USAGE = "Usage: qomd-cputest [-v] [--cpu 8086|286] [--jit off|on|eager | --no-jit] FILE...\n";

export function main(argv: string[]): number {
  let verbose = false;
  let cpu: SstCpu | undefined;
  let jit: JitMode | undefined;
  const files: string[] = [];
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k];
    if (a === "-v" || a === "--verbose") verbose = true;
    else if (a === "--cpu") {
      const v = argv[++k];
      if (v !== "8086" && v !== "286") {
        process.stderr.write(`qomd-cputest: --cpu must be 8086 or 286\n`);
        return 2;
      }
      cpu = Number(v) as SstCpu;
    } else if (a === "--jit") {
      const v = argv[++k];
      if (v !== "off" && v !== "on" && v !== "eager") {
        process.stderr.write(`qomd-cputest: --jit must be off, on or eager\n`);
        return 2;
      }
      jit = v;
    } else if (a === "--no-jit") {
      jit = "off";
    } else if (a === "-h" || a === "--help") {
      process.stdout.write(USAGE);
      return 0;
    } else files.push(a);
  }
  if (files.length === 0) {
    process.stderr.write(USAGE);
    return 2;
  }
  let passed = 0, failed = 0;
  for (const f of files) {
    const r = runSstFile(f, { cpu, jit });
    passed += r.passed;
    failed += r.failed;
    if (verbose) {
      for (const x of r.failures) process.stdout.write(`FAIL ${x.form} #${x.idx} ${x.name} [${x.hash.slice(0, 12)}]: ${x.reason}\n`);
    }
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  return failed === 0 ? 0 : 1;
}

/** True when this file is the program being run (directly or through an npm bin symlink). */
function isEntryPoint(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(arg) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (isEntryPoint()) process.exitCode = main(process.argv.slice(2));
