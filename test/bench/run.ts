/**
 * `npm run bench`: runs every benchmark module and writes one JSON file of results
 * (bench-results/latest.json, plus a timestamped copy). Modules export `run()` returning
 * named figures; a module that needs something absent reports why instead of figures.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

interface BenchModule {
  run(): Promise<Record<string, number>>;
}

const MODULES: Record<string, () => Promise<BenchModule>> = {
  qom: () => import("./qom.js"),
  tcg: () => import("./tcg-loop.js"),
  memory: () => import("./memory.js"),
  machine: () => import("./machine.js"),
  qmp: () => import("./qmp.js"),
  kvm: () => import("./kvm.js"),
  boot: () => import("./boot.js"),
};

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  const results: Record<string, number> = {};
  const skipped: Record<string, string> = {};
  for (const [name, load] of Object.entries(MODULES)) {
    if (only.length > 0 && !only.includes(name)) continue;
    process.stderr.write(`bench: ${name} …\n`);
    try {
      Object.assign(results, await (await load()).run());
    } catch (err) {
      skipped[name] = err instanceof Error ? err.message : String(err);
      process.stderr.write(`bench: ${name} did not run: ${skipped[name]}\n`);
    }
  }
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: (await import("node:os")).cpus().length,
    results,
    skipped,
  };
  const dir = join(process.cwd(), "bench-results");
  mkdirSync(dir, { recursive: true });
  const text = JSON.stringify(report, null, 2) + "\n";
  writeFileSync(join(dir, "latest.json"), text);
  writeFileSync(join(dir, `bench-${report.date.replace(/[:.]/g, "-")}.json`), text);
  process.stdout.write(text);
}

await main();
