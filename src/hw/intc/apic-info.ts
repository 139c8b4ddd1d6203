/**
 * HMP `info lapic` (QEMU 7.2's x86_cpu_dump_local_apic_state in target/i386/cpu-dump.c): the
 * local APIC's LVT entries, timer, spurious vector, ICR, ESR, ISR/IRR and priorities, as text.
 */
import { apicGetCurrentCount, apicGetPpr, APIC_DM_NMI, APIC_LVT_LINT0, APIC_LVT_LINT1, APIC_LVT_PERFORM, APIC_LVT_ERROR, APIC_LVT_THERMAL, APIC_LVT_TIMER, type ApicCommonState } from "./apic.js";

const DM_NAMES = ["Fixed", "...", "SMI", "...", "NMI", "INIT", "...", "ExtINT"];
const SHORTHANDS = ["no-shorthand", "self", "all-self", "all"];

const hex8 = (n: number) => (n >>> 0).toString(16).padStart(8, "0");
const hex2 = (n: number) => (n >>> 0).toString(16).padStart(2, "0");

function dumpLvt(name: string, lvt: number, isTimer: boolean): string {
  const dm = (lvt >> 8) & 7;
  const mode = !isTimer ? "" : lvt & (1 << 17) ? "periodic" : lvt & (2 << 17) ? "tsc-deadline" : "one-shot";
  const line =
    `${name}\t 0x${hex8(lvt)} ${lvt & (1 << 13) ? "active-lo" : "active-hi"} ${(lvt & (1 << 15) ? "level" : "edge").padEnd(5)} ` +
    `${(lvt & (1 << 16) ? "masked" : "").padEnd(6)} ${(lvt & (1 << 12) ? "pending" : "").padEnd(7)} ${mode.padEnd(12)} ${DM_NAMES[dm]!.padEnd(6)}`;
  return dm !== APIC_DM_NMI ? `${line} (vec ${lvt & 0xff})\n` : `${line}\n`;
}

function dividerConf(divideConf: number): number {
  const v = ((divideConf & 0x8) >> 1) | (divideConf & 0x3);
  return v === 7 ? 1 : 2 << v;
}

function mask2str(val: number, size: number): string {
  let s = "";
  for (let i = size - 1; i >= 0; i--) s += (val >> i) & 1 ? "1" : "0";
  return s;
}

/** `x2apic`: the CPU model has the x2APIC feature (CPUID.1:ECX bit 21), which widens the ICR2 destination. */
function dumpIcr(s: ApicCommonState, x2apic: boolean): string {
  const icr = s.icr[0] >>> 0;
  const icr2 = s.icr[1] >>> 0;
  const shorthand = (icr >> 18) & 3;
  const logical = (icr & (1 << 11)) !== 0;
  let out =
    `ICR\t 0x${hex8(icr)} ${logical ? "logical" : "physical"} ${icr & (1 << 15) ? "level" : "edge"} ` +
    `${icr & (1 << 14) ? "assert" : "de-assert"} ${SHORTHANDS[shorthand]}\n`;
  out += `ICR2\t 0x${hex8(icr2)}`;
  if (shorthand !== 0) return `${out}\n`;
  const dest = x2apic ? icr2 : icr2 >>> 24;
  if (!logical) return x2apic ? `${out} cpu ${dest} (X2APIC ID)\n` : `${out} cpu ${dest & 0xf} (APIC ID)\n`;
  if (s.destMode === 0xf) return `${out} mask ${mask2str(icr2 >>> 24, 8)} (APIC ID)\n`;
  if (s.destMode === 0) {
    return x2apic
      ? `${out} cluster ${dest >>> 16} mask ${mask2str(dest & 0xffff, 16)} (X2APIC ID)\n`
      : `${out} cluster ${dest >> 4} mask ${mask2str(dest & 0xf, 4)} (APIC ID)\n`;
  }
  // QEMU prints no line end for other destination models.
  return out;
}

function dumpInterrupts(name: string, tab: Uint32Array, tmr: Uint32Array): string {
  let out = `${name}\t `;
  let empty = true;
  for (let i = 0; i < 256; i++) {
    if (tab[i >> 5]! & (1 << (i & 31))) {
      out += `${i}${tmr[i >> 5]! & (1 << (i & 31)) ? "(level)" : ""} `;
      empty = false;
    }
  }
  return `${out}${empty ? "(none)" : ""}\n`;
}

/**
 * The text of `info lapic` for the CPU with index `cpuIndex` (its APIC may be absent); `x2apic`
 * when the CPU model has the x2APIC feature.
 */
export function apicDumpLocalState(s: ApicCommonState | undefined, cpuIndex: number, x2apic = false): string {
  if (!s) return "local apic state not available\n";
  const lvt = s.lvt;
  let out = `dumping local APIC state for CPU ${String(cpuIndex).padEnd(2)}\n\n`;
  out += dumpLvt("LVT0", lvt[APIC_LVT_LINT0]!, false);
  out += dumpLvt("LVT1", lvt[APIC_LVT_LINT1]!, false);
  out += dumpLvt("LVTPC", lvt[APIC_LVT_PERFORM]!, false);
  out += dumpLvt("LVTERR", lvt[APIC_LVT_ERROR]!, false);
  out += dumpLvt("LVTTHMR", lvt[APIC_LVT_THERMAL]!, false);
  out += dumpLvt("LVTT", lvt[APIC_LVT_TIMER]!, true);
  out +=
    `Timer\t DCR=0x${(s.divideConf & 0xf).toString(16)} (divide by ${dividerConf(s.divideConf)}) ` +
    `initial_count = ${s.initialCount >>> 0} current_count = ${apicGetCurrentCount(s) >>> 0}\n`;
  const sv = s.spuriousVec;
  out += `SPIV\t 0x${hex8(sv)} APIC ${sv & 0x100 ? "enabled" : "disabled"}, focus=${sv & 0x200 ? "on" : "off"}, spurious vec ${sv & 0xff}\n`;
  out += dumpIcr(s, x2apic);
  out += `ESR\t 0x${hex8(s.esr)}\n`;
  out += dumpInterrupts("ISR", s.isr, s.tmr);
  out += dumpInterrupts("IRR", s.irr, s.tmr);
  out += `\nAPR 0x${hex2(s.arbId)} TPR 0x${hex2(s.tpr)} DFR 0x${hex2(s.destMode)} LDR 0x${hex2(s.logDest)}`;
  if (s.destMode === 0) out += `(cluster ${s.logDest >> 4}: id ${s.logDest & 0xf})`;
  out += ` PPR 0x${hex2(apicGetPpr(s))}\n`;
  return out;
}
