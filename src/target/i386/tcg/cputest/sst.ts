/**
 * Runs SingleStepTests-format vectors (8086 and 80286 real mode) against the
 * interpreter: load registers and memory, execute (one instruction on the
 * 8086; up to the terminating HLT on the 286), compare registers and memory
 * with undefined flags masked as the suite's metadata.json says.
 */
import { readFileSync, existsSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { gunzipSync } from "node:zlib";
import { RamOnlyBus } from "../bus.js";
import { AR_REAL_CODE, AR_REAL_DATA, CS } from "../constants.js";
import { X86Cpu } from "../cpu.js";
import type { JitMode } from "../cpu.js";

export type SstRegs = Record<string, number>;
export interface SstTest {
  idx: number;
  name: string;
  bytes: number[];
  initial: { regs: SstRegs; ram: [number, number][] };
  final: { regs: SstRegs; ram: [number, number][] };
  exception?: { number: number; flag_address: number };
  hash?: string;
}
interface MetaEntry {
  status?: string;
  "flags-mask"?: number;
  reg?: Record<string, MetaEntry>;
}
export interface SstMetadata {
  cpu?: string;
  opcodes: Record<string, MetaEntry>;
}

export interface SstFailure {
  file: string;
  form: string;
  idx: number;
  hash: string;
  name: string;
  /** What differed, e.g. "ax: got 1234 want 1235; ram[0x1000]: got 00 want 01". */
  reason: string;
}
export interface SstResult {
  passed: number;
  failed: number;
  failures: SstFailure[];
}

export type SstCpu = 8086 | 286;

const REGS16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di"];
const SEGS = ["es", "cs", "ss", "ds"];

/** One interpreter and memory reused for every test of a CPU type. */
export class SstRunner {
  readonly cpu: X86Cpu;
  private readonly bus: RamOnlyBus;

  constructor(readonly level: SstCpu, jit?: JitMode) {
    this.bus = new RamOnlyBus(level === 8086 ? 1 << 20 : 1 << 24);
    this.cpu = new X86Cpu({ bus: this.bus, level, jit });
  }

  /** Run one test; returns null when it passes, else what differed. */
  runTest(t: SstTest, flagsMask: number): string | null {
    const c = this.cpu;
    const ram = this.bus.ram;
    const wrap = ram.length - 1;
    for (const [a, v] of t.initial.ram) c.physWrite(a & wrap, v, 1);
    const r = t.initial.regs;
    c.halted = false;
    c.shutdownPending = false;
    c.inhibitIrq = false;
    REGS16.forEach((n, k) => (c.r16[k << 1] = r[n]));
    SEGS.forEach((n, k) => c.setSegCache(k, r[n], r[n] << 4, 0xffff, k === CS ? AR_REAL_CODE : AR_REAL_DATA));
    c.eip = r.ip;
    c.setFlags(this.level === 286 ? r.flags & 0x0fff : r.flags);
    let problem = "";
    try {
      if (this.level === 8086) c.run(1);
      else {
        const exit = c.run(64);
        if (exit !== "hlt") problem = `did not reach HLT (${exit}); `;
      }
    } catch (e) {
      problem = `threw ${(e as Error).message}; `;
    }
    const f = t.final.regs;
    const diffs: string[] = [];
    const got: SstRegs = { ip: c.eip & 0xffff, flags: c.getFlags() & 0xffff };
    REGS16.forEach((n, k) => (got[n] = c.r16[k << 1]));
    SEGS.forEach((n, k) => (got[n] = c.segSel[k]));
    for (const n of [...REGS16, ...SEGS, "ip", "flags"]) {
      const want = f[n] ?? r[n];
      const mask = n === "flags" ? flagsMask : 0xffff;
      if ((got[n] & mask) !== (want & mask)) diffs.push(`${n}: got ${hex(got[n], 4)} want ${hex(want, 4)}`);
    }
    // FLAGS pushed by an interrupt may carry undefined bits into memory.
    const masked = new Map<number, number>();
    if (flagsMask !== 0xffff && (f.cs !== undefined || t.exception)) {
      const ss = f.ss ?? r.ss, sp = f.sp ?? r.sp;
      const at = ss * 16 + ((sp + 4) & 0xffff);
      masked.set(at & wrap, flagsMask & 0xff);
      masked.set((ss * 16 + ((sp + 5) & 0xffff)) & wrap, flagsMask >> 8);
    }
    for (const [a, v] of t.final.ram) {
      const m = masked.get(a & wrap) ?? 0xff;
      const have = ram[a & wrap];
      if ((have & m) !== (v & m)) diffs.push(`ram[${hex(a, 5)}]: got ${hex(have, 2)} want ${hex(v, 2)}`);
    }
    // Leave memory zeroed (and any decoded code invalidated) for the next test.
    for (const [a] of t.initial.ram) c.physWrite(a & wrap, 0, 1);
    for (const [a] of t.final.ram) c.physWrite(a & wrap, 0, 1);
    if (problem || diffs.length) return problem + diffs.join("; ");
    return null;
  }
}

function hex(v: number, w: number): string {
  return v.toString(16).padStart(w, "0");
}

/** The form ("F6.6", "00") a test file holds, from its name. */
export function formOf(file: string): string {
  return basename(file).replace(/\.json(\.gz)?$/, "");
}

/** Undefined-flags mask for a test of `form` (per-reg entries for groups; 8F/C6/C7 take reg from ModR/M). */
export function flagsMaskFor(meta: SstMetadata | undefined, form: string, t: SstTest): number {
  if (!meta) return 0xffff;
  const [op, reg] = form.split(".");
  const e = meta.opcodes[op.toUpperCase()];
  if (!e) return 0xffff;
  let entry: MetaEntry | undefined = e;
  if (e.reg) {
    let r = reg;
    if (r === undefined) {
      // Skip prefixes to find the ModR/M byte.
      let k = 0;
      while ([0x26, 0x2e, 0x36, 0x3e, 0xf0, 0xf1, 0xf2, 0xf3].includes(t.bytes[k])) k++;
      r = String((t.bytes[k + 1] >> 3) & 7);
    }
    entry = e.reg[r];
  }
  return entry?.["flags-mask"] ?? 0xffff;
}

export function loadTests(file: string): SstTest[] {
  let data = readFileSync(file);
  if (file.endsWith(".gz")) data = gunzipSync(data);
  return JSON.parse(data.toString("utf8")) as SstTest[];
}

/** metadata.json beside the test file, if there is one. */
export function loadMetadata(file: string): SstMetadata | undefined {
  const p = join(dirname(file), "metadata.json");
  if (!existsSync(p)) return undefined;
  return JSON.parse(readFileSync(p, "utf8")) as SstMetadata;
}

/** Guess the CPU from the metadata or the path (…/8086/…, …/80286/…). */
export function cpuOf(file: string, meta: SstMetadata | undefined): SstCpu {
  const cpu = meta?.cpu ?? "";
  if (/286/.test(cpu) || /286/.test(file)) return 286;
  return 8086;
}

const runners = new Map<string, SstRunner>();

/** Run every test of one SST file. */
export function runSstFile(file: string, opts: { cpu?: SstCpu; jit?: JitMode } = {}): SstResult {
  const meta = loadMetadata(file);
  const level = opts.cpu ?? cpuOf(file, meta);
  const key = `${level} ${opts.jit ?? ""}`;
  let runner = runners.get(key);
  if (!runner) {
    runner = new SstRunner(level, opts.jit);
    runners.set(key, runner);
  }
  const form = formOf(file);
  const res: SstResult = { passed: 0, failed: 0, failures: [] };
  for (const t of loadTests(file)) {
    const why = runner.runTest(t, flagsMaskFor(meta, form, t));
    if (why === null) res.passed++;
    else {
      res.failed++;
      res.failures.push({ file, form, idx: t.idx, hash: t.hash ?? "", name: t.name, reason: why });
    }
  }
  return res;
}
