/**
 * The byte layer under the protocol: a connection that carries QMP messages
 * both ways.  Both transports read through QMP's own incremental JSON parser
 * (src/qobject/json-streamer.ts), so messages are split by brace nesting as
 * QEMU splits them, whatever the line ends or frame boundaries.
 */
import { JsonMessageParser } from "../../src/qobject/json-streamer.js";
import type { JsonValue } from "../../src/qobject/json-value.js";

/** Where a transport delivers what it reads. */
export interface TransportSink {
  /** One complete JSON value from the server. */
  message(value: JsonValue): void;
  /** Bytes that are not JSON (the parser's text, e.g. "JSON parse error, …"). */
  garbage(error: string): void;
  /** The connection is gone; `error` says why when it did not close cleanly. */
  closed(error?: Error): void;
}

export interface QmpTransport {
  /** A description for messages, e.g. the socket path or the URL without its token. */
  readonly peer: string;
  /** Sends one serialised message. */
  send(text: string): void;
  /** Closes the connection; resolves once it is closed. */
  close(): Promise<void>;
}

/** Feeds chunks of the server's output to the parser and passes whole messages on. */
export class MessageSplitter {
  private readonly parser = new JsonMessageParser();

  constructor(private readonly sink: TransportSink) {}

  feed(chunk: Uint8Array): void {
    for (const m of this.parser.feed(chunk)) {
      if ("value" in m) this.sink.message(m.value);
      else this.sink.garbage(m.error);
    }
  }
}
