/**
 * HMP `info registers` for an x86 vCPU outside long mode, in QEMU's layout (x86_cpu_dump_state
 * with CPU_DUMP_FPU, the 32-bit form; the x86_64 build prints debug registers 64 bits wide).
 */
import type { X86CpuState } from "../../accel/accel-ops.js";
import type { SegmentState } from "../../target/i386/tcg/state.js";

const hex = (v: number, width: number): string => (v >>> 0).toString(16).padStart(width, "0");
const hex64 = (v: bigint): string => v.toString(16).padStart(16, "0");

/** Our attribute word (type/S/DPL/P in bits 0-7, AVL/L/DB/G in 12-15) as QEMU's descriptor flags. */
function qemuSegFlags(ar: number): number {
  return (((ar & 0xff) << 8) | ((ar & 0xf000) << 8)) >>> 0;
}

const SYS_TYPE_NAMES = [
  "Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate", "IntGate16", "TrapGate16",
  "Reserved", "TSS32-avl", "Reserved", "TSS32-busy", "CallGate32", "Reserved", "IntGate32", "TrapGate32",
];

/** QEMU's cpu_x86_dump_seg_cache (32-bit form). */
function segLine(name: string, s: SegmentState, protectedMode: boolean): string {
  const flags = qemuSegFlags(s.flags);
  let line = `${name.padEnd(3)}=${hex(s.selector, 4)} ${hex(s.base, 8)} ${hex(s.limit, 8)} ${hex(flags, 8)}`;
  const present = (flags & 0x8000) !== 0;
  if (protectedMode && present) {
    line += ` DPL=${(flags >> 13) & 3} `;
    if (flags & 0x1000) {
      if (flags & 0x800) {
        line += flags & 0x200000 ? "CS64" : flags & 0x400000 ? "CS32" : "CS16";
        line += ` [${flags & 0x400 ? "C" : "-"}${flags & 0x200 ? "R" : "-"}`;
      } else {
        line += flags & 0x400000 ? "DS  " : "DS16";
        line += ` [${flags & 0x400 ? "E" : "-"}${flags & 0x200 ? "W" : "-"}`;
      }
      line += `${flags & 0x100 ? "A" : "-"}]`;
    } else {
      line += SYS_TYPE_NAMES[(flags >> 8) & 0xf];
    }
  }
  return line;
}

/** A double as the x87's 80-bit format: the 64-bit mantissa and the sign+exponent word. */
function ext80(d: number): [bigint, number] {
  if (d === 0) return [0n, Object.is(d, -0) ? 0x8000 : 0];
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, d);
  const bits = view.getBigUint64(0);
  const sign = Number(bits >> 63n);
  const exp = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  if (exp === 0x7ff) return [(1n << 63n) | (frac << 11n), (sign << 15) | 0x7fff];
  if (exp === 0) {
    // A double subnormal is a normal 80-bit value: shift until the integer bit is set.
    let m = frac << 11n;
    let e = 1 - 1023 + 16383;
    while ((m & (1n << 63n)) === 0n) {
      m <<= 1n;
      e--;
    }
    return [m, (sign << 15) | e];
  }
  return [(1n << 63n) | (frac << 11n), (sign << 15) | (exp - 1023 + 16383)];
}

export function infoRegisters(index: number, s: X86CpuState): string[] {
  const pe = (s.cr0 & 1) !== 0;
  const ef = s.eflags >>> 0;
  const f = (mask: number, c: string) => (ef & mask ? c : "-");
  const efer = BigInt(s.msrs[String(0xc0000080)] ?? "0");
  const dr = (i: number) => hex64(BigInt(s.dr[i] ?? 0) & 0xffffffffn);
  const lines = [
    "",
    `CPU#${index}`,
    `EAX=${hex(s.eax, 8)} EBX=${hex(s.ebx, 8)} ECX=${hex(s.ecx, 8)} EDX=${hex(s.edx, 8)}`,
    `ESI=${hex(s.esi, 8)} EDI=${hex(s.edi, 8)} EBP=${hex(s.ebp, 8)} ESP=${hex(s.esp, 8)}`,
    `EIP=${hex(s.eip, 8)} EFL=${hex(ef, 8)} [${f(0x400, "D")}${f(0x800, "O")}${f(0x80, "S")}${f(0x40, "Z")}${f(0x10, "A")}${f(0x4, "P")}${f(0x1, "C")}] ` +
      `CPL=${s.cpl} II=0 A20=${s.a20 ? 1 : 0} SMM=${s.smm ? 1 : 0} HLT=${s.halted ? 1 : 0}`,
  ];
  for (const [name, seg] of [["ES", s.es], ["CS", s.cs], ["SS", s.ss], ["DS", s.ds], ["FS", s.fs], ["GS", s.gs], ["LDT", s.ldt], ["TR", s.tr]] as const) {
    lines.push(segLine(name, seg, pe));
  }
  lines.push(`GDT=     ${hex(s.gdt.base, 8)} ${hex(s.gdt.limit, 8)}`);
  lines.push(`IDT=     ${hex(s.idt.base, 8)} ${hex(s.idt.limit, 8)}`);
  lines.push(`CR0=${hex(s.cr0, 8)} CR2=${hex(s.cr2, 8)} CR3=${hex(s.cr3, 8)} CR4=${hex(s.cr4, 8)}`);
  lines.push(`DR0=${dr(0)} DR1=${dr(1)} DR2=${dr(2)} DR3=${dr(3)} `);
  lines.push(`DR6=${dr(6)} DR7=${dr(7)}`);
  lines.push(`EFER=${hex64(efer)}`);
  const top = s.fpu.top & 7;
  const fsw = ((s.fpu.sw & ~0x3800) | (top << 11)) & 0xffff;
  // QEMU's FTW here is the abridged form: one bit per register, set when it is in use.
  let ftw = 0;
  for (let i = 0; i < 8; i++) if (((s.fpu.tw >> (2 * i)) & 3) !== 3) ftw |= 1 << i;
  lines.push(`FCW=${hex(s.fpu.cw, 4)} FSW=${hex(fsw, 4)} [ST=${top}] FTW=${hex(ftw, 2)} MXCSR=${hex(0x1f80, 8)}`);
  for (let i = 0; i < 8; i += 2) {
    const a = ext80(s.fpu.regs[i] ?? 0);
    const b = ext80(s.fpu.regs[i + 1] ?? 0);
    lines.push(`FPR${i}=${hex64(a[0])} ${hex(a[1], 4)} FPR${i + 1}=${hex64(b[0])} ${hex(b[1], 4)}`);
  }
  // The interpreter has no SSE state; its XMM registers are architecturally zero.
  for (let i = 0; i < 8; i += 2) {
    lines.push(`XMM${String(i).padStart(2, "0")}=${hex64(0n)} ${hex64(0n)} XMM${String(i + 1).padStart(2, "0")}=${hex64(0n)} ${hex64(0n)}`);
  }
  return lines;
}
