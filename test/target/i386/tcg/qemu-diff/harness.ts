/**
 * Runs a generated batch (generate.ts) inside the harness ROM
 * (guests/qemu-diff.bin) under qomd's x86 core or under qemu-system-i386, and
 * compares the register dumps the guest writes to the debug port.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CpuBus } from "../../../../../src/target/i386/tcg/bus.js";
import { X86Cpu } from "../../../../../src/target/i386/tcg/cpu.js";
import type { JitMode } from "../../../../../src/target/i386/tcg/cpu.js";
import type { Batch, SequenceInfo } from "./generate.js";
import { SEQ_SIZE } from "./generate.js";

export const RECORD_BYTES = 36 + 128;
const ROM_BASE = 0xffff0000;
export const DEBUG_PORT = 0xe9;
export const EXIT_PORT = 0xf4;

export function harnessImage(): Uint8Array {
  return new Uint8Array(readFileSync(new URL("../guests/qemu-diff.bin", import.meta.url)));
}

/** The harness ROM with the batch's blob patched into its sequence area. */
export function imageWith(blob: Uint8Array): Uint8Array {
  if (blob.length > SEQ_SIZE) throw new Error(`blob of ${blob.length} bytes does not fit in ${SEQ_SIZE}`);
  const img = harnessImage();
  img.fill(0, 0, SEQ_SIZE);
  img.set(blob, 0);
  return img;
}

/**
 * The small machine the test needs: 1 MiB of RAM, the 64 KiB ROM at the top
 * of the address space, the debug console (reads return 0xE9 as QEMU's do)
 * and the isa-debug-exit port.
 */
export class DiffBus implements CpuBus {
  readonly ram = new Uint8Array(1 << 20);
  readonly out: number[] = [];
  exitValue: number | undefined;
  constructor(private readonly rom: Uint8Array) {}
  readSlow(addr: number, size: 1 | 2 | 4): number {
    let v = 0;
    for (let k = 0; k < size; k++) {
      const a = (addr + k) >>> 0;
      v |= (a >= ROM_BASE ? this.rom[a - ROM_BASE] : 0xff) << (8 * k);
    }
    return v;
  }
  writeSlow(): void {}
  ioRead(port: number, size: 1 | 2 | 4): number {
    if (port === DEBUG_PORT) return 0xe9;
    return size === 1 ? 0xff : size === 2 ? 0xffff : -1;
  }
  ioWrite(port: number, value: number, size: 1 | 2 | 4): void {
    if (port === DEBUG_PORT) this.out.push(value & 0xff);
    else if (port === EXIT_PORT) this.exitValue = value & (size === 1 ? 0xff : size === 2 ? 0xffff : -1);
  }
  hasInterrupt(): boolean {
    return false;
  }
  acknowledgeInterrupt(): number {
    return 0;
  }
}

/** Run the batch through qomd's CPU core; returns the debug-port bytes. */
export function runQomd(batch: { blob: Uint8Array }, jit: JitMode): Uint8Array {
  return runQomdCpu(batch, jit).dump;
}

/** The same, also returning the CPU (for its instruction count and final state). */
export function runQomdCpu(batch: { blob: Uint8Array }, jit: JitMode, jitThreshold?: number): { dump: Uint8Array; cpu: X86Cpu } {
  const bus = new DiffBus(imageWith(batch.blob));
  const cpu = new X86Cpu({ bus, level: 686, jit, jitThreshold });
  let total = 0;
  while (bus.exitValue === undefined) {
    const why = cpu.run(1_000_000);
    total += 1_000_000;
    if (why === "shutdown") throw new Error(`guest shut down (triple fault) at eip=${cpu.eip.toString(16)}`);
    if (why === "hlt" && bus.exitValue === undefined) throw new Error(`guest halted at eip=${cpu.eip.toString(16)} before exiting`);
    if (total > 200_000_000) throw new Error("guest did not finish");
  }
  return { dump: new Uint8Array(bus.out), cpu };
}

/** The QEMU binary, or undefined when it is not installed. */
export function findQemu(): string | undefined {
  const r = spawnSync("sh", ["-c", "command -v qemu-system-i386"], { encoding: "utf8" });
  const path = r.stdout.trim();
  return r.status === 0 && path !== "" ? path : undefined;
}

/** First line of `qemu --version`. */
export function qemuVersion(qemu: string): string {
  return spawnSync(qemu, ["--version"], { encoding: "utf8" }).stdout.split("\n")[0];
}

/** Run the batch under `qemu-system-i386 -accel tcg` with the harness as firmware. */
export function runQemu(qemu: string, batch: { blob: Uint8Array }): Uint8Array {
  const dir = mkdtempSync(join(tmpdir(), "qomd-qemu-diff-"));
  try {
    const bios = join(dir, "bios.bin");
    const dump = join(dir, "dump.bin");
    writeFileSync(bios, imageWith(batch.blob));
    const r = spawnSync(qemu, [
      "-accel", "tcg", "-M", "pc", "-m", "16", "-nodefaults", "-display", "none", "-no-reboot",
      "-bios", bios,
      "-chardev", `file,path=${dump},id=dbg`, "-device", `isa-debugcon,iobase=0x${DEBUG_PORT.toString(16)},chardev=dbg`,
      "-device", `isa-debug-exit,iobase=0x${EXIT_PORT.toString(16)},iosize=4`,
    ], { timeout: 60_000, encoding: "utf8" });
    // isa-debug-exit makes QEMU exit with (value << 1) | 1; the blob writes 0.
    if (r.status !== 1) throw new Error(`qemu exited with ${r.status} ${r.signal ?? ""}: ${r.stderr}`);
    return new Uint8Array(readFileSync(dump));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Record {
  /** EAX ECX EDX EBX ESP EBP ESI EDI (ESP as the sequence left it). */
  regs: number[];
  eflags: number;
  scratch: Uint8Array;
}

export function parseDump(bytes: Uint8Array): Record[] {
  if (bytes.length % RECORD_BYTES !== 0) throw new Error(`dump of ${bytes.length} bytes is not whole records`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const out: Record[] = [];
  for (let at = 0; at < bytes.length; at += RECORD_BYTES) {
    // PUSHAD order in memory: EDI ESI EBP ESP EBX EDX ECX EAX.
    const p = (k: number): number => dv.getUint32(at + 4 * k, true);
    out.push({
      regs: [p(7), p(6), p(5), p(4), (p(3) + 8) >>> 0, p(2), p(1), p(0)],
      eflags: p(8),
      scratch: bytes.slice(at + 36, at + RECORD_BYTES),
    });
  }
  return out;
}

const NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"];
const hex = (v: number): string => (v >>> 0).toString(16).padStart(8, "0");

export interface Mismatch {
  /** Index of the sequence in its batch (-1: the dumps do not even have the same number of records). */
  seq: number;
  message: string;
}

/**
 * Differences between two dumps of the same batch: registers, the scratch
 * memory, and EFLAGS with the sequence's undefined flags masked.
 */
export function compareDumps(seqs: SequenceInfo[], want: Uint8Array, got: Uint8Array): Mismatch[] {
  const a = parseDump(want);
  const b = parseDump(got);
  const problems: Mismatch[] = [];
  if (a.length !== seqs.length) problems.push({ seq: -1, message: `expected dump has ${a.length} records for ${seqs.length} sequences` });
  if (b.length !== a.length) problems.push({ seq: -1, message: `got ${b.length} records, expected ${a.length}` });
  const n = Math.min(a.length, b.length, seqs.length);
  for (let s = 0; s < n; s++) {
    const diffs: string[] = [];
    for (let r = 0; r < 8; r++) {
      if (a[s].regs[r] !== b[s].regs[r]) diffs.push(`${NAMES[r]} ${hex(b[s].regs[r])} want ${hex(a[s].regs[r])}`);
    }
    const mask = ~seqs[s].undefMask;
    if ((a[s].eflags & mask) !== (b[s].eflags & mask)) {
      diffs.push(`eflags ${hex(b[s].eflags)} want ${hex(a[s].eflags)} (undefined ${seqs[s].undefMask.toString(16)})`);
    }
    for (let k = 0; k < 128; k++) {
      if (a[s].scratch[k] !== b[s].scratch[k]) {
        diffs.push(`scratch[${k}] ${b[s].scratch[k].toString(16)} want ${a[s].scratch[k].toString(16)}`);
        break;
      }
    }
    if (diffs.length > 0) problems.push({ seq: s, message: `sequence ${s}: ${diffs.join(", ")}\n    ${seqs[s].text.join("\n    ")}` });
  }
  return problems;
}

export type { Batch };
