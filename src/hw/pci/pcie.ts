/**
 * PCI Express capabilities (QEMU 7.2's hw/pci/pcie.c, the parts endpoints use): the version 1
 * PCI Express capability of an endpoint, the extended capability list in configuration space
 * from 0x100 on, and the device serial number capability.
 */
import { QomBug } from "../../qom/error.js";
import { isPcieBus } from "./pci-bus.js";
import { pciGetLong, pciGetWord, pciSetLong, pciSetQuad, pciSetWord } from "./pci-config.js";
import { pciAddCapability, PCIDevice } from "./pci.js";
import { PCI_CAP_ID_EXP, PCI_CONFIG_SPACE_SIZE, PCIE_CONFIG_SPACE_SIZE } from "./pci-regs.js";

// ---- the PCI Express capability ------------------------------------------------------------------
export const PCI_EXP_FLAGS = 0x02;
export const PCI_EXP_DEVCAP = 0x04;
export const PCI_EXP_DEVCTL = 0x08;
export const PCI_EXP_DEVSTA = 0x0a;
export const PCI_EXP_LNKCAP = 0x0c;
export const PCI_EXP_LNKCTL = 0x10;
export const PCI_EXP_LNKSTA = 0x12;
/** A version 1 capability ends after the link registers. */
export const PCI_EXP_VER1_SIZEOF = 0x14;
export const PCI_EXP_FLAGS_VER1 = 1;
export const PCI_EXP_FLAGS_TYPE = 0x00f0;
export const PCI_EXP_FLAGS_TYPE_SHIFT = 4;
export const PCI_EXP_TYPE_ENDPOINT = 0x0;
/** Root complex integrated endpoint: what an endpoint on a root bus reports. */
export const PCI_EXP_TYPE_RC_END = 0x9;
/** Role-based error reporting, which every function after PCIe 1.1 must claim. */
export const PCI_EXP_DEVCAP_RBER = 0x00008000;
export const PCI_EXP_LNKCAP_SLS = 0x0000000f;
export const PCI_EXP_LNKCAP_MLW = 0x000003f0;
export const PCI_EXP_LNKCAP_ASPMS_0S = 0x00000400;
export const PCI_EXP_LNKCAP_PN_SHIFT = 24;
export const PCI_EXP_LNKSTA_CLS = 0x000f;
export const PCI_EXP_LNKSTA_NLW_SHIFT = 4;
/** Link speed 2.5 GT/s and width x1, as QEMU's emulated links report them. */
export const QEMU_PCI_EXP_LNK_2_5GT = 1;
export const QEMU_PCI_EXP_LNK_X1 = 1;

// ---- extended capabilities -------------------------------------------------------------------------
export const PCI_EXT_CAP_ID_ERR = 0x01;
export const PCI_EXT_CAP_ID_DSN = 0x03;
export const PCI_EXT_CAP_DSN_SIZEOF = 12;
const PCI_EXT_CAP_NEXT_SHIFT = 20;

export function pciExtCap(id: number, version: number, next: number): number {
  return (id | (version << 16) | (next << PCI_EXT_CAP_NEXT_SHIFT)) >>> 0;
}

/** Where a device's PCI Express capability is (QEMU's PCIDevice.exp.exp_cap). */
const expCaps = new WeakMap<PCIDevice, number>();

export function pcieCapOffset(dev: PCIDevice): number | undefined {
  return expCaps.get(dev);
}

/** The device/port type in the capability's flags (QEMU's pcie_cap_get_type). */
export function pcieCapGetType(dev: PCIDevice): number {
  const pos = expCaps.get(dev);
  if (pos === undefined) throw new QomBug(`${dev.typeName} has no PCI Express capability`);
  return (pciGetWord(dev.config, pos + PCI_EXP_FLAGS) & PCI_EXP_FLAGS_TYPE) >> PCI_EXP_FLAGS_TYPE_SHIFT;
}

/** QEMU's pcie_cap_v1_fill: flags, device capabilities and an x1 2.5 GT/s link. */
function pcieCapV1Fill(dev: PCIDevice, pos: number, port: number, type: number, version: number): void {
  const c = dev.config;
  pciSetWord(c, pos + PCI_EXP_FLAGS, ((type << PCI_EXP_FLAGS_TYPE_SHIFT) & PCI_EXP_FLAGS_TYPE) | version);
  pciSetLong(c, pos + PCI_EXP_DEVCAP, PCI_EXP_DEVCAP_RBER);
  pciSetLong(
    c,
    pos + PCI_EXP_LNKCAP,
    ((port << PCI_EXP_LNKCAP_PN_SHIFT) | PCI_EXP_LNKCAP_ASPMS_0S | (QEMU_PCI_EXP_LNK_X1 << 4) | QEMU_PCI_EXP_LNK_2_5GT) >>> 0,
  );
  pciSetWord(c, pos + PCI_EXP_LNKSTA, (QEMU_PCI_EXP_LNK_X1 << PCI_EXP_LNKSTA_NLW_SHIFT) | QEMU_PCI_EXP_LNK_2_5GT);
  // Link status changes as hardware does; migration does not compare it.
  pciSetWord(dev.cmask, pos + PCI_EXP_LNKSTA, 0);
}

/** QEMU's pcie_cap_v1_init. Returns the capability's offset. */
export function pcieCapV1Init(dev: PCIDevice, offset: number, type: number, port: number): number {
  if (!dev.express) throw new QomBug(`${dev.typeName} is not a PCI Express device`);
  const pos = pciAddCapability(dev, PCI_CAP_ID_EXP, offset, PCI_EXP_VER1_SIZEOF);
  expCaps.set(dev, pos);
  pcieCapV1Fill(dev, pos, port, type, PCI_EXP_FLAGS_VER1);
  return pos;
}

/** True when the device sits on a PCI Express root bus (its parent is a host bridge, not a PCI bridge). */
function onPcieRootBus(dev: PCIDevice): boolean {
  const bus = dev.pciBus;
  return isPcieBus(bus) && !(bus.parentDevice instanceof PCIDevice);
}

/**
 * QEMU's pcie_endpoint_cap_v1_init: an endpoint's version 1 capability; on a root bus the
 * function is a root complex integrated endpoint, which Windows needs to start the device.
 */
export function pcieEndpointCapV1Init(dev: PCIDevice, offset: number): number {
  return pcieCapV1Init(dev, offset, onPcieRootBus(dev) ? PCI_EXP_TYPE_RC_END : PCI_EXP_TYPE_ENDPOINT, 0);
}

/**
 * The offset of the last extended capability (QEMU's pcie_find_capability_list looking for
 * no id); 0x100 when the list is empty.
 */
function lastExtCap(dev: PCIDevice): number {
  let pos = PCI_CONFIG_SPACE_SIZE;
  for (;;) {
    const next = pciGetLong(dev.config, pos) >>> PCI_EXT_CAP_NEXT_SHIFT;
    if (next < PCI_CONFIG_SPACE_SIZE) return pos;
    pos = next;
  }
}

/**
 * QEMU's pcie_add_capability: an extended capability header at `offset` (0x100 starts the list,
 * any other offset is chained after the last one); its `size` bytes become read-only.
 */
export function pcieAddCapability(dev: PCIDevice, capId: number, version: number, offset: number, size: number): void {
  if (!dev.express || offset < PCI_CONFIG_SPACE_SIZE || offset + size > PCIE_CONFIG_SPACE_SIZE || size < 8) {
    throw new QomBug(`${dev.typeName}: extended capability ${capId} at 0x${offset.toString(16)} does not fit`);
  }
  if (offset !== PCI_CONFIG_SPACE_SIZE) {
    const prev = lastExtCap(dev);
    const header = pciGetLong(dev.config, prev);
    pciSetLong(dev.config, prev, ((header & 0x000fffff) | (offset << PCI_EXT_CAP_NEXT_SHIFT)) >>> 0);
  }
  pciSetLong(dev.config, offset, pciExtCap(capId, version, 0));
  dev.wmask.fill(0, offset, offset + size);
  dev.w1cmask.fill(0, offset, offset + size);
  dev.cmask.fill(0xff, offset, offset + size);
}

/** QEMU's pcie_dev_ser_num_init: the 64-bit device serial number capability. */
export function pcieDevSerNumInit(dev: PCIDevice, offset: number, serial: bigint): void {
  pcieAddCapability(dev, PCI_EXT_CAP_ID_DSN, 1, offset, PCI_EXT_CAP_DSN_SIZEOF);
  pciSetQuad(dev.config, offset + 4, serial);
}

/** Forgets the device's PCI Express capability (QEMU's pcie_cap_exit; the space goes with the config). */
export function pcieCapExit(dev: PCIDevice): void {
  expCaps.delete(dev);
}
