// A stand-in firmware directory for tests that build PC machines without running them: QEMU
// only needs a readable image whose size is a multiple of 64 KiB to build the board.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export function fakeFirmwareDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "qomd-fw-"));
  for (const name of ["bios-256k.bin", "bios.bin"]) writeFileSync(join(dir, name), Buffer.alloc(name === "bios.bin" ? 128 * 1024 : 256 * 1024));
  // Option ROMs of the PCI devices tests create (their sizes round up the ROM BARs).
  for (const name of ["efi-e1000.rom", "efi-e1000e.rom", "efi-virtio.rom", "vgabios-stdvga.bin", "vgabios-cirrus.bin"]) {
    writeFileSync(join(dir, name), Buffer.alloc(64 * 1024));
  }
  return dir;
}
