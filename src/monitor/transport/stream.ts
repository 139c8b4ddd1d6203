/**
 * A QMP session over a byte stream (Unix socket, stdio, an in-memory duplex):
 * bytes in go to the session's parser, each message out is one line ending
 * "\r\n" (or QEMU's pretty layout).
 */
import type { Duplex } from "node:stream";
import type { JsonObject } from "../../qobject/json-value.js";
import { qmpLine } from "../../qobject/json-writer.js";
import type { QmpSession, QmpTransport } from "../qmp-session.js";

export interface StreamTransportOptions {
  /** QEMU's pretty=on: multi-line output. */
  pretty?: boolean;
}

export class StreamTransport implements QmpTransport {
  private ended = false;

  constructor(
    private readonly input: NodeJS.ReadableStream & { pause(): unknown; resume(): unknown },
    private readonly output: NodeJS.WritableStream,
    private readonly options: StreamTransportOptions = {},
    private readonly onEnd: () => void = () => {},
  ) {}

  sendMessage(message: JsonObject): void {
    if (this.ended) return;
    this.output.write(qmpLine(message, { pretty: this.options.pretty === true }));
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.output.end();
    this.onEnd();
  }

  pause(): void {
    this.input.pause();
  }

  resume(): void {
    this.input.resume();
  }
}

/**
 * Connects a duplex to a session made by `makeSession`, sends the greeting and
 * feeds input until the stream ends.  Returns the session.
 */
export function serveStream(
  socket: Duplex,
  makeSession: (transport: QmpTransport) => QmpSession,
  options: StreamTransportOptions = {},
): QmpSession {
  const transport = new StreamTransport(socket, socket, options);
  const session = makeSession(transport);
  socket.on("data", (chunk: Buffer) => session.feed(chunk));
  socket.on("error", () => socket.destroy());
  socket.on("close", () => session.detach());
  socket.on("end", () => {
    // The client closed its side: answer what it sent, then close ours.
    void session.whenIdle().then(() => {
      session.detach();
      socket.end();
    });
  });
  session.start();
  return session;
}
