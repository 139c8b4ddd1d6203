/**
 * The firmware's table loader script (QEMU 7.2's hw/acpi/bios-linker-loader.c), fw_cfg file
 * `etc/table-loader`: 128-byte commands telling the firmware to allocate each blob, patch
 * pointers between blobs with the addresses it chose, and compute checksums. Allocations go
 * first (QEMU prepends them) because every other command refers to a placed blob.
 */
const COMMAND_SIZE = 128;
const FILE_SIZE = 56;
const ALLOCATE = 1, ADD_POINTER = 2, ADD_CHECKSUM = 3;

export type AllocZone = "high" | "fseg";

export class BiosLinker {
  private readonly allocs: Uint8Array[] = [];
  private readonly others: Uint8Array[] = [];

  private static command(type: number): { c: Uint8Array; v: DataView } {
    const c = new Uint8Array(COMMAND_SIZE);
    const v = new DataView(c.buffer);
    v.setUint32(0, type, true);
    return { c, v };
  }

  private static file(c: Uint8Array, at: number, name: string): void {
    c.set(Buffer.from(name, "latin1").subarray(0, FILE_SIZE - 1), at);
  }

  /** ALLOCATE: place `file` aligned to `align`, in high memory or the F segment. */
  alloc(file: string, align: number, zone: AllocZone): void {
    const { c, v } = BiosLinker.command(ALLOCATE);
    BiosLinker.file(c, 4, file);
    v.setUint32(4 + FILE_SIZE, align, true);
    c[8 + FILE_SIZE] = zone === "fseg" ? 2 : 1;
    this.allocs.unshift(c);
  }

  /** ADD_POINTER: add the address of `srcFile` to the `size`-byte field at `offset` in `destFile`. */
  addPointer(destFile: string, offset: number, size: number, srcFile: string): void {
    const { c, v } = BiosLinker.command(ADD_POINTER);
    BiosLinker.file(c, 4, destFile);
    BiosLinker.file(c, 4 + FILE_SIZE, srcFile);
    v.setUint32(4 + 2 * FILE_SIZE, offset, true);
    c[8 + 2 * FILE_SIZE] = size;
    this.others.push(c);
  }

  /** ADD_CHECKSUM: make the bytes [start, start+length) of `file` sum to zero through the byte at `offset`. */
  addChecksum(file: string, start: number, length: number, offset: number): void {
    const { c, v } = BiosLinker.command(ADD_CHECKSUM);
    BiosLinker.file(c, 4, file);
    v.setUint32(4 + FILE_SIZE, offset, true);
    v.setUint32(8 + FILE_SIZE, start, true);
    v.setUint32(12 + FILE_SIZE, length, true);
    this.others.push(c);
  }

  /** The script, padded with zeros to a multiple of `align` bytes. */
  bytes(align: number): Uint8Array {
    const cmds = [...this.allocs, ...this.others];
    const len = cmds.length * COMMAND_SIZE;
    const out = new Uint8Array(Math.ceil(len / align) * align);
    cmds.forEach((c, i) => out.set(c, i * COMMAND_SIZE));
    return out;
  }
}
