/**
 * The I/O APIC (QEMU 7.2's hw/intc/ioapic_common.c + ioapic.c): the abstract `ioapic-common`
 * and the emulated `ioapic`, a system bus device with 24 input pins and a 4 KiB register window
 * at 0xfec00000. On the PC it lives at `/machine/<host bridge>/ioapic`.
 *
 * An asserted, unmasked pin is turned into an interrupt message written, as QEMU does, to the
 * local APIC window at 0xfee00000 (destination in the address, vector, trigger and delivery mode
 * in the data); level-triggered pins set Remote IRR until the local APIC's EOI broadcast (or an
 * explicit EOI write, version 0x20) clears it. ISA IRQ 0 arrives on pin 2.
 */
import { addressSpaceMemory, getSystemMemory, memoryRegionAddSubregion, type MemoryRegion } from "../../exec/memory.js";
import { addChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass, DeviceState } from "../core/qdev.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { sysbusGetDefault, SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { ioRegionNew } from "../isa/isa-bus.js";
import { NANOSECONDS_PER_SECOND } from "../../util/clock.js";
import { QEMU_CLOCK_VIRTUAL, qemuClocksOf, timerModAnticipateNs, timerNewNs, type QemuTimer } from "../../util/qemu-timer.js";
import { picReadIrq } from "./i8259.js";
import { interruptStatsProviderClassOf, TYPE_INTERRUPT_STATS_PROVIDER } from "./intc.js";

export const TYPE_IOAPIC_COMMON = "ioapic-common";
export const TYPE_IOAPIC = "ioapic";
export const IOAPIC_NUM_PINS = 24;
export const IO_APIC_DEFAULT_ADDRESS = 0xfec00000;
export const IOAPIC_VER_DEF = 0x20;
/** QEMU 7.2 supports one I/O APIC per machine. */
export const MAX_IOAPICS = 1;

const IOAPIC_LVT_DEST_IDX_SHIFT = 48n;
const IOAPIC_LVT_MASKED = 1n << 16n;
const IOAPIC_LVT_TRIGGER_MODE = 1n << 15n;
const IOAPIC_LVT_REMOTE_IRR = 1n << 14n;
const IOAPIC_LVT_DELIV_STATUS = 1n << 12n;
const IOAPIC_RO_BITS = IOAPIC_LVT_REMOTE_IRR | IOAPIC_LVT_DELIV_STATUS;
const IOAPIC_TRIGGER_LEVEL = 1;
const IOAPIC_DM_EXTINT = 7;
const IOAPIC_IOREGSEL = 0x00;
const IOAPIC_IOWIN = 0x10;
const IOAPIC_EOI = 0x40;
const IOAPIC_REG_ID = 0x00;
const IOAPIC_REG_VER = 0x01;
const IOAPIC_REG_ARB = 0x02;
const IOAPIC_REG_REDTBL_BASE = 0x10;
const APIC_DEFAULT_ADDRESS = 0xfee00000;
/** After this many EOIs that find the line still asserted, the next delivery waits 10 ms. */
const SUCCESSIVE_IRQ_MAX_COUNT = 10000;

export interface IoapicCommonClass extends DeviceClass {
  /** The model's part of realize (QEMU's IOAPICCommonClass.realize). */
  ioapicRealize?: (dev: IoapicCommonState) => void;
}

/**
 * Where the IOAPIC's messages go with a kvm split irqchip (QEMU's kvm_irqchip_is_split paths):
 * pin `n` is GSI `n`, whose MSI route the IOAPIC keeps equal to its redirection entry.
 */
export interface IoapicKvmRoutes {
  /** Raise or lower GSI `pin` (KVM_IRQ_LINE through the pin's MSI route). */
  setIrq(pin: number, level: boolean): void;
  updateRoute(pin: number, address: number, data: number): void;
  commitRoutes(): void;
}

export class IoapicCommonState extends SysBusDevice {
  version = IOAPIC_VER_DEF;
  ioapicId = 0;
  ioregsel = 0;
  irr = 0;
  /** 24 64-bit redirection entries; each starts masked (bit 16). */
  readonly ioredtbl: bigint[] = Array.from({ length: IOAPIC_NUM_PINS }, () => IOAPIC_LVT_MASKED);
  /** EOIs in a row that found the level-triggered line still asserted (interrupt storm guard). */
  readonly irqEoi = new Array<number>(IOAPIC_NUM_PINS).fill(0);
  delayedServiceTimer: QemuTimer | undefined;
  /** Input levels and their rising counts, for `info irq` (QEMU's irq_level / irq_count). */
  readonly irqLevel = new Uint8Array(IOAPIC_NUM_PINS);
  readonly irqCount = new Array<number>(IOAPIC_NUM_PINS).fill(0);
  /** The 4 KiB register window (`ioapic[0]`), created at realize. */
  ioMemory: MemoryRegion | undefined;
  /** Set on kvm with kernel-irqchip=split: messages go through KVM's MSI routes. */
  kvmRoutes: IoapicKvmRoutes | undefined;
}

/** The machine's I/O APICs (QEMU's ioapics[]), for the local APICs' EOI broadcast. */
const ioapicLists = new WeakMap<TypeRegistry, IoapicCommonState[]>();

function ioapicCommonRealize(dev: DeviceState): void {
  const s = dev as IoapicCommonState;
  const list = ioapicLists.get(s.registry) ?? [];
  if (list.length >= MAX_IOAPICS) throw new QomError(`Only ${MAX_IOAPICS} ioapics allowed`);
  s.classAs<IoapicCommonClass>(TYPE_IOAPIC_COMMON).ioapicRealize?.(s);
  list.push(s);
  ioapicLists.set(s.registry, list);
}

/** QEMU's ioapic_entry_parse + the MSI it makes: the message a redirection entry sends. */
function ioapicEntryMessage(s: IoapicCommonState, entry: bigint): { masked: boolean; level: boolean; addr: number; data: number } {
  const lo = Number(entry & 0xffffffffn);
  const masked = (entry & IOAPIC_LVT_MASKED) !== 0n;
  const trigMode = (lo >> 15) & 1;
  const destIdx = Number((entry >> IOAPIC_LVT_DEST_IDX_SHIFT) & 0xffffn);
  const destMode = (lo >> 11) & 1;
  const deliveryMode = (lo >> 8) & 7;
  // ExtINT: the vector comes from an INTA cycle on the 8259.
  const vector = deliveryMode === IOAPIC_DM_EXTINT ? picReadIrq(s.registry) & 0xff : lo & 0xff;
  const addr = (APIC_DEFAULT_ADDRESS | (destIdx << 4) | (destMode << 2)) >>> 0;
  const data = vector | (trigMode << 15) | (deliveryMode << 8);
  return { masked, level: trigMode === IOAPIC_TRIGGER_LEVEL, addr, data };
}

/** QEMU's ioapic_service: send a message for every pending, unmasked pin. */
function ioapicService(s: IoapicCommonState): void {
  const memory = addressSpaceMemory(s.registry);
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) {
    const mask = 1 << i;
    if (!(s.irr & mask)) continue;
    const msg = ioapicEntryMessage(s, s.ioredtbl[i]!);
    if (msg.masked) continue;
    if (!msg.level) {
      s.irr &= ~mask;
    } else {
      const coalesce = (s.ioredtbl[i]! & IOAPIC_LVT_REMOTE_IRR) !== 0n;
      s.ioredtbl[i] = s.ioredtbl[i]! | IOAPIC_LVT_REMOTE_IRR;
      // The guest is still handling the previous one.
      if (coalesce) continue;
    }
    if (s.kvmRoutes) {
      // The pin's route carries the same message; a level pin stays raised until its EOI.
      s.kvmRoutes.setIrq(i, true);
      if (!msg.level) s.kvmRoutes.setIrq(i, false);
      continue;
    }
    memory.write(msg.addr, msg.data, 4);
  }
}

/**
 * QEMU's ioapic_update_kvm_routes: with a kvm split irqchip, each unmasked pin's MSI route
 * follows its redirection entry, so that KVM delivers it and knows its level-triggered vectors.
 */
export function ioapicUpdateKvmRoutes(s: IoapicCommonState): void {
  const routes = s.kvmRoutes;
  if (!routes) return;
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) {
    const msg = ioapicEntryMessage(s, s.ioredtbl[i]!);
    if (!msg.masked) routes.updateRoute(i, msg.addr, msg.data);
  }
  routes.commitRoutes();
}

/** An input pin changed level (QEMU's ioapic_set_irq). */
function ioapicSetIrq(s: IoapicCommonState, vector: number, level: number): void {
  // QEMU's ioapic_stat_update_irq, on the input as wired (before IRQ 0 moves to pin 2).
  const l = level ? 1 : 0;
  if (vector < IOAPIC_NUM_PINS && l !== s.irqLevel[vector]) {
    s.irqLevel[vector] = l;
    if (l) s.irqCount[vector]!++;
  }
  // ISA IRQ 0 is wired to pin 2 (GSI 2) on the PC.
  if (vector === 0) vector = 2;
  if (vector >= IOAPIC_NUM_PINS) return;
  const mask = 1 << vector;
  const entry = s.ioredtbl[vector]!;
  if ((entry & IOAPIC_LVT_TRIGGER_MODE) !== 0n) {
    if (level) {
      s.irr |= mask;
      if (!(entry & IOAPIC_LVT_REMOTE_IRR)) ioapicService(s);
    } else {
      s.irr &= ~mask;
    }
  } else if (level && !(entry & IOAPIC_LVT_MASKED)) {
    // Edge requests on a masked pin are lost (82093AA).
    s.irr |= mask;
    ioapicService(s);
  }
}

/**
 * QEMU's ioapic_eoi_broadcast: a local APIC retired level-triggered `vector`; clear Remote IRR
 * on the pins using it and deliver again if the line is still asserted.
 */
export function ioapicEoiBroadcast(registry: TypeRegistry, vector: number): void {
  for (const s of ioapicLists.get(registry) ?? []) {
    for (let n = 0; n < IOAPIC_NUM_PINS; n++) {
      const entry = s.ioredtbl[n]!;
      if (Number(entry & 0xffn) !== vector || (entry & IOAPIC_LVT_TRIGGER_MODE) === 0n) continue;
      if (!(entry & IOAPIC_LVT_REMOTE_IRR)) continue;
      s.ioredtbl[n] = entry & ~IOAPIC_LVT_REMOTE_IRR;
      if (!(entry & IOAPIC_LVT_MASKED) && s.irr & (1 << n)) {
        if (++s.irqEoi[n]! >= SUCCESSIVE_IRQ_MAX_COUNT) {
          // An interrupt storm: real hardware is slower to re-deliver; let the guest progress.
          s.irqEoi[n] = 0;
          const now = qemuClocksOf(registry).getNs(QEMU_CLOCK_VIRTUAL);
          if (s.delayedServiceTimer) timerModAnticipateNs(s.delayedServiceTimer, now + NANOSECONDS_PER_SECOND / 100);
        } else {
          ioapicService(s);
        }
      } else {
        s.irqEoi[n] = 0;
      }
    }
  }
}

function ioapicRealize(s: IoapicCommonState): void {
  if (s.version !== 0x11 && s.version !== 0x20) {
    throw new QomError(`IOAPIC only supports version 0x11 or 0x20 (default: 0x${IOAPIC_VER_DEF.toString(16)}).`);
  }
  s.ioMemory = ioRegionNew(s, "ioapic", 0x1000, {
    read: (addr, size) => ioapicMemRead(s, addr, size),
    write: (addr, value, size) => ioapicMemWrite(s, addr, value, size),
  });
  s.delayedServiceTimer = timerNewNs(qemuClocksOf(s.registry), QEMU_CLOCK_VIRTUAL, () => ioapicService(s));
  s.initGpioIn((n, level) => ioapicSetIrq(s, n, level), IOAPIC_NUM_PINS);
}

/** The index/data register pair: 0 id, 1 version and entry count, 2 arbitration, 0x10+ redirection table. */
function ioapicMemRead(s: IoapicCommonState, addr: number, size: number): number {
  switch (addr & 0xff) {
    case IOAPIC_IOREGSEL:
      return s.ioregsel;
    case IOAPIC_IOWIN: {
      if (size !== 4) return 0;
      const reg = s.ioregsel;
      if (reg === IOAPIC_REG_ID || reg === IOAPIC_REG_ARB) return (s.ioapicId << 24) >>> 0;
      if (reg === IOAPIC_REG_VER) return s.version | ((IOAPIC_NUM_PINS - 1) << 16);
      const index = (reg - IOAPIC_REG_REDTBL_BASE) >> 1;
      if (index < 0 || index >= IOAPIC_NUM_PINS) return 0;
      const entry = s.ioredtbl[index]!;
      return Number(reg & 1 ? entry >> 32n : entry & 0xffffffffn);
    }
    default:
      return 0;
  }
}

function ioapicMemWrite(s: IoapicCommonState, addr: number, value: number, size: number): void {
  switch (addr & 0xff) {
    case IOAPIC_IOREGSEL:
      s.ioregsel = value & 0xff;
      return;
    case IOAPIC_IOWIN: {
      if (size !== 4) return;
      const reg = s.ioregsel;
      if (reg === IOAPIC_REG_ID) {
        s.ioapicId = (value >>> 24) & 0xf;
        return;
      }
      if (reg === IOAPIC_REG_VER || reg === IOAPIC_REG_ARB) return;
      const index = (reg - IOAPIC_REG_REDTBL_BASE) >> 1;
      if (index < 0 || index >= IOAPIC_NUM_PINS) return;
      const old = s.ioredtbl[index]!;
      const v = BigInt(value >>> 0);
      let entry = reg & 1 ? (old & 0xffffffffn) | (v << 32n) : (old & ~0xffffffffn) | v;
      // Remote IRR and delivery status are read-only.
      entry = (entry & ~IOAPIC_RO_BITS) | (old & IOAPIC_RO_BITS);
      // Linux clears Remote IRR by switching a pin to edge and back: edge pins never have it.
      if (!(entry & IOAPIC_LVT_TRIGGER_MODE)) entry &= ~IOAPIC_LVT_REMOTE_IRR;
      s.ioredtbl[index] = entry;
      s.irqEoi[index] = 0;
      ioapicUpdateKvmRoutes(s);
      ioapicService(s);
      return;
    }
    case IOAPIC_EOI:
      // The explicit EOI register exists from version 0x20.
      if (size !== 4 || s.version !== 0x20) return;
      ioapicEoiBroadcast(s.registry, value & 0xff);
      return;
    default:
      return;
  }
}

const DELIVERY_MODE_NAMES = ["fixed", "lowest", "SMI", "...", "NMI", "INIT", "...", "extINT"];

function irrDump(name: string, bitmap: number): string {
  let out = `${name.padEnd(10)} `;
  if (bitmap === 0) return `${out}(none)\n`;
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) if (bitmap & (1 << i)) out += `${String(i).padEnd(2)} `;
  return `${out}\n`;
}

/** QEMU's ioapic_print_redtbl (HMP `info pic`). */
function ioapicPrintInfo(obj: QomObject): string {
  const s = obj as IoapicCommonState;
  let out = `ioapic0: ver=0x${s.version.toString(16)} id=0x${s.ioapicId.toString(16).padStart(2, "0")} sel=0x${s.ioregsel.toString(16).padStart(2, "0")}`;
  out += s.ioregsel ? ` (redir[${((s.ioregsel - IOAPIC_REG_REDTBL_BASE) >> 1) >>> 0}])\n` : "\n";
  let remoteIrr = 0;
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) {
    const e = s.ioredtbl[i]!;
    const lo = Number(e & 0xffffffffn);
    const logical = (lo & 0x800) !== 0;
    const dest = Number((e >> 56n) & (logical ? 0xffn : 0xfn));
    out +=
      `  pin ${String(i).padEnd(2)} 0x${e.toString(16).padStart(16, "0")} dest=${dest.toString(16)} vec=${String(lo & 0xff).padEnd(3)} ` +
      `${lo & 0x2000 ? "active-lo" : "active-hi"} ${(lo & 0x8000 ? "level" : "edge").padEnd(5)} ` +
      `${(lo & 0x10000 ? "masked" : "").padEnd(6)} ${DELIVERY_MODE_NAMES[(lo >> 8) & 7]!.padEnd(6)} ${logical ? "logical" : "physical"}\n`;
    if (lo & 0x8000 && lo & 0x4000) remoteIrr |= 1 << i;
  }
  return out + irrDump("  IRR", s.irr) + irrDump("  Remote IRR", remoteIrr);
}

/** QEMU's ioapic_reset_common. */
function ioapicReset(s: IoapicCommonState): void {
  s.ioapicId = 0;
  s.ioregsel = 0;
  s.irr = 0;
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) s.ioredtbl[i] = IOAPIC_LVT_MASKED;
}

/**
 * The board's part of QEMU's ioapic_init_gsi: an `ioapic` added as child `ioapic` of `parent`
 * (the host bridge), realized on the system bus and mapped at 0xfec00000. The caller takes the
 * 24 pins with `gpioIn(i)`.
 */
export function ioapicInit(registry: TypeRegistry, parent: QomObject): IoapicCommonState {
  const dev = objectNew<IoapicCommonState>(registry, TYPE_IOAPIC);
  addChild(parent, "ioapic", dev);
  qdevRealizeAndUnref(dev, sysbusGetDefault(registry));
  memoryRegionAddSubregion(getSystemMemory(registry), IO_APIC_DEFAULT_ADDRESS, dev.ioMemory!);
  return dev;
}

export const ioapicCommonTypeInfo: TypeInfo<IoapicCommonState, IoapicCommonClass> = {
  name: TYPE_IOAPIC_COMMON,
  parent: TYPE_SYS_BUS_DEVICE,
  abstract: true,
  instance: IoapicCommonState,
  interfaces: [TYPE_INTERRUPT_STATS_PROVIDER],
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = ioapicCommonRealize;
    const ic = interruptStatsProviderClassOf(k);
    if (ic) {
      ic.printInfo = ioapicPrintInfo;
      ic.getStatistics = (obj) => (obj as IoapicCommonState).irqCount;
    }
  },
};

export const ioapicTypeInfo: TypeInfo<IoapicCommonState, IoapicCommonClass> = {
  name: TYPE_IOAPIC,
  parent: TYPE_IOAPIC_COMMON,
  classInit: (k) => {
    k.ioapicRealize = ioapicRealize;
    k.reset = (d) => ioapicReset(d as IoapicCommonState);
    deviceClassSetProps(k, [defineProp("version", "version", propKinds.uint8, IOAPIC_VER_DEF)]);
  },
};
