/**
 * The x86 power-on (RESET#) state as a plain state object, for accelerators that keep no CPU
 * model of their own (KVM has no reset ioctl: userspace writes this state, as QEMU's
 * x86_cpu_reset + kvm_arch_reset_vcpu do).
 */
import type { X86CpuState } from "../accel-ops.js";

const REAL_CODE = 0x9b; // present, code, readable, accessed
const REAL_DATA = 0x93; // present, data, writable, accessed

/** `signature` is CPUID.1:EAX (family/model/stepping), which RESET# leaves in EDX. */
export function x86ResetState(signature: number, bsp: boolean): X86CpuState {
  const data = { selector: 0, base: 0, limit: 0xffff, flags: REAL_DATA };
  return {
    eax: 0, ecx: 0, edx: signature >>> 0, ebx: 0, esp: 0, ebp: 0, esi: 0, edi: 0,
    eip: 0xfff0,
    eflags: 0x2,
    es: { ...data }, cs: { selector: 0xf000, base: 0xffff0000, limit: 0xffff, flags: REAL_CODE },
    ss: { ...data }, ds: { ...data }, fs: { ...data }, gs: { ...data },
    ldt: { selector: 0, base: 0, limit: 0xffff, flags: 0x82 },
    tr: { selector: 0, base: 0, limit: 0xffff, flags: 0x8b },
    gdt: { base: 0, limit: 0xffff },
    idt: { base: 0, limit: 0xffff },
    cr0: 0x60000010, cr2: 0, cr3: 0, cr4: 0,
    dr: [0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400],
    cpl: 0,
    halted: false,
    a20: true,
    msrs: {
      [String(0x277)]: (0x0007040600070406n).toString(), // PAT power-on value
      [String(0x1a0)]: "1", // MISC_ENABLE: fast strings, as QEMU sets it
      [String(0x1b)]: String(0xfee00800 + (bsp ? 0x100 : 0)), // APIC base, enabled, BSP flag
    },
    fpu: { cw: 0x37f, sw: 0, tw: 0xffff, top: 0, regs: [0, 0, 0, 0, 0, 0, 0, 0] },
    tsc: 0,
  };
}
