/**
 * The kernel's interrupt controllers' and PIT's state, read into and written from their kvm-*
 * models (QEMU 7.2's kvm_pic_get/put, kvm_ioapic_get/put, kvm_pit_get/put and
 * kvm_get/put_apic_state in hw/i386/kvm/*.c). The models keep QEMU's userspace fields, so the
 * monitor prints them with the common code once they are read back; reset values go the other
 * way. Every structure is read through the addon's offsetof layouts (kvm-struct.ts).
 */
import { kvmMachineOf, type KvmMachine } from "../../../accel/kvm/kvm-machine.js";
import { readU64, StructBuffer } from "../../../accel/kvm/kvm-struct.js";
import type { Field, StructLayout } from "../../../accel/kvm/kvm-addon.js";
import type { TypeRegistry } from "../../../qom/type.js";
import { type ApicCommonState, APIC_DM_NMI, APIC_LVT_LINT1, APIC_LVT_MASKED, APIC_LVT_NB } from "../../intc/apic.js";
import type { PicCommonState } from "../../intc/i8259-common.js";
import { IO_APIC_DEFAULT_ADDRESS, IOAPIC_NUM_PINS, type IoapicCommonState } from "../../intc/ioapic.js";
import { pitGetNextTransitionTime, type PitCommonState } from "../../timer/i8254-common.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf } from "../../../util/qemu-timer.js";

function kvmOf(registry: TypeRegistry): KvmMachine {
  const m = kvmMachineOf(registry);
  if (!m) throw new Error("kvm: the in-kernel irqchip models need the machine's VM");
  return m;
}

/** The kvm_irqchip union for KVM_GET/SET_IRQCHIP, its members' fields read through `layout`. */
function irqchipBuffer(m: KvmMachine, layout: StructLayout): { bytes: Uint8Array; chip: StructBuffer } {
  const chip = new StructBuffer({ ...layout, size: m.accel.addon.layout.irqchip.size });
  return { bytes: chip.bytes, chip };
}

// ---- kvm-i8259 --------------------------------------------------------------------------------------

const PIC_FIELDS: ReadonlyArray<[keyof PicCommonState, string]> = [
  ["lastIrr", "last_irr"], ["irr", "irr"], ["imr", "imr"], ["isr", "isr"], ["priorityAdd", "priority_add"],
  ["irqBase", "irq_base"], ["readRegSelect", "read_reg_select"], ["poll", "poll"], ["specialMask", "special_mask"],
  ["initState", "init_state"], ["autoEoi", "auto_eoi"], ["rotateOnAutoEoi", "rotate_on_auto_eoi"],
  ["specialFullyNestedMode", "special_fully_nested_mode"], ["init4", "init4"], ["elcr", "elcr"], ["elcrMask", "elcr_mask"],
];

function picChipId(m: KvmMachine, s: PicCommonState): number {
  const k = m.accel.addon.constants;
  return s.master ? k.KVM_IRQCHIP_PIC_MASTER! : k.KVM_IRQCHIP_PIC_SLAVE!;
}

/** QEMU's kvm_pic_get: the kernel's 8259 registers into the model. */
export function kvmPicGet(s: PicCommonState): void {
  const m = kvmOf(s.registry);
  const { bytes, chip } = irqchipBuffer(m, m.accel.addon.layout.irqchip.pic);
  m.accel.vm.getIrqchip(picChipId(m, s), bytes);
  const fields = s as unknown as Record<string, number | boolean>;
  for (const [prop, member] of PIC_FIELDS) {
    const v = chip.u(member);
    fields[prop] = typeof fields[prop] === "boolean" ? v !== 0 : v;
  }
}

/** QEMU's kvm_pic_put: the model's registers into the kernel's 8259. */
export function kvmPicPut(s: PicCommonState): void {
  const m = kvmOf(s.registry);
  const { bytes, chip } = irqchipBuffer(m, m.accel.addon.layout.irqchip.pic);
  const fields = s as unknown as Record<string, number | boolean>;
  for (const [prop, member] of PIC_FIELDS) chip.set(member, Number(fields[prop]));
  m.accel.vm.setIrqchip(picChipId(m, s), bytes);
}

// ---- kvm-ioapic -------------------------------------------------------------------------------------

/** QEMU's kvm_ioapic_get: ID, IOREGSEL, IRR and the redirection table from the kernel. */
export function kvmIoapicGet(s: IoapicCommonState): void {
  const m = kvmOf(s.registry);
  const { bytes, chip } = irqchipBuffer(m, m.accel.addon.layout.irqchip.ioapic);
  m.accel.vm.getIrqchip(m.accel.addon.constants.KVM_IRQCHIP_IOAPIC!, bytes);
  s.ioapicId = chip.u("id");
  s.ioregsel = chip.u("ioregsel");
  s.irr = chip.u("irr");
  const [off] = chip.field("redirtbl");
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) s.ioredtbl[i] = readU64(chip.view, off + i * 8, [0, 8]);
}

/** QEMU's kvm_ioapic_put: the model's registers into the kernel's IOAPIC, at its MMIO base. */
export function kvmIoapicPut(s: IoapicCommonState): void {
  const m = kvmOf(s.registry);
  const { bytes, chip } = irqchipBuffer(m, m.accel.addon.layout.irqchip.ioapic);
  chip.set("id", s.ioapicId);
  chip.set("ioregsel", s.ioregsel);
  chip.set("base_address", s.ioMemory?.addr ?? IO_APIC_DEFAULT_ADDRESS);
  chip.set("irr", s.irr);
  const [off] = chip.field("redirtbl");
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) chip.view.setBigUint64(off + i * 8, s.ioredtbl[i]!, true);
  m.accel.vm.setIrqchip(m.accel.addon.constants.KVM_IRQCHIP_IOAPIC!, bytes);
}

// ---- kvm-pit ----------------------------------------------------------------------------------------

/** What QEMU's KVMPITState adds to the common PIT state. */
export interface KvmPitClockState {
  /** The VM is stopped: the state read at the stop stays the model's (QEMU's vm_stopped). */
  vmStopped: boolean;
  /** QEMU_CLOCK_VIRTUAL minus CLOCK_MONOTONIC, in ns (the kernel's count_load_time base). */
  kernelClockOffset: number;
}

/** CLOCK_MONOTONIC in ns, the clock the kernel's PIT load times are in. */
function monotonicNs(): number {
  return Number(process.hrtime.bigint());
}

/** QEMU's kvm_pit_update_clock_offset: the smallest of three samples filters scheduling noise. */
export function kvmPitUpdateClockOffset(s: PitCommonState & KvmPitClockState): void {
  const clocks = qemuClocksOf(s.registry);
  let best = Number.MAX_SAFE_INTEGER;
  for (let i = 0; i < 3; i++) {
    const offset = clocks.getNs(QEMU_CLOCK_VIRTUAL) - monotonicNs();
    if (Math.abs(offset) < Math.abs(best)) best = offset;
  }
  s.kernelClockOffset = best;
}

const PIT_CHANNEL_FIELDS: ReadonlyArray<[string, string]> = [
  ["count", "count"], ["latchedCount", "latched_count"], ["countLatched", "count_latched"],
  ["statusLatched", "status_latched"], ["status", "status"], ["readState", "read_state"],
  ["writeState", "write_state"], ["writeLatch", "write_latch"], ["rwMode", "rw_mode"], ["mode", "mode"],
  ["bcd", "bcd"], ["gate", "gate"],
];

function channelBase(m: KvmMachine, i: number): number {
  return (m.accel.addon.layout.pit2["channels"] as Field)[0] + i * m.accel.addon.layout.pitChannel.size;
}

/** QEMU's kvm_pit_get: the kernel's three channels into the model (not while the VM is stopped). */
export function kvmPitGet(s: PitCommonState & KvmPitClockState): void {
  if (s.vmStopped) return;
  const m = kvmOf(s.registry);
  const pit = new StructBuffer(m.accel.addon.layout.pit2);
  m.accel.vm.getPit2(pit.bytes);
  s.channels[0]!.irqDisabled = (pit.u("flags") & m.accel.addon.constants.KVM_PIT_FLAGS_HPET_LEGACY!) !== 0;
  const ch = new StructBuffer(m.accel.addon.layout.pitChannel);
  s.channels.forEach((c, i) => {
    const base = channelBase(m, i);
    ch.bytes.set(pit.bytes.subarray(base, base + ch.bytes.length));
    const fields = c as unknown as Record<string, number | boolean>;
    for (const [prop, member] of PIT_CHANNEL_FIELDS) {
      const v = ch.u(member);
      fields[prop] = typeof fields[prop] === "boolean" ? v !== 0 : v;
    }
    c.countLoadTime = Number(BigInt.asIntN(64, ch.u64("count_load_time"))) + s.kernelClockOffset;
  });
  const c0 = s.channels[0]!;
  c0.nextTransitionTime = pitGetNextTransitionTime(c0, c0.countLoadTime);
}

/** QEMU's kvm_pit_put: the model's channels into the kernel, load times in its clock. */
export function kvmPitPut(s: PitCommonState & KvmPitClockState): void {
  // The offset keeps changing while the VM is stopped (the virtual clock stands still).
  if (s.vmStopped) kvmPitUpdateClockOffset(s);
  const m = kvmOf(s.registry);
  const pit = new StructBuffer(m.accel.addon.layout.pit2);
  pit.set("flags", s.channels[0]!.irqDisabled ? m.accel.addon.constants.KVM_PIT_FLAGS_HPET_LEGACY! : 0);
  const ch = new StructBuffer(m.accel.addon.layout.pitChannel);
  s.channels.forEach((c, i) => {
    ch.clear();
    const fields = c as unknown as Record<string, number | boolean>;
    for (const [prop, member] of PIT_CHANNEL_FIELDS) ch.set(member, Number(fields[prop]));
    ch.set("count_load_time", BigInt(Math.round(c.countLoadTime - s.kernelClockOffset)));
    pit.bytes.set(ch.bytes, channelBase(m, i));
  });
  m.accel.vm.setPit2(pit.bytes);
}

// ---- kvm-apic ---------------------------------------------------------------------------------------

/** The kernel LAPIC page's register `index` (each register is 16 bytes apart). */
const reg = (index: number) => index << 4;

/** The vCPU descriptor behind a kvm-apic (QEMU reaches it through APICCommonState.cpu). */
function lapicHandle(s: ApicCommonState) {
  const index = (s.cpu as { cpuIndex?: number } | undefined)?.cpuIndex;
  return index === undefined ? undefined : kvmMachineOf(s.registry)?.accel.vcpuHandle(index);
}

/**
 * QEMU's kvm_get_apic_state after KVM_GET_LAPIC (cpu_synchronize_state): the kernel's registers
 * into the model. The timer counts from now, as QEMU's does. False when the vCPU is not there yet.
 */
export function kvmApicGet(s: ApicCommonState): boolean {
  const h = lapicHandle(s);
  if (!h) return false;
  const m = kvmOf(s.registry);
  const buf = new StructBuffer(m.accel.addon.layout.lapic);
  h.getLapic(buf.bytes);
  const [base] = buf.field("regs");
  const r = (i: number) => buf.view.getUint32(base + reg(i), true);
  s.apicId = r(0x2) >>> 24;
  s.tpr = r(0x8);
  s.arbId = r(0x9);
  s.logDest = r(0xd) >>> 24;
  s.destMode = r(0xe) >>> 28;
  s.spuriousVec = r(0xf);
  for (let i = 0; i < 8; i++) {
    s.isr[i] = r(0x10 + i);
    s.tmr[i] = r(0x18 + i);
    s.irr[i] = r(0x20 + i);
  }
  s.esr = r(0x28);
  s.icr = [r(0x30), r(0x31)];
  for (let i = 0; i < APIC_LVT_NB; i++) s.lvt[i] = r(0x32 + i);
  s.initialCount = r(0x38);
  s.divideConf = r(0x3e);
  const v = (s.divideConf & 3) | ((s.divideConf >> 1) & 4);
  s.countShift = (v + 1) & 7;
  s.initialCountLoadTime = qemuClocksOf(s.registry).getNs(QEMU_CLOCK_VIRTUAL);
  return true;
}

/** QEMU's kvm_put_apic_state + KVM_SET_LAPIC: the model's registers into the kernel's LAPIC. */
export function kvmApicPut(s: ApicCommonState): void {
  const h = lapicHandle(s);
  if (!h) return;
  const m = kvmOf(s.registry);
  const buf = new StructBuffer(m.accel.addon.layout.lapic);
  const [base] = buf.field("regs");
  const w = (i: number, value: number) => buf.view.setUint32(base + reg(i), value >>> 0, true);
  w(0x2, s.apicId << 24);
  w(0x8, s.tpr);
  w(0xd, s.logDest << 24);
  w(0xe, (s.destMode << 28) | 0x0fffffff);
  w(0xf, s.spuriousVec);
  for (let i = 0; i < 8; i++) {
    w(0x10 + i, s.isr[i]!);
    w(0x18 + i, s.tmr[i]!);
    w(0x20 + i, s.irr[i]!);
  }
  w(0x28, s.esr);
  w(0x30, s.icr[0]);
  w(0x31, s.icr[1]);
  for (let i = 0; i < APIC_LVT_NB; i++) w(0x32 + i, s.lvt[i]!);
  w(0x38, s.initialCount);
  w(0x3e, s.divideConf);
  h.setLapic(buf.bytes);
}

/**
 * QEMU's kvm_apic_external_nmi (do_inject_external_nmi): an NMI on LINT1 reaches the vCPU only
 * when the guest left LINT1 unmasked in NMI mode, as the kernel's LAPIC is programmed.
 */
export function kvmApicExternalNmi(s: ApicCommonState): void {
  if (!kvmApicGet(s)) return;
  const lvt = s.lvt[APIC_LVT_LINT1]!;
  if (!(lvt & APIC_LVT_MASKED) && ((lvt >> 8) & 7) === APIC_DM_NMI) lapicHandle(s)?.nmi();
}
