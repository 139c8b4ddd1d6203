/**
 * QMP over a WebSocket (qomd's /qmp and /qmp/NAME endpoints): one message per
 * frame each way.  The token goes in an Authorization header, never in a
 * message; `peer` leaves it out of the URL.
 */
import WebSocket from "ws";
import { ConnectError } from "./errors.js";
import { MessageSplitter, type QmpTransport, type TransportSink } from "./transport.js";

export interface WebSocketOptions {
  token?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/** The URL as it may be shown: without a token query parameter. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  if (u.searchParams.has("token")) u.searchParams.set("token", "…");
  return u.toString();
}

class WebSocketTransport implements QmpTransport {
  private readonly done: Promise<void>;

  constructor(
    readonly peer: string,
    private readonly ws: WebSocket,
    closed: Promise<void>,
  ) {
    this.done = closed;
  }

  send(text: string): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
    const timer = setTimeout(() => this.ws.terminate(), 1000);
    return this.done.finally(() => clearTimeout(timer));
  }
}

/** Opens the WebSocket; `onFrame` gets each frame's text (used by the JSON-RPC client). */
export function openWebSocket(
  url: string,
  options: WebSocketOptions,
  onFrame: (data: Buffer) => void,
  onClose: (error?: Error) => void,
): Promise<{ ws: WebSocket; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    options.signal?.throwIfAborted();
    const headers: Record<string, string> = { ...options.headers };
    if (options.token !== undefined) headers["Authorization"] = `Bearer ${options.token}`;
    const ws = new WebSocket(url, { headers });
    const peer = displayUrl(url);
    let opened = false;
    let failure: Error | undefined;
    const onAbort = () => {
      ws.terminate();
      reject(options.signal!.reason);
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => onFrame(toBuffer(data)));
    ws.once("unexpected-response", (_req, res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (body += d));
      res.on("end", () => {
        options.signal?.removeEventListener("abort", onAbort);
        const reason = body.trim() || res.statusMessage || "";
        reject(new ConnectError(`cannot connect to ${peer}: HTTP ${res.statusCode} ${reason}`.trim()));
        ws.terminate();
      });
    });
    ws.on("error", (err) => {
      if (opened) {
        failure = err;
        return;
      }
      options.signal?.removeEventListener("abort", onAbort);
      reject(new ConnectError(`cannot connect to ${peer}: ${err.message}`, { cause: err }));
    });
    const closed = new Promise<void>((r) =>
      ws.once("close", (code: number, reason: Buffer) => {
        if (opened) {
          const clean = code === 1000 || code === 1005;
          onClose(failure ?? (clean ? undefined : new Error(`WebSocket closed with code ${code}${reason.length ? `: ${reason.toString()}` : ""}`)));
        }
        r();
      }),
    );
    ws.once("open", () => {
      opened = true;
      options.signal?.removeEventListener("abort", onAbort);
      resolve({ ws, closed });
    });
  });
}

export async function connectWebSocket(url: string, sink: TransportSink, options: WebSocketOptions = {}): Promise<QmpTransport> {
  let splitter: MessageSplitter | undefined;
  const early: Buffer[] = [];
  const { ws, closed } = await openWebSocket(
    url,
    options,
    (data) => (splitter ? splitter.feed(data) : early.push(data)),
    (error) => sink.closed(error),
  );
  splitter = new MessageSplitter(sink);
  for (const d of early) splitter.feed(d);
  return new WebSocketTransport(displayUrl(url), ws, closed);
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
