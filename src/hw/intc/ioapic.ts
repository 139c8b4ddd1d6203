/**
 * The I/O APIC (QEMU 7.2's hw/intc/ioapic_common.c + ioapic.c): `ioapic-common` and the
 * emulated `ioapic`, a system bus device with 24 input pins and a 4 KiB register window at
 * 0xfec00000. On the PC it lives at `/machine/<host bridge>/ioapic`.
 */
import { getSystemMemory, memoryRegionAddSubregion, type MemoryRegion } from "../../exec/memory.js";
import { addChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass, DeviceState } from "../core/qdev.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { sysbusGetDefault, SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";
import { ioRegionNew } from "../isa/isa-bus.js";

export const TYPE_IOAPIC_COMMON = "ioapic-common";
export const TYPE_IOAPIC = "ioapic";
export const IOAPIC_NUM_PINS = 24;
export const IO_APIC_DEFAULT_ADDRESS = 0xfec00000;
export const IOAPIC_VER_DEF = 0x20;
/** QEMU 7.2 supports one I/O APIC per machine. */
export const MAX_IOAPICS = 1;

export interface IoapicCommonClass extends DeviceClass {
  /** The model's part of realize (QEMU's IOAPICCommonClass.realize). */
  ioapicRealize?: (dev: IoapicCommonState) => void;
}

export class IoapicCommonState extends SysBusDevice {
  version = IOAPIC_VER_DEF;
  ioapicId = 0;
  ioregsel = 0;
  irr = 0;
  /** 24 64-bit redirection entries; each starts masked (bit 16). */
  readonly ioredtbl: bigint[] = Array.from({ length: IOAPIC_NUM_PINS }, () => 1n << 16n);
  /** The 4 KiB register window (`ioapic[0]`), created at realize. */
  ioMemory: MemoryRegion | undefined;
}

const ioapicCounts = new WeakMap<TypeRegistry, number>();

function ioapicCommonRealize(dev: DeviceState): void {
  const s = dev as IoapicCommonState;
  const count = ioapicCounts.get(s.registry) ?? 0;
  if (count >= MAX_IOAPICS) throw new QomError(`Only ${MAX_IOAPICS} ioapics allowed`);
  s.classAs<IoapicCommonClass>(TYPE_IOAPIC_COMMON).ioapicRealize?.(s);
  ioapicCounts.set(s.registry, count + 1);
}

function ioapicSetIrq(s: IoapicCommonState, n: number, level: number): void {
  // Edge or level, the pin's request is latched in IRR; delivery comes with the APIC bus model.
  const mask = 1 << n;
  if (level) s.irr |= mask;
  else if ((s.ioredtbl[n]! >> 15n) & 1n) s.irr &= ~mask;
}

function ioapicRealize(s: IoapicCommonState): void {
  if (s.version !== 0x11 && s.version !== 0x20) {
    throw new QomError(`IOAPIC only supports version 0x11 or 0x20 (default: 0x${IOAPIC_VER_DEF.toString(16)}).`);
  }
  s.ioMemory = ioRegionNew(s, "ioapic", 0x1000, {
    read: (addr) => ioapicMemRead(s, addr),
    write: (addr, value) => ioapicMemWrite(s, addr, value),
    impl: { minAccessSize: 4, maxAccessSize: 4 },
  });
  s.initGpioIn((n, level) => ioapicSetIrq(s, n, level), IOAPIC_NUM_PINS);
}

const IOAPIC_IOREGSEL = 0x00;
const IOAPIC_IOWIN = 0x10;

/** The index/data register pair: 0 id, 1 version and entry count, 0x10+ redirection table. */
function ioapicMemRead(s: IoapicCommonState, addr: number): number {
  if ((addr & 0xff) !== IOAPIC_IOWIN) return (addr & 0xff) === IOAPIC_IOREGSEL ? s.ioregsel : 0;
  const reg = s.ioregsel;
  if (reg === 0) return (s.ioapicId & 0xf) << 24;
  if (reg === 1) return s.version | ((IOAPIC_NUM_PINS - 1) << 16);
  if (reg === 2) return 0;
  const index = (reg - 0x10) >> 1;
  if (reg < 0x10 || index >= IOAPIC_NUM_PINS) return 0xffffffff;
  const entry = s.ioredtbl[index]!;
  return Number(reg & 1 ? entry >> 32n : entry & 0xffffffffn);
}

function ioapicMemWrite(s: IoapicCommonState, addr: number, value: number): void {
  if ((addr & 0xff) === IOAPIC_IOREGSEL) {
    s.ioregsel = value & 0xff;
    return;
  }
  if ((addr & 0xff) !== IOAPIC_IOWIN) return;
  const reg = s.ioregsel;
  if (reg === 0) {
    s.ioapicId = (value >>> 24) & 0xf;
    return;
  }
  const index = (reg - 0x10) >> 1;
  if (reg < 0x10 || index >= IOAPIC_NUM_PINS) return;
  const old = s.ioredtbl[index]!;
  const v = BigInt(value >>> 0);
  // Remote IRR (bit 14) and delivery status (bit 12) are read-only.
  const ro = (1n << 14n) | (1n << 12n);
  s.ioredtbl[index] =
    reg & 1 ? (old & 0xffffffffn) | (v << 32n) : (old & ~0xffffffffn) | (v & ~ro) | (old & ro);
}

function ioapicReset(s: IoapicCommonState): void {
  s.ioapicId = 0;
  s.ioregsel = 0;
  s.irr = 0;
  for (let i = 0; i < IOAPIC_NUM_PINS; i++) s.ioredtbl[i] = 1n << 16n;
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
  classInit: (k) => {
    k.userCreatable = false;
    k.realize = ioapicCommonRealize;
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
