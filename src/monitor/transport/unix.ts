/**
 * QMP over a Unix socket (or a socket handed over by systemd).
 *
 * "single" mode is QEMU's socket chardev: one client at a time.  A second
 * client's connect() succeeds but it is not read from and gets no greeting
 * until the first one leaves; then it gets a fresh greeting and must
 * negotiate.  "multi" mode (the daemon's control socket) serves every client
 * at once.
 */
import { chmodSync, lstatSync, unlinkSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import type { MonitorLog } from "../log.js";
import { silentLog } from "../log.js";
import type { QmpSession, QmpTransport } from "../qmp-session.js";
import { serveStream } from "./stream.js";

/** A Unix socket path, an inherited listening fd (systemd), or a TCP address (`qomd run -qmp tcp:…`). */
export type UnixListen = { path: string; mode?: number } | { fd: number } | { host: string; port: number };

export interface QmpSocketServerOptions {
  listen: UnixListen;
  clients: "single" | "multi";
  pretty?: boolean;
  /** Multi mode: connections beyond this are refused with a closed socket (default 1000). */
  maxClients?: number;
  newSession(transport: QmpTransport): QmpSession;
  log?: MonitorLog;
}

export class QmpSocketServer {
  private readonly server: Server;
  private readonly active = new Set<Socket>();
  private readonly waiting: Socket[] = [];
  private readonly sessions = new Map<Socket, QmpSession>();
  private readonly log: MonitorLog;
  private closed = false;

  constructor(private readonly options: QmpSocketServerOptions) {
    this.log = options.log ?? silentLog;
    // allowHalfOpen: a client that shuts down its sending side (`printf … | socat`) still gets
    // the replies to what it sent; serveStream closes our side once they are written.
    this.server = createServer({ pauseOnConnect: true, allowHalfOpen: true }, (socket) => this.onConnection(socket));
    this.server.on("error", (err) => this.log.error({ err }, "QMP socket server error"));
  }

  /** The socket path, when listening on one. */
  get path(): string | undefined {
    return "path" in this.options.listen ? this.options.listen.path : undefined;
  }

  get clientCount(): number {
    return this.active.size;
  }

  listen(): Promise<void> {
    const target = this.options.listen;
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      const done = () => {
        this.server.off("error", reject);
        if ("path" in target) chmodSync(target.path, target.mode ?? 0o600);
        resolve();
      };
      if ("path" in target) {
        removeStaleSocket(target.path);
        this.server.listen(target.path, done);
      } else if ("fd" in target) {
        this.server.listen({ fd: target.fd }, done);
      } else {
        this.server.listen(target.port, target.host, done);
      }
    });
  }

  /** Disconnects every client, stops listening and removes the socket file. */
  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.closed = true;
    for (const s of [...this.active, ...this.waiting]) s.destroy();
    this.waiting.length = 0;
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      const target = this.options.listen;
      if ("path" in target) removeStaleSocket(target.path);
    });
  }

  /** Ends every connection after what was already sent (used when a machine quits). */
  disconnectAll(): void {
    for (const s of [...this.active, ...this.waiting]) s.end();
  }

  private onConnection(socket: Socket): void {
    if (this.closed) {
      socket.destroy();
      return;
    }
    socket.on("error", (err) => this.log.debug({ err: err.message }, "QMP client socket error"));
    if (this.options.clients === "single" && this.active.size > 0) {
      // Like QEMU's chardev: accepted by the kernel, not served yet.
      this.waiting.push(socket);
      socket.once("close", () => {
        const i = this.waiting.indexOf(socket);
        if (i >= 0) this.waiting.splice(i, 1);
      });
      return;
    }
    if (this.options.clients === "multi" && this.active.size >= (this.options.maxClients ?? 1000)) {
      this.log.warn({ clients: this.active.size }, "QMP connection refused: too many clients");
      socket.destroy();
      return;
    }
    this.serve(socket);
  }

  private serve(socket: Socket): void {
    this.active.add(socket);
    socket.once("close", () => {
      this.active.delete(socket);
      this.sessions.delete(socket);
      this.log.debug({ clients: this.active.size }, "QMP client disconnected");
      this.promoteWaiting();
    });
    const session = serveStream(socket, (t) => this.options.newSession(t), { pretty: this.options.pretty === true });
    this.sessions.set(socket, session);
    this.log.debug({ clients: this.active.size }, "QMP client connected");
    socket.resume();
  }

  private promoteWaiting(): void {
    if (this.closed || this.options.clients !== "single" || this.active.size > 0) return;
    const next = this.waiting.shift();
    if (next && !next.destroyed) this.serve(next);
    else if (next) this.promoteWaiting();
  }
}

/** QEMU unlinks a leftover socket file before binding; anything else at the path is left alone. */
function removeStaleSocket(path: string): void {
  try {
    if (lstatSync(path).isSocket()) unlinkSync(path);
  } catch {
    // absent: nothing to do
  }
}
