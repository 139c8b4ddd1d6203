/**
 * The abstract character device (QEMU's chardev/char.c `Chardev`): the backend half of a byte
 * stream. A backend (file, socket, stdio, …) moves bytes between the host and one frontend
 * (a UART, a monitor); the frontend attaches through ChardevFrontend (char-fe.ts).
 *
 * Data flows two ways:
 *  - frontend → host: `ChardevFrontend.write` calls the backend's `chrWrite`;
 *  - host → frontend: the backend calls `deliver(buf)` (QEMU's qemu_chr_be_write), which hands
 *    the bytes to the frontend's receive handler as far as its canReceive allows.
 */
import { closeSync, writeSync } from "node:fs";
import { QomObject } from "../qom/object.js";
import { TYPE_OBJECT, type ObjectClass, type TypeInfo } from "../qom/type.js";
import type { ChardevBackendOptions } from "./chardev-options.js";
import type { ChardevFrontend } from "./char-fe.js";

export const TYPE_CHARDEV = "chardev";

/** QEMU's QEMUChrEvent. */
export type ChardevEvent = "break" | "opened" | "mux-in" | "mux-out" | "closed";

export interface ChardevClass extends ObjectClass {
  /**
   * Opens the backend (QEMU's ChardevClass.open). Returns whether the backend is open at once
   * (QEMU's be_opened: false for sockets, which open when a peer connects). Throws a QomError
   * with QEMU's text. May be asynchronous: listening or connecting sockets finish later.
   */
  open?: (chr: Chardev, backend: ChardevBackendOptions) => boolean | Promise<boolean>;
  /** Internal types (mux) cannot be named with -chardev ("… is not a valid char driver name"). */
  internal: boolean;
}

export class Chardev extends QomObject {
  /** The id (`/chardevs/<label>`). */
  label = "";
  /** What query-chardev reports; defaults to the type name without "chardev-". */
  filename: string | undefined;
  /** The attached frontend, if any (QEMU's chr->be). */
  frontend: ChardevFrontend | undefined;
  /** QEMU's be_open: the backend side is connected/open. */
  beOpen = false;
  /** The log file's descriptor (logfile=), which gets a copy of everything written. */
  logFd: number | undefined;
  /** Host → frontend bytes the frontend could not take yet. */
  protected pendingInput: Uint8Array[] = [];

  get chardevClass(): ChardevClass {
    return this.classAs<ChardevClass>(TYPE_CHARDEV);
  }

  // ---- called by the frontend ------------------------------------------------------------------

  /** QEMU's qemu_chr_write: the backend's write, with the bytes it took copied to the log. */
  writeFromFrontend(buf: Uint8Array): number {
    const n = this.chrWrite(buf);
    if (this.logFd !== undefined && n > 0) {
      try {
        writeSync(this.logFd, buf, 0, n);
      } catch {
        // QEMU ignores log write failures too.
      }
    }
    return n;
  }

  /**
   * Writes bytes towards the host (QEMU's chr_write). Returns how many were taken; backends
   * without an output (null) take everything.
   */
  chrWrite(buf: Uint8Array): number {
    return buf.length;
  }

  /** The frontend can take more input now (QEMU's chr_accept_input). */
  acceptInput(): void {
    this.flushPendingInput();
  }

  /** Releases host resources (sockets, files). Called when the chardev is removed. */
  async close(): Promise<void> {
    this.closeLog();
  }

  protected closeLog(): void {
    if (this.logFd !== undefined) {
      closeSync(this.logFd);
      this.logFd = undefined;
    }
  }

  // ---- called by the backend -------------------------------------------------------------------

  /** How many bytes the frontend accepts now (QEMU's qemu_chr_be_can_write). */
  canDeliver(): number {
    const fe = this.frontend;
    if (!fe || !fe.feOpen) return 0;
    return fe.canReceive();
  }

  /**
   * Hands host bytes to the frontend (QEMU's qemu_chr_be_write). Bytes the frontend cannot take
   * yet are kept and offered again on acceptInput(); returns true when all were delivered.
   * Without a frontend the bytes are dropped, as QEMU drops them.
   */
  deliver(buf: Uint8Array): boolean {
    if (!this.frontend || !this.frontend.feOpen) return true;
    if (buf.length > 0) this.pendingInput.push(buf);
    return this.flushPendingInput();
  }

  /** Delivers queued input as far as the frontend allows; true when nothing is left. */
  protected flushPendingInput(): boolean {
    const fe = this.frontend;
    while (this.pendingInput.length > 0 && fe && fe.feOpen) {
      const room = fe.canReceive();
      if (room <= 0) break;
      const head = this.pendingInput[0]!;
      const n = Math.min(room, head.length);
      if (n === head.length) this.pendingInput.shift();
      else this.pendingInput[0] = head.subarray(n);
      fe.receive(head.subarray(0, n));
    }
    const done = this.pendingInput.length === 0;
    if (done) this.onInputDrained();
    return done;
  }

  /** Hook: queued input was all delivered (sockets resume reading here). */
  protected onInputDrained(): void {}

  /**
   * Signals an event to the frontend (QEMU's qemu_chr_be_event). `opened`/`closed` also track
   * be_open; queued input is dropped when the backend closes.
   */
  emitEvent(event: ChardevEvent): void {
    if (event === "opened") this.beOpen = true;
    if (event === "closed") {
      this.beOpen = false;
      this.pendingInput = [];
    }
    this.frontend?.event(event);
  }
}

function chardevClassInit(klass: ChardevClass): void {
  klass.internal = false;
}

export const chardevTypeInfo: TypeInfo<Chardev, ChardevClass> = {
  name: TYPE_CHARDEV,
  parent: TYPE_OBJECT,
  abstract: true,
  instance: Chardev,
  classInit: chardevClassInit,
};
