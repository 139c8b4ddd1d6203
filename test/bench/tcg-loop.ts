/**
 * Guest MIPS of the tcg interpreter on a tight loop (the loop v86's
 * interpreter runs at ~120 MIPS on these machines):
 *
 *     mov ecx, N
 *   l: add eax, ebx
 *     xor edx, eax
 *     dec ecx
 *     jnz l
 *     hlt
 *
 * once as 32-bit flat protected-mode code and once as 16-bit real-mode code,
 * plus a memory variant that adds a load and a store per iteration, and the
 * peer benchmark's loop (/work/shared/bench/peer/guests/loop.asm: add, xor,
 * shl, store, dec, jnz), the one QEMU TCG runs at ~2,900 MIPS and v86's
 * interpreter at ~87 there.
 *
 * Every figure is reported as the best and the median of RUNS runs, with block
 * compilation on (the default) and, for comparison, interpreter only
 * ("-nojit").
 */
import { RamOnlyBus } from "../../src/target/i386/tcg/bus.js";
import { CS, DS, ES, SS } from "../../src/target/i386/tcg/constants.js";
import { X86Cpu } from "../../src/target/i386/tcg/cpu.js";
import type { JitMode } from "../../src/target/i386/tcg/cpu.js";

/** Compiled code reaches full speed only after V8 has optimised each new block function: runs last ~0.2 s. */
const ITERATIONS = 50_000_000;
/** Runs per figure: the best is the least disturbed run on a shared machine, the median the typical one. */
const RUNS = 5;

type Variant = "plain" | "mem" | "peer";

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

/** Machine code for the loop; `mem` adds `mov esi,[edi]; mov [edi+4],esi`. */
function loopCode(bits: 16 | 32, variant: Variant, n: number): { code: number[]; perIter: number } {
  if (variant === "peer") {
    // mov ecx, n; xor eax, eax; mov ebx, 0x12345678
    // l: add eax, ecx; xor ebx, eax; shl ebx, 3; mov [0x9000], ebx; dec ecx; jnz l; hlt
    const head = [0xb9, ...u32(n), 0x31, 0xc0, 0xbb, ...u32(0x12345678)];
    const body = [0x01, 0xc8, 0x31, 0xc3, 0xc1, 0xe3, 0x03, 0x89, 0x1d, ...u32(0x9000), 0x49];
    return { code: [...head, ...body, 0x75, -(body.length + 2) & 0xff, 0xf4], perIter: 6 };
  }
  const mem = variant === "mem";
  const body = [0x01, 0xd8, 0x31, 0xc2];
  if (mem) body.push(...(bits === 32 ? [0x8b, 0x37, 0x89, 0x77, 0x04] : [0x66, 0x8b, 0x35, 0x66, 0x89, 0x75, 0x04]));
  // dec ecx (with an operand-size prefix in 16-bit code, so the count is 32-bit there too)
  body.push(...(bits === 32 ? [0x49] : [0x66, 0x49]));
  const rel = -(body.length + 2);
  const head = bits === 32 ? [0xb9, ...u32(n)] : [0x66, 0xb9, ...u32(n)];
  const code = [...head, ...body, 0x75, rel & 0xff, 0xf4];
  return { code, perIter: mem ? 6 : 4 };
}

/** One guest machine with the loop in RAM; `measure` reruns it from the start (a VM's steady state: one CPU, warm code). */
class LoopGuest {
  readonly bus = new RamOnlyBus(1 << 20);
  readonly cpu: X86Cpu;
  readonly total: number;
  constructor(readonly bits: 16 | 32, variant: Variant, jit: JitMode, iterations: number) {
    this.cpu = new X86Cpu({ bus: this.bus, level: 686, jit });
    const { code, perIter } = loopCode(bits, variant, iterations);
    this.bus.ram.set(code, 0x1000);
    this.total = iterations * perIter + (variant === "peer" ? 4 : 2);
    const cpu = this.cpu;
    if (bits === 32) {
      cpu.cr0 |= 1;
      cpu.setCpl(0);
      cpu.setSegCache(CS, 0x08, 0, 0xffffffff, 0xc09b);
      for (const s of [DS, ES, SS]) cpu.setSegCache(s, 0x10, 0, 0xffffffff, 0xc093);
    } else {
      cpu.setSegCache(CS, 0x100, 0x1000, 0xffff, 0x9b);
      for (const s of [DS, ES, SS]) cpu.setSegCache(s, 0, 0, 0xffff, 0x93);
    }
  }

  /** Run the loop once from the start; returns MIPS. */
  measure(): number {
    const cpu = this.cpu;
    cpu.halted = false;
    cpu.eip = this.bits === 32 ? 0x1000 : 0;
    cpu.r32[7] = 0x8000;
    const t0 = process.hrtime.bigint();
    let exit = "budget";
    while (exit === "budget") exit = cpu.run(1_000_000);
    const ns = Number(process.hrtime.bigint() - t0);
    if (exit !== "hlt" || cpu.r32[1] !== 0) throw new Error(`loop guest ended with ${exit}, ecx=${cpu.r32[1]}`);
    return this.total / (ns / 1000);
  }
}

/** `<name>-mips` (best) and `<name>-median-mips` over RUNS runs. */
function figures(name: string, bits: 16 | 32, variant: Variant, jit: JitMode, out: Record<string, number>): void {
  // The interpreter is ~10x slower: fewer iterations keep its runs as long as the compiled ones.
  const iterations = jit === "off" ? ITERATIONS / 20 : ITERATIONS;
  const guest = new LoopGuest(bits, variant, jit, iterations);
  guest.measure(); // warm-up: blocks compiled and optimised by V8
  const runs: number[] = [];
  for (let k = 0; k < RUNS; k++) runs.push(guest.measure());
  runs.sort((a, b) => a - b);
  out[`${name}-mips`] = Math.round(runs[runs.length - 1]);
  out[`${name}-median-mips`] = Math.round(runs[runs.length >> 1]);
}

export async function run(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  figures("tcg-loop32", 32, "plain", "on", out);
  figures("tcg-loop16", 16, "plain", "on", out);
  figures("tcg-loop32-mem", 32, "mem", "on", out);
  figures("tcg-loop32-peer", 32, "peer", "on", out);
  figures("tcg-loop32-nojit", 32, "plain", "off", out);
  figures("tcg-loop32-peer-nojit", 32, "peer", "off", out);
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => process.stdout.write(JSON.stringify(r) + "\n"));
}
