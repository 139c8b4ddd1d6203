/**
 * `chardev-ringbuf` and `chardev-memory` (QEMU's chardev/char-ringbuf.c): output is kept in a
 * ring buffer of a power-of-two size (64 KiB by default); the oldest bytes are overwritten.
 * ringbuf-read / ringbuf-write (QMP) read it and feed input.
 */
import { QomError } from "../qom/error.js";
import type { TypeInfo } from "../qom/type.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass } from "./chardev.js";
import type { ChardevBackendOptions } from "./chardev-options.js";

export const TYPE_CHARDEV_RINGBUF = "chardev-ringbuf";
export const TYPE_CHARDEV_MEMORY = "chardev-memory";

export class RingBufChardev extends Chardev {
  size = 0;
  /** Producer and consumer counters; their difference is the number of unread bytes. */
  prod = 0;
  cons = 0;
  cbuf = new Uint8Array(0);

  /** Bytes waiting to be read. */
  get count(): number {
    return this.prod - this.cons;
  }

  override chrWrite(buf: Uint8Array): number {
    for (const b of buf) {
      this.cbuf[this.prod++ & (this.size - 1)] = b;
      if (this.prod - this.cons > this.size) this.cons = this.prod - this.size;
    }
    return buf.length;
  }

  /** Takes up to `len` unread bytes (QEMU's ringbuf_chr_read). */
  read(len: number): Uint8Array {
    const n = Math.min(len, this.count);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.cbuf[this.cons++ & (this.size - 1)]!;
    return out;
  }

  /** Feeds bytes to the frontend, as QMP ringbuf-write does. */
  feed(buf: Uint8Array): void {
    this.deliver(buf);
  }
}

function openRingbuf(chr: Chardev, backend: ChardevBackendOptions): boolean {
  if (backend.type !== "ringbuf" && backend.type !== "memory") throw new Error("ringbuf opened with another backend");
  const d = chr as RingBufChardev;
  const size = backend.size ?? 65536;
  // Two's-complement check, as the C int arithmetic does: 0 and negative sizes fail too unless they pass it.
  if ((size & (size - 1)) !== 0) throw new QomError("size of ringbuf chardev must be power of two");
  d.size = size;
  d.prod = 0;
  d.cons = 0;
  d.cbuf = new Uint8Array(size);
  return true;
}

export const chardevRingbufTypeInfo: TypeInfo<RingBufChardev, ChardevClass> = {
  name: TYPE_CHARDEV_RINGBUF,
  parent: TYPE_CHARDEV,
  instance: RingBufChardev,
  classInit: (k) => {
    k.open = openRingbuf;
  },
};

export const chardevMemoryTypeInfo: TypeInfo<RingBufChardev, ChardevClass> = {
  name: TYPE_CHARDEV_MEMORY,
  parent: TYPE_CHARDEV_RINGBUF,
};
