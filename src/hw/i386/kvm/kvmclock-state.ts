/**
 * kvmclock across stop and cont (QEMU 7.2's hw/i386/kvm/clock.c): the kernel's VM clock keeps
 * counting host time, so without help a guest would see its clock jump by the time it was paused.
 * At a stop the clock is read (KVM_GET_CLOCK) and kept; at the resume it is written back
 * (KVM_SET_CLOCK), so guest time resumes where it stopped.
 */
import type { KvmAccel } from "../../../accel/kvm/kvm-accel.js";
import { isKvmSyscallError } from "../../../accel/kvm/kvm-addon.js";
import { kvmMachineOf } from "../../../accel/kvm/kvm-machine.js";
import { StructBuffer } from "../../../accel/kvm/kvm-struct.js";
import type { TypeRegistry } from "../../../qom/type.js";

/** The part of QEMU's KVMClockState this file keeps. */
export interface KvmClockSaved {
  readonly registry: TypeRegistry;
  /** The VM clock (ns) read at the last stop (or at realize). */
  clock: bigint;
  /** `clock` was read while stopped and stays valid until the VM runs again. */
  clockValid: boolean;
  /**
   * KVM_GET_CLOCK follows the guest's TSC-based clock (KVM_CAP_ADJUST_CLOCK reports
   * KVM_CLOCK_TSC_STABLE); QEMU otherwise prefers the guest's pvclock page on resume.
   */
  clockIsReliable: boolean;
}

/** QEMU's kvm_update_clock: KVM_GET_CLOCK into `s.clock`. */
function kvmUpdateClock(s: KvmClockSaved): void {
  const m = kvmMachineOf(s.registry);
  if (!m) return;
  const data = new StructBuffer(m.accel.addon.layout.clock);
  m.accel.vm.getClock(data.bytes);
  s.clock = data.u64("clock");
  const k = m.accel.addon.constants;
  s.clockIsReliable = (m.accel.checkExtension("ADJUST_CLOCK") & k.KVM_CLOCK_TSC_STABLE!) !== 0;
}

/** QEMU's do_kvmclock_ctrl on every vCPU; EINVAL only means the guest has not set up kvmclock. */
function kvmclockCtrlAll(accel: KvmAccel): void {
  for (let index = 0; ; index++) {
    const h = accel.vcpuHandle(index);
    if (!h) return;
    try {
      h.kvmclockCtrl();
    } catch (err) {
      if (isKvmSyscallError(err) && err.code === "EINVAL") continue;
      process.stderr.write(`do_kvmclock_ctrl: ${isKvmSyscallError(err) ? err.description : String(err)}\n`);
    }
  }
}

/** QEMU's kvmclock_realize: the clock as it is now. */
export function kvmclockRealize(s: KvmClockSaved): void {
  kvmUpdateClock(s);
}

/**
 * QEMU's kvmclock_vm_state_change. On resume after a stop the saved clock goes back into the
 * kernel, and each vCPU's kvmclock is told the VM was paused (KVM_KVMCLOCK_CTRL), so a Linux
 * guest's watchdogs do not report the pause as a soft lockup. (When KVM_GET_CLOCK is not
 * TSC-stable QEMU takes the time from the guest's pvclock page instead; qomd keeps the value
 * KVM_GET_CLOCK gave at the stop.)
 */
export function kvmclockVmStateChange(s: KvmClockSaved, running: boolean): void {
  const m = kvmMachineOf(s.registry);
  if (!m) return;
  if (running) {
    // The first start has nothing saved: the clock runs on from realize.
    if (!s.clockValid) return;
    s.clockValid = false;
    const data = new StructBuffer(m.accel.addon.layout.clock);
    data.set("clock", s.clock);
    m.accel.vm.setClock(data.bytes);
    if (m.accel.checkExtension("KVMCLOCK_CTRL") > 0) kvmclockCtrlAll(m.accel);
    return;
  }
  if (s.clockValid) return;
  kvmUpdateClock(s);
  // Read while stopped: a second stop notification (or a save) must not read it again.
  s.clockValid = true;
}
