/**
 * The DSDT of QEMU 7.2's Q35 machine (hw/i386/acpi-build.c, build_dsdt for ICH9), sharing the
 * i440FX pieces and adding Q35's own: PCI0 as a PCI Express root with _OSC, the interrupt model
 * switch (_PIC), routing tables for the PIC (PRTP, through the eight LNKx PIRQ links) and the
 * APIC (PRTA, through the GSIx links), and the root bus devices that describe themselves (the
 * LPC bridge with its PIRQ registers and ISA devices, the SMBus controller). Q35's root bus has
 * no ACPI hotplug slots.
 */
import {
  Aml, amlAnd, amlArg, amlCreateDwordField, amlDevice, amlEisaid, amlElse, amlEqual, amlIf, amlInt, amlLnot, amlLocal,
  amlMethod, amlName, amlNameDecl, amlOr, amlPackage, amlReturn, amlScope, amlStore, amlString, amlTouuid,
} from "./aml-build.js";
import { amlDwordMemory, amlInterrupt, amlResourceTemplate } from "./aml-resources.js";
import { amlCpuHotplug } from "./aml-cpu-hotplug.js";
import { amlPciHotplugGpe, amlPciHotplugRegisters } from "./aml-pci-hotplug.js";
import { debugAml, fwCfgAml, hpetAml, linkDevice, pci0Resources, sleepStates, type PcDsdtInfo } from "./dsdt-pc.js";

/** A root bus device that appears in the DSDT: its devfn and its own AML. */
export interface Q35RootDevice {
  devfn: number;
  aml: Aml[];
}

export interface Q35DsdtInfo extends Omit<PcDsdtInfo, "slots"> {
  rootDevices: readonly Q35RootDevice[];
  /** The MMCONFIG window, once the firmware has mapped it. */
  mcfg: { base: number; size: number } | undefined;
}

/** _OSC: the OS may control native hotplug, PME, AER and the capability structure, not SHPC. */
function osc(): Aml {
  const m = amlMethod("_OSC", 4, "notserialized");
  const cdw1 = amlName("CDW1");
  m.append(amlCreateDwordField(amlArg(3), amlInt(0), "CDW1"));
  const ifUuid = amlIf(amlEqual(amlArg(0), amlTouuid("33DB4D5B-1FF7-401C-9657-7441C03DD766")));
  ifUuid.append(amlCreateDwordField(amlArg(3), amlInt(4), "CDW2"));
  ifUuid.append(amlCreateDwordField(amlArg(3), amlInt(8), "CDW3"));
  ifUuid.append(amlStore(amlName("CDW3"), amlLocal(0)));
  ifUuid.append(amlAnd(amlLocal(0), amlInt(0x1e), amlLocal(0)));
  ifUuid.append(amlIf(amlLnot(amlEqual(amlArg(1), amlInt(1)))).append(amlOr(cdw1, amlInt(0x08), cdw1)));
  ifUuid.append(amlIf(amlLnot(amlEqual(amlName("CDW3"), amlLocal(0)))).append(amlOr(cdw1, amlInt(0x10), cdw1)));
  ifUuid.append(amlStore(amlLocal(0), amlName("CDW3")));
  m.append(ifUuid);
  m.append(amlElse().append(amlOr(cdw1, amlInt(0x04), cdw1)));
  m.append(amlReturn(amlArg(3)));
  return m;
}

/** DRAC: the MMCONFIG window as a motherboard resource, so the OS keeps off it. */
function mmconfigDevice(mcfg: { base: number; size: number }): Aml {
  const dev = amlDevice("DRAC");
  dev.append(amlNameDecl("_HID", amlString("PNP0C01")));
  dev.append(amlNameDecl("_CRS", amlResourceTemplate().append(amlDwordMemory(false, mcfg.base, mcfg.base + mcfg.size - 1, mcfg.size))));
  return dev;
}

function pci0Device(mcfg: Q35DsdtInfo["mcfg"]): Aml {
  const dev = amlDevice("PCI0");
  dev.append(amlNameDecl("_HID", amlEisaid("PNP0A08")));
  dev.append(amlNameDecl("_CID", amlEisaid("PNP0A03")));
  dev.append(amlNameDecl("_ADR", amlInt(0)));
  dev.append(amlNameDecl("_UID", amlInt(0)));
  dev.append(osc());
  const sb = amlScope("_SB").append(dev);
  if (mcfg) sb.append(mmconfigDevice(mcfg));
  return sb;
}

/** The ICH9 link a slot's pin uses: slots up to 24 rotate over E–H; 25–31 follow the D25IR… defaults. */
function q35Link(slot: number, pin: number): string {
  if (slot <= 24) return "EFGH"[(slot + pin) % 4]!;
  return slot === 30 ? "EFGH"[pin]! : "ABCD"[pin]!;
}

function routingTable(name: string, prefix: string): Aml {
  const pkg = amlPackage(128);
  for (let slot = 0; slot < 32; slot++) {
    for (let pin = 0; pin < 4; pin++) {
      pkg.append(amlPackage(4).append(amlInt(slot * 0x10000 + 0xffff)).append(amlInt(pin)).append(amlName(`${prefix}${q35Link(slot, pin)}`)).append(amlInt(0)));
    }
  }
  return amlNameDecl(name, pkg);
}

function gsiLink(i: number): Aml {
  const dev = amlDevice(`GSI${"ABCDEFGH"[i]!}`);
  const irq = () => amlResourceTemplate().append(amlInterrupt(true, [0x10 + i]));
  dev.append(amlNameDecl("_HID", amlEisaid("PNP0C0F")));
  dev.append(amlNameDecl("_UID", amlInt(0x10 + i)));
  dev.append(amlNameDecl("_PRS", irq()));
  dev.append(amlNameDecl("_CRS", irq()));
  dev.append(amlMethod("_DIS", 0, "notserialized"));
  dev.append(amlMethod("_SRS", 1, "notserialized"));
  return dev;
}

/** build_q35_pci0_int: PRTP/PRTA with _PRT choosing by PICF, IQST/IQCR, LNKA…LNKH and GSIA…GSIH. */
function interruptRouting(): Aml {
  const sb = amlScope("_SB");
  const pci0 = amlScope("PCI0");
  pci0.append(routingTable("PRTP", "LNK"));
  pci0.append(routingTable("PRTA", "GSI"));
  const prt = amlMethod("_PRT", 0, "notserialized");
  prt.append(amlIf(amlEqual(amlName("PICF"), amlInt(0))).append(amlReturn(amlName("PRTP"))));
  prt.append(amlElse().append(amlReturn(amlName("PRTA"))));
  pci0.append(prt);
  sb.append(pci0);
  const iqst = amlMethod("IQST", 1, "notserialized");
  iqst.append(amlIf(amlAnd(amlInt(0x80), amlArg(0))).append(amlReturn(amlInt(0x09))));
  iqst.append(amlReturn(amlInt(0x0b)));
  sb.append(iqst);
  const iqcr = amlMethod("IQCR", 1, "serialized");
  iqcr.append(amlNameDecl("PRR0", amlResourceTemplate().append(amlInterrupt(true, [0]))));
  iqcr.append(amlCreateDwordField(amlName("PRR0"), amlInt(5), "PRRI"));
  iqcr.append(amlStore(amlAnd(amlArg(0), amlInt(0x0f)), amlName("PRRI")));
  iqcr.append(amlReturn(amlName("PRR0")));
  sb.append(iqcr);
  for (let i = 0; i < 8; i++) sb.append(linkDevice(`LNK${"ABCDEFGH"[i]!}`, i, `PRQ${"ABCDEFGH"[i]!}`));
  for (let i = 0; i < 8; i++) sb.append(gsiLink(i));
  return sb;
}

/** The root bus devices with their AML, then an empty PCNT (no hotplug slots on pcie.0). */
function rootBus(devices: readonly Q35RootDevice[]): Aml {
  const pci0 = amlScope("PCI0");
  for (const d of devices) {
    const dev = amlDevice(`S${d.devfn.toString(16).toUpperCase().padStart(2, "0")}`);
    dev.append(amlNameDecl("_ADR", amlInt(((d.devfn >> 3) << 16) | (d.devfn & 7))));
    for (const a of d.aml) dev.append(a);
    pci0.append(dev);
  }
  pci0.append(amlMethod("PCNT", 0, "notserialized"));
  return amlScope("\\_SB").append(pci0);
}

export function buildQ35DsdtBody(info: Q35DsdtInfo): number[] {
  const pcInfo: PcDsdtInfo = { ...info, slots: [], ...(info.mcfg ? { pciHoleUsed: [[info.mcfg.base, info.mcfg.base + info.mcfg.size - 1]] } : {}) };
  const pic = amlMethod("_PIC", 1, "notserialized").append(amlStore(amlArg(0), amlName("PICF")));
  const terms: Aml[] = [debugAml(), pci0Device(info.mcfg), amlPciHotplugRegisters(info.pciHotplugIoBase), amlNameDecl("PICF", amlInt(0)), pic, interruptRouting()];
  if (info.hpet) terms.push(hpetAml());
  terms.push(amlScope("_GPE").append(amlNameDecl("_HID", amlString("ACPI0006"))));
  terms.push(...amlCpuHotplug(info.cpus, info.cpuHotplugIoBase));
  terms.push(pci0Resources(pcInfo), sleepStates(pcInfo), fwCfgAml(info.fwCfgDma), rootBus(info.rootDevices), amlPciHotplugGpe());
  return terms.flatMap((t) => t.encode());
}
