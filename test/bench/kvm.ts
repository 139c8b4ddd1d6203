/**
 * The kvm accelerator's figures:
 *  - exit round trip: one `out` to a port served in TypeScript, from 64-bit CPL3 code and from
 *    real-mode (CPL0) code, in µs;
 *  - CPL3 compute: the `add / xor / dec / jnz` loop of long-mode.asm at CPL3 in G instructions/s,
 *    against the same four instructions run natively on the host (a C program built here with cc).
 * Each figure is the difference of a long and a short run (so guest set-up and VM creation cancel
 * out), best of RUNS. Throws with the reason when KVM is not usable here.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AccessSize, VmOps } from "../../src/accel/accel-ops.js";
import { allocateGuestMemory } from "../../src/accel/kvm/guest-memory.js";
import { KvmAccel } from "../../src/accel/kvm/kvm-accel.js";
import { kvmAvailability } from "../../src/accel/kvm/kvm-available.js";

const RUNS = 3;
const LOAD_ADDR = 0x8000;

/** test/fixtures/kvm, found from this module whether it runs from test/ or dist/test/. */
function fixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const f = join(dir, "test", "fixtures", "kvm");
    if (existsSync(f)) return f;
    const up = dirname(dir);
    if (up === dir) throw new Error("test/fixtures/kvm not found");
    dir = up;
  }
}

/** Counts port writes; everything else floats. */
class CountingOps implements VmOps {
  writes = 0;
  lastValue = 0;
  pioRead(_port: number, size: AccessSize): number {
    return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  }
  pioWrite(port: number, value: number): void {
    this.writes++;
    if (port === 0x11) this.lastValue = value;
  }
  mmioRead(_gpa: number, size: AccessSize): number {
    return size === 4 ? 0xffffffff : (1 << (size * 8)) - 1;
  }
  mmioWrite(): void {}
}

/** Boots `guest`, lets `params` fill in its parameters, runs to HLT; returns ns spent in run(). */
function timeGuest(guest: string, params: (view: DataView) => void, expectWrites: number): number {
  const accel = KvmAccel.create({ kernelIrqchip: "off" });
  try {
    const ram = allocateGuestMemory(2 << 20);
    accel.mapMemory(0, ram);
    ram.set(readFileSync(join(fixturesDir(), `${guest}.bin`)), LOAD_ADDR);
    params(new DataView(ram.buffer, ram.byteOffset));
    const ops = new CountingOps();
    const vcpu = accel.createVcpu(0, ops);
    const s = vcpu.getState();
    s.cs = { selector: 0, base: 0, limit: 0xffff, flags: 0x9b };
    s.eip = LOAD_ADDR;
    vcpu.setState(s);
    const t0 = process.hrtime.bigint();
    const exit = vcpu.run();
    const ns = Number(process.hrtime.bigint() - t0);
    if (exit.reason !== "halted") throw new Error(`${guest} ended with ${JSON.stringify(exit)}`);
    if (ops.writes !== expectWrites) throw new Error(`${guest}: ${ops.writes} port writes, expected ${expectWrites}`);
    return ns;
  } finally {
    accel.close();
  }
}

/** ns per unit of `n`: the difference of runs with n and n/10, best of RUNS. */
function perUnit(run: (n: number) => number, n: number): number {
  let best = Infinity;
  for (let k = 0; k < RUNS; k++) best = Math.min(best, (run(n) - run(n / 10)) / (n - n / 10));
  return best;
}

function longModeLoop(mode: 0 | 1, n: number): number {
  // long-mode.asm writes 'L', 'U', the result and the vector; mode 1 adds one write per iteration.
  return timeGuest("long-mode", (v) => {
    v.setUint32(LOAD_ADDR + 8, mode, true);
    v.setBigUint64(LOAD_ADDR + 0x10, BigInt(n), true);
  }, 4 + (mode === 1 ? n : 0));
}

function realModeOuts(n: number): number {
  return timeGuest("out-loop", (v) => v.setUint32(LOAD_ADDR + 4, n, true), n);
}

const NATIVE_LOOP_C = `
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
/* The loop of long-mode.asm, 4 instructions an iteration; prints ns and the result. */
int main(int argc, char **argv) {
  unsigned long n = strtoul(argv[1], 0, 10);
  unsigned int a = 0, b = 1, d = 0;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  __asm__ volatile("1: addl %3, %0\\n\\txorl %0, %1\\n\\tdecq %2\\n\\tjnz 1b"
                   : "+r"(a), "+r"(d), "+r"(n) : "r"(b) : "cc");
  clock_gettime(CLOCK_MONOTONIC, &t1);
  printf("%ld %u\\n", (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec), a ^ d);
  return 0;
}
`;

/** Native G instructions/s of the same loop, best of RUNS; throws when no C compiler is there. */
function nativeGips(n: number): number {
  const dir = mkdtempSync(join(tmpdir(), "qomd-bench-kvm-"));
  try {
    writeFileSync(join(dir, "loop.c"), NATIVE_LOOP_C);
    execFileSync("cc", ["-O2", "-o", join(dir, "loop"), join(dir, "loop.c")], { stdio: "pipe" });
    let best = 0;
    for (let k = 0; k < RUNS; k++) {
      const [ns] = execFileSync(join(dir, "loop"), [String(n)], { encoding: "utf8" }).trim().split(" ").map(Number);
      best = Math.max(best, (n * 4) / ns);
    }
    return best;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));

export async function run(): Promise<Record<string, number>> {
  const a = kvmAvailability();
  if (!a.usable) throw new Error(`KVM unusable (${a.missing}): ${a.reason}`);
  const cpl3ExitNs = perUnit((n) => longModeLoop(1, n), 20_000);
  const cpl0ExitNs = perUnit(realModeOuts, 20_000);
  const loopNsPerIter = perUnit((n) => longModeLoop(0, n), 1_000_000_000);
  const kvmGips = 4 / loopNsPerIter;
  const native = nativeGips(1_000_000_000);
  return {
    "kvm-pio-exit-cpl3-us": round(cpl3ExitNs / 1000, 2),
    "kvm-pio-exit-cpl0-us": round(cpl0ExitNs / 1000, 2),
    "kvm-cpl3-loop-gips": round(kvmGips, 3),
    "native-loop-gips": round(native, 3),
    "kvm-cpl3-vs-native": round(kvmGips / native, 3),
  };
}
