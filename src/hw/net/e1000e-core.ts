/**
 * The 82574L's register file as QEMU 7.2's e1000e presents it to a guest driver's first probe:
 * reset values, the device status a driver reads back, the NVM (EEPROM) with the MAC address
 * behind EERD, the receive address registers, and the low aliases older drivers use.
 *
 * Registers are plain state: a write stores, a read returns what is stored, except where the
 * hardware computes or protects bits (CTRL, STATUS, EECD, EERD, VET). No packets move and no
 * interrupts are raised: descriptor rings, the PHY behind MDIC and interrupt causes are not
 * modelled yet.
 */
import type { MacAddr } from "../pci/qdev-backends.js";

/** 32-bit registers in the 128 KiB MMIO window. */
export const E1000E_MAC_SIZE = 0x8000;
/** NVM words. */
export const E1000E_EEPROM_SIZE = 64;

// ---- register offsets (bytes) ----------------------------------------------------------------
export const E1000_CTRL = 0x00000;
export const E1000_CTRL_DUP = 0x00004;
export const E1000_STATUS = 0x00008;
export const E1000_EECD = 0x00010;
export const E1000_EERD = 0x00014;
export const E1000_CTRL_EXT = 0x00018;
export const E1000_VET = 0x00038;
export const E1000_TIPG = 0x00410;
export const E1000_LEDCTL = 0x00e00;
export const E1000_EXTCNF_CTRL = 0x00f00;
export const E1000_POEMB = 0x00f10;
export const E1000_PBA = 0x01000;
export const E1000_PBS = 0x01008;
export const E1000_EEMNGCTL = 0x01010;
export const E1000_FLASHT = 0x01028;
export const E1000_EEWR = 0x0102c;
export const E1000_FLSWCTL = 0x01030;
export const E1000_FLOL = 0x01050;
export const E1000_PSRCTL = 0x02170;
export const E1000_RXDCTL = 0x02828;
export const E1000_RXDCTL1 = 0x02928;
export const E1000_TDFH = 0x03410;
export const E1000_TDFT = 0x03418;
export const E1000_TDFHS = 0x03420;
export const E1000_TDFTS = 0x03428;
export const E1000_TARC0 = 0x03840;
export const E1000_TARC1 = 0x03940;
export const E1000_RXCSUM = 0x05000;
/** Receive address pairs: RAL(n) at RA + 8n, RAH(n) at RA + 8n + 4. */
export const E1000_RA = 0x05400;
export const E1000_MANC = 0x05820;
export const E1000_GCR = 0x05b00;
export const E1000_FACTPS = 0x05b30;
export const E1000_SWSM = 0x05b50;
export const E1000_RXCFGL = 0x0b634;
export const E1000_RXUDP = 0x0b638;

// ---- bits --------------------------------------------------------------------------------------------
export const E1000_CTRL_FD = 0x00000001;
export const E1000_CTRL_GIO_MASTER_DISABLE = 0x00000004;
export const E1000_CTRL_SLU = 0x00000040;
export const E1000_CTRL_SPD_SEL = 0x00000300;
export const E1000_CTRL_SPD_10 = 0x00000000;
export const E1000_CTRL_SPD_100 = 0x00000100;
export const E1000_CTRL_SPD_1000 = 0x00000200;
export const E1000_CTRL_FRCSPD = 0x00000800;
export const E1000_CTRL_FRCDPX = 0x00001000;
export const E1000_CTRL_SWDPIN0 = 0x00040000;
export const E1000_CTRL_SWDPIN2 = 0x00100000;
export const E1000_CTRL_ADVD3WUC = 0x00100000;
export const E1000_CTRL_RST = 0x04000000;
export const E1000_CTRL_PHY_RST = 0x80000000;
export const E1000_CTRL_EXT_SPD_BYPS = 0x00008000;
export const E1000_STATUS_FD = 0x00000001;
export const E1000_STATUS_LU = 0x00000002;
export const E1000_STATUS_SPEED_10 = 0x00000000;
export const E1000_STATUS_SPEED_100 = 0x00000040;
export const E1000_STATUS_SPEED_1000 = 0x00000080;
export const E1000_STATUS_ASDV_1000 = 0x00000200;
export const E1000_STATUS_PHYRA = 0x00000400;
export const E1000_STATUS_GIO_MASTER_ENABLE = 0x00080000;
export const E1000_EECD_PRES = 0x00000100;
export const E1000_EECD_AUTO_RD = 0x00000200;
export const E1000_EECD_SIZE_EX_MASK = 0x00007800;
export const E1000_EERW_START = 0x1;
export const E1000_EERW_DONE = 0x2;
export const E1000_EERW_ADDR_SHIFT = 2;
export const E1000_EERW_ADDR_MASK = 0x3fff;
export const E1000_EERW_DATA_SHIFT = 16;
export const E1000_RAH_AV = 0x80000000;
/** The NVM word whose value makes the 64 words sum to EEPROM_SUM. */
export const EEPROM_CHECKSUM_REG = 0x3f;
export const EEPROM_SUM = 0xbaba;
/** The VLAN ethertype VET holds when the `init-vet` property is on. */
export const ETH_P_VLAN = 0x8100;

/** Register values after reset (QEMU's e1000e_mac_reg_init), by byte offset. */
const RESET_VALUES: ReadonlyArray<readonly [number, number]> = [
  [E1000_PBA, 0x00140014],
  [E1000_LEDCTL, 0x00068302],
  [E1000_EXTCNF_CTRL, 0x00000008],
  [E1000_EEMNGCTL, 0x80000000],
  [E1000_FLASHT, 0x00000002],
  [E1000_FLSWCTL, 0xc0000000],
  [E1000_FLOL, 0x00000001],
  [E1000_RXDCTL, 0x00010000],
  [E1000_RXDCTL1, 0x00010000],
  // IPGT 8, IPGR1 8, IPGR2 6.
  [E1000_TIPG, 0x8 | (0x8 << 10) | (0x6 << 20)],
  [E1000_RXCFGL, 0x88f7],
  [E1000_RXUDP, 0x319],
  [E1000_CTRL, E1000_CTRL_FD | E1000_CTRL_SWDPIN2 | E1000_CTRL_SWDPIN0 | E1000_CTRL_SPD_1000 | E1000_CTRL_SLU | E1000_CTRL_ADVD3WUC],
  [E1000_STATUS, E1000_STATUS_ASDV_1000 | E1000_STATUS_LU],
  // Packet split buffer sizes 2, 4 and 4 KiB.
  [E1000_PSRCTL, 2 | (4 << 8) | (4 << 16)],
  [E1000_TARC0, 0x403],
  [E1000_TARC1, 0x403],
  [E1000_EECD, E1000_EECD_AUTO_RD | E1000_EECD_PRES],
  [E1000_EERD, E1000_EERW_DONE],
  [E1000_EEWR, E1000_EERW_DONE],
  // L0s adjust, L1 entry latency.
  [E1000_GCR, 0x06800200],
  [E1000_TDFH, 0x600],
  [E1000_TDFT, 0x600],
  [E1000_TDFHS, 0x600],
  [E1000_TDFTS, 0x600],
  [E1000_POEMB, 0x30d],
  [E1000_PBS, 0x028],
  // ARP requests are not checked against the IP address.
  [E1000_MANC, 0x10000000],
  // LAN 0 on; QEMU also sets bit 29.
  [E1000_FACTPS, 0x20000004],
  [E1000_SWSM, 1],
  // IP and TCP/UDP receive checksum offload on.
  [E1000_RXCSUM, 0x300],
  // ITR and EITR start at the minimum interval inside the device, but read back what the guest
  // wrote (nothing yet), so they are not listed.
];

/**
 * Low register offsets that stand for others (QEMU's alias table): [first alias, registers,
 * first target], byte offsets.
 */
const ALIASES: ReadonlyArray<readonly [number, number, number]> = [
  [0x00040, 32, E1000_RA],
  [0x00108, 1, 0x02820], // RDTR
  [0x00110, 3, 0x02800], // RDBAL0, RDBAH0, RDLEN0
  [0x00120, 1, 0x02810], // RDH0
  [0x00128, 1, 0x02818], // RDT0
  [0x00160, 1, 0x02168], // FCRTH
  [0x00168, 1, 0x02160], // FCRTL
  [0x00420, 3, 0x03800], // TDBAL, TDBAH, TDLEN
  [0x00430, 1, 0x03810], // TDH
  [0x00438, 1, 0x03818], // TDT
  [0x00440, 1, 0x03820], // TIDV
  [0x00600, 128, 0x05600], // VFTA
  [0x08000, 1, 0x02410], // RDFH
  [0x08008, 1, 0x02418], // RDFT
  [0x08010, 1, 0x03410], // TDFH
  [0x08018, 1, 0x03418], // TDFT
];

/** Register index for each index (aliases resolved once). */
const INDEX_MAP: Uint16Array = (() => {
  const map = new Uint16Array(E1000E_MAC_SIZE);
  for (let i = 0; i < E1000E_MAC_SIZE; i++) map[i] = i;
  for (const [alias, n, target] of ALIASES) {
    for (let k = 0; k < n; k++) map[(alias >> 2) + k] = (target >> 2) + k;
  }
  return map;
})();

const CTRL = E1000_CTRL >> 2;
const CTRL_DUP = E1000_CTRL_DUP >> 2;
const CTRL_EXT = E1000_CTRL_EXT >> 2;
const STATUS = E1000_STATUS >> 2;
const EECD = E1000_EECD >> 2;
const EERD = E1000_EERD >> 2;
const VET = E1000_VET >> 2;
const RA = E1000_RA >> 2;

export class E1000ECore {
  readonly mac = new Uint32Array(E1000E_MAC_SIZE);
  readonly eeprom = new Uint16Array(E1000E_EEPROM_SIZE);
  /** The address the NIC was given; a reset puts it back into RAL0/RAH0. */
  permanentMac: MacAddr = [0, 0, 0, 0, 0, 0];

  /**
   * QEMU's e1000x_core_prepare_eeprom: the template with the MAC in words 0-2, the device id
   * in words 11 and 13, and the checksum word that makes the sum EEPROM_SUM.
   */
  prepareEeprom(template: readonly number[], deviceId: number, mac: MacAddr): void {
    this.permanentMac = mac;
    this.eeprom.fill(0);
    this.eeprom.set(template.slice(0, E1000E_EEPROM_SIZE));
    for (let i = 0; i < 3; i++) this.eeprom[i] = (mac[2 * i + 1]! << 8) | mac[2 * i]!;
    this.eeprom[11] = this.eeprom[13] = deviceId;
    let sum = 0;
    for (let i = 0; i < EEPROM_CHECKSUM_REG; i++) sum += this.eeprom[i]!;
    this.eeprom[EEPROM_CHECKSUM_REG] = (EEPROM_SUM - sum) & 0xffff;
  }

  /** QEMU's e1000e_core_reset, for the registers: reset values and the permanent MAC in RA[0]. */
  reset(): void {
    this.mac.fill(0);
    for (const [off, value] of RESET_VALUES) this.mac[off >> 2] = value >>> 0;
    this.resetMacAddr();
  }

  /** QEMU's e1000x_reset_mac_addr: RAL0/RAH0 hold the permanent address, marked valid. */
  private resetMacAddr(): void {
    const m = this.permanentMac;
    this.mac[RA] = (m[0] | (m[1] << 8) | (m[2] << 16) | (m[3] << 24)) >>> 0;
    this.mac[RA + 1] = (E1000_RAH_AV | m[4] | (m[5] << 8)) >>> 0;
  }

  /** The register a byte offset of the MMIO window names (aliases resolved). */
  static index(addr: number): number {
    return INDEX_MAP[(addr & 0x1ffff) >> 2]!;
  }

  read(addr: number): number {
    const index = E1000ECore.index(addr);
    switch (index) {
      case STATUS:
        return this.status();
      case CTRL_DUP:
        // Writes land in CTRL; the duplicate reads as nothing.
        return 0;
      default:
        return this.mac[index]!;
    }
  }

  write(addr: number, value: number): void {
    const index = E1000ECore.index(addr);
    const v = value >>> 0;
    switch (index) {
      case CTRL:
      case CTRL_DUP:
        this.setCtrl(v);
        return;
      case STATUS:
        // Read-only but for clearing "PHY reset asserted".
        if ((v & E1000_STATUS_PHYRA) === 0) this.mac[STATUS] = this.mac[STATUS]! & ~E1000_STATUS_PHYRA;
        return;
      case EECD: {
        const ro = E1000_EECD_PRES | E1000_EECD_AUTO_RD | E1000_EECD_SIZE_EX_MASK;
        this.mac[EECD] = ((this.mac[EECD]! & ro) | (v & ~ro)) >>> 0;
        return;
      }
      case EERD:
        this.setEerd(v);
        return;
      case VET:
        this.mac[VET] = v & 0xffff;
        return;
      default:
        this.mac[index] = v;
    }
  }

  private setCtrl(v: number): void {
    // Reset is self-clearing; it puts the permanent MAC back.
    this.mac[CTRL] = (v & ~E1000_CTRL_RST) >>> 0;
    this.mac[CTRL_DUP] = this.mac[CTRL]!;
    if (v & E1000_CTRL_RST) this.resetMacAddr();
    if (v & E1000_CTRL_PHY_RST) this.mac[STATUS] = (this.mac[STATUS]! | E1000_STATUS_PHYRA) >>> 0;
  }

  /** A read of NVM word `addr` through EERD completes at once. */
  private setEerd(v: number): void {
    const addr = (v >>> E1000_EERW_ADDR_SHIFT) & E1000_EERW_ADDR_MASK;
    let flags = 0;
    let data = 0;
    if (addr < E1000E_EEPROM_SIZE && v & E1000_EERW_START) {
      data = this.eeprom[addr]!;
      flags = E1000_EERW_DONE;
    }
    this.mac[EERD] = (flags | (addr << E1000_EERW_ADDR_SHIFT) | (data << E1000_EERW_DATA_SHIFT)) >>> 0;
  }

  /** QEMU's e1000e_get_status: the stored bits plus what CTRL forces or the link reports. */
  private status(): number {
    const ctrl = this.mac[CTRL]!;
    let res = this.mac[STATUS]!;
    if (!(ctrl & E1000_CTRL_GIO_MASTER_DISABLE)) res |= E1000_STATUS_GIO_MASTER_ENABLE;
    if (ctrl & E1000_CTRL_FRCDPX) res |= ctrl & E1000_CTRL_FD ? E1000_STATUS_FD : 0;
    else res |= E1000_STATUS_FD;
    if (ctrl & E1000_CTRL_FRCSPD || this.mac[CTRL_EXT]! & E1000_CTRL_EXT_SPD_BYPS) {
      switch (ctrl & E1000_CTRL_SPD_SEL) {
        case E1000_CTRL_SPD_10:
          res |= E1000_STATUS_SPEED_10;
          break;
        case E1000_CTRL_SPD_100:
          res |= E1000_STATUS_SPEED_100;
          break;
        default:
          res |= E1000_STATUS_SPEED_1000;
      }
    } else {
      res |= E1000_STATUS_SPEED_1000;
    }
    return res >>> 0;
  }
}
