/**
 * PCI configuration space layout and the identifiers qomd's devices report (the values of
 * QEMU 7.2's include/standard-headers/linux/pci_regs.h and include/hw/pci/pci_ids.h that
 * qomd uses).
 */

// ---- type 0 header offsets -----------------------------------------------------------------------
export const PCI_VENDOR_ID = 0x00;
export const PCI_DEVICE_ID = 0x02;
export const PCI_COMMAND = 0x04;
export const PCI_STATUS = 0x06;
export const PCI_REVISION_ID = 0x08;
export const PCI_CLASS_PROG = 0x09;
export const PCI_CLASS_DEVICE = 0x0a;
export const PCI_CACHE_LINE_SIZE = 0x0c;
export const PCI_LATENCY_TIMER = 0x0d;
export const PCI_HEADER_TYPE = 0x0e;
export const PCI_BIST = 0x0f;
export const PCI_BASE_ADDRESS_0 = 0x10;
export const PCI_SUBSYSTEM_VENDOR_ID = 0x2c;
export const PCI_SUBSYSTEM_ID = 0x2e;
export const PCI_ROM_ADDRESS = 0x30;
export const PCI_CAPABILITY_LIST = 0x34;
export const PCI_INTERRUPT_LINE = 0x3c;
export const PCI_INTERRUPT_PIN = 0x3d;
export const PCI_MIN_GNT = 0x3e;
export const PCI_MAX_LAT = 0x3f;

/** The expansion ROM BAR of a type 1 (bridge) header. */
export const PCI_ROM_ADDRESS1 = 0x38;

export const PCI_CONFIG_HEADER_SIZE = 0x40;
export const PCI_CONFIG_SPACE_SIZE = 0x100;
export const PCIE_CONFIG_SPACE_SIZE = 0x1000;

export const PCI_HEADER_TYPE_NORMAL = 0;
export const PCI_HEADER_TYPE_BRIDGE = 1;
export const PCI_HEADER_TYPE_MULTI_FUNCTION = 0x80;

// ---- command and status bits -----------------------------------------------------------------------
export const PCI_COMMAND_IO = 0x1;
export const PCI_COMMAND_MEMORY = 0x2;
export const PCI_COMMAND_MASTER = 0x4;
export const PCI_COMMAND_PARITY = 0x40;
export const PCI_COMMAND_SERR = 0x100;
export const PCI_COMMAND_INTX_DISABLE = 0x400;

export const PCI_STATUS_INTERRUPT = 0x08;
export const PCI_STATUS_CAP_LIST = 0x10;
export const PCI_STATUS_66MHZ = 0x20;
export const PCI_STATUS_FAST_BACK = 0x80;
export const PCI_STATUS_PARITY = 0x100;
export const PCI_STATUS_DEVSEL_MEDIUM = 0x200;
export const PCI_STATUS_SIG_TARGET_ABORT = 0x800;
export const PCI_STATUS_REC_TARGET_ABORT = 0x1000;
export const PCI_STATUS_REC_MASTER_ABORT = 0x2000;
export const PCI_STATUS_SIG_SYSTEM_ERROR = 0x4000;
export const PCI_STATUS_DETECTED_PARITY = 0x8000;

// ---- base address registers -------------------------------------------------------------------------
export const PCI_BASE_ADDRESS_SPACE_IO = 0x01;
export const PCI_BASE_ADDRESS_SPACE_MEMORY = 0x00;
export const PCI_BASE_ADDRESS_MEM_TYPE_64 = 0x04;
export const PCI_BASE_ADDRESS_MEM_PREFETCH = 0x08;
export const PCI_ROM_ADDRESS_ENABLE = 0x01;
/** BARs 0-5, then the expansion ROM as region 6. */
export const PCI_ROM_SLOT = 6;
export const PCI_NUM_REGIONS = 7;
export const PCI_BAR_UNMAPPED = -1;

// ---- capabilities --------------------------------------------------------------------------------------
export const PCI_CAP_ID_PM = 0x01;
export const PCI_CAP_ID_MSI = 0x05;
export const PCI_CAP_ID_VNDR = 0x09;
export const PCI_CAP_ID_EXP = 0x10;
export const PCI_CAP_ID_MSIX = 0x11;
export const PCI_CAP_ID_SATA = 0x12;

// ---- geometry ----------------------------------------------------------------------------------------------
export const PCI_SLOT_MAX = 32;
export const PCI_FUNC_MAX = 8;
export const PCI_DEVFN_MAX = 256;
export const PCI_NUM_PINS = 4;

export function pciDevfn(slot: number, func: number): number {
  return ((slot & 0x1f) << 3) | (func & 0x07);
}

export function pciSlot(devfn: number): number {
  return (devfn >> 3) & 0x1f;
}

export function pciFunc(devfn: number): number {
  return devfn & 0x07;
}

// ---- vendors and devices --------------------------------------------------------------------------------------
export const PCI_VENDOR_ID_INTEL = 0x8086;
export const PCI_VENDOR_ID_CIRRUS = 0x1013;
export const PCI_VENDOR_ID_QEMU = 0x1234;
export const PCI_VENDOR_ID_REDHAT_QUMRANET = 0x1af4;
export const PCI_VENDOR_ID_REDHAT = 0x1b36;

/** The subsystem ids QEMU gives devices that name none of their own. */
export const PCI_SUBVENDOR_ID_REDHAT_QUMRANET = 0x1af4;
export const PCI_SUBDEVICE_ID_QEMU = 0x1100;

export const PCI_DEVICE_ID_INTEL_82441 = 0x1237;
export const PCI_DEVICE_ID_INTEL_82371SB_0 = 0x7000;
export const PCI_DEVICE_ID_INTEL_82371SB_1 = 0x7010;
export const PCI_DEVICE_ID_INTEL_82371AB = 0x7111;
export const PCI_DEVICE_ID_INTEL_82371AB_3 = 0x7113;
export const PCI_DEVICE_ID_INTEL_82540EM = 0x100e;
export const PCI_DEVICE_ID_INTEL_Q35_MCH = 0x29c0;
export const PCI_DEVICE_ID_INTEL_ICH9_8 = 0x2918;
export const PCI_DEVICE_ID_INTEL_ICH9_6 = 0x2930;
export const PCI_DEVICE_ID_INTEL_82801IR = 0x2922;
export const PCI_DEVICE_ID_QEMU_VGA = 0x1111;
export const PCI_DEVICE_ID_CIRRUS_5446 = 0x00b8;
export const PCI_DEVICE_ID_VIRTIO_NET = 0x1000;
export const PCI_DEVICE_ID_VIRTIO_BLOCK = 0x1001;

// ---- classes ------------------------------------------------------------------------------------------------------
export const PCI_CLASS_STORAGE_SCSI = 0x0100;
export const PCI_CLASS_STORAGE_IDE = 0x0101;
export const PCI_CLASS_STORAGE_SATA = 0x0106;
export const PCI_CLASS_STORAGE_OTHER = 0x0180;
export const PCI_CLASS_NETWORK_ETHERNET = 0x0200;
export const PCI_CLASS_DISPLAY_VGA = 0x0300;
export const PCI_CLASS_DISPLAY_OTHER = 0x0380;
export const PCI_CLASS_BRIDGE_HOST = 0x0600;
export const PCI_CLASS_BRIDGE_ISA = 0x0601;
export const PCI_CLASS_BRIDGE_OTHER = 0x0680;
export const PCI_CLASS_SERIAL_SMBUS = 0x0c05;
