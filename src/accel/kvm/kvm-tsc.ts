/**
 * A vCPU's TSC rate on KVM (QEMU 7.2's kvm_arch_set_tsc_khz and the tsc_khz part of
 * kvm_arch_init_vcpu): a CPU given `tsc-frequency` gets that rate where KVM can set it (TSC
 * scaling, or a rate within the NTP-correction tolerance of the host's), and one without records
 * KVM's rate, which qom-get then reports.
 */
import type { KvmAccel } from "./kvm-accel.js";
import type { KvmVcpuHandle } from "./kvm-addon.js";
import { isKvmSyscallError } from "./kvm-addon.js";

/** QEMU's kvm_init_vcpu failing: fatal for the machine, with the warnings printed before it. */
export class KvmVcpuInitError extends Error {
  constructor(
    message: string,
    readonly warnings: string[],
  ) {
    super(message);
  }
}

/** Within 250 ppm: the kernel sets such a rate without TSC scaling (QEMU's freq_within_bounds). */
function withinNtpBounds(khz: number, curKhz: number): boolean {
  const maxDelta = Math.trunc((curKhz * 250) / 1000000);
  return khz >= curKhz - maxDelta && khz <= curKhz + maxDelta;
}

/**
 * Returns the CPU's TSC rate in kHz after KVM has it: `wantKhz` when asked for (0: none), else
 * KVM's. Throws KvmVcpuInitError with QEMU's texts when KVM cannot give the vCPU that rate.
 */
export function kvmVcpuTscKhz(accel: KvmAccel, vcpu: KvmVcpuHandle, index: number, wantKhz: number): number {
  const canGet = accel.checkExtension("GET_TSC_KHZ") > 0;
  const current = (): number => (canGet ? vcpu.getTscKhz() : -1);
  if (wantKhz === 0) {
    const khz = current();
    return khz > 0 ? khz : 0;
  }
  const cur = current();
  const trySet = accel.checkExtension("TSC_CONTROL") > 0 || (cur > 0 && withinNtpBounds(wantKhz, cur));
  let failure = "Operation not supported";
  if (trySet) {
    try {
      vcpu.setTscKhz(wantKhz);
      return wantKhz;
    } catch (err) {
      if (!isKvmSyscallError(err)) throw err;
      failure = err.description;
    }
  }
  // Not an error if the vCPU already runs at that rate.
  const now = current();
  if (now > 0 && now === wantKhz) return wantKhz;
  throw new KvmVcpuInitError(`kvm_init_vcpu: kvm_arch_init_vcpu failed (${index}): ${failure}`, [
    `TSC frequency mismatch between VM (${wantKhz} kHz) and host (${now} kHz), and TSC scaling unavailable`,
  ]);
}
