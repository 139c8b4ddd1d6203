/**
 * A QMP monitor on a character device (QEMU's monitor_init_qmp with qemu_chr_fe_init): the
 * chardev decides who is connected — a socket chardev serves one client at a time — and each
 * time its backend opens, the monitor starts a fresh session with a new greeting.
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { qmpLine } from "../../qobject/json-writer.js";
import { ChardevFrontend } from "../../chardev/char-fe.js";
import type { Chardev } from "../../chardev/chardev.js";
import type { QmpSession, QmpTransport } from "../qmp-session.js";

export interface ChardevMonitorOptions {
  pretty?: boolean;
}

export class ChardevMonitor {
  private readonly fe: ChardevFrontend;
  private session: QmpSession | undefined;

  constructor(
    chr: Chardev,
    private readonly makeSession: (transport: QmpTransport) => QmpSession,
    private readonly options: ChardevMonitorOptions = {},
  ) {
    this.fe = new ChardevFrontend(chr);
    this.fe.setHandlers({
      onOpen: () => this.open(),
      onData: (buf) => this.session?.feed(buf),
      onClose: () => this.closeSession(),
    });
  }

  private open(): void {
    this.closeSession();
    const fe = this.fe;
    const pretty = this.options.pretty === true;
    let ended = false;
    const transport: QmpTransport = {
      sendMessage: (message: JsonObject) => {
        if (!ended) fe.write(qmpLine(message, { pretty }));
      },
      close: () => {
        ended = true;
        const chr = fe.chr as unknown as Partial<{ disconnect(): void }>;
        chr.disconnect?.();
      },
    };
    this.session = this.makeSession(transport);
    this.session.start();
  }

  private closeSession(): void {
    this.session?.detach();
    this.session = undefined;
  }

  /** Drops the current client, if any (the chardev goes on serving the next one). */
  disconnect(): void {
    const chr = this.fe.chr as unknown as Partial<{ disconnect(): void }>;
    this.closeSession();
    chr.disconnect?.();
  }

  detach(): void {
    this.closeSession();
    this.fe.deinit();
  }
}
