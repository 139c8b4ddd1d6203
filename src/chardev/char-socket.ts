/**
 * `chardev-socket` (QEMU's chardev/char-socket.c): a Unix or TCP stream socket, as a listening
 * server or a connecting client. This is what `-qmp unix:PATH,server=on,wait=off` creates.
 *
 * A server serves one client at a time, as QEMU does: a second client's connect() succeeds (the
 * kernel queues it) but it gets nothing until the first one leaves; then it is taken as the new
 * connection. Node accepts every connection at once, so waiting clients are kept paused in a
 * queue, which looks the same from outside.
 */
import { fstatSync, statSync, unlinkSync } from "node:fs";
import { dirname } from "node:path";
import { lookup } from "node:dns/promises";
import { isIP, type Server, Socket as NetSocket, type Socket, createConnection, createServer } from "node:net";
import { errnoCode, strerror } from "../block/strerror.js";
import type { JsonObject } from "../qobject/json-value.js";
import { QomError } from "../qom/error.js";
import { addClassProperty } from "../qom/object.js";
import { boolProperty, structProperty } from "../qom/property.js";
import { objectGetObjectsRoot } from "../qom/root.js";
import type { TypeInfo } from "../qom/type.js";
import { Chardev, TYPE_CHARDEV, type ChardevClass } from "./chardev.js";
import type { ChardevBackendOptions, ChardevSocketOptions, SocketAddress } from "./chardev-options.js";

export const TYPE_CHARDEV_SOCKET = "chardev-socket";

/** sizeof(sockaddr_un.sun_path) on Linux. */
const UNIX_PATH_MAX = 108;

type SocketState = "disconnected" | "connecting" | "connected";

/** Reports QEMU's info_report lines ("QEMU waiting for connection on: …"). */
export type InfoReporter = (text: string) => void;

export class SocketChardev extends Chardev {
  /** The address: as configured, then (for a server) the bound local address. */
  addr: SocketAddress | undefined;
  isListen = false;
  isTelnet = false;
  isWebsock = false;
  state: SocketState = "disconnected";
  server: Server | undefined;
  /** The connected peer. */
  sock: Socket | undefined;
  /** Clients that connected while another one was being served. */
  private readonly waiting: Socket[] = [];
  private eofPending = false;
  private reconnectSeconds = 0;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** Called with QEMU's info text when a wait=on server starts waiting. */
  info: InfoReporter | undefined;
  /** Resolves at each new connection (tests and wait=on use it). */
  private connectWaiters: Array<() => void> = [];

  get connected(): boolean {
    return this.state === "connected";
  }

  /** Resolves when a peer is connected (at once if one is). */
  waitConnected(): Promise<void> {
    if (this.connected) return Promise.resolve();
    return new Promise((resolve) => this.connectWaiters.push(resolve));
  }

  override chrWrite(buf: Uint8Array): number {
    if (this.state !== "connected" || !this.sock) return 0;
    this.sock.write(buf);
    return buf.length;
  }

  protected override onInputDrained(): void {
    if (this.eofPending) {
      this.eofPending = false;
      this.disconnect();
      return;
    }
    if (this.sock && this.sock.isPaused()) this.sock.resume();
  }

  /** update_disconnected_filename(). */
  updateDisconnectedFilename(): void {
    this.filename = this.addr ? socketAddressText(this, "disconnected:") : "disconnected:socket";
  }

  /** qemu_chr_compute_filename(): the connected form ("unix:PATH,server=on", "tcp:A:P <-> B:Q"). */
  private computeFilename(sock: Socket): string {
    const listen = this.isListen ? ",server=on" : "";
    if (this.addr?.type === "unix" || this.addr?.type === "fd") {
      // The local end of an accepted connection carries the listener's path; a client's is unnamed.
      const path = this.isListen && this.addr.type === "unix" && !this.addr.abstract ? this.addr.path : "";
      return `unix:${path}${listen}`;
    }
    const fmt = (host: string | undefined) => (host && isIP(host) === 6 ? `[${host}]` : host ?? "");
    return `${protocolName(this)}:${fmt(sock.localAddress)}:${sock.localPort ?? ""}${listen} <-> ${fmt(sock.remoteAddress)}:${sock.remotePort ?? ""}`;
  }

  /** tcp_chr_new_client() + tcp_chr_connect(): take `sock` as the peer. */
  acceptPeer(sock: Socket): void {
    this.sock = sock;
    this.state = "connected";
    this.eofPending = false;
    this.filename = this.computeFilename(sock);
    sock.on("data", (data: Buffer) => {
      if (this.sock !== sock) return;
      if (!this.deliver(new Uint8Array(data.buffer, data.byteOffset, data.length))) sock.pause();
    });
    sock.on("end", () => {
      if (this.sock !== sock) return;
      if (this.pendingInput.length > 0) this.eofPending = true;
      else this.disconnect();
    });
    sock.on("error", () => {
      if (this.sock === sock) this.disconnect();
    });
    sock.on("close", () => {
      if (this.sock === sock) this.disconnect();
    });
    sock.resume();
    this.emitEvent("opened");
    const waiters = this.connectWaiters;
    this.connectWaiters = [];
    for (const w of waiters) w();
  }

  /** tcp_chr_disconnect(): drop the peer, then serve the next waiting client or reconnect. */
  disconnect(): void {
    const sock = this.sock;
    if (!sock) return;
    this.sock = undefined;
    sock.destroy();
    const wasConnected = this.state === "connected";
    this.state = "disconnected";
    this.updateDisconnectedFilename();
    if (wasConnected) this.emitEvent("closed");
    if (this.closed) return;
    if (this.isListen) this.acceptNextWaiting();
    else if (this.reconnectSeconds > 0) this.scheduleReconnect();
  }

  /** A listening server got a connection. */
  onConnection(sock: Socket): void {
    if (this.closed) {
      sock.destroy();
      return;
    }
    if (this.sock) {
      this.waiting.push(sock);
      sock.once("close", () => {
        const i = this.waiting.indexOf(sock);
        if (i >= 0) this.waiting.splice(i, 1);
      });
      return;
    }
    this.acceptPeer(sock);
  }

  private acceptNextWaiting(): void {
    while (this.waiting.length > 0) {
      const next = this.waiting.shift()!;
      if (!next.destroyed) {
        this.acceptPeer(next);
        return;
      }
    }
  }

  /** @internal Client mode with reconnect=N: connect in the background, retrying. */
  startReconnecting(seconds: number, opts: ChardevSocketOptions): void {
    this.reconnectSeconds = seconds;
    this.clientOpts = opts;
    void this.tryConnect();
  }

  private clientOpts: ChardevSocketOptions | undefined;

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.closed) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      void this.tryConnect();
    }, this.reconnectSeconds * 1000);
    this.reconnectTimer.unref();
  }

  private async tryConnect(): Promise<void> {
    if (this.closed || !this.clientOpts) return;
    this.state = "connecting";
    try {
      const sock = await connectClient(this.clientOpts.addr);
      if (this.closed) {
        sock.destroy();
        return;
      }
      this.acceptPeer(sock);
    } catch {
      this.state = "disconnected";
      this.scheduleReconnect();
    }
  }

  override async close(): Promise<void> {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    for (const w of this.waiting.splice(0)) w.destroy();
    this.disconnect();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await super.close();
  }
}

function protocolName(s: SocketChardev): string {
  return s.isTelnet ? "telnet" : s.isWebsock ? "websocket" : "tcp";
}

/** qemu_chr_socket_address(): the address as query-chardev prints it, after `prefix`. */
export function socketAddressText(s: SocketChardev, prefix: string): string {
  const addr = s.addr!;
  const listen = s.isListen ? ",server=on" : "";
  switch (addr.type) {
    case "inet":
      return `${prefix}${protocolName(s)}:${addr.host}:${addr.port}${listen}`;
    case "unix": {
      const abstract = addr.abstract ? ",abstract=on" : "";
      const tight = addr.abstract && addr.tight ? ",tight=on" : "";
      return `${prefix}unix:${addr.path}${abstract}${tight}${listen}`;
    }
    case "fd":
      return `${prefix}fd:${addr.str}${listen}`;
  }
}

/** qmp_chardev_validate_socket(). */
function validateSocket(sock: ChardevSocketOptions): void {
  const addr = sock.addr;
  if (addr.type === "fd") {
    if (sock.reconnect !== undefined) throw new QomError("'reconnect' option is incompatible with 'fd' address type");
    if (sock.tlsCreds !== undefined && !sock.server) {
      throw new QomError("'tls_creds' option is incompatible with 'fd' address type as client");
    }
  } else if (addr.type === "unix" && sock.tlsCreds !== undefined) {
    throw new QomError("'tls_creds' option is incompatible with 'unix' address type");
  }
  if (sock.tlsAuthz !== undefined && sock.tlsCreds === undefined) {
    throw new QomError("'tls_authz' option requires 'tls_creds' option");
  }
  if (sock.server) {
    if (sock.reconnect !== undefined) {
      throw new QomError("'reconnect' option is incompatible with socket in server listen mode");
    }
  } else {
    if (sock.websocket) throw new QomError("Websocket client is not implemented");
    if (sock.wait !== undefined) throw new QomError("'wait' option is incompatible with socket in client connect mode");
  }
}

/** The Node path for a Unix address (abstract names start with a NUL byte). */
function unixPath(addr: { path: string; abstract?: boolean }): string {
  return addr.abstract ? `\0${addr.path}` : addr.path;
}

function checkUnixPathLength(addr: { path: string; abstract?: boolean }): void {
  const len = Buffer.byteLength(addr.path);
  const max = addr.abstract ? UNIX_PATH_MAX - 1 : UNIX_PATH_MAX;
  if (len > max) {
    throw new QomError(`UNIX socket path '${addr.path}' is too long`, "GenericError", `Path must be less than ${max} bytes\n`);
  }
}

/**
 * libuv reports a bind() in a missing directory as EACCES (for Windows' sake); find the errno the
 * kernel gave by looking at the directory.
 */
function unixBindErrno(path: string, err: unknown): unknown {
  if (errnoCode(err) !== "EACCES") return err;
  try {
    if (!statSync(dirname(path)).isDirectory()) return { code: "ENOTDIR" };
  } catch (e) {
    return e;
  }
  return err;
}

/** socket_get_fd() for fd=N given on the command line: a number naming an open socket. */
function checkSocketFd(str: string): number {
  if (!/^[+-]?\d+$/.test(str.trim()) || str.trim() !== str) throw new QomError(`Unable to parse FD number ${str}`);
  const fd = Number.parseInt(str, 10);
  let isSocket = false;
  try {
    isSocket = fstatSync(fd).isSocket();
  } catch {
    isSocket = false;
  }
  if (!isSocket) throw new QomError(`File descriptor '${str}' is not a socket`);
  return fd;
}

/** getaddrinfo() failure texts for the cases Node distinguishes. */
function gaiError(host: string, port: string, err: unknown): QomError {
  const code = errnoCode(err);
  const text =
    code === "ENOTFOUND" || code === "EAI_NONAME"
      ? "Name or service not known"
      : code === "EAI_AGAIN"
        ? "Temporary failure in name resolution"
        : strerror(err);
  return new QomError(`address resolution failed for ${host}:${port}: ${text}`);
}

/** Resolves an inet address the way QEMU's getaddrinfo call does (numeric service only). */
async function resolveInet(addr: Extract<SocketAddress, { type: "inet" }>, passive: boolean): Promise<Array<{ address: string; family: number }>> {
  if (!/^\d+$/.test(addr.port)) {
    throw new QomError(`address resolution failed for ${addr.host}:${addr.port}: Servname not supported for ai_socktype`);
  }
  const family = addr.ipv4 && !addr.ipv6 ? 4 : addr.ipv6 && !addr.ipv4 ? 6 : 0;
  if (addr.ipv4 === false && addr.ipv6 === false) throw new QomError("Cannot disable IPv4 and IPv6 at same time");
  if (addr.host === "") {
    if (!passive) return [{ address: family === 6 ? "::1" : "127.0.0.1", family: family || 4 }];
    return family === 6 ? [{ address: "::", family: 6 }] : [{ address: "0.0.0.0", family: 4 }];
  }
  try {
    return await lookup(addr.host, { all: true, family });
  } catch (e) {
    throw gaiError(addr.host, addr.port, e);
  }
}

function listenOn(server: Server, options: { path?: string; host?: string; port?: number; fd?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => {
      server.off("listening", onListening);
      reject(e);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve();
    };
    server.once("error", onError);
    server.once("listening", onListening);
    if (options.fd !== undefined) server.listen({ fd: options.fd, backlog: 1 });
    else if (options.path !== undefined) server.listen({ path: options.path, backlog: 1 });
    else server.listen({ host: options.host, port: options.port, backlog: 1, exclusive: true });
  });
}

/** qmp_chardev_open_socket_server(): bind and listen, then record the local address. */
async function openServer(s: SocketChardev, opts: ChardevSocketOptions): Promise<void> {
  const server = createServer({ pauseOnConnect: true });
  server.on("connection", (sock) => s.onConnection(sock));
  const addr = opts.addr;
  if (addr.type === "unix") {
    checkUnixPathLength(addr);
    if (!addr.abstract) {
      try {
        unlinkSync(addr.path);
      } catch (e) {
        if (errnoCode(e) !== "ENOENT") throw new QomError(`Failed to unlink socket ${addr.path}: ${strerror(e)}`);
      }
    }
    try {
      await listenOn(server, { path: unixPath(addr) });
    } catch (e) {
      throw new QomError(`Failed to bind socket to ${addr.path}: ${strerror(unixBindErrno(addr.path, e))}`);
    }
    s.addr = { type: "unix", path: addr.path };
  } else if (addr.type === "inet") {
    const results = await resolveInet(addr, true);
    const base = Number.parseInt(addr.port, 10) & 0xffff;
    const last = addr.to !== undefined ? addr.to : base;
    let lastErr: unknown;
    let bound: { address: string; family: number; port: number } | undefined;
    outer: for (const r of results) {
      for (let p = base; p <= last; p++) {
        try {
          await listenOn(server, { host: r.address, port: p });
          const a = server.address();
          if (a && typeof a === "object") bound = { address: a.address, family: r.family, port: a.port };
          break outer;
        } catch (e) {
          lastErr = e;
          if (errnoCode(e) !== "EADDRINUSE") throw new QomError(`Failed to bind socket: ${strerror(e)}`);
        }
      }
    }
    if (!bound) throw new QomError(`Failed to find an available port: ${strerror(lastErr)}`);
    s.addr = { type: "inet", host: bound.address, port: String(bound.port), ...(bound.family === 6 ? { ipv6: true } : { ipv4: true }) };
  } else {
    const fd = checkSocketFd(addr.str);
    try {
      await listenOn(server, { fd });
    } catch (e) {
      throw new QomError(`Failed to listen on fd socket: ${strerror(e)}`);
    }
  }
  s.server = server;
  s.updateDisconnectedFilename();
}

/** Connects to `addr`, with QEMU's error texts. */
async function connectClient(addr: SocketAddress): Promise<Socket> {
  let target: { path: string } | { host: string; port: number } | { fd: number };
  let shown: string;
  if (addr.type === "unix") {
    checkUnixPathLength(addr);
    target = { path: unixPath(addr) };
    shown = addr.path;
  } else if (addr.type === "inet") {
    const results = await resolveInet(addr, false);
    target = { host: results[0]!.address, port: Number.parseInt(addr.port, 10) };
    shown = `${addr.host}:${addr.port}`;
  } else {
    const fd = checkSocketFd(addr.str);
    target = { fd };
    shown = addr.str;
  }
  if ("fd" in target) {
    return new NetSocket({ fd: target.fd, readable: true, writable: true });
  }
  return new Promise((resolve, reject) => {
    const sock = createConnection(target as { path: string } & { host: string; port: number });
    sock.pause();
    sock.once("connect", () => {
      sock.off("error", reject);
      resolve(sock);
    });
    sock.once("error", (e) => reject(new QomError(`Failed to connect to '${shown}': ${strerror(e)}`)));
  });
}

/** qmp_chardev_open_socket(). The backend opens when a peer connects. */
async function openSocket(chr: Chardev, backend: ChardevBackendOptions): Promise<boolean> {
  if (backend.type !== "socket") throw new Error("chardev-socket opened with another backend");
  const s = chr as SocketChardev;
  s.isListen = backend.server;
  s.isTelnet = backend.telnet ?? false;
  s.isWebsock = backend.websocket ?? false;
  if (backend.tlsCreds !== undefined) {
    const creds = objectGetObjectsRoot(chr.registry).resolveComponent(backend.tlsCreds);
    if (!creds) throw new QomError(`No TLS credentials with id '${backend.tlsCreds}'`);
    // qomd has no TLS credential types, so any object found is not one.
    throw new QomError(`Object with id '${backend.tlsCreds}' is not TLS credentials`);
  }
  s.addr = backend.addr;
  validateSocket(backend);
  for (const [on, name] of [
    [backend.telnet, "telnet"],
    [backend.tn3270, "tn3270"],
    [backend.websocket, "websocket"],
  ] as const) {
    if (on) throw new QomError(`chardev: socket: '${name}' is not supported by qomd`);
  }
  s.updateDisconnectedFilename();
  if (s.isListen) {
    await openServer(s, backend);
    if (backend.wait) {
      s.info?.(`QEMU waiting for connection on: ${s.filename}`);
      await s.waitConnected();
    }
  } else if (backend.reconnect !== undefined && backend.reconnect > 0) {
    s.startReconnecting(backend.reconnect, backend);
  } else {
    s.acceptPeer(await connectClient(backend.addr));
  }
  return false;
}

function socketAddressJson(addr: SocketAddress | undefined): JsonObject {
  if (!addr) return {};
  switch (addr.type) {
    case "unix": {
      const o: JsonObject = { type: "unix", path: addr.path };
      if (addr.tight !== undefined) o["tight"] = addr.tight;
      if (addr.abstract !== undefined) o["abstract"] = addr.abstract;
      return o;
    }
    case "inet": {
      const o: JsonObject = { type: "inet", host: addr.host, port: addr.port };
      if (addr.to !== undefined) o["to"] = addr.to;
      if (addr.ipv4 !== undefined) o["ipv4"] = addr.ipv4;
      if (addr.ipv6 !== undefined) o["ipv6"] = addr.ipv6;
      return o;
    }
    case "fd":
      return { type: "fd", str: addr.str };
  }
}

export const chardevSocketTypeInfo: TypeInfo<SocketChardev, ChardevClass> = {
  name: TYPE_CHARDEV_SOCKET,
  parent: TYPE_CHARDEV,
  instance: SocketChardev,
  classInit: (k) => {
    k.open = openSocket;
    addClassProperty(k, structProperty("addr", "SocketAddress", { get: (o) => socketAddressJson((o as SocketChardev).addr) }));
    addClassProperty(k, boolProperty("connected", { get: (o) => (o as SocketChardev).connected }));
  },
};
