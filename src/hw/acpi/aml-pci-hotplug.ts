/**
 * The ACPI PCI hotplug AML of QEMU 7.2's PIIX4 machines (hw/acpi/pcihp.c's register block as
 * hw/i386/acpi-build.c describes it): the PCST/SEJ/BNMR registers with the PCEJ, AIDX and PDSM
 * methods, one `Sxx` device per root bus slot with the hotplug notifier DVNT and PCNT, and the
 * GPE.1 handler that calls it.
 */
import {
  Aml, amlAcquire, amlArg, amlBuffer, amlCall, amlDerefOf, amlDevice, amlEqual, amlField, amlIf, amlIndex, amlInt,
  amlLless, amlLnot, amlLocal, amlLor, amlMethod, amlMutex, amlName, amlNameDecl, amlNamedField, amlNotify,
  amlOperationRegion, amlOr, amlAnd, amlPackage, amlRelease, amlReturn, amlScope, amlShiftleft, amlStore, amlString, amlTouuid,
} from "./aml-build.js";

/** PCST (up/down), SEJ (eject) and BNMR (bus select, ACPI index) behind the hotplug base. */
export function amlPciHotplugRegisters(ioBase: number): Aml {
  const scope = amlScope("_SB.PCI0");
  scope.append(amlOperationRegion("PCST", "system-io", amlInt(ioBase), 0x08));
  scope.append(amlField("PCST", "dword", "nolock", "write-as-zeros").append(amlNamedField("PCIU", 32)).append(amlNamedField("PCID", 32)));
  scope.append(amlOperationRegion("SEJ", "system-io", amlInt(ioBase + 0x08), 0x04));
  scope.append(amlField("SEJ", "dword", "nolock", "write-as-zeros").append(amlNamedField("B0EJ", 32)));
  scope.append(amlOperationRegion("BNMR", "system-io", amlInt(ioBase + 0x10), 0x08));
  scope.append(amlField("BNMR", "dword", "nolock", "write-as-zeros").append(amlNamedField("BNUM", 32)).append(amlNamedField("PIDX", 32)));
  scope.append(amlMutex("BLCK", 0));

  const pcej = amlMethod("PCEJ", 2, "notserialized");
  pcej.append(amlAcquire(amlName("BLCK"), 0xffff));
  pcej.append(amlStore(amlArg(0), amlName("BNUM")));
  pcej.append(amlStore(amlShiftleft(amlInt(1), amlArg(1)), amlName("B0EJ")));
  pcej.append(amlRelease(amlName("BLCK")));
  pcej.append(amlReturn(amlInt(0)));
  scope.append(pcej);

  const aidx = amlMethod("AIDX", 2, "notserialized");
  aidx.append(amlAcquire(amlName("BLCK"), 0xffff));
  aidx.append(amlStore(amlArg(0), amlName("BNUM")));
  aidx.append(amlStore(amlShiftleft(amlInt(1), amlArg(1)), amlName("PIDX")));
  aidx.append(amlStore(amlName("PIDX"), amlLocal(0)));
  aidx.append(amlRelease(amlName("BLCK")));
  aidx.append(amlReturn(amlLocal(0)));
  scope.append(aidx);
  scope.append(pdsm());
  return scope;
}

/** PDSM: the PCI Device Labeling _DSM (functions 0 and 7) every slot's _DSM calls. */
function pdsm(): Aml {
  const m = amlMethod("PDSM", 5, "serialized");
  const acpiIndex = () => amlStore(amlCall("AIDX", amlDerefOf(amlIndex(amlArg(4), amlInt(0))), amlDerefOf(amlIndex(amlArg(4), amlInt(1)))), amlLocal(2));

  const fn0 = amlIf(amlEqual(amlArg(2), amlInt(0)));
  fn0.append(amlStore(amlBuffer([0x00]), amlLocal(0)));
  fn0.append(amlStore(amlInt(0), amlLocal(1)));
  fn0.append(amlIf(amlLnot(amlEqual(amlArg(0), amlTouuid("E5C937D0-3553-4D7A-9117-EA4D19C3434D")))).append(amlReturn(amlLocal(0))));
  fn0.append(amlIf(amlLless(amlArg(1), amlInt(2))).append(amlReturn(amlLocal(0))));
  fn0.append(acpiIndex());
  const has = amlIf(amlLnot(amlOr(amlEqual(amlLocal(2), amlInt(0)), amlEqual(amlLocal(2), amlInt(0xffffffff)))));
  has.append(amlOr(amlLocal(1), amlInt(1), amlLocal(1)));
  has.append(amlOr(amlLocal(1), amlShiftleft(amlInt(1), amlInt(7)), amlLocal(1)));
  fn0.append(has);
  fn0.append(amlStore(amlLocal(1), amlIndex(amlLocal(0), amlInt(0))));
  fn0.append(amlReturn(amlLocal(0)));
  m.append(fn0);

  const fn7 = amlIf(amlEqual(amlArg(2), amlInt(7)));
  fn7.append(acpiIndex());
  fn7.append(amlStore(amlPackage(2), amlLocal(0)));
  const set = amlIf(amlLnot(amlLor(amlEqual(amlLocal(2), amlInt(0)), amlEqual(amlLocal(2), amlInt(0xffffffff)))));
  set.append(amlStore(amlLocal(2), amlIndex(amlLocal(0), amlInt(0))));
  set.append(amlStore(amlString(""), amlIndex(amlLocal(0), amlInt(1))));
  fn7.append(set);
  fn7.append(amlReturn(amlLocal(0)));
  m.append(fn7);
  return m;
}

/** What the DSDT needs to know about one devfn of the root bus. */
export interface PciSlotInfo {
  present: boolean;
  /** A VGA-class display controller (gets _S1D…_S3D). */
  vga?: boolean;
  /** qxl-vga reports D3 for S3. */
  qxl?: boolean;
  /** The device may be unplugged (QEMU: its DeviceClass is hotpluggable). */
  hotpluggable?: boolean;
  /** The device's own AML (the PIIX3's ISA devices). */
  aml?: () => Aml[];
}

function slotDsm(): Aml {
  const m = amlMethod("_DSM", 4, "serialized");
  const pkg = amlPackage(2).append(amlName("BSEL")).append(amlName("ASUN"));
  m.append(amlStore(pkg, amlLocal(0)));
  m.append(amlReturn(amlCall("PDSM", amlArg(0), amlArg(1), amlArg(2), amlArg(3), amlLocal(0))));
  return m;
}

/**
 * The root bus's slots (QEMU's build_append_pci_bus_devices with BSEL 0): function 0 of each
 * slot, present or not; empty and hotpluggable slots get _SUN/_EJ0 and a DVNT entry.
 */
export function amlPciBusDevices(slots: ReadonlyArray<PciSlotInfo | undefined>): Aml {
  const sb = amlScope("\\_SB");
  const pci0 = amlScope("PCI0");
  pci0.append(amlNameDecl("BSEL", amlInt(0)));
  const dvnt = amlMethod("DVNT", 2, "notserialized");
  for (let devfn = 0; devfn < 256; devfn += 8) {
    const slot = devfn >> 3;
    const info = slots[devfn];
    const dev = amlDevice(`S${devfn.toString(16).toUpperCase().padStart(2, "0")}`);
    dev.append(amlNameDecl("_ADR", amlInt(slot << 16)));
    dev.append(amlNameDecl("ASUN", amlInt(slot)));
    dev.append(slotDsm());
    if (info?.present && info.vga) {
      for (const [name, v] of [["_S1D", 0], ["_S2D", 0], ["_S3D", info.qxl ? 3 : 0]] as const) {
        dev.append(amlMethod(name, 0, "notserialized").append(amlReturn(amlInt(v))));
      }
    }
    if (!info?.present || info.hotpluggable) {
      dev.append(amlNameDecl("_SUN", amlInt(slot)));
      dev.append(amlMethod("_EJ0", 1, "notserialized").append(amlCall("PCEJ", amlName("BSEL"), amlName("_SUN"))));
      const name = `S${devfn.toString(16).toUpperCase().padStart(2, "0")}`;
      dvnt.append(amlIf(amlAnd(amlArg(0), amlInt(2 ** slot))).append(amlNotify(amlName(name), amlArg(1))));
    }
    for (const a of info?.aml?.() ?? []) dev.append(a);
    pci0.append(dev);
  }
  pci0.append(dvnt);
  const pcnt = amlMethod("PCNT", 0, "notserialized");
  pcnt.append(amlStore(amlInt(0), amlName("BNUM")));
  pcnt.append(amlCall("DVNT", amlName("PCIU"), amlInt(1)));
  pcnt.append(amlCall("DVNT", amlName("PCID"), amlInt(3)));
  pci0.append(pcnt);
  sb.append(pci0);
  return sb;
}

/** GPE.1: PCI hotplug events. */
export function amlPciHotplugGpe(): Aml {
  const gpe = amlScope("_GPE");
  const e01 = amlMethod("_E01", 0, "notserialized");
  e01.append(amlAcquire(amlName("\\_SB.PCI0.BLCK"), 0xffff));
  e01.append(amlCall("\\_SB.PCI0.PCNT"));
  e01.append(amlRelease(amlName("\\_SB.PCI0.BLCK")));
  gpe.append(e01);
  return gpe;
}

