/**
 * Whether a PC machine has System Management Mode, and how the chipset raises an SMI (QEMU 7.2's
 * x86_machine_is_smm_enabled in hw/i386/x86.c and the SMI delivery of ich9_apm_ctrl_changed).
 */
import { kvmMachineOf } from "../../accel/kvm/kvm-machine.js";
import { QomError } from "../../qom/error.js";
import type { TypeRegistry } from "../../qom/type.js";
import { apicGetCurrent } from "../intc/apic.js";
import { CPU_INTERRUPT_SMI } from "../intc/cpu-interrupt.js";
import type { X86MachineState } from "./x86.js";
import { x86CpuInterruptsList } from "./x86-intr.js";

/**
 * Whether the KVM of this machine can run SMM. QEMU asks KVM_CAP_X86_SMM and then keeps SMRAM in
 * KVM's second memory-slot address space and injects SMIs with KVM_SMI; qomd's kvm backend has
 * neither yet, so a host that offers the capability is treated like one that does not (the
 * firmware then skips its SMM set-up, as under QEMU on such a host).
 */
function kvmHasUsableSmm(registry: TypeRegistry): boolean {
  const kvm = kvmMachineOf(registry);
  if (!kvm) return false;
  const offered = kvm.accel.checkExtension("X86_SMM") > 0;
  const qomdImplementsKvmSmm = false;
  return offered && qomdImplementsKvmSmm;
}

/**
 * QEMU's x86_machine_is_smm_enabled: `smm=off` never; otherwise tcg always has SMM and kvm when
 * the hypervisor does; `smm=on` without it is a fatal error with QEMU's text.
 */
export function x86MachineIsSmmEnabled(ms: X86MachineState): boolean {
  if (ms.smm === "off") return false;
  const available = kvmMachineOf(ms.registry) ? kvmHasUsableSmm(ms.registry) : true;
  if (available) return true;
  if (ms.smm === "on") throw new QomError("System Management Mode not supported by this hypervisor.");
  return false;
}

/**
 * An SMI from the chipset: to the CPU that made the request (QEMU's current_cpu, the one whose
 * I/O write reached the APM port), or to every CPU when the firmware negotiated SMI broadcast.
 */
export function x86RaiseSmi(registry: TypeRegistry, broadcast: boolean): void {
  const cpus = x86CpuInterruptsList(registry);
  if (broadcast) {
    for (const c of cpus) c.interrupt(CPU_INTERRUPT_SMI);
    return;
  }
  const current = apicGetCurrent(registry);
  const target = (current && cpus.find((c) => c.apic === current)) ?? cpus[0];
  target?.interrupt(CPU_INTERRUPT_SMI);
}

/** QEMU's pc_acpi_smi_interrupt: PIIX4's SMI line goes to the first CPU. */
export function x86RaiseSmiFirstCpu(registry: TypeRegistry): void {
  x86CpuInterruptsList(registry)[0]?.interrupt(CPU_INTERRUPT_SMI);
}
