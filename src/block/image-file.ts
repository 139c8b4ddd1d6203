/**
 * The host file under every image (QEMU's `file` protocol driver, block/file-posix.c): opened
 * once, read and written with positioned synchronous I/O, so a guest's disk access completes
 * inside one device register access as with QEMU's synchronous emulation paths.
 */
import { closeSync, fstatSync, openSync, readSync, writeSync, constants } from "node:fs";
import { QomError } from "../qom/error.js";
import { errnoCode, strerror } from "./strerror.js";

export class ImageFile {
  private constructor(
    readonly filename: string,
    private fd: number | undefined,
    /** Opened read-only (asked for, or fallen back to by auto-read-only). */
    readonly readOnly: boolean,
  ) {}

  /**
   * Opens `filename` as QEMU's file driver does for -drive: read-write unless `readOnly`; with
   * `autoReadOnly` a file that cannot be written is opened read-only instead. Errors carry QEMU's
   * texts ("Could not open 'x': No such file or directory", "'file' driver requires 'x' to be
   * a regular file").
   */
  static open(filename: string, readOnly: boolean, autoReadOnly: boolean): ImageFile {
    let fd: number;
    let ro = readOnly;
    try {
      fd = openSync(filename, ro ? constants.O_RDONLY : constants.O_RDWR);
    } catch (e) {
      const code = errnoCode(e);
      if (!ro && autoReadOnly && (code === "EACCES" || code === "EROFS" || code === "EPERM")) {
        try {
          fd = openSync(filename, constants.O_RDONLY);
          ro = true;
        } catch (e2) {
          throw new QomError(`Could not open '${filename}': ${strerror(e2)}`);
        }
      } else if (code === "EISDIR") {
        // A directory cannot be opened for writing; QEMU opens it and then rejects its type.
        throw new QomError(`'file' driver requires '${filename}' to be a regular file`);
      } else {
        throw new QomError(`Could not open '${filename}': ${strerror(e)}`);
      }
    }
    const st = fstatSync(fd);
    if (!st.isFile()) {
      closeSync(fd);
      throw new QomError(`'file' driver requires '${filename}' to be a regular file`);
    }
    return new ImageFile(filename, fd, ro);
  }

  get length(): number {
    return fstatSync(this.requireFd()).size;
  }

  /** Bytes actually allocated on the host (query-block's actual-size). */
  get allocatedSize(): number {
    return fstatSync(this.requireFd()).blocks * 512;
  }

  private requireFd(): number {
    if (this.fd === undefined) throw new Error(`image file '${this.filename}' is closed`);
    return this.fd;
  }

  /** Reads `buf.length` bytes at `offset`; past the end of the file reads zeros. */
  pread(offset: number, buf: Uint8Array): void {
    const fd = this.requireFd();
    let done = 0;
    while (done < buf.length) {
      const n = readSync(fd, buf, done, buf.length - done, offset + done);
      if (n === 0) {
        buf.fill(0, done);
        return;
      }
      done += n;
    }
  }

  pwrite(offset: number, buf: Uint8Array): void {
    const fd = this.requireFd();
    let done = 0;
    while (done < buf.length) done += writeSync(fd, buf, done, buf.length - done, offset + done);
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
