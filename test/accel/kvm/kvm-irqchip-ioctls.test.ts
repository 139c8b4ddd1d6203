/**
 * The addon's in-kernel irqchip ioctls on /dev/kvm: chip state read and written back
 * (KVM_GET/SET_IRQCHIP, KVM_GET/SET_PIT2, KVM_GET/SET_LAPIC, KVM_GET_CLOCK), and a split irqchip
 * (KVM_CAP_SPLIT_IRQCHIP) taking MSI routes and delivering an MSI into a local APIC's IRR.
 */
import { describe, expect, it } from "vitest";
import { loadKvmAddon, type KvmAddon, type StructLayout, type Field } from "../../../src/accel/kvm/kvm-addon.js";
import { kvmSkipReason } from "./guest-harness.js";

const skip = kvmSkipReason();
if (skip) console.warn(`test/accel/kvm/kvm-irqchip-ioctls.test.ts skipped: ${skip}`);

const field = (l: StructLayout, name: string): Field => l[name] as Field;

function withVm<T>(body: (addon: KvmAddon, vm: InstanceType<KvmAddon["Vm"]>) => T): T {
  const addon = loadKvmAddon();
  const kvm = new addon.Kvm();
  const vm = new addon.Vm(kvm);
  try {
    return body(addon, vm);
  } finally {
    vm.close();
    kvm.close();
  }
}

describe.skipIf(skip !== undefined)(`kvm irqchip ioctls${skip ? ` (skipped: ${skip})` : ""}`, () => {
  it("reads a PIC's state, writes a new mask and reads it back", () =>
    withVm((addon, vm) => {
      const L = addon.layout.irqchip;
      vm.createIrqchip();
      const buf = new Uint8Array(L.size);
      vm.getIrqchip(addon.constants.KVM_IRQCHIP_PIC_MASTER!, buf);
      const [imrOff] = field(L.pic, "imr");
      buf[imrOff] = 0xa5;
      vm.setIrqchip(addon.constants.KVM_IRQCHIP_PIC_MASTER!, buf);
      const back = new Uint8Array(L.size);
      vm.getIrqchip(addon.constants.KVM_IRQCHIP_PIC_MASTER!, back);
      expect(back[imrOff]).toBe(0xa5);
      // The IOAPIC sits at its architectural base with every pin masked after creation.
      const io = new Uint8Array(L.size);
      vm.getIrqchip(addon.constants.KVM_IRQCHIP_IOAPIC!, io);
      const dv = new DataView(io.buffer);
      expect(dv.getBigUint64(field(L.ioapic, "base_address")[0], true)).toBe(0xfec00000n);
      const redir = dv.getBigUint64(field(L.ioapic, "redirtbl")[0], true);
      expect(redir & (1n << 16n)).toBe(1n << 16n);
    }));

  it("reads and writes the in-kernel PIT and reads the VM clock", () =>
    withVm((addon, vm) => {
      vm.createIrqchip();
      vm.createPit2(addon.constants.KVM_PIT_SPEAKER_DUMMY);
      const pit = new Uint8Array(addon.layout.pit2.size);
      vm.getPit2(pit);
      const ch = addon.layout.pitChannel;
      const ch0 = field(addon.layout.pit2, "channels")[0];
      pit[ch0 + field(ch, "mode")[0]] = 3;
      new DataView(pit.buffer).setUint32(ch0 + field(ch, "count")[0], 0x1234, true);
      vm.setPit2(pit);
      const back = new Uint8Array(addon.layout.pit2.size);
      vm.getPit2(back);
      expect(back[ch0 + field(ch, "mode")[0]]).toBe(3);
      expect(new DataView(back.buffer).getUint32(ch0 + field(ch, "count")[0], true)).toBe(0x1234);
      const clk = new Uint8Array(addon.layout.clock.size);
      vm.getClock(clk);
      expect(new DataView(clk.buffer).getBigUint64(field(addon.layout.clock, "clock")[0], true)).toBeGreaterThan(0n);
    }));

  it("with a split irqchip, takes MSI routes and delivers an MSI into the local APIC's IRR", () =>
    withVm((addon, vm) => {
      const K = addon.constants;
      vm.enableCap(K.KVM_CAP_SPLIT_IRQCHIP!, [24]);
      const routes = new Uint32Array(24 * 6);
      for (let pin = 0; pin < 24; pin++) routes.set([pin, K.KVM_IRQ_ROUTING_MSI!, 0xfee00000, 0, 0, 0], pin * 6);
      vm.setGsiRouting(routes);
      const vcpu = new addon.Vcpu(vm, 0);
      try {
        const lapic = new Uint8Array(addon.layout.lapic.size);
        vcpu.getLapic(lapic);
        const dv = new DataView(lapic.buffer);
        expect(dv.getUint32(0x30, true) & 0xff).toBe(0x14); // the version register: an integrated APIC
        dv.setUint32(0xf0, dv.getUint32(0xf0, true) | 0x1ff, true); // software-enable (SVR)
        vcpu.setLapic(lapic);
        // Fixed delivery, physical destination APIC ID 0, vector 0x31, edge.
        expect(vm.signalMsi(0xfee00000, 0, 0x31)).toBeGreaterThan(0);
        vcpu.getLapic(lapic);
        const irr1 = dv.getUint32(0x200 + 0x10, true); // IRR bits 32..63
        expect(irr1 & (1 << (0x31 - 32))).not.toBe(0);
      } finally {
        vcpu.close();
      }
    }));
});
