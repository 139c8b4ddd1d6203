/**
 * A hand-built copy of part of the PC machine's memory map as QEMU 7.2 builds it for
 * `-M pc -nodefaults` (128 MiB): enough regions, owners and priorities to reproduce blocks of
 * the captured `info mtree` output. The real machine builds this itself; this is test scaffolding.
 */
import {
  addressSpaceInit,
  getSystemIo,
  getSystemMemory,
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionInit,
  memoryRegionInitAlias,
  memoryRegionInitIo,
  memoryRegionInitRam,
  memoryRegionInitRom,
  memoryRegionSetEnabled,
  memoryRegionSetReadonly,
  SIZE_2_64,
  type MemoryRegion,
  type MemoryRegionOps,
} from "../../src/exec/memory.js";
import { TYPE_DEVICE } from "../../src/hw/core/qdev.js";
import { addChild, adoptChild } from "../../src/qom/child.js";
import { containerGet } from "../../src/qom/container.js";
import { objectNew, type QomObject } from "../../src/qom/object.js";
import { objectGetRoot } from "../../src/qom/root.js";
import type { TypeRegistry } from "../../src/qom/type.js";

export const MIB = 1024 * 1024;

/** Ports answer with their own address; writes are recorded. */
export const echoOps: MemoryRegionOps<string[]> = {
  read: (_log, addr) => addr & 0xff,
  write: (log, addr, value, size) => {
    log.push(`${addr}:${value}/${size}`);
  },
};

export interface PcLayout {
  devices: QomObject[];
  ram: MemoryRegion;
  pci: MemoryRegion;
  bios: MemoryRegion;
  log: string[];
}

export function buildPcLayout(types: TypeRegistry): PcLayout {
  if (!types.has("layout-dev")) types.register({ name: "layout-dev", parent: TYPE_DEVICE });
  const root = objectGetRoot(types);
  const unattached = containerGet(root, "/machine/unattached");
  const system = getSystemMemory(types);
  const io = getSystemIo(types);
  const devices: QomObject[] = [];
  for (let i = 0; i < 19; i++) {
    const dev = objectNew(types, "layout-dev");
    addChild(unattached, "device[*]", dev);
    dev.unref();
    devices.push(dev);
  }
  const machine = root.resolveComponent("machine")!;
  const fwcfg = adoptChild(machine, "fw_cfg", objectNew(types, "layout-dev"));
  const i440fx = adoptChild(machine, "i440fx", objectNew(types, "layout-dev"));
  const ioapicDev = adoptChild(i440fx, "ioapic", objectNew(types, "layout-dev"));
  const lapic = adoptChild(devices[0]!, "lapic", objectNew(types, "layout-dev"));
  const log: string[] = [];
  const port = (owner: QomObject | undefined, name: string, addr: number, size: number, prio = 0) => {
    const mr = memoryRegionInitIo(owner ?? types, echoOps, log, name, size);
    memoryRegionAddSubregionOverlap(io, addr, mr, prio);
    return mr;
  };
  const d = (n: number) => devices[n]!;

  // Memory: RAM below 4G, the PCI hole container, option ROM and BIOS, chipset aliases.
  const backend = containerGet(root, "/objects/pc.ram");
  const ram = memoryRegionInitRam(backend, "pc.ram", 128 * MIB);
  memoryRegionAddSubregion(system, 0, memoryRegionInitAlias(types, "ram-below-4g", ram, 0, 128 * MIB));
  const pci = memoryRegionInit(types, "pci", SIZE_2_64);
  memoryRegionAddSubregionOverlap(system, 0, pci, -1);
  const rom = memoryRegionInitRom(types, "pc.rom", 0x20000);
  memoryRegionAddSubregionOverlap(pci, 0xc0000, rom, 1);
  const bios = memoryRegionInitRom(types, "pc.bios", 0x40000);
  const isaBios = memoryRegionInitAlias(types, "isa-bios", bios, 0x20000, 0x20000);
  memoryRegionAddSubregionOverlap(pci, 0xe0000, isaBios, 1);
  memoryRegionSetReadonly(isaBios, true);
  memoryRegionAddSubregion(pci, 0x100000000 - 0x40000, bios);
  memoryRegionAddSubregionOverlap(system, 0xa0000, memoryRegionInitAlias(d(2), "smram-region", pci, 0xa0000, 0x20000), 1);
  const pamStarts = [0xf0000, ...Array.from({ length: 12 }, (_, i) => 0xc0000 + i * 0x4000)];
  for (const start of pamStarts) {
    const size = start === 0xf0000 ? 0x10000 : 0x4000;
    const pamRam = memoryRegionInitAlias(i440fx, "pam-ram", ram, start, size);
    const pamPci = memoryRegionInitAlias(i440fx, "pam-pci", pci, start, size);
    for (const alias of [pamPci, pamRam]) {
      memoryRegionSetEnabled(alias, false);
      memoryRegionAddSubregionOverlap(system, start, alias, 1);
    }
    memoryRegionSetEnabled(pamPci, true);
  }
  memoryRegionAddSubregion(system, 0xfec00000, memoryRegionInitIo(ioapicDev, echoOps, log, "ioapic", 0x1000));
  memoryRegionAddSubregion(system, 0xfed00000, memoryRegionInitIo(d(8), echoOps, log, "hpet", 0x400));
  memoryRegionAddSubregionOverlap(system, 0xfee00000, memoryRegionInitIo(lapic, echoOps, log, "apic-msi", 0x100000), 4096);
  addressSpaceInit(system, "cpu-memory-0");

  // I/O ports, device by device.
  port(d(1), "kvmvapic", 0x7e, 2);
  port(d(3), "piix3-reset-control", 0xcf9, 1, 1);
  port(i440fx, "pci-conf-idx", 0xcf8, 4);
  port(i440fx, "pci-conf-data", 0xcfc, 4);
  port(d(4), "dma-chan", 0x0, 8);
  port(d(4), "dma-cont", 0x8, 8);
  port(d(4), "dma-page", 0x81, 3);
  port(d(4), "dma-page", 0x87, 1);
  port(d(5), "dma-chan", 0xc0, 16);
  port(d(5), "dma-cont", 0xd0, 16);
  port(d(5), "dma-page", 0x89, 3);
  port(d(5), "dma-page", 0x8f, 1);
  port(d(6), "pic", 0x20, 2);
  port(d(6), "elcr", 0x4d0, 1);
  port(d(7), "pic", 0xa0, 2);
  port(d(7), "elcr", 0x4d1, 1);
  const rtc = port(d(9), "rtc", 0x70, 2);
  memoryRegionAddSubregion(rtc, 0, memoryRegionInitIo(d(9), echoOps, log, "rtc-index", 1));
  port(d(10), "pit", 0x40, 4);
  port(d(11), "pcspk", 0x61, 1);
  port(d(12), "fdc", 0x3f1, 5);
  port(d(12), "fdc", 0x3f7, 1);
  port(d(13), "i8042-data", 0x60, 1);
  port(d(13), "i8042-cmd", 0x64, 1);
  port(d(14), "vmport", 0x5658, 1);
  port(d(16), "port92", 0x92, 1);
  port(undefined, "ioport80", 0x80, 1);
  port(undefined, "ioportF0", 0xf0, 1);
  for (const [addr, size] of [
    [0x1f0, 8],
    [0x3f6, 1],
    [0x170, 8],
    [0x376, 1],
  ] as const) {
    port(undefined, "ide", addr, size);
  }
  port(fwcfg, "fwcfg", 0x510, 2);
  port(fwcfg, "fwcfg.dma", 0x514, 8);
  // PIIX4 PM: its ACPI block sits in a container that stays disabled until the guest sets PMBA.
  port(d(18), "apm-io", 0xb2, 2);
  const pm = memoryRegionInit(d(18), "piix4-pm", 64);
  memoryRegionSetEnabled(pm, false);
  memoryRegionAddSubregion(io, 0, pm);
  memoryRegionAddSubregion(pm, 0, memoryRegionInitIo(d(18), echoOps, log, "acpi-evt", 4));
  memoryRegionAddSubregion(pm, 4, memoryRegionInitIo(d(18), echoOps, log, "acpi-cnt", 2));
  memoryRegionAddSubregion(pm, 8, memoryRegionInitIo(d(18), echoOps, log, "acpi-tmr", 4));
  port(d(18), "acpi-pci-hotplug", 0xae00, 0x18);
  port(d(18), "acpi-cpu-hotplug", 0xaf00, 0x20);
  port(d(18), "acpi-gpe0", 0xafe0, 4);
  port(d(18), "pm-smbus", 0xb100, 0x40);
  return { devices, ram, pci, bios, log };
}
