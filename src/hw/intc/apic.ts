/**
 * The local APIC (QEMU 7.2's hw/intc/apic_common.c + apic.c): the abstract `apic-common`, the
 * emulated `apic` that each x86 CPU owns as its `lapic` child, and `kvmvapic` (QEMU's
 * hw/i386/kvmvapic.c), the TPR-patching helper the first APIC with `vapic=on` creates on the
 * system bus.
 *
 * Behaviour (xAPIC as QEMU 7.2's TCG model has it, no x2APIC): ID and version, TPR/PPR, IRR/ISR/
 * TMR with EOI (broadcast to the I/O APIC for level-triggered vectors), the spurious vector
 * register, the six LVT entries, the timer (one-shot and periodic on the virtual clock; the
 * TSC-deadline mode bit is stored but counts as one-shot, as in QEMU's TCG), the ICR for fixed,
 * lowest-priority, NMI, SMI, INIT and SIPI IPIs with destination shorthands, and MSI writes in
 * the same 1 MiB window. The APIC signals its CPU through `cpuIntr` (see src/hw/i386/x86-intr.ts).
 */
import { getSystemIo, getSystemMemory, memoryRegionAddSubregion, memoryRegionAddSubregionOverlap, type MemoryRegion } from "../../exec/memory.js";
import { CPU_INTERRUPT_HARD, CPU_INTERRUPT_INIT, CPU_INTERRUPT_NMI, CPU_INTERRUPT_SIPI, CPU_INTERRUPT_SMI, type CpuInterruptLines } from "./cpu-interrupt.js";
import { adoptChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import { intProperty } from "../../qom/property.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import { DeviceState, TYPE_DEVICE, type DeviceClass } from "../core/qdev.js";
import { qdevRealize, qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, propKinds, setAfterRealizeError, type PropertyKind } from "../core/qdev-properties.js";
import { sysbusGetDefault, SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { ioRegionNew } from "../isa/isa-bus.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf, timerDel, timerModNs, timerNewNs, type QemuTimer } from "../../util/qemu-timer.js";
import { picGetOutput } from "./i8259.js";
import { ioapicEoiBroadcast } from "./ioapic.js";

export const TYPE_APIC_COMMON = "apic-common";
export const TYPE_APIC = "apic";
export const TYPE_KVMVAPIC = "kvmvapic";
export const APIC_DEFAULT_ADDRESS = 0xfee00000;
export const APIC_SPACE_SIZE = 0x100000;
/** QEMU's MAX_APICS: xAPIC ids are 8 bits and 0xff is the broadcast id. */
export const MAX_APICS = 255;
export const MSR_IA32_APICBASE_BSP = 1 << 8;
export const MSR_IA32_APICBASE_ENABLE = 1 << 11;
/** The I/O port the vapic option ROM talks to. */
export const VAPIC_IO_PORT = 0x7e;

export interface ApicCommonClass extends DeviceClass {
  /** The model's part of realize (QEMU's APICCommonClass.realize). */
  apicRealize?: (dev: ApicCommonState) => void;
  /** QEMU's APICCommonClass.external_nmi: an NMI arrives on LINT1 (default: the LVT decides). */
  externalNmi?: (dev: ApicCommonState) => void;
}

// LVT indexes, delivery modes and register bits (QEMU's apic_internal.h).
export const APIC_LVT_TIMER = 0;
export const APIC_LVT_THERMAL = 1;
export const APIC_LVT_PERFORM = 2;
export const APIC_LVT_LINT0 = 3;
export const APIC_LVT_LINT1 = 4;
export const APIC_LVT_ERROR = 5;
export const APIC_LVT_NB = 6;
export const APIC_DM_FIXED = 0;
export const APIC_DM_LOWPRI = 1;
export const APIC_DM_SMI = 2;
export const APIC_DM_NMI = 4;
export const APIC_DM_INIT = 5;
export const APIC_DM_SIPI = 6;
export const APIC_DM_EXTINT = 7;
export const APIC_TRIGGER_EDGE = 0;
export const APIC_TRIGGER_LEVEL = 1;
export const APIC_LVT_TIMER_PERIODIC = 1 << 17;
export const APIC_LVT_TIMER_TSCDEADLINE = 2 << 17;
export const APIC_LVT_MASKED = 1 << 16;
export const APIC_LVT_LEVEL_TRIGGER = 1 << 15;
export const APIC_ESR_ILLEGAL_ADDRESS = 1 << 7;
export const APIC_SV_DIRECTED_IO = 1 << 12;
export const APIC_SV_ENABLE = 1 << 8;
/** MSI address fields (QEMU's hw/i386/apic-msidef.h). */
const MSI_ADDR_DEST_MODE_SHIFT = 2;
const MSI_ADDR_DEST_ID_SHIFT = 12;
const MSI_DATA_TRIGGER_SHIFT = 15;
const MSI_DATA_DELIVERY_MODE_SHIFT = 8;

export class ApicCommonState extends DeviceState {
  /** The `id` property: the initial APIC id; `apicId` is the (8-bit) ID register. */
  initialApicId = 0xffffffff;
  apicId = 0xff;
  version = 0x14;
  vapicEnabled = true;
  legacyInstanceId = false;
  /** IA32_APIC_BASE (kept unsigned). */
  apicbase = (APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE) >>> 0;
  /** The CPU this APIC belongs to (QEMU's APICCommonState.cpu). */
  cpu: QomObject | undefined;
  /** How the APIC raises interrupt requests on its CPU; set by the CPU's interrupt state. */
  cpuIntr: CpuInterruptLines | undefined;
  /** The machine's kvmvapic, once created. */
  vapic: DeviceState | undefined;
  extendedLogDest = 0;
  ioMemory: MemoryRegion | undefined;

  arbId = 0;
  tpr = 0;
  spuriousVec = 0xff;
  logDest = 0;
  destMode = 0xf;
  readonly isr = new Uint32Array(8);
  readonly tmr = new Uint32Array(8);
  readonly irr = new Uint32Array(8);
  readonly lvt = new Uint32Array(APIC_LVT_NB).fill(APIC_LVT_MASKED);
  esr = 0;
  icr: [number, number] = [0, 0];
  divideConf = 0;
  countShift = 0;
  initialCount = 0;
  initialCountLoadTime = 0;
  nextTime = 0;
  /** When the timer fires next (ns), -1 if not armed (QEMU's timer_expiry). */
  timerExpiry = -1;
  timer: QemuTimer | undefined;
  /** An application processor waits for a SIPI after INIT. */
  waitForSipi = false;
  sipiVector = 0;
}

const vapics = new WeakMap<TypeRegistry, DeviceState>();

/**
 * How many interrupts APICs newly accepted since the last reset of the count (QEMU's
 * apic_irq_delivered); the RTC's lost_tick_policy=slew uses it to see whether a tick got through.
 */
const irqDelivered = new WeakMap<TypeRegistry, number>();

export function apicReportIrqDelivered(registry: TypeRegistry, delivered: number): void {
  irqDelivered.set(registry, (irqDelivered.get(registry) ?? 0) + delivered);
}

export function apicResetIrqDelivered(registry: TypeRegistry): void {
  irqDelivered.set(registry, 0);
}

export function apicGetIrqDelivered(registry: TypeRegistry): number {
  return irqDelivered.get(registry) ?? 0;
}

// ---- the machine's APIC bus (QEMU's local_apics[] and cpu_get_current_apic) --------------------

interface ApicBus {
  /** Realized APICs by initial id. */
  readonly apics: Array<ApicCommonState | undefined>;
  /** The APIC of the vCPU running now: MMIO accesses to the window reach this one. */
  current: ApicCommonState | undefined;
}

const apicBuses = new WeakMap<TypeRegistry, ApicBus>();

function apicBusOf(registry: TypeRegistry): ApicBus {
  let b = apicBuses.get(registry);
  if (!b) apicBuses.set(registry, (b = { apics: [], current: undefined }));
  return b;
}

/** The run loop names the vCPU it runs (QEMU's current_cpu) so APIC MMIO reaches its APIC. */
export function apicSetCurrent(registry: TypeRegistry, apic: ApicCommonState | undefined): void {
  apicBusOf(registry).current = apic;
}

/** QEMU's cpu_get_current_apic. */
export function apicGetCurrent(registry: TypeRegistry): ApicCommonState | undefined {
  return apicBusOf(registry).current;
}

/** The realized APICs of a machine, indexed as QEMU's local_apics (by initial APIC id). */
export function localApics(registry: TypeRegistry): ReadonlyArray<ApicCommonState | undefined> {
  return apicBusOf(registry).apics;
}

// ---- register helpers ------------------------------------------------------------------------------

function setBit(tab: Uint32Array, index: number): void {
  tab[index >> 5]! |= 1 << (index & 31);
}

function resetBit(tab: Uint32Array, index: number): void {
  tab[index >> 5]! &= ~(1 << (index & 31));
}

function getBit(tab: Uint32Array, index: number): boolean {
  return (tab[index >> 5]! & (1 << (index & 31))) !== 0;
}

/** The highest set bit of a 256-bit table, -1 if none. */
function getHighestPriorityInt(tab: Uint32Array): number {
  for (let i = 7; i >= 0; i--) {
    const v = tab[i]!;
    if (v !== 0) return i * 32 + (31 - Math.clz32(v));
  }
  return -1;
}

/** QEMU's apic_get_ppr: the processor priority, from the TPR and the highest in-service vector. */
export function apicGetPpr(s: ApicCommonState): number {
  const tpr = s.tpr >> 4;
  let isrv = getHighestPriorityInt(s.isr);
  if (isrv < 0) isrv = 0;
  isrv >>= 4;
  return tpr >= isrv ? s.tpr : isrv << 4;
}

/** QEMU's apic_irq_pending: the vector to deliver, 0 if none, -1 if one is held back by the PPR. */
function apicIrqPending(s: ApicCommonState): number {
  if (!(s.spuriousVec & APIC_SV_ENABLE)) return 0;
  const irrv = getHighestPriorityInt(s.irr);
  if (irrv < 0) return 0;
  const ppr = apicGetPpr(s);
  if (ppr && (irrv & 0xf0) <= (ppr & 0xf0)) return -1;
  return irrv;
}

/**
 * QEMU's apic_accept_pic_intr: whether the 8259's INTR reaches the CPU through this APIC
 * (APIC globally disabled, or LINT0 unmasked).
 */
export function apicAcceptPicIntr(s: ApicCommonState): boolean {
  const lvt0 = s.lvt[APIC_LVT_LINT0]!;
  return (s.apicbase & MSR_IA32_APICBASE_ENABLE) === 0 || (lvt0 & APIC_LVT_MASKED) === 0;
}

/** QEMU's apic_update_irq: raise or drop the CPU's INTR request. */
function apicUpdateIrq(s: ApicCommonState): void {
  if (apicIrqPending(s) > 0) s.cpuIntr?.interrupt(CPU_INTERRUPT_HARD);
  else if (!apicAcceptPicIntr(s) || !picGetOutput(s.registry)) s.cpuIntr?.resetInterrupt(CPU_INTERRUPT_HARD);
}

/** QEMU's apic_set_irq: a vector arrives at the APIC. */
function apicSetIrq(s: ApicCommonState, vector: number, triggerMode: number): void {
  apicReportIrqDelivered(s.registry, getBit(s.irr, vector) ? 0 : 1);
  setBit(s.irr, vector);
  if (triggerMode) setBit(s.tmr, vector);
  else resetBit(s.tmr, vector);
  apicUpdateIrq(s);
}

/** QEMU's apic_local_deliver: an LVT entry fires. */
function apicLocalDeliver(s: ApicCommonState, index: number): void {
  const lvt = s.lvt[index]!;
  if (lvt & APIC_LVT_MASKED) return;
  switch ((lvt >> 8) & 7) {
    case APIC_DM_SMI:
      s.cpuIntr?.interrupt(CPU_INTERRUPT_SMI);
      break;
    case APIC_DM_NMI:
      s.cpuIntr?.interrupt(CPU_INTERRUPT_NMI);
      break;
    case APIC_DM_EXTINT:
      s.cpuIntr?.interrupt(CPU_INTERRUPT_HARD);
      break;
    case APIC_DM_FIXED: {
      const level = (index === APIC_LVT_LINT0 || index === APIC_LVT_LINT1) && (lvt & APIC_LVT_LEVEL_TRIGGER) !== 0;
      apicSetIrq(s, lvt & 0xff, level ? APIC_TRIGGER_LEVEL : APIC_TRIGGER_EDGE);
      break;
    }
    default:
      break;
  }
}

/** QEMU's apic_deliver_pic_intr: the 8259's INTR changed level on LINT0. */
export function apicDeliverPicIntr(s: ApicCommonState, level: number): void {
  if (level) {
    apicLocalDeliver(s, APIC_LVT_LINT0);
    return;
  }
  const lvt = s.lvt[APIC_LVT_LINT0]!;
  switch ((lvt >> 8) & 7) {
    case APIC_DM_FIXED:
      if (!(lvt & APIC_LVT_LEVEL_TRIGGER)) break;
      resetBit(s.irr, lvt & 0xff);
      apicUpdateIrq(s);
      break;
    case APIC_DM_EXTINT:
      apicUpdateIrq(s);
      break;
    default:
      break;
  }
}

/** QEMU's apic_deliver_nmi (external_nmi): an NMI on LINT1. */
export function apicDeliverNmi(s: ApicCommonState): void {
  const external = s.classAs<ApicCommonClass>(TYPE_APIC_COMMON).externalNmi;
  if (external) external(s);
  else apicLocalDeliver(s, APIC_LVT_LINT1);
}

// ---- the APIC bus: destinations and delivery -------------------------------------------------------

/** QEMU's apic_find_dest: the local_apics index of the APIC whose ID register is `dest`. */
function apicFindDest(registry: TypeRegistry, dest: number): number {
  const apics = apicBusOf(registry).apics;
  const a = apics[dest];
  if (a && a.apicId === dest) return dest;
  for (let i = 0; i < MAX_APICS; i++) {
    const b = apics[i];
    if (b && b.apicId === dest) return i;
    if (!b) break;
  }
  return -1;
}

/** QEMU's apic_get_delivery_bitmask: which APICs a destination names. */
function deliveryBitmask(registry: TypeRegistry, dest: number, destMode: number): Set<number> {
  const apics = apicBusOf(registry).apics;
  const out = new Set<number>();
  if (destMode === 0) {
    if (dest === 0xff) {
      apics.forEach((a, i) => a && out.add(i));
    } else {
      const idx = apicFindDest(registry, dest);
      if (idx >= 0) out.add(idx);
    }
    return out;
  }
  // Logical: flat model matches any common bit; cluster model the cluster and a member bit.
  for (let i = 0; i < MAX_APICS; i++) {
    const a = apics[i];
    if (!a) break;
    if (a.destMode === 0xf) {
      if (dest & a.logDest) out.add(i);
    } else if (a.destMode === 0) {
      if ((dest & 0xf0) === (a.logDest & 0xf0) && dest & a.logDest & 0x0f) out.add(i);
    }
  }
  return out;
}

/** QEMU's apic_bus_deliver. */
function apicBusDeliver(registry: TypeRegistry, targets: Set<number>, deliveryMode: number, vector: number, triggerMode: number): void {
  const apics = apicBusOf(registry).apics;
  const each = (fn: (a: ApicCommonState) => void) => {
    for (const i of [...targets].sort((x, y) => x - y)) {
      const a = apics[i];
      if (a) fn(a);
    }
  };
  switch (deliveryMode) {
    case APIC_DM_LOWPRI: {
      // No arbitration, as in QEMU: the lowest-numbered target takes it.
      const d = Math.min(...targets);
      const a = Number.isFinite(d) ? apics[d] : undefined;
      if (a) apicSetIrq(a, vector, triggerMode);
      return;
    }
    case APIC_DM_FIXED:
      break;
    case APIC_DM_SMI:
      each((a) => a.cpuIntr?.interrupt(CPU_INTERRUPT_SMI));
      return;
    case APIC_DM_NMI:
      each((a) => a.cpuIntr?.interrupt(CPU_INTERRUPT_NMI));
      return;
    case APIC_DM_INIT:
      each((a) => a.cpuIntr?.interrupt(CPU_INTERRUPT_INIT));
      return;
    case APIC_DM_EXTINT:
      // ExtINT through the I/O APIC carries the 8259's vector; it arrives as fixed.
      break;
    default:
      return;
  }
  each((a) => apicSetIrq(a, vector, triggerMode));
}

/** QEMU's apic_deliver_irq: an interrupt message on the APIC bus (from the I/O APIC or an MSI). */
export function apicDeliverIrq(registry: TypeRegistry, dest: number, destMode: number, deliveryMode: number, vector: number, triggerMode: number): void {
  apicBusDeliver(registry, deliveryBitmask(registry, dest, destMode), deliveryMode, vector, triggerMode);
}

/** QEMU's apic_send_msi: a write into the APIC window at `addr` (offset in the window) with `data`. */
export function apicSendMsi(registry: TypeRegistry, addr: number, data: number): void {
  const dest = (addr >>> MSI_ADDR_DEST_ID_SHIFT) & 0xff;
  const vector = data & 0xff;
  const destMode = (addr >>> MSI_ADDR_DEST_MODE_SHIFT) & 1;
  const triggerMode = (data >>> MSI_DATA_TRIGGER_SHIFT) & 1;
  const delivery = (data >>> MSI_DATA_DELIVERY_MODE_SHIFT) & 7;
  apicDeliverIrq(registry, dest, destMode, delivery, vector, triggerMode);
}

/** QEMU's apic_deliver: the guest wrote the ICR's low half. */
function apicDeliver(s: ApicCommonState): void {
  const icr0 = s.icr[0];
  const dest = (s.icr[1] >>> 24) & 0xff;
  const destMode = (icr0 >> 11) & 1;
  const deliveryMode = (icr0 >> 8) & 7;
  const vector = icr0 & 0xff;
  const triggerMode = (icr0 >> 15) & 1;
  const apics = apicBusOf(s.registry).apics;
  let targets: Set<number>;
  switch ((icr0 >> 18) & 3) {
    case 0:
      targets = deliveryBitmask(s.registry, dest, destMode);
      break;
    case 1: // self
      targets = new Set([s.apicId]);
      break;
    case 2: // all including self
      targets = new Set(apics.flatMap((a, i) => (a ? [i] : [])));
      break;
    default: // all excluding self
      targets = new Set(apics.flatMap((a, i) => (a && i !== s.apicId ? [i] : [])));
      break;
  }
  if (deliveryMode === APIC_DM_INIT) {
    const level = (icr0 >> 14) & 1;
    if (level === 0 && triggerMode === 1) {
      // INIT level de-assert: only the arbitration ids are synchronised.
      for (const i of targets) {
        const a = apics[i];
        if (a) a.arbId = a.apicId;
      }
      return;
    }
  } else if (deliveryMode === APIC_DM_SIPI) {
    for (const i of targets) {
      const a = apics[i];
      if (a) {
        a.sipiVector = vector;
        a.cpuIntr?.interrupt(CPU_INTERRUPT_SIPI);
      }
    }
    return;
  }
  apicBusDeliver(s.registry, targets, deliveryMode, vector, triggerMode);
}

/** QEMU's apic_eoi: retire the highest in-service vector. */
function apicEoi(s: ApicCommonState): void {
  const isrv = getHighestPriorityInt(s.isr);
  if (isrv < 0) return;
  resetBit(s.isr, isrv);
  if (!(s.spuriousVec & APIC_SV_DIRECTED_IO) && getBit(s.tmr, isrv)) ioapicEoiBroadcast(s.registry, isrv);
  apicUpdateIrq(s);
}

/** Checks the 8259 through LINT0 (QEMU's apic_check_pic): true if its INTR is being passed on. */
function apicCheckPic(s: ApicCommonState): boolean {
  if (!apicAcceptPicIntr(s) || !picGetOutput(s.registry)) return false;
  apicDeliverPicIntr(s, 1);
  return true;
}

/**
 * QEMU's apic_get_interrupt: the INTA cycle at the APIC. Returns the vector (now in service),
 * the spurious vector if the pending one is held back by the PPR, or -1 when the 8259 should
 * answer instead (or nothing is pending).
 */
export function apicGetInterrupt(s: ApicCommonState): number {
  if (!(s.spuriousVec & APIC_SV_ENABLE)) return -1;
  const intno = apicIrqPending(s);
  // An ExtINT from the 8259 ignores priorities: let the caller take it first.
  if (intno === 0 || apicCheckPic(s)) return -1;
  if (intno < 0) return s.spuriousVec & 0xff;
  resetBit(s.irr, intno);
  setBit(s.isr, intno);
  apicUpdateIrq(s);
  return intno;
}

// ---- the timer ----------------------------------------------------------------------------------

/** QEMU's apic_next_timer: computes `nextTime`; false if the timer should not run. */
function apicNextTimer(s: ApicCommonState, currentTime: number): boolean {
  s.timerExpiry = -1;
  const lvt = s.lvt[APIC_LVT_TIMER]!;
  if (lvt & APIC_LVT_MASKED) return false;
  let d = Math.floor((currentTime - s.initialCountLoadTime) / 2 ** s.countShift);
  if (lvt & APIC_LVT_TIMER_PERIODIC) {
    if (!s.initialCount) return false;
    d = (Math.floor(d / (s.initialCount + 1)) + 1) * (s.initialCount + 1);
  } else {
    if (d >= s.initialCount) return false;
    d = s.initialCount + 1;
  }
  s.nextTime = s.initialCountLoadTime + d * 2 ** s.countShift;
  s.timerExpiry = s.nextTime;
  return true;
}

/** QEMU's apic_get_current_count. */
export function apicGetCurrentCount(s: ApicCommonState): number {
  const now = qemuClocksOf(s.registry).getNs(QEMU_CLOCK_VIRTUAL);
  const d = Math.floor((now - s.initialCountLoadTime) / 2 ** s.countShift);
  if (s.lvt[APIC_LVT_TIMER]! & APIC_LVT_TIMER_PERIODIC) return s.initialCount - (d % (s.initialCount + 1));
  return d >= s.initialCount ? 0 : s.initialCount - d;
}

function apicTimerUpdate(s: ApicCommonState, currentTime: number): void {
  if (!s.timer) return;
  if (apicNextTimer(s, currentTime)) timerModNs(s.timer, s.nextTime);
  else timerDel(s.timer);
}

function apicTimerExpired(s: ApicCommonState): void {
  apicLocalDeliver(s, APIC_LVT_TIMER);
  apicTimerUpdate(s, s.nextTime);
}

// ---- MMIO ------------------------------------------------------------------------------------------

function apicMemRead(registry: TypeRegistry, addr: number, size: number): number {
  if (size < 4) return 0;
  const s = apicBusOf(registry).current;
  if (!s) return 0;
  const index = (addr >> 4) & 0xff;
  switch (index) {
    case 0x02:
      return (s.apicId << 24) >>> 0;
    case 0x03:
      return s.version | ((APIC_LVT_NB - 1) << 16);
    case 0x08:
      return s.tpr;
    case 0x09:
      return 0; // arbitration priority: not modelled, as in QEMU
    case 0x0a:
      return apicGetPpr(s);
    case 0x0b:
      return 0;
    case 0x0d:
      return (s.logDest << 24) >>> 0;
    case 0x0e:
      return ((s.destMode << 28) | 0xfffffff) >>> 0;
    case 0x0f:
      return s.spuriousVec;
    case 0x28:
      return s.esr;
    case 0x30:
    case 0x31:
      return s.icr[index & 1]! >>> 0;
    case 0x38:
      return s.initialCount;
    case 0x39:
      return apicGetCurrentCount(s) >>> 0;
    case 0x3e:
      return s.divideConf;
    default:
      if (index >= 0x10 && index <= 0x17) return s.isr[index & 7]!;
      if (index >= 0x18 && index <= 0x1f) return s.tmr[index & 7]!;
      if (index >= 0x20 && index <= 0x27) return s.irr[index & 7]!;
      if (index >= 0x32 && index <= 0x37) return s.lvt[index - 0x32]!;
      s.esr |= APIC_ESR_ILLEGAL_ADDRESS;
      return 0;
  }
}

function apicMemWrite(registry: TypeRegistry, addr: number, val: number, size: number): void {
  if (size < 4) return;
  val >>>= 0;
  const index = (addr >> 4) & 0xff;
  if (addr > 0xfff || !index) {
    // MSIs and the APIC registers share the window (reserved in each other's layout).
    apicSendMsi(registry, addr, val);
    return;
  }
  const s = apicBusOf(registry).current;
  if (!s) return;
  switch (index) {
    case 0x02:
      s.apicId = val >>> 24;
      break;
    case 0x08:
      s.tpr = val & 0xff;
      apicUpdateIrq(s);
      break;
    case 0x0b:
      apicEoi(s);
      break;
    case 0x0d:
      s.logDest = val >>> 24;
      break;
    case 0x0e:
      s.destMode = val >>> 28;
      break;
    case 0x0f:
      s.spuriousVec = val & 0x1ff;
      apicUpdateIrq(s);
      break;
    case 0x30:
      s.icr[0] = val;
      apicDeliver(s);
      break;
    case 0x31:
      s.icr[1] = val;
      break;
    case 0x38:
      s.initialCount = val;
      s.initialCountLoadTime = qemuClocksOf(registry).getNs(QEMU_CLOCK_VIRTUAL);
      apicTimerUpdate(s, s.initialCountLoadTime);
      break;
    case 0x3e: {
      s.divideConf = val & 0xb;
      const v = (s.divideConf & 3) | ((s.divideConf >> 1) & 4);
      s.countShift = (v + 1) & 7;
      break;
    }
    case 0x03:
    case 0x09:
    case 0x0a:
    case 0x28:
    case 0x39:
      break;
    default:
      if (index >= 0x32 && index <= 0x37) {
        const n = index - 0x32;
        s.lvt[n] = val;
        if (n === APIC_LVT_TIMER) apicTimerUpdate(s, qemuClocksOf(registry).getNs(QEMU_CLOCK_VIRTUAL));
        else if (n === APIC_LVT_LINT0 && apicCheckPic(s)) apicUpdateIrq(s);
      } else if (index < 0x10 || index > 0x28) {
        // ISR, TMR, IRR (0x10-0x27) ignore writes; anything else is an illegal register.
        s.esr |= APIC_ESR_ILLEGAL_ADDRESS;
      }
      break;
  }
}

// ---- the CPU's side: APIC base MSR, CR8, INIT and SIPI --------------------------------------------

/** QEMU's cpu_get_apic_base (IA32_APIC_BASE); a CPU without APIC reads BSP only. */
export function apicGetBase(s: ApicCommonState | undefined): number {
  return s ? s.apicbase >>> 0 : MSR_IA32_APICBASE_BSP;
}

/** QEMU's cpu_set_apic_base via apic_set_base: once disabled, the APIC stays off until reset. */
export function apicSetBase(s: ApicCommonState | undefined, val: number): void {
  if (!s) return;
  s.apicbase = ((val & 0xfffff000) | (s.apicbase & (MSR_IA32_APICBASE_BSP | MSR_IA32_APICBASE_ENABLE))) >>> 0;
  if (!(val & MSR_IA32_APICBASE_ENABLE)) {
    s.apicbase = (s.apicbase & ~MSR_IA32_APICBASE_ENABLE) >>> 0;
    s.spuriousVec &= ~APIC_SV_ENABLE;
  }
}

/** QEMU's cpu_set_apic_tpr (a write to CR8). */
export function apicSetTpr(s: ApicCommonState | undefined, val: number): void {
  if (!s) return;
  s.tpr = (val & 0xf) << 4;
  apicUpdateIrq(s);
}

/** QEMU's cpu_get_apic_tpr (a read of CR8). */
export function apicGetTpr(s: ApicCommonState | undefined): number {
  return s ? s.tpr >> 4 : 0;
}

function isBsp(s: ApicCommonState): boolean {
  return (s.apicbase & MSR_IA32_APICBASE_BSP) !== 0;
}

/** QEMU's apic_init_reset: the register state after INIT (and at reset). */
export function apicInitReset(s: ApicCommonState | undefined): void {
  if (!s) return;
  s.tpr = 0;
  s.spuriousVec = 0xff;
  s.logDest = 0;
  s.destMode = 0xf;
  s.isr.fill(0);
  s.tmr.fill(0);
  s.irr.fill(0);
  s.lvt.fill(APIC_LVT_MASKED);
  s.esr = 0;
  s.icr = [0, 0];
  s.divideConf = 0;
  s.countShift = 0;
  s.initialCount = 0;
  s.initialCountLoadTime = 0;
  s.nextTime = 0;
  s.waitForSipi = !isBsp(s);
  if (s.timer) timerDel(s.timer);
  s.timerExpiry = -1;
}

/**
 * QEMU's apic_sipi: the CPU takes a pending SIPI. Returns the start-up vector when the CPU was
 * waiting for one (the caller loads CS = vector << 8, IP = 0 and unhalts), otherwise -1.
 */
export function apicSipi(s: ApicCommonState | undefined): number {
  if (!s) return -1;
  s.cpuIntr?.resetInterrupt(CPU_INTERRUPT_SIPI);
  if (!s.waitForSipi) return -1;
  s.waitForSipi = false;
  return s.sipiVector;
}

/** QEMU's apic_designate_bsp. */
export function apicDesignateBsp(s: ApicCommonState | undefined, bsp: boolean): void {
  if (!s) return;
  s.apicbase = (bsp ? s.apicbase | MSR_IA32_APICBASE_BSP : s.apicbase & ~MSR_IA32_APICBASE_BSP) >>> 0;
}

// ---- realize and reset ----------------------------------------------------------------------------

function apicCommonRealize(dev: DeviceState): void {
  const s = dev as ApicCommonState;
  s.classAs<ApicCommonClass>(TYPE_APIC_COMMON).apicRealize?.(s);
  // The first APIC with vapic enabled brings the machine's single kvmvapic.
  let vapic = vapics.get(s.registry);
  if (!vapic && s.vapicEnabled) {
    vapic = objectNew<DeviceState>(s.registry, TYPE_KVMVAPIC);
    qdevRealizeAndUnref(vapic, sysbusGetDefault(s.registry));
    vapics.set(s.registry, vapic);
  }
  s.vapic = vapic;
  s.extendedLogDest = ((s.initialApicId >>> 4) << 16) | (1 << (s.initialApicId & 0xf));
}

function apicRealize(s: ApicCommonState): void {
  if (s.apicId >= MAX_APICS) {
    throw new QomError(`${s.typeName} initialization failed. APIC ID ${s.apicId} is invalid`);
  }
  // The local APIC window; writes here are also how MSIs reach the APICs.
  s.ioMemory = ioRegionNew(s, "apic-msi", APIC_SPACE_SIZE, {
    read: (addr, size) => apicMemRead(s.registry, addr, size),
    write: (addr, value, size) => apicMemWrite(s.registry, addr, value, size),
    impl: { minAccessSize: 1, maxAccessSize: 4 },
    valid: { minAccessSize: 1, maxAccessSize: 4 },
  });
  s.timer = timerNewNs(qemuClocksOf(s.registry), QEMU_CLOCK_VIRTUAL, () => apicTimerExpired(s));
  apicBusOf(s.registry).apics[s.apicId] = s;
}

function apicUnrealize(s: ApicCommonState): void {
  if (s.timer) timerDel(s.timer);
  const apics = apicBusOf(s.registry).apics;
  if (apics[s.apicId] === s) apics[s.apicId] = undefined;
}

/** QEMU's apic_reset_common: the power-on register state. */
export function apicReset(s: ApicCommonState): void {
  s.apicbase = (APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE | (s.apicbase & MSR_IA32_APICBASE_BSP)) >>> 0;
  s.apicId = s.initialApicId & 0xff;
  apicResetIrqDelivered(s.registry);
  apicInitReset(s);
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

function apicCommonClassInit(k: ApicCommonClass): void {
  k.userCreatable = false;
  k.realize = apicCommonRealize;
  deviceClassSetProps(k, [
    defineProp("version", "version", propKinds.uint8, 0x14),
    defineProp("vapic", "vapicEnabled", propKinds.bool, true),
    defineProp("legacy-instance-id", "legacyInstanceId", plainBool, false),
  ]);
}

/**
 * The `id` property (an instance property in QEMU, without a default): the initial APIC id,
 * fixed once the APIC is realized.
 */
function apicCommonInstanceInit(s: ApicCommonState): void {
  s.addProperty(
    intProperty("id", "uint32", {
      get: () => s.initialApicId,
      set: (_o, v) => {
        if (s.realized) throw setAfterRealizeError(s, "id");
        s.initialApicId = Number(v);
        s.apicId = Number(v) & 0xff;
      },
    }),
  );
}

/**
 * The CPU side of QEMU's x86_cpu_apic_create: a new APIC of `type` as child `lapic` of `cpu`,
 * with the CPU's APIC id. `apicRealizeForCpu` realizes it during the CPU's realize.
 */
export function apicCreateForCpu(cpu: DeviceState, apicId: number, type = TYPE_APIC, bsp = false): ApicCommonState {
  const apic = adoptChild(cpu, "lapic", objectNew<ApicCommonState>(cpu.registry, type));
  apic.setPropertyJson("id", apicId);
  apic.cpu = cpu;
  apic.apicbase = (APIC_DEFAULT_ADDRESS | MSR_IA32_APICBASE_ENABLE | (bsp ? MSR_IA32_APICBASE_BSP : 0)) >>> 0;
  return apic;
}

export function apicRealizeForCpu(apic: ApicCommonState): void {
  qdevRealize(apic);
  // Every CPU's APIC sits at the same address; the first one's window is the one mapped.
  if (apic.ioMemory && !apicWindowMapped.has(apic.registry)) {
    memoryRegionAddSubregionOverlap(getSystemMemory(apic.registry), APIC_DEFAULT_ADDRESS, apic.ioMemory, 0x1000);
    apicWindowMapped.add(apic.registry);
  }
}

const apicWindowMapped = new WeakSet<TypeRegistry>();

export class VapicRomState extends SysBusDevice {
  io: MemoryRegion | undefined;
}

function vapicRealize(s: VapicRomState): void {
  s.io = ioRegionNew(s, "kvmvapic", 2, {});
  memoryRegionAddSubregion(getSystemIo(s.registry), VAPIC_IO_PORT, s.io);
}

export const apicCommonTypeInfo: TypeInfo<ApicCommonState, ApicCommonClass> = {
  name: TYPE_APIC_COMMON,
  parent: TYPE_DEVICE,
  abstract: true,
  instance: ApicCommonState,
  classInit: apicCommonClassInit,
  instanceInit: apicCommonInstanceInit,
};

export const apicTypeInfo: TypeInfo<ApicCommonState, ApicCommonClass> = {
  name: TYPE_APIC,
  parent: TYPE_APIC_COMMON,
  classInit: (k) => {
    k.apicRealize = apicRealize;
    k.unrealize = (d) => apicUnrealize(d as ApicCommonState);
    k.reset = (d) => apicReset(d as ApicCommonState);
  },
};

export const kvmvapicTypeInfo: TypeInfo<VapicRomState, DeviceClass> = {
  name: TYPE_KVMVAPIC,
  parent: TYPE_SYS_BUS_DEVICE,
  instance: VapicRomState,
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = (d) => vapicRealize(d as VapicRomState);
  },
};
