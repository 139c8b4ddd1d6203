/**
 * The I/O APIC (QEMU 7.2's hw/intc/ioapic_common.c + ioapic.c): `ioapic-common` and the
 * emulated `ioapic`, a system bus device with 24 input pins and a 4 KiB register window at
 * 0xfec00000. On the PC it lives at `/machine/<host bridge>/ioapic`.
 */
import { addChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { objectNew, type QomObject } from "../../qom/object.js";
import type { TypeInfo, TypeRegistry } from "../../qom/type.js";
import type { DeviceClass, DeviceState } from "../core/qdev.js";
import { qdevRealizeAndUnref } from "../core/qdev-realize.js";
import { defineProp, deviceClassSetProps, propKinds } from "../core/qdev-properties.js";
import { sysbusGetDefault, SysBusDevice, TYPE_SYS_BUS_DEVICE } from "../core/sysbus.js";

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
  /** Where the register window is mapped (QEMU's sysbus_mmio_map), once mapped. */
  mmioBase: number | undefined;
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
  s.initGpioIn((n, level) => ioapicSetIrq(s, n, level), IOAPIC_NUM_PINS);
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
  dev.mmioBase = IO_APIC_DEFAULT_ADDRESS;
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
