/**
 * The ICH9 SMBus controller (QEMU 7.2's hw/i2c/smbus_ich9.c over hw/i2c/pm_smbus.c):
 * `ICH9-SMB` at 1f.3, its host registers in I/O BAR 4 (`pm-smbus`, enabled by HOSTC.HST_EN)
 * and its `i2c` bus, where the board puts the SPD EEPROMs.
 *
 * The host controller runs the byte-data protocols (the ones firmware uses to read SPD)
 * against SMBus EEPROMs; block and I2C-mode transfers are not modelled.
 */
import { memoryRegionInitIo, memoryRegionSetEnabled, type MemoryRegion, type MemoryRegionOps } from "../../exec/memory.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import type { PCIBus } from "../pci/pci-bus.js";
import {
  INTERFACE_CONVENTIONAL_PCI_DEVICE,
  PCIDevice,
  pciCreateSimpleMultifunction,
  pciDefaultWriteConfig,
  pciRegisterBar,
  TYPE_PCI_DEVICE,
  type PCIDeviceClass,
} from "../pci/pci.js";
import {
  PCI_BASE_ADDRESS_SPACE_IO,
  PCI_CLASS_SERIAL_SMBUS,
  PCI_DEVICE_ID_INTEL_ICH9_6,
  PCI_INTERRUPT_PIN,
  PCI_VENDOR_ID_INTEL,
} from "../pci/pci-regs.js";
import { i2cInitBus, type I2CBus } from "./core.js";
import { SMBusEEPROMDevice, SMBUS_EEPROM_SIZE } from "./smbus-eeprom.js";

export const TYPE_ICH9_SMB_DEVICE = "ICH9-SMB";
const ICH9_A2_SMB_REVISION = 0x02;
const ICH9_SMB_SMB_BASE_BAR = 4;
export const ICH9_SMB_HOSTC = 0x40;
const ICH9_SMB_HOSTC_HST_EN = 1 << 0;
const ICH9_SMB_HOSTC_I2C_EN = 1 << 2;
const ICH9_SMB_HOSTC_SSRESET = 1 << 3;

/** Host registers (QEMU's pm_smbus.c offsets and bits). */
const SMBHSTSTS = 0x00;
const SMBHSTCNT = 0x02;
const SMBHSTCMD = 0x03;
const SMBHSTADD = 0x04;
const SMBHSTDAT0 = 0x05;
const SMBHSTDAT1 = 0x06;
const STS_INTR = 1 << 1;
const STS_DEV_ERR = 1 << 2;
const CNT_START = 1 << 6;
const PROT_QUICK = 0;
const PROT_BYTE = 1;
const PROT_BYTE_DATA = 2;
const PROT_WORD_DATA = 3;

export class ICH9SMBState extends PCIDevice {
  smbus: I2CBus | undefined;
  io: MemoryRegion | undefined;
  i2cEnable = false;
  /** Host status, control, command, address and data registers. */
  readonly regs = new Uint8Array(64);

  /** Runs the transaction HSTCNT started, against the EEPROM at HSTADD. */
  execute(): void {
    const r = this.regs;
    const address = r[SMBHSTADD]! >> 1;
    const read = (r[SMBHSTADD]! & 1) !== 0;
    const dev = this.smbus?.find(address);
    if (!(dev instanceof SMBusEEPROMDevice)) {
      r[SMBHSTSTS] = r[SMBHSTSTS]! | STS_DEV_ERR;
      return;
    }
    const cmd = r[SMBHSTCMD]!;
    const at = (off: number) => off % SMBUS_EEPROM_SIZE;
    switch ((r[SMBHSTCNT]! >> 2) & 7) {
      case PROT_QUICK:
        break;
      case PROT_BYTE:
        if (read) r[SMBHSTDAT0] = dev.data[at(dev.offset++)]!;
        else dev.offset = cmd;
        break;
      case PROT_BYTE_DATA:
        if (read) r[SMBHSTDAT0] = dev.data[at(cmd)]!;
        else dev.data[at(cmd)] = r[SMBHSTDAT0]!;
        dev.offset = at(cmd + 1);
        break;
      case PROT_WORD_DATA:
        if (read) {
          r[SMBHSTDAT0] = dev.data[at(cmd)]!;
          r[SMBHSTDAT1] = dev.data[at(cmd + 1)]!;
        } else {
          dev.data[at(cmd)] = r[SMBHSTDAT0]!;
          dev.data[at(cmd + 1)] = r[SMBHSTDAT1]!;
        }
        break;
      default:
        r[SMBHSTSTS] = r[SMBHSTSTS]! | STS_DEV_ERR;
        return;
    }
    r[SMBHSTSTS] = r[SMBHSTSTS]! | STS_INTR;
  }

  /** QEMU's pm_smbus_reset. */
  resetHost(): void {
    this.regs[SMBHSTSTS] = 0;
  }
}

const smbusOps: MemoryRegionOps<ICH9SMBState> = {
  read: (s, addr) => s.regs[addr] ?? 0,
  write: (s, addr, value) => {
    value &= 0xff;
    if (addr === SMBHSTSTS) {
      // Status bits clear when written with one.
      s.regs[SMBHSTSTS] = s.regs[SMBHSTSTS]! & ~value;
      return;
    }
    s.regs[addr] = value;
    if (addr === SMBHSTCNT && value & CNT_START) {
      s.regs[SMBHSTCNT] = value & ~CNT_START;
      s.execute();
    }
  },
  endianness: "little",
  valid: { minAccessSize: 1, maxAccessSize: 1 },
};

function ich9SmbRealize(dev: PCIDevice): void {
  const s = dev as ICH9SMBState;
  s.config[PCI_INTERRUPT_PIN] = 0x01;
  s.config[ICH9_SMB_HOSTC] = 0;
  // QEMU's pm_smbus_init: the bus first, then the register block.
  s.smbus = i2cInitBus(s.registry, s, "i2c");
  s.io = memoryRegionInitIo(s, smbusOps, s, "pm-smbus", 64);
  pciRegisterBar(s, ICH9_SMB_SMB_BASE_BAR, PCI_BASE_ADDRESS_SPACE_IO, s.io);
}

function ich9SmbWriteConfig(dev: PCIDevice, addr: number, value: number, len: number): void {
  const s = dev as ICH9SMBState;
  pciDefaultWriteConfig(dev, addr, value, len);
  if (addr <= ICH9_SMB_HOSTC && ICH9_SMB_HOSTC < addr + len) {
    const hostc = s.config[ICH9_SMB_HOSTC]!;
    if (s.io) memoryRegionSetEnabled(s.io, (hostc & ICH9_SMB_HOSTC_HST_EN) !== 0);
    s.i2cEnable = (hostc & ICH9_SMB_HOSTC_I2C_EN) !== 0;
    if (hostc & ICH9_SMB_HOSTC_SSRESET) {
      s.resetHost();
      s.config[ICH9_SMB_HOSTC] = hostc & ~ICH9_SMB_HOSTC_SSRESET;
    }
  }
}

function ich9SmbClassInit(k: ObjectClass): void {
  const pc = k as PCIDeviceClass;
  pc.vendorId = PCI_VENDOR_ID_INTEL;
  pc.deviceId = PCI_DEVICE_ID_INTEL_ICH9_6;
  pc.revision = ICH9_A2_SMB_REVISION;
  pc.classId = PCI_CLASS_SERIAL_SMBUS;
  pc.desc = "ICH9 SMBUS Bridge";
  pc.pciRealize = ich9SmbRealize;
  pc.configWrite = ich9SmbWriteConfig;
  // Part of the ICH9 south bridge, wired by the board.
  pc.userCreatable = false;
}

/**
 * QEMU's ich9_smb_init: the controller at `devfn`, multifunction. QEMU ignores the I/O base
 * its caller gives (the firmware programs BAR 4), and so does qomd.
 */
export function ich9SmbInit(bus: PCIBus, devfn: number): ICH9SMBState {
  return pciCreateSimpleMultifunction<ICH9SMBState>(bus, devfn, true, TYPE_ICH9_SMB_DEVICE);
}

export const ich9SmbTypeInfo: TypeInfo<ICH9SMBState> = {
  name: TYPE_ICH9_SMB_DEVICE,
  parent: TYPE_PCI_DEVICE,
  instance: ICH9SMBState,
  classInit: ich9SmbClassInit,
  interfaces: [INTERFACE_CONVENTIONAL_PCI_DEVICE],
};
