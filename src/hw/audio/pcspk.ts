/**
 * The PC speaker (QEMU 7.2's hw/audio/pcspk.c, type `isa-pcspk`) at port 0x61: bit 0 gates PIT
 * channel 2, bit 1 enables the speaker, bit 4 toggles with each read (the refresh clock
 * firmware polls) and bit 5 is channel 2's output. The PIT is given through the `pit` link.
 */
import { linkProperty } from "../../qom/link.js";
import type { TypeInfo } from "../../qom/type.js";
import type { DeviceClass } from "../core/qdev.js";
import { defineProp, describedStringKind, deviceClassSetProps, propKinds, type PropertyKind } from "../core/qdev-properties.js";
import {
  allowSetLinkBeforeRealize,
  ioRegionNew,
  IsaDevice,
  isaRealizeAndUnref,
  isaRegisterIoport,
  TYPE_ISA_DEVICE,
  type IoRegion,
  type IsaBus,
} from "../isa/isa-bus.js";
import { pitGetChannelInfo, PitCommonState, pitSetGate, TYPE_PIT_COMMON } from "../timer/i8254-common.js";

export const TYPE_PC_SPEAKER = "isa-pcspk";
const PCSPK_IO_BASE = 0x61;

export class PcSpkState extends IsaDevice {
  iobase = PCSPK_IO_BASE;
  audiodev: string | undefined;
  migrate = true;
  pit: PitCommonState | undefined;
  dataOn = 0;
  dummyRefreshClock = 0;
  ioport: IoRegion | undefined;
}

function pcspkRead(s: PcSpkState): number {
  s.dummyRefreshClock ^= 1 << 4;
  const ch = s.pit ? pitGetChannelInfo(s.pit, 2) : { gate: 0, out: 0 };
  return ch.gate | (s.dataOn << 1) | s.dummyRefreshClock | (ch.out << 5);
}

/** Bit 0 gates PIT channel 2, bit 1 is the speaker data enable (no audio backend here). */
function pcspkWrite(s: PcSpkState, val: number): void {
  s.dataOn = (val >> 1) & 1;
  if (s.pit) pitSetGate(s.pit, 2, val & 1);
}

function pcspkInstanceInit(s: PcSpkState): void {
  s.ioport = ioRegionNew(s, "pcspk", 1, {
    read: () => pcspkRead(s),
    write: (_a, v) => pcspkWrite(s, v),
    impl: { minAccessSize: 1, maxAccessSize: 1 },
  });
  s.addProperty(
    linkProperty(
      "pit",
      TYPE_PIT_COMMON,
      { get: () => s.pit, set: (_o, t) => (s.pit = t as PitCommonState | undefined) },
      { check: allowSetLinkBeforeRealize },
    ),
  );
}

/** QEMU's pcspk_init: links the speaker (made with isaNew at machine creation) to the PIT and realizes it. */
export function pcspkInit(pcspk: PcSpkState, bus: IsaBus, pit: PitCommonState): void {
  pcspk.setPropertyJson("pit", pit.canonicalPath ?? "");
  isaRealizeAndUnref(pcspk, bus);
}

/** DEFINE_PROP_BOOL has no description (DEFINE_PROP_BIT's is "on/off"). */
const plainBool: PropertyKind<boolean> = { type: "bool", read: (v, n) => v.typeBool(n), write: (x) => x };

export const pcspkTypeInfo: TypeInfo<PcSpkState, DeviceClass> = {
  name: TYPE_PC_SPEAKER,
  parent: TYPE_ISA_DEVICE,
  instance: PcSpkState,
  instanceInit: pcspkInstanceInit,
  classInit: (k) => {
    k.categories = new Set([...k.categories, "sound"]);
    k.userCreatable = false;
    k.realize = (d) => {
      const s = d as PcSpkState;
      if (s.ioport) isaRegisterIoport(s, s.ioport, s.iobase);
    };
    deviceClassSetProps(k, [
      defineProp("audiodev", "audiodev", describedStringKind("ID of an audiodev to use as a backend")),
      defineProp("iobase", "iobase", propKinds.uint32, PCSPK_IO_BASE),
      defineProp("migrate", "migrate", plainBool, true),
    ]);
  },
};
