/**
 * qomd's WebSocket endpoint (ws library), on loopback by default:
 *
 *   /qmp          QMP of the control socket, one JSON text per frame each way
 *                 (greeting, negotiation and events as on the Unix socket);
 *   /qmp/NAME     QMP of machine NAME alone, as its Unix socket;
 *   /jsonrpc      JSON-RPC 2.0 over the control backend (jsonrpc/adapter.ts).
 *
 * Every upgrade must carry the token (Authorization: Bearer TOKEN, or
 * ?token=TOKEN); a request with an Origin header is refused unless the
 * origin is the server itself or is allowed explicitly.  Frames larger than
 * maxPayload close the connection (1009), and connections beyond
 * maxConnections are refused with 503.  Refusals are plain HTTP answers
 * with a one-line reason.
 */
import { timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { JsonObject } from "../../qobject/json-value.js";
import { toQmpJson } from "../../qobject/json-writer.js";
import { JsonRpcConnection } from "../jsonrpc/adapter.js";
import type { MonitorLog } from "../log.js";
import { silentLog } from "../log.js";
import type { QmpBackend } from "../qmp-backend.js";
import { QmpSession, type QmpTransport } from "../qmp-session.js";

export const DEFAULT_WS_PORT = 4480;
export const DEFAULT_WS_HOST = "127.0.0.1";

export interface WebSocketServerOptions {
  host: string;
  port: number;
  token: string;
  control: QmpBackend;
  /** The backend of a machine's own QMP, for /qmp/NAME. */
  machine(name: string): QmpBackend | undefined;
  allowedOrigins?: readonly string[];
  /** Largest frame/message in bytes (default 16 MiB). */
  maxPayload?: number;
  /** Concurrent WebSocket connections (default 256). */
  maxConnections?: number;
  log?: MonitorLog;
}

class WsTransport implements QmpTransport {
  constructor(private readonly ws: WebSocket) {}
  sendMessage(message: JsonObject): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(toQmpJson(message));
  }
  close(): void {
    this.ws.close(1000);
  }
}

function tokenMatches(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function refuse(socket: Duplex, status: number, reason: string): void {
  const text = `${reason}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`,
  );
}

export class QmpWebSocketServer {
  private readonly http: Server;
  private readonly wss: WebSocketServer;
  private readonly log: MonitorLog;
  private connections = 0;

  constructor(private readonly options: WebSocketServerOptions) {
    this.log = options.log ?? silentLog;
    this.http = createServer((_req, res) => {
      res.writeHead(426, { "Content-Type": "text/plain" });
      res.end("WebSocket upgrade required: /qmp, /qmp/NAME or /jsonrpc\n");
    });
    this.wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayload ?? 16 * 1024 * 1024 });
    this.http.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  get port(): number {
    const addr = this.http.address();
    return typeof addr === "object" && addr ? addr.port : this.options.port;
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(this.options.port, this.options.host, () => {
        this.http.off("error", reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    return new Promise((resolve) => {
      this.wss.close();
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
  }

  private originAllowed(origin: string | undefined): boolean {
    if (origin === undefined) return true;
    const self = [`http://${this.options.host}:${this.port}`, `http://localhost:${this.port}`, `http://127.0.0.1:${this.port}`];
    return self.includes(origin) || (this.options.allowedOrigins ?? []).includes(origin);
  }

  private onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on("error", () => socket.destroy());
    const url = new URL(req.url ?? "/", "http://localhost");
    const auth = req.headers["authorization"];
    const bearer = typeof auth === "string" && auth.startsWith("Bearer ") ? auth.slice(7) : undefined;
    if (!tokenMatches(bearer ?? url.searchParams.get("token") ?? undefined, this.options.token)) {
      this.log.warn({ path: url.pathname }, "WebSocket connection refused: missing or wrong token");
      refuse(socket, 401, "Unauthorized");
      return;
    }
    if (!this.originAllowed(req.headers.origin)) {
      this.log.warn({ origin: req.headers.origin }, "WebSocket connection refused: foreign origin");
      refuse(socket, 403, "Forbidden origin");
      return;
    }
    let attach: (ws: WebSocket) => void;
    const machineMatch = /^\/qmp\/([^/]+)$/.exec(url.pathname);
    if (url.pathname === "/qmp") attach = (ws) => this.serveQmp(ws, this.options.control);
    else if (url.pathname === "/jsonrpc") attach = (ws) => this.serveJsonRpc(ws);
    else if (machineMatch) {
      const backend = this.options.machine(decodeURIComponent(machineMatch[1]!));
      if (!backend) {
        refuse(socket, 404, "No such machine");
        return;
      }
      attach = (ws) => this.serveQmp(ws, backend);
    } else {
      refuse(socket, 404, "Not Found");
      return;
    }
    if (this.connections >= (this.options.maxConnections ?? 256)) {
      this.log.warn({ connections: this.connections }, "WebSocket connection refused: too many connections");
      refuse(socket, 503, "Too many connections");
      return;
    }
    this.connections++;
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      ws.once("close", () => this.connections--);
      ws.on("error", (err) => this.log.debug({ err: err.message }, "WebSocket error"));
      attach(ws);
    });
  }

  private serveQmp(ws: WebSocket, backend: QmpBackend): void {
    const session = new QmpSession(new WsTransport(ws), backend, { log: this.log.child({ transport: "ws" }) });
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => session.feedFrame(toBuffer(data)));
    ws.once("close", () => session.detach());
    session.start();
  }

  private serveJsonRpc(ws: WebSocket): void {
    const conn = new JsonRpcConnection(
      { send: (text) => ws.readyState === ws.OPEN && ws.send(text) },
      this.options.control,
      this.log.child({ transport: "jsonrpc" }),
    );
    ws.on("message", (data: Buffer | ArrayBuffer | Buffer[]) => void conn.receive(toBuffer(data).toString("utf8")));
    ws.once("close", () => conn.close());
  }
}

function toBuffer(data: Buffer | ArrayBuffer | Buffer[]): Buffer {
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.isBuffer(data) ? data : Buffer.from(data);
}
