/** QMP over a Unix stream socket (qomd's sockets, QEMU's -qmp unix:PATH). */
import { connect, type Socket } from "node:net";
import { ConnectError } from "./errors.js";
import { MessageSplitter, type QmpTransport, type TransportSink } from "./transport.js";

class UnixTransport implements QmpTransport {
  private readonly done: Promise<void>;

  constructor(
    readonly peer: string,
    private readonly socket: Socket,
    sink: TransportSink,
  ) {
    const splitter = new MessageSplitter(sink);
    let failure: Error | undefined;
    this.done = new Promise((resolve) => {
      socket.on("data", (chunk: Buffer) => splitter.feed(chunk));
      socket.on("error", (err) => (failure = err));
      socket.once("close", () => {
        sink.closed(failure);
        resolve();
      });
    });
  }

  send(text: string): void {
    this.socket.write(text);
  }

  close(): Promise<void> {
    this.socket.end();
    // A server that keeps its end open must not keep us waiting.
    const timer = setTimeout(() => this.socket.destroy(), 1000);
    return this.done.finally(() => clearTimeout(timer));
  }
}

export function connectUnix(path: string, sink: TransportSink, signal?: AbortSignal): Promise<QmpTransport> {
  return new Promise((resolve, reject) => {
    signal?.throwIfAborted();
    const socket = connect(path);
    const onAbort = () => {
      socket.destroy();
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
    socket.once("error", (err: NodeJS.ErrnoException) => {
      signal?.removeEventListener("abort", onAbort);
      reject(new ConnectError(`cannot connect to ${path}: ${err.code === "ENOENT" ? "no such socket" : err.message}`, { cause: err }));
    });
    socket.once("connect", () => {
      signal?.removeEventListener("abort", onAbort);
      socket.removeAllListeners("error");
      resolve(new UnixTransport(path, socket, sink));
    });
  });
}
