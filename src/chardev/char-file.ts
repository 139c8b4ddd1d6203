/**
 * `chardev-file` (QEMU's chardev/char-file.c): output goes to a file, created or truncated at
 * open (append=on keeps it). Writes are synchronous, so a guest's serial output is on disk at
 * once, as with QEMU's blocking fd writes.
 */
import { closeSync, constants, openSync, writeSync } from "node:fs";
import { strerror } from "../block/strerror.js";
import { QomError } from "../qom/error.js";
import type { TypeInfo } from "../qom/type.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass } from "./chardev.js";
import type { ChardevBackendOptions } from "./chardev-options.js";

export const TYPE_CHARDEV_FILE = "chardev-file";

export class FileChardev extends Chardev {
  outFd: number | undefined;

  override chrWrite(buf: Uint8Array): number {
    if (this.outFd === undefined) return 0;
    let done = 0;
    while (done < buf.length) done += writeSync(this.outFd, buf, done, buf.length - done);
    return done;
  }

  override async close(): Promise<void> {
    if (this.outFd !== undefined) {
      closeSync(this.outFd);
      this.outFd = undefined;
    }
    await super.close();
  }
}

/** qmp_chardev_open_file_source(): open with QEMU's flags and its error text. */
export function openFileSource(path: string, flags: number): number {
  try {
    return openSync(path, flags, 0o666);
  } catch (e) {
    throw new QomError(`Could not open '${path}': ${strerror(e)}`);
  }
}

function openFile(chr: Chardev, backend: ChardevBackendOptions): boolean {
  if (backend.type !== "file") throw new Error("chardev-file opened with a non-file backend");
  const flags = constants.O_WRONLY | constants.O_CREAT | (backend.append ? constants.O_APPEND : constants.O_TRUNC);
  (chr as FileChardev).outFd = openFileSource(backend.out, flags);
  return true;
}

export const chardevFileTypeInfo: TypeInfo<FileChardev, ChardevClass> = {
  name: TYPE_CHARDEV_FILE,
  parent: TYPE_CHARDEV,
  instance: FileChardev,
  classInit: (k) => {
    k.open = openFile;
  },
};
