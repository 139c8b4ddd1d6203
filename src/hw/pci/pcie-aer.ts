/**
 * The Advanced Error Reporting extended capability as QEMU 7.2's pcie_aer_init sets it up for
 * a function without an error log: which errors exist, their default severity and mask, ECRC
 * generation and checking capable. Error injection and signalling are not modelled.
 */
import { pciOrLong, pciSetLong } from "./pci-config.js";
import type { PCIDevice } from "./pci.js";
import { PCI_EXT_CAP_ID_ERR, pcieAddCapability } from "./pcie.js";

export const PCI_ERR_VER = 2;
export const PCI_ERR_SIZEOF = 0x48;
export const PCI_ERR_UNCOR_STATUS = 0x04;
export const PCI_ERR_UNCOR_MASK = 0x08;
export const PCI_ERR_UNCOR_SEVER = 0x0c;
export const PCI_ERR_COR_STATUS = 0x10;
export const PCI_ERR_COR_MASK = 0x14;
export const PCI_ERR_CAP = 0x18;

const PCI_ERR_UNC_DLP = 0x00000010;
const PCI_ERR_UNC_SDN = 0x00000020;
const PCI_ERR_UNC_POISON_TLP = 0x00001000;
const PCI_ERR_UNC_FCP = 0x00002000;
const PCI_ERR_UNC_COMP_TIME = 0x00004000;
const PCI_ERR_UNC_COMP_ABORT = 0x00008000;
const PCI_ERR_UNC_UNX_COMP = 0x00010000;
const PCI_ERR_UNC_RX_OVER = 0x00020000;
const PCI_ERR_UNC_MALF_TLP = 0x00040000;
const PCI_ERR_UNC_ECRC = 0x00080000;
const PCI_ERR_UNC_UNSUP = 0x00100000;
const PCI_ERR_UNC_ACSV = 0x00200000;
const PCI_ERR_UNC_INTN = 0x00400000;
const PCI_ERR_UNC_MCBTLP = 0x00800000;
const PCI_ERR_UNC_ATOP_EBLOCKED = 0x01000000;
const PCI_ERR_UNC_TLP_PRF_BLOCKED = 0x02000000;
const PCI_ERR_COR_RCVR = 0x00000001;
const PCI_ERR_COR_BAD_TLP = 0x00000040;
const PCI_ERR_COR_BAD_DLLP = 0x00000080;
const PCI_ERR_COR_REP_ROLL = 0x00000100;
const PCI_ERR_COR_REP_TIMER = 0x00001000;
const PCI_ERR_COR_ADV_NONFATAL = 0x00002000;
const PCI_ERR_COR_INTERNAL = 0x00004000;
const PCI_ERR_COR_HL_OVERFLOW = 0x00008000;
export const PCI_ERR_CAP_ECRC_GENC = 0x00000020;
export const PCI_ERR_CAP_ECRC_GENE = 0x00000040;
export const PCI_ERR_CAP_ECRC_CHKC = 0x00000080;
export const PCI_ERR_CAP_ECRC_CHKE = 0x00000100;

export const PCI_ERR_UNC_SUPPORTED =
  PCI_ERR_UNC_DLP |
  PCI_ERR_UNC_SDN |
  PCI_ERR_UNC_POISON_TLP |
  PCI_ERR_UNC_FCP |
  PCI_ERR_UNC_COMP_TIME |
  PCI_ERR_UNC_COMP_ABORT |
  PCI_ERR_UNC_UNX_COMP |
  PCI_ERR_UNC_RX_OVER |
  PCI_ERR_UNC_MALF_TLP |
  PCI_ERR_UNC_ECRC |
  PCI_ERR_UNC_UNSUP |
  PCI_ERR_UNC_ACSV |
  PCI_ERR_UNC_INTN |
  PCI_ERR_UNC_MCBTLP |
  PCI_ERR_UNC_ATOP_EBLOCKED |
  PCI_ERR_UNC_TLP_PRF_BLOCKED;

export const PCI_ERR_UNC_SEVERITY_DEFAULT =
  PCI_ERR_UNC_DLP | PCI_ERR_UNC_SDN | PCI_ERR_UNC_FCP | PCI_ERR_UNC_RX_OVER | PCI_ERR_UNC_MALF_TLP | PCI_ERR_UNC_INTN;

export const PCI_ERR_COR_SUPPORTED =
  PCI_ERR_COR_RCVR |
  PCI_ERR_COR_BAD_TLP |
  PCI_ERR_COR_BAD_DLLP |
  PCI_ERR_COR_REP_ROLL |
  PCI_ERR_COR_REP_TIMER |
  PCI_ERR_COR_ADV_NONFATAL |
  PCI_ERR_COR_INTERNAL |
  PCI_ERR_COR_HL_OVERFLOW;

export const PCI_ERR_COR_MASK_DEFAULT = PCI_ERR_COR_ADV_NONFATAL | PCI_ERR_COR_INTERNAL | PCI_ERR_COR_HL_OVERFLOW;

const aerCaps = new WeakMap<PCIDevice, number>();

export function pcieAerCapOffset(dev: PCIDevice): number | undefined {
  return aerCaps.get(dev);
}

/**
 * QEMU's pcie_aer_init for an endpoint with no header log (`aer_log_max` 0, which only ports
 * change): status bits write-1-to-clear, severity and correctable mask programmable, ECRC
 * generation and checking capable and enableable.
 */
export function pcieAerInit(dev: PCIDevice, version: number, offset: number, size: number): void {
  pcieAddCapability(dev, PCI_EXT_CAP_ID_ERR, version, offset, size);
  aerCaps.set(dev, offset);
  pciSetLong(dev.w1cmask, offset + PCI_ERR_UNCOR_STATUS, PCI_ERR_UNC_SUPPORTED);
  pciSetLong(dev.config, offset + PCI_ERR_UNCOR_SEVER, PCI_ERR_UNC_SEVERITY_DEFAULT);
  pciSetLong(dev.wmask, offset + PCI_ERR_UNCOR_SEVER, PCI_ERR_UNC_SUPPORTED);
  pciOrLong(dev.w1cmask, offset + PCI_ERR_COR_STATUS, PCI_ERR_COR_SUPPORTED);
  pciSetLong(dev.config, offset + PCI_ERR_COR_MASK, PCI_ERR_COR_MASK_DEFAULT);
  pciSetLong(dev.wmask, offset + PCI_ERR_COR_MASK, PCI_ERR_COR_SUPPORTED);
  pciSetLong(dev.config, offset + PCI_ERR_CAP, PCI_ERR_CAP_ECRC_GENC | PCI_ERR_CAP_ECRC_CHKC);
  pciSetLong(dev.wmask, offset + PCI_ERR_CAP, PCI_ERR_CAP_ECRC_GENE | PCI_ERR_CAP_ECRC_CHKE);
}

/** QEMU's pcie_aer_exit. */
export function pcieAerExit(dev: PCIDevice): void {
  aerCaps.delete(dev);
}
