/**
 * Machine creation: argv to a built, paused `pc` machine, warm (in this process, after the first
 * build) and cold (a fresh `qomd run` process until its QMP socket is listening).
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createMachine } from "../../src/softmmu/vl.js";

function firmwareDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "qomd-bench-fw-"));
  writeFileSync(join(dir, "bios-256k.bin"), Buffer.alloc(256 * 1024));
  return dir;
}

async function coldStartMs(main: string, argv: string[], sock: string): Promise<number> {
  const start = performance.now();
  const child = spawn(process.execPath, [main, "run", ...argv, "-qmp", `unix:${sock},server=on,wait=off`], { stdio: "ignore" });
  try {
    while (!existsSync(sock)) {
      if (child.exitCode !== null) throw new Error(`qomd run exited with ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return performance.now() - start;
  } finally {
    child.kill("SIGKILL");
    rmSync(sock, { force: true });
  }
}

export async function run(): Promise<Record<string, number>> {
  const fw = firmwareDir();
  const argv = ["-L", fw, "-M", "pc", "-S", "-nodefaults", "-display", "none"];
  const first = performance.now();
  await createMachine(argv, { prog: "qomd" });
  const firstMs = performance.now() - first;
  const rounds = 20;
  const start = performance.now();
  for (let i = 0; i < rounds; i++) await createMachine(argv, { prog: "qomd" });
  const warmMs = (performance.now() - start) / rounds;

  const main = join(import.meta.dirname, "..", "..", "src", "main.js");
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) cold.push(await coldStartMs(main, argv, join(fw, `qmp${i}.sock`)));
  cold.sort((a, b) => a - b);
  return {
    "machine.pc_nodefaults.first_in_process_ms": Math.round(firstMs * 10) / 10,
    "machine.pc_nodefaults.warm_ms": Math.round(warmMs * 10) / 10,
    "machine.pc_nodefaults.cold_process_median_ms": Math.round(cold[2]! * 10) / 10,
  };
}
