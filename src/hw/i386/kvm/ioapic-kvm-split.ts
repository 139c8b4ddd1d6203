/**
 * The userspace `ioapic` on kvm with kernel-irqchip=split (QEMU's kvm_irqchip_is_split paths in
 * hw/intc/ioapic.c): the local APICs are the kernel's, so the IOAPIC reaches them through the
 * MSI routes KVM reserved for its 24 pins, raising GSI n for pin n, and keeps each route equal to
 * its redirection entry. EOIs of its level-triggered vectors come back as KVM_EXIT_IOAPIC_EOI
 * (src/accel/kvm/x86-kvm-vcpus.ts).
 */
import { kvmMachineOf } from "../../../accel/kvm/kvm-machine.js";
import { type IoapicCommonState, ioapicUpdateKvmRoutes } from "../../intc/ioapic.js";

export function ioapicUseKvmSplit(ioapic: IoapicCommonState): void {
  const accel = kvmMachineOf(ioapic.registry)?.accel;
  if (!accel?.irqchipSplit) throw new Error("ioapicUseKvmSplit: the machine has no kvm split irqchip");
  ioapic.kvmRoutes = {
    setIrq: (pin, level) => accel.setIrq(pin, level),
    updateRoute: (pin, address, data) => accel.updateMsiRoute(pin, address, data),
    commitRoutes: () => accel.commitMsiRoutes(),
  };
  ioapicUpdateKvmRoutes(ioapic);
}
