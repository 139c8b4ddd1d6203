/**
 * The interrupt controllers in the human monitor (QEMU 7.2's hmp_info_pic, qmp_x_query_irq behind
 * `info irq`, target/i386's hmp_info_local_apic, and hmp_nmi with x86_nmi). `info pic` and
 * `info irq` ask every InterruptStatsProvider in the composition tree, in QEMU's walk order; the
 * kvm-* models read the kernel's state first, as their pre_save does in QEMU.
 */
import { cpuList } from "../../hw/core/cpu.js";
import { kvmApicGet } from "../../hw/i386/kvm/kvm-chip-state.js";
import { TYPE_KVM_APIC } from "../../hw/i386/kvm/kvm-irqchip.js";
import { apicDumpLocalState } from "../../hw/intc/apic-info.js";
import { apicDeliverNmi } from "../../hw/intc/apic.js";
import { CPU_INTERRUPT_NMI } from "../../hw/intc/cpu-interrupt.js";
import { hmpInfoPicOf, xQueryIrqOf } from "../../hw/intc/intc.js";
import { x86CpuInterruptsList } from "../../hw/i386/x86-intr.js";
import { objectChildForeachRecursive } from "../../qom/child-foreach.js";
import { objectGetRoot } from "../../qom/root.js";
import type { TypeRegistry } from "../../qom/type.js";
import type { X86CPU } from "../../target/i386/cpu.js";
import { FW } from "../../target/i386/cpu-features.js";

/** CPUID.01H:ECX.x2apic. */
const CPUID_EXT_X2APIC = 1n << 21n;

/** QEMU's hmp_info_pic: every interrupt controller's print_info. */
export function hmpInfoPic(registry: TypeRegistry): string {
  let out = "";
  objectChildForeachRecursive(objectGetRoot(registry), (obj) => {
    out += hmpInfoPicOf(obj) ?? "";
  });
  return out;
}

/** QEMU's qmp_x_query_irq (the text `info irq` prints): each controller's input counts. */
export function hmpInfoIrq(registry: TypeRegistry): string {
  let out = "";
  objectChildForeachRecursive(objectGetRoot(registry), (obj) => {
    out += xQueryIrqOf(obj) ?? "";
  });
  return out;
}

function x86Cpus(registry: TypeRegistry): X86CPU[] {
  return cpuList(registry).filter((c): c is X86CPU => "apic" in c);
}

/**
 * QEMU's cpu_synchronize_state as far as `info lapic` sees it: with the kernel's LAPIC, its
 * registers are read into the kvm-apic model (kvm_get_apic_state).
 */
function synchronizeApic(cpu: X86CPU): void {
  if (cpu.apic?.dynamicCast(TYPE_KVM_APIC)) kvmApicGet(cpu.apic);
}

/**
 * The `apic-id` argument as QEMU's monitor parses an `i` argument: a number, or its errors.
 * The expression grammar is reduced to decimal and 0x-hex numbers.
 */
function parseApicId(word: string): { value: number } | { error: string } {
  const m = /^(-?)(0x[0-9a-f]+|[0-9]+)$/i.exec(word);
  if (!m) {
    const bad = [...word].find((c) => !/[0-9]/.test(c)) ?? word[0]!;
    return { error: `invalid char '${bad}' in expression\nTry "help info lapic" for more information\n` };
  }
  const value = Number(BigInt(m[1] === "-" ? `-${m[2]}` : m[2]!));
  // QEMU refuses anything with bits above 32 (negative numbers included).
  if (value < 0 || value > 0xffffffff) return { error: "'lapic' has failed: integer is for 32-bit values\n" };
  return { value };
}

/**
 * QEMU's hmp_info_local_apic: the CPU with APIC ID `apic-id`, else the monitor's current CPU
 * (`currentCpu`, human-monitor-command's cpu-index; the first CPU when unset).
 */
export function hmpInfoLapic(registry: TypeRegistry, words: string[], currentCpu: number | undefined): string {
  const cpus = x86Cpus(registry);
  let cpu: X86CPU | undefined;
  if (words[0] !== undefined) {
    const id = parseApicId(words[0]);
    if ("error" in id) return id.error;
    cpu = cpus.find((c) => c.apicId === id.value);
  } else {
    cpu = currentCpu === undefined ? cpus[0] : cpus.find((c) => c.cpuIndex === currentCpu);
  }
  if (!cpu) return "No CPU available\n";
  synchronizeApic(cpu);
  const x2apic = ((cpu.config.features[FW.FEAT_1_ECX] ?? 0n) & CPUID_EXT_X2APIC) !== 0n;
  return apicDumpLocalState(cpu.apic, cpu.cpuIndex, x2apic);
}

/**
 * QEMU's hmp_nmi → x86_nmi: every CPU gets an NMI, through its local APIC's LINT1 when it has one
 * (which delivers it only if the guest programmed LINT1 for NMI; kvm-apic asks the kernel with
 * KVM_NMI), else straight on the CPU's NMI line.
 */
export function hmpNmi(registry: TypeRegistry): string {
  const intrs = x86CpuInterruptsList(registry);
  for (const cpu of x86Cpus(registry)) {
    if (cpu.apic) apicDeliverNmi(cpu.apic);
    else intrs[cpu.cpuIndex]?.interrupt(CPU_INTERRUPT_NMI);
  }
  return "";
}
