/**
 * The EDID a QEMU display card shows its guest (the `xres`, `yres`, `xmax`, `ymax`,
 * `refresh_rate` properties of QEMU's DEFINE_EDID_PROPERTIES): an EDID 1.4 base block naming a
 * "QEMU Monitor" whose preferred mode is xres×yres (1280×800 when not set, as in QEMU), with
 * the checksum the guest verifies. QEMU also adds a DisplayID extension block; qomd leaves
 * the extension area zero.
 */

export interface EdidInfo {
  /** Preferred resolution; 0 means QEMU's default 1280×800 (realize writes the default back). */
  prefx: number;
  prefy: number;
  maxx: number;
  maxy: number;
  /** Vertical refresh in mHz; 0 means 75 Hz. */
  refreshRate: number;
}

export const EDID_DEFAULT_XRES = 1280;
export const EDID_DEFAULT_YRES = 800;
const DEFAULT_REFRESH_MHZ = 75000;
/** QEMU's default screen DPI, used to report a physical size. */
const DEFAULT_DPI = 100;

/** Fills in the defaults QEMU's qemu_edid_generate writes back into the properties. */
export function edidApplyDefaults(info: EdidInfo): void {
  if (!info.prefx) info.prefx = EDID_DEFAULT_XRES;
  if (!info.prefy) info.prefy = EDID_DEFAULT_YRES;
}

function setWordLe(b: Uint8Array, off: number, v: number): void {
  b[off] = v & 0xff;
  b[off + 1] = (v >> 8) & 0xff;
}

/** A detailed timing descriptor for `x`×`y` at `refreshMhz`, with generous blanking. */
function detailedTiming(b: Uint8Array, off: number, x: number, y: number, refreshMhz: number, widthMm: number, heightMm: number): void {
  const hblank = Math.max(160, Math.round(x * 0.25));
  const vblank = Math.max(23, Math.round(y * 0.03));
  const clock10k = Math.round((((x + hblank) * (y + vblank) * refreshMhz) / 1000 / 10000));
  setWordLe(b, off, clock10k);
  b[off + 2] = x & 0xff;
  b[off + 3] = hblank & 0xff;
  b[off + 4] = ((x >> 8) << 4) | ((hblank >> 8) & 0x0f);
  b[off + 5] = y & 0xff;
  b[off + 6] = vblank & 0xff;
  b[off + 7] = ((y >> 8) << 4) | ((vblank >> 8) & 0x0f);
  const hfront = 48;
  const hsync = 32;
  const vfront = 3;
  const vsync = 5;
  b[off + 8] = hfront;
  b[off + 9] = hsync;
  b[off + 10] = ((vfront & 0x0f) << 4) | (vsync & 0x0f);
  b[off + 11] = 0;
  b[off + 12] = widthMm & 0xff;
  b[off + 13] = heightMm & 0xff;
  b[off + 14] = (((widthMm >> 8) & 0x0f) << 4) | ((heightMm >> 8) & 0x0f);
  b[off + 17] = 0x18; // digital separate sync
}

/** A display descriptor of `tag` carrying text (name or serial), padded as the standard asks. */
function textDescriptor(b: Uint8Array, off: number, tag: number, text: string): void {
  b[off + 3] = tag;
  const bytes = [...text.slice(0, 13)].map((c) => c.charCodeAt(0));
  if (bytes.length < 13) bytes.push(0x0a);
  while (bytes.length < 13) bytes.push(0x20);
  b.set(bytes, off + 5);
}

/** Builds the blob into `edid` (its first 128 bytes; the rest stays zero). */
export function edidGenerate(edid: Uint8Array, info: EdidInfo): void {
  edid.fill(0);
  const x = info.prefx || EDID_DEFAULT_XRES;
  const y = info.prefy || EDID_DEFAULT_YRES;
  const refresh = info.refreshRate || DEFAULT_REFRESH_MHZ;
  const widthMm = Math.round((x * 254) / DEFAULT_DPI / 10);
  const heightMm = Math.round((y * 254) / DEFAULT_DPI / 10);
  edid.set([0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00], 0);
  // Manufacturer "RHT" in three 5-bit letters, product 0x1234.
  const letters = [..."RHT"].map((c) => c.charCodeAt(0) - 0x40);
  const mfg = (letters[0]! << 10) | (letters[1]! << 5) | letters[2]!;
  edid[8] = mfg >> 8;
  edid[9] = mfg & 0xff;
  setWordLe(edid, 10, 0x1234);
  edid[16] = 42; // week of manufacture
  edid[17] = 2014 - 1990;
  edid[18] = 1; // EDID 1.4
  edid[19] = 4;
  edid[20] = 0xa5; // digital, 8 bits per colour, DisplayPort
  edid[21] = Math.round(widthMm / 10);
  edid[22] = Math.round(heightMm / 10);
  edid[23] = 220 - 100; // gamma 2.2
  edid[24] = 0x06; // preferred timing is native, continuous frequency
  detailedTiming(edid, 54, x, y, refresh, widthMm, heightMm);
  textDescriptor(edid, 72, 0xfc, "QEMU Monitor");
  textDescriptor(edid, 90, 0xff, "0");
  // Unused standard timing slots hold 01 01.
  for (let i = 38; i < 54; i++) edid[i] = 0x01;
  let sum = 0;
  for (let i = 0; i < 127; i++) sum += edid[i]!;
  edid[127] = (256 - (sum & 0xff)) & 0xff;
}
