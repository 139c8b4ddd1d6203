/**
 * The PC firmware (QEMU's x86_bios_rom_init in hw/i386/x86.c): the BIOS image found in the data
 * directories is mapped at the top of the 4 GiB space, and its last 128 KiB again below 1 MiB
 * (`isa-bios`), read-only on PCI machines.
 */
import { accessSync, constants, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  memoryRegionAddSubregion,
  memoryRegionAddSubregionOverlap,
  memoryRegionGetRamPtr,
  memoryRegionInitAlias,
  memoryRegionInitRam,
  memoryRegionSetReadonly,
  type MemoryRegion,
} from "../../exec/memory.js";
import { QomError } from "../../qom/error.js";
import type { MachineState } from "../core/machine.js";

/** Where Debian's QEMU looks for firmware after any -L directories (its firmware path, then its data directory). */
export const DEFAULT_FIRMWARE_DIRS = ["/usr/share/qemu", "/usr/share/seabios", "/usr/lib/ipxe/qemu"];

function readable(path: string): boolean {
  try {
    accessSync(path, constants.R_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** QEMU's qemu_find_file for firmware: the name as a path, then each data directory. */
export function findFirmwareFile(name: string, dataDirs: readonly string[]): string | undefined {
  if (readable(name)) return name;
  for (const dir of [...dataDirs, ...DEFAULT_FIRMWARE_DIRS]) {
    const path = join(dir, name);
    if (readable(path)) return path;
  }
  return undefined;
}

function biosError(name: string): QomError {
  const err = new QomError(`qemu: could not load PC BIOS '${name}'`);
  err.verbatim = true;
  return err;
}

export function loadFirmware(ms: MachineState, romMemory: MemoryRegion, isapcRamFw: boolean): void {
  const name = ms.firmware || "bios.bin";
  const path = findFirmwareFile(name, ms.dataDirs);
  const image = path ? readFileSync(path) : undefined;
  if (!image || image.length === 0 || image.length % 65536 !== 0) throw biosError(name);

  const bios = memoryRegionInitRam(ms.registry, "pc.bios", image.length);
  const { bytes, offset } = memoryRegionGetRamPtr(bios);
  bytes.set(image, offset);
  if (!isapcRamFw) memoryRegionSetReadonly(bios, true);

  const isaBiosSize = Math.min(image.length, 128 * 1024);
  const isaBios = memoryRegionInitAlias(ms.registry, "isa-bios", bios, image.length - isaBiosSize, isaBiosSize);
  memoryRegionAddSubregionOverlap(romMemory, 0x100000 - isaBiosSize, isaBios, 1);
  if (!isapcRamFw) memoryRegionSetReadonly(isaBios, true);
  memoryRegionAddSubregion(romMemory, 2 ** 32 - image.length, bios);
}
