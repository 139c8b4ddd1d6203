/**
 * `chardev-mux` (QEMU's chardev/char-mux.c): several frontends (a serial port and the HMP
 * monitor, for `-serial mon:stdio` and `-nographic`) share one backend. Output from every
 * frontend goes to the backend; input goes to the frontend with the focus. Ctrl-A is the escape
 * key: Ctrl-A c moves the focus, Ctrl-A h prints help, Ctrl-A x quits, Ctrl-A b sends a break,
 * Ctrl-A t toggles timestamps, Ctrl-A Ctrl-A sends Ctrl-A itself.
 */
import { QomError } from "../qom/error.js";
import type { TypeInfo } from "../qom/type.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass, type ChardevEvent } from "./chardev.js";
import type { ChardevBackendOptions } from "./chardev-options.js";
import { type ChardevAttachable, ChardevFrontend } from "./char-fe.js";

export const TYPE_CHARDEV_MUX = "chardev-mux";

/** QEMU's MAX_MUX and MUX_BUFFER_SIZE. */
const MAX_MUX = 4;
const MUX_BUFFER_SIZE = 32;
const ESCAPE_CHAR = 0x01;

const MUX_HELP = [
  "% h    print this help\n\r",
  "% x    exit emulator\n\r",
  "% s    save disk data back to file (if -snapshot)\n\r",
  "% t    toggle console timestamps\n\r",
  "% b    send break (magic sysrq)\n\r",
  "% c    switch between console and monitor\n\r",
  "% %  sends %\n\r",
];

/** What the mux needs from its registry: the base chardev, and whether muxes are open yet. */
export interface MuxHost {
  find(label: string): Chardev | undefined;
  readonly muxesOpened: boolean;
  /** Ctrl-A x: quit the emulator (QEMU's qmp_quit). */
  quit?: () => void;
}

export class MuxChardev extends Chardev implements ChardevAttachable {
  host: MuxHost | undefined;
  readonly frontends: ChardevFrontend[] = [];
  focus = -1;
  private baseFe: ChardevFrontend | undefined;
  private gotEscape = false;
  private readonly buffers: number[][] = [];
  timestamps = false;
  private timestampsStart = -1;
  private lineStart = false;

  attachFrontend(fe: ChardevFrontend): void {
    if (this.frontends.length >= MAX_MUX) throw new QomError(`Device '${this.label}' is in use`);
    this.frontends.push(fe);
    this.buffers.push([]);
  }

  detachFrontend(fe: ChardevFrontend): void {
    const i = this.frontends.indexOf(fe);
    if (i < 0) return;
    // QEMU leaves the slot empty; keep the tags stable the same way.
    (this.frontends as Array<ChardevFrontend | undefined>)[i] = undefined;
    if (this.focus === i) this.frontend = undefined;
  }

  /** @internal Attach to the base chardev. */
  openOn(base: Chardev): void {
    const fe = new ChardevFrontend(base);
    this.baseFe = fe;
    fe.setHandlers({
      canReceive: () => this.canReadFromBase(),
      onData: (buf) => this.readFromBase(buf),
      onEvent: (ev) => this.sendAllEvent(ev),
    });
  }

  /** mux_set_focus(). */
  setFocus(focus: number): void {
    if (this.focus !== -1) this.frontends[this.focus]?.event("mux-out");
    this.focus = focus;
    this.frontend = this.frontends[focus];
    this.frontends[focus]?.event("mux-in");
  }

  /** A frontend installed its handlers: it takes the focus (qemu_chr_fe_take_focus). */
  takeFocus(fe: ChardevFrontend): void {
    const i = this.frontends.indexOf(fe);
    if (i >= 0) this.setFocus(i);
  }

  private sendAllEvent(event: ChardevEvent): void {
    if (!this.host?.muxesOpened) return;
    for (const fe of this.frontends) fe?.event(event);
  }

  /** open_muxes(): OPENED to every attached frontend; later ones get it when they attach. */
  openMux(): void {
    this.sendAllEvent("opened");
    this.beOpen = true;
  }

  override emitEvent(event: ChardevEvent): void {
    // QEMU's mux_chr_be_event: only the focused frontend hears the mux's own events.
    if (event === "opened") this.beOpen = true;
    if (event === "closed") this.beOpen = false;
    if (this.focus !== -1) this.frontends[this.focus]?.event(event);
  }

  override chrWrite(buf: Uint8Array): number {
    const fe = this.baseFe;
    if (!fe) return 0;
    if (!this.timestamps) return fe.write(buf);
    let n = 0;
    for (const b of buf) {
      if (this.lineStart) {
        const now = Date.now();
        if (this.timestampsStart === -1) this.timestampsStart = now;
        const ti = now - this.timestampsStart;
        const secs = Math.floor(ti / 1000);
        const two = (v: number) => String(v).padStart(2, "0");
        fe.write(`[${two(Math.floor(secs / 3600))}:${two(Math.floor(secs / 60) % 60)}:${two(secs % 60)}.${String(ti % 1000).padStart(3, "0")}] `);
        this.lineStart = false;
      }
      n += fe.write(Uint8Array.of(b));
      if (b === 0x0a) this.lineStart = true;
    }
    return n;
  }

  /** Writes to the backend directly (help text, "QEMU: Terminated"). */
  private writeBase(text: string): void {
    this.baseFe?.write(text);
  }

  private canReadFromBase(): number {
    const m = this.focus;
    if (m < 0) return 0;
    if (this.buffers[m]!.length < MUX_BUFFER_SIZE) return 1;
    return this.frontends[m]?.canReceive() ?? 0;
  }

  override acceptInput(): void {
    const m = this.focus;
    const fe = m >= 0 ? this.frontends[m] : undefined;
    const buf = m >= 0 ? this.buffers[m]! : [];
    while (fe && buf.length > 0 && fe.canReceive() > 0) fe.receive(Uint8Array.of(buf.shift()!));
  }

  private readFromBase(data: Uint8Array): void {
    this.acceptInput();
    const m = this.focus;
    for (const ch of data) {
      if (!this.procByte(ch)) continue;
      const fe = this.frontends[m];
      const buf = this.buffers[m]!;
      if (buf.length === 0 && fe && fe.canReceive() > 0) fe.receive(Uint8Array.of(ch));
      else if (buf.length < MUX_BUFFER_SIZE) buf.push(ch);
    }
  }

  /** mux_proc_byte(): true when `ch` is input for the focused frontend. */
  private procByte(ch: number): boolean {
    if (this.gotEscape) {
      this.gotEscape = false;
      if (ch === ESCAPE_CHAR) return true;
      switch (String.fromCharCode(ch)) {
        case "?":
        case "h":
          this.writeBase("\n\r" + MUX_HELP.map((l) => l.replaceAll("%", "C-a")).join(""));
          break;
        case "x":
          this.writeBase("QEMU: Terminated\n\r");
          this.host?.quit?.();
          break;
        case "b":
          this.emitEvent("break");
          break;
        case "c": {
          const n = this.frontends.length;
          if (n > 0) this.setFocus((this.focus + 1) % n);
          break;
        }
        case "t":
          this.timestamps = !this.timestamps;
          this.timestampsStart = -1;
          this.lineStart = false;
          break;
        // "s" commits -snapshot overlays; qomd's snapshot mode keeps writes in memory only.
      }
      return false;
    }
    if (ch === ESCAPE_CHAR) {
      this.gotEscape = true;
      return false;
    }
    return true;
  }

  override async close(): Promise<void> {
    this.baseFe?.deinit();
    this.baseFe = undefined;
    await super.close();
  }
}

function openMux(chr: Chardev, backend: ChardevBackendOptions): boolean {
  if (backend.type !== "mux") throw new Error("chardev-mux opened with another backend");
  const mux = chr as MuxChardev;
  const base = mux.host?.find(backend.chardev);
  if (!base) throw new QomError(`mux: base chardev ${backend.chardev} not found`);
  mux.openOn(base);
  return mux.host?.muxesOpened ?? true;
}

export const chardevMuxTypeInfo: TypeInfo<MuxChardev, ChardevClass> = {
  name: TYPE_CHARDEV_MUX,
  parent: TYPE_CHARDEV,
  instance: MuxChardev,
  classInit: (k) => {
    k.open = openMux;
  },
};
