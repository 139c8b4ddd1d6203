/**
 * The AML of the PC's ISA devices (QEMU 7.2's build_aml callbacks of i8042, isa-fdc,
 * mc146818rtc, isa-serial and isa-parallel), placed under the PIIX3's slot in the DSDT in the
 * order of the ISA bus's children (newest first, as QEMU's bus lists them).
 */
import { Aml, amlBuffer, amlDevice, amlEisaid, amlInt, amlNameDecl, amlPackage } from "./aml-build.js";
import { amlDmaCompat8, amlIo, amlIrqNoFlags, amlResourceTemplate } from "./aml-resources.js";

export type IsaAmlDevice =
  | { kind: "i8042"; kbdIrq: number; mouseIrq: number }
  | { kind: "fdc"; driveTypes: readonly string[] }
  | { kind: "rtc"; iobase: number; irq: number }
  | { kind: "serial"; index: number; iobase: number; irq: number }
  | { kind: "parallel"; index: number; iobase: number; irq: number };

function crs(...items: Aml[]): Aml {
  const t = amlResourceTemplate();
  for (const i of items) t.append(i);
  return amlNameDecl("_CRS", t);
}

function dev(name: string, ...items: Aml[]): Aml {
  const d = amlDevice(name);
  for (const i of items) d.append(i);
  return d;
}

/**
 * Per drive type: the CMOS type and the largest cylinder, sector and head numbers of the formats
 * QEMU's fd_formats lists for it (the drive's limits, whatever medium is in it).
 */
const FD_LIMITS: Readonly<Record<string, readonly [number, number, number, number] | undefined>> = {
  "144": [4, 82, 24, 1],
  "288": [5, 79, 48, 1],
  "120": [2, 82, 20, 1],
};

/** A drive's FLPx device with its _FDI; the int 13h parameters are SeaBIOS's fixed ones. */
function floppyDrive(unit: number, [cmos, maxc, maxs, maxh]: readonly [number, number, number, number]): Aml {
  const fdi = amlPackage(16);
  for (const v of [unit, cmos, maxc, maxs, maxh, 0xaf, 0x02, 0x25, 0x02, 0x12, 0x1b, 0xff, 0x6c, 0xf6, 0x0f, 0x08]) fdi.append(amlInt(v));
  return dev(`FLP${String.fromCharCode(0x41 + unit)}`, amlNameDecl("_ADR", amlInt(unit)), amlNameDecl("_FDI", fdi));
}

export function amlIsaDevice(d: IsaAmlDevice): Aml[] {
  switch (d.kind) {
    case "i8042":
      return [
        dev("KBD", amlNameDecl("_HID", amlEisaid("PNP0303")), amlNameDecl("_STA", amlInt(0xf)), crs(amlIo(true, 0x60, 0x60, 1, 1), amlIo(true, 0x64, 0x64, 1, 1), amlIrqNoFlags(d.kbdIrq))),
        dev("MOU", amlNameDecl("_HID", amlEisaid("PNP0F13")), amlNameDecl("_STA", amlInt(0xf)), crs(amlIrqNoFlags(d.mouseIrq))),
      ];
    case "fdc": {
      // _FDE: a DWord per drive (present or not) for four drives, then "tape drive: unknown" (2).
      const fde: number[] = [];
      for (let i = 0; i < 4; i++) fde.push(FD_LIMITS[d.driveTypes[i] ?? "none"] ? 1 : 0, 0, 0, 0);
      fde.push(2, 0, 0, 0);
      const drives = d.driveTypes.flatMap((t, i) => (FD_LIMITS[t] ? [floppyDrive(i, FD_LIMITS[t])] : []));
      return [
        dev(
          "FDC0",
          amlNameDecl("_HID", amlEisaid("PNP0700")),
          crs(amlIo(true, 0x3f2, 0x3f2, 0x00, 0x04), amlIo(true, 0x3f7, 0x3f7, 0x00, 0x01), amlIrqNoFlags(6), amlDmaCompat8(2)),
          ...drives,
          amlNameDecl("_FDE", amlBuffer(fde)),
        ),
      ];
    }
    case "rtc":
      return [dev("RTC", amlNameDecl("_HID", amlEisaid("PNP0B00")), crs(amlIo(true, d.iobase, d.iobase, 0x01, 0x08), amlIrqNoFlags(d.irq)))];
    case "serial":
      return [
        dev(
          `COM${d.index + 1}`,
          amlNameDecl("_HID", amlEisaid("PNP0501")),
          amlNameDecl("_UID", amlInt(d.index + 1)),
          amlNameDecl("_STA", amlInt(0xf)),
          crs(amlIo(true, d.iobase, d.iobase, 0x00, 0x08), amlIrqNoFlags(d.irq)),
        ),
      ];
    case "parallel":
      return [
        dev(
          `LPT${d.index + 1}`,
          amlNameDecl("_HID", amlEisaid("PNP0400")),
          amlNameDecl("_UID", amlInt(d.index + 1)),
          amlNameDecl("_STA", amlInt(0xf)),
          crs(amlIo(true, d.iobase, d.iobase, 0x08, 0x08), amlIrqNoFlags(d.irq)),
        ),
      ];
  }
}
