/**
 * The device side of a character device (QEMU's CharBackend, chardev/char-fe.c): a UART or a
 * monitor attaches to one Chardev, writes bytes to it and receives bytes and events from it.
 */
import { QomError } from "../qom/error.js";
import type { Chardev, ChardevEvent } from "./chardev.js";

export interface ChardevFrontendHandlers {
  /** How many bytes the device can take now (QEMU's IOCanReadHandler); unlimited when absent. */
  canReceive?: () => number;
  /** Bytes from the host (QEMU's IOReadHandler). */
  onData?: (buf: Uint8Array) => void;
  /** The backend opened: a peer connected to a socket, or an always-open backend attached. */
  onOpen?: () => void;
  /** The backend closed: the socket's peer went away. */
  onClose?: () => void;
  /** Every event, including break and the mux focus events. */
  onEvent?: (event: ChardevEvent) => void;
}

/** Something a frontend can attach to; muxes hand out several of these. */
export interface ChardevAttachable {
  attachFrontend(fe: ChardevFrontend): void;
  detachFrontend(fe: ChardevFrontend): void;
}

export class ChardevFrontend {
  private handlers: ChardevFrontendHandlers = {};
  /** QEMU's fe_open: handlers are installed and the device listens. */
  feOpen = false;

  /**
   * Attaches to `chr` (QEMU's qemu_chr_fe_init). A chardev takes one frontend, except a mux:
   * attaching a second gives QEMU's "Device 'x' is in use".
   */
  constructor(readonly chr: Chardev) {
    const attachable = chr as unknown as Partial<ChardevAttachable>;
    if (typeof attachable.attachFrontend === "function") {
      attachable.attachFrontend(this);
      return;
    }
    if (chr.frontend) throw new QomError(`Device '${chr.label}' is in use`);
    chr.frontend = this;
  }

  /**
   * Installs the handlers (QEMU's qemu_chr_fe_set_handlers). When the backend is already open,
   * onOpen runs at once, as QEMU sends CHR_EVENT_OPENED to a late frontend.
   */
  setHandlers(handlers: ChardevFrontendHandlers): void {
    this.handlers = handlers;
    const any = handlers.canReceive || handlers.onData || handlers.onEvent || handlers.onOpen || handlers.onClose;
    this.feOpen = Boolean(any);
    if (!this.feOpen) return;
    const mux = this.chr as unknown as Partial<{ takeFocus(fe: ChardevFrontend): void }>;
    if (typeof mux.takeFocus === "function") mux.takeFocus(this);
    // A frontend attaching to an open backend still gets its OPENED event.
    if (this.chr.beOpen) this.event("opened");
    this.chr.acceptInput();
  }

  /** The UART's shorthand: a receive function and an optional capacity check. */
  setReceiver(onData: (buf: Uint8Array) => void, canReceive?: () => number): void {
    this.setHandlers({ ...this.handlers, onData, ...(canReceive ? { canReceive } : {}) });
  }

  canReceive(): number {
    if (!this.handlers.onData) return 0;
    return this.handlers.canReceive ? this.handlers.canReceive() : Number.MAX_SAFE_INTEGER;
  }

  /** @internal The backend delivers bytes (only as many as canReceive allowed). */
  receive(buf: Uint8Array): void {
    this.handlers.onData?.(buf);
  }

  /** @internal The backend signals an event. */
  event(event: ChardevEvent): void {
    this.handlers.onEvent?.(event);
    if (event === "opened") this.handlers.onOpen?.();
    else if (event === "closed") this.handlers.onClose?.();
  }

  /** The device can take input again (QEMU's qemu_chr_fe_accept_input). */
  acceptInput(): void {
    this.chr.acceptInput();
  }

  /**
   * Writes bytes to the host (QEMU's qemu_chr_fe_write); returns how many the backend took.
   * A disconnected socket takes none.
   */
  write(buf: Uint8Array | string): number {
    const bytes = typeof buf === "string" ? Buffer.from(buf, "utf8") : buf;
    return this.chr.writeFromFrontend(bytes);
  }

  /** Detaches (QEMU's qemu_chr_fe_deinit); the chardev may take another frontend. */
  deinit(): void {
    this.handlers = {};
    this.feOpen = false;
    const attachable = this.chr as unknown as Partial<ChardevAttachable>;
    if (typeof attachable.detachFrontend === "function") attachable.detachFrontend(this);
    else if (this.chr.frontend === this) this.chr.frontend = undefined;
  }
}
