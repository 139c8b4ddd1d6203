/**
 * The ATAPI (CD-ROM) device behind an AHCI port, as far as firmware probing needs it (QEMU 7.2's
 * ide_atapi_identify in hw/ide/core.c and hw/ide/atapi.c): IDENTIFY PACKET DEVICE, and PACKET
 * commands TEST UNIT READY and REQUEST SENSE with QEMU's sense data. A drive without a medium
 * reports NOT READY / MEDIUM NOT PRESENT; reading a medium is not modelled (such commands end with
 * ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE).
 */
import type { IdeUnitState } from "./ide-core.js";

const HW_VERSION = "2.5+";
const SENSE_NONE = 0;
const SENSE_NOT_READY = 2;
const SENSE_ILLEGAL_REQUEST = 5;
const ASC_MEDIUM_NOT_PRESENT = 0x3a;
const ASC_ILLEGAL_OPCODE = 0x20;

/** QEMU's ide_atapi_identify for an AHCI port (32 NCQ queues): 256 words. */
export function atapiIdentify(u: IdeUnitState, out: Uint8Array): void {
  u.identityInit();
  out.fill(0, 0, 512);
  const p = new DataView(out.buffer, out.byteOffset, 512);
  const w = (i: number, v: number) => p.setUint16(i * 2, v & 0xffff, true);
  const str = (i: number, s: string, len: number) => {
    for (let k = 0; k < len; k++) out[i * 2 + (k ^ 1)] = k < s.length ? s.charCodeAt(k) : 0x20;
  };
  const d = u.dev;
  // Removable CD-ROM, 50 µs DRQ, 12-byte packets.
  w(0, (2 << 14) | (5 << 8) | (1 << 7) | (2 << 5));
  str(10, u.serial, 20);
  w(20, 3);
  w(21, 512);
  w(22, 4);
  str(23, d?.ver ?? HW_VERSION, 8);
  str(27, d?.model ?? "QEMU DVD-ROM", 40);
  w(48, 1);
  w(49, (1 << 9) | (1 << 8));
  w(53, 7);
  w(62, 7);
  w(63, 7);
  w(64, 3);
  w(65, 0xb4);
  w(66, 0xb4);
  w(67, 0x12c);
  w(68, 0xb4);
  w(71, 30);
  w(72, 30);
  w(75, 32 - 1);
  w(76, 1 << 8);
  w(80, 0x1e);
  w(88, 0x3f | (1 << 13));
}

/** What a PACKET command left: the data to return (if any) and the ATA status/error to report. */
export interface AtapiResult {
  data: Uint8Array | undefined;
  status: number;
  error: number;
}

const READY_STAT = 0x40;
const SEEK_STAT = 0x10;
const ERR_STAT = 0x01;

/** The sense state of one ATAPI device (QEMU's s->sense_key, s->asc). */
export class AtapiSense {
  key = SENSE_NONE;
  asc = 0;
}

/** QEMU's ide_atapi_cmd: one 12-byte CDB. */
export function atapiCommand(u: IdeUnitState, sense: AtapiSense, cdb: Uint8Array): AtapiResult {
  const ok = (data?: Uint8Array): AtapiResult => ({ data, status: READY_STAT | SEEK_STAT, error: 0 });
  // QEMU's ide_atapi_cmd_error: CHECK CONDITION with the sense key in the error register.
  const fail = (key: number, asc: number): AtapiResult => {
    sense.key = key;
    sense.asc = asc;
    return { data: undefined, status: READY_STAT | ERR_STAT, error: key << 4 };
  };
  const medium = u.blk?.inserted === true;
  switch (cdb[0]) {
    case 0x00: // TEST UNIT READY
      return medium ? ok() : fail(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
    case 0x03: { // REQUEST SENSE
      const buf = new Uint8Array(18);
      buf[0] = 0x70 | 0x80;
      buf[2] = sense.key;
      buf[7] = 10;
      buf[12] = sense.asc;
      return ok(buf.subarray(0, Math.min(18, cdb[4]!)));
    }
    default:
      // Without a medium QEMU answers media commands with NOT READY; the rest are not modelled.
      return medium ? fail(SENSE_ILLEGAL_REQUEST, ASC_ILLEGAL_OPCODE) : fail(SENSE_NOT_READY, ASC_MEDIUM_NOT_PRESENT);
  }
}
