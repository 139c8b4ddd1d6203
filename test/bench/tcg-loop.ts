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
 * plus a memory variant that adds a load and a store per iteration.
 */
import { RamOnlyBus } from "../../src/target/i386/tcg/bus.js";
import { CS, DS, ES, SS } from "../../src/target/i386/tcg/constants.js";
import { X86Cpu } from "../../src/target/i386/tcg/cpu.js";

const ITERATIONS = 10_000_000;
/** Each figure is the best of this many runs (the machine is shared; the best run is the least disturbed). */
const RUNS = 3;

function u32(n: number): number[] {
  return [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];
}

/** Machine code for the loop; `mem` adds `mov esi,[edi]; mov [edi+4],esi`. */
function loopCode(bits: 16 | 32, mem: boolean, n: number): { code: number[]; perIter: number } {
  const body = [0x01, 0xd8, 0x31, 0xc2];
  if (mem) body.push(...(bits === 32 ? [0x8b, 0x37, 0x89, 0x77, 0x04] : [0x66, 0x8b, 0x35, 0x66, 0x89, 0x75, 0x04]));
  // dec ecx (with an operand-size prefix in 16-bit code, so the count is 32-bit there too)
  body.push(...(bits === 32 ? [0x49] : [0x66, 0x49]));
  const rel = -(body.length + 2);
  const head = bits === 32 ? [0xb9, ...u32(n)] : [0x66, 0xb9, ...u32(n)];
  const code = [...head, ...body, 0x75, rel & 0xff, 0xf4];
  return { code, perIter: mem ? 6 : 4 };
}

function measure(bits: 16 | 32, mem: boolean): number {
  const bus = new RamOnlyBus(1 << 20);
  const cpu = new X86Cpu({ bus, level: 686 });
  const { code, perIter } = loopCode(bits, mem, ITERATIONS);
  bus.ram.set(code, 0x1000);
  if (bits === 32) {
    cpu.cr0 |= 1;
    cpu.setCpl(0);
    cpu.setSegCache(CS, 0x08, 0, 0xffffffff, 0xc09b);
    for (const s of [DS, ES, SS]) cpu.setSegCache(s, 0x10, 0, 0xffffffff, 0xc093);
    cpu.eip = 0x1000;
    cpu.r32[7] = 0x8000;
  } else {
    cpu.setSegCache(CS, 0x100, 0x1000, 0xffff, 0x9b);
    for (const s of [DS, ES, SS]) cpu.setSegCache(s, 0, 0, 0xffff, 0x93);
    cpu.eip = 0;
    cpu.r32[7] = 0x8000;
  }
  const total = ITERATIONS * perIter + 2;
  const t0 = process.hrtime.bigint();
  let exit = "budget";
  while (exit === "budget") exit = cpu.run(1_000_000);
  const ns = Number(process.hrtime.bigint() - t0);
  if (exit !== "hlt" || cpu.r32[1] !== 0) throw new Error(`loop guest ended with ${exit}, ecx=${cpu.r32[1]}`);
  return total / (ns / 1000);
}

function best(bits: 16 | 32, mem: boolean): number {
  let m = 0;
  for (let k = 0; k < RUNS; k++) m = Math.max(m, measure(bits, mem));
  return Math.round(m);
}

export async function run(): Promise<Record<string, number>> {
  measure(32, false); // warm up the JIT
  return {
    "tcg-loop32-mips": best(32, false),
    "tcg-loop16-mips": best(16, false),
    "tcg-loop32-mem-mips": best(32, true),
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  run().then((r) => process.stdout.write(JSON.stringify(r) + "\n"));
}
