/**
 * Backend configurations (QEMU's QAPI ChardevBackend) and their parsing from a -chardev QemuOpts
 * (the backends' `parse` hooks in chardev/char-*.c), with QEMU's error texts.
 */
import { QomError } from "../qom/error.js";
import type { QemuOpts } from "../util/qemu-option.js";

/** QEMU's ChardevCommon: every backend can copy its output to a log file. */
export interface ChardevCommon {
  logfile?: string;
  logappend?: boolean;
}

/** QEMU's SocketAddress (flat form), as the socket chardev's `addr` property shows it. */
export type SocketAddress =
  | { type: "unix"; path: string; tight?: boolean; abstract?: boolean }
  | { type: "inet"; host: string; port: string; numeric?: boolean; to?: number; ipv4?: boolean; ipv6?: boolean }
  | { type: "fd"; str: string };

export interface ChardevSocketOptions extends ChardevCommon {
  type: "socket";
  addr: SocketAddress;
  server: boolean;
  /** Undefined when not given (QEMU's has_wait false). */
  wait?: boolean;
  telnet?: boolean;
  tn3270?: boolean;
  websocket?: boolean;
  reconnect?: number;
  nodelay?: boolean;
  tlsCreds?: string;
  tlsAuthz?: string;
}

export type ChardevBackendOptions =
  | ({ type: "null" } & ChardevCommon)
  | ({ type: "file"; out: string; in?: string; append?: boolean } & ChardevCommon)
  | ({ type: "stdio"; signal?: boolean } & ChardevCommon)
  | ({ type: "ringbuf" | "memory"; size?: number } & ChardevCommon)
  | ChardevSocketOptions
  | ({ type: "pty" } & ChardevCommon)
  | ({ type: "vc"; width?: number; height?: number; cols?: number; rows?: number } & ChardevCommon)
  | ({ type: "mux"; chardev: string } & ChardevCommon);

export type ChardevBackendKind = ChardevBackendOptions["type"];

function common(opts: QemuOpts): ChardevCommon {
  const c: ChardevCommon = {};
  const logfile = opts.get("logfile");
  if (logfile !== undefined) c.logfile = logfile;
  c.logappend = opts.getBool("logappend", false);
  return c;
}

/** A number option as the C code reads it into an int (qemu_opt_get_number). */
function num(opts: QemuOpts, name: string): number | undefined {
  return opts.has(name) ? Number(opts.getNumber(name, 0n)) : undefined;
}

/** qemu_chr_parse_socket(). */
function parseSocket(opts: QemuOpts): ChardevSocketOptions {
  const path = opts.get("path");
  const host = opts.get("host");
  const port = opts.get("port");
  const fd = opts.get("fd");
  if ((path !== undefined ? 1 : 0) + (fd !== undefined ? 1 : 0) + (host !== undefined ? 1 : 0) > 1) {
    throw new QomError("None or one of 'path', 'fd' or 'host' option required.");
  }
  if (host !== undefined && port === undefined) throw new QomError("chardev: socket: no port given");
  if (opts.has("delay") && opts.has("nodelay")) throw new QomError("'delay' and 'nodelay' are mutually exclusive");
  const sock: ChardevSocketOptions = { type: "socket", ...common(opts), addr: { type: "fd", str: "" }, server: opts.getBool("server", false) };
  if (opts.has("delay") || opts.has("nodelay")) {
    sock.nodelay = !opts.getBool("delay", true) || opts.getBool("nodelay", false);
  }
  if (opts.has("telnet")) sock.telnet = opts.getBool("telnet", false);
  if (opts.has("tn3270")) sock.tn3270 = opts.getBool("tn3270", false);
  if (opts.has("websocket")) sock.websocket = opts.getBool("websocket", false);
  // QEMU's defaults differ from QMP's: a server waits unless told otherwise.
  if (opts.has("wait") || sock.server) sock.wait = opts.getBool("wait", true);
  if (opts.has("reconnect")) sock.reconnect = Number(opts.getNumber("reconnect", 0n));
  const tlsCreds = opts.get("tls-creds");
  if (tlsCreds !== undefined) sock.tlsCreds = tlsCreds;
  const tlsAuthz = opts.get("tls-authz");
  if (tlsAuthz !== undefined) sock.tlsAuthz = tlsAuthz;
  if (path !== undefined) {
    sock.addr = { type: "unix", path, tight: opts.getBool("tight", true), abstract: opts.getBool("abstract", false) };
  } else if (host !== undefined) {
    const inet: SocketAddress = { type: "inet", host, port: port! };
    const to = num(opts, "to");
    if (to !== undefined) inet.to = to;
    if (opts.has("ipv4")) inet.ipv4 = opts.getBool("ipv4", false);
    if (opts.has("ipv6")) inet.ipv6 = opts.getBool("ipv6", false);
    sock.addr = inet;
  } else {
    sock.addr = { type: "fd", str: fd ?? "" };
  }
  return sock;
}

/**
 * The backend configuration for a -chardev QemuOpts whose backend type is `kind` (already
 * checked to exist). Throws QomError with QEMU's text for missing or conflicting options.
 */
export function parseChardevBackend(kind: string, opts: QemuOpts): ChardevBackendOptions {
  switch (kind) {
    case "file": {
      const path = opts.get("path");
      if (path === undefined) throw new QomError("chardev: file: no filename given");
      return { type: "file", ...common(opts), out: path, append: opts.getBool("append", false) };
    }
    case "stdio":
      return { type: "stdio", ...common(opts), signal: opts.getBool("signal", true) };
    case "ringbuf":
    case "memory": {
      const size = opts.getSize("size", 0n);
      const r: ChardevBackendOptions = { type: kind, ...common(opts) };
      // An int in QEMU: the size is truncated to 32 bits, and 0 means "default".
      const val = Number(BigInt.asIntN(32, size));
      if (val !== 0) r.size = val;
      return r;
    }
    case "socket":
      return parseSocket(opts);
    case "vc": {
      const vc: ChardevBackendOptions = { type: "vc", ...common(opts) };
      for (const k of ["width", "height", "cols", "rows"] as const) {
        const v = num(opts, k);
        if (v !== undefined) vc[k] = v;
      }
      return vc;
    }
    case "mux": {
      const chardev = opts.get("chardev");
      if (chardev === undefined) throw new QomError("chardev: mux: no chardev given");
      return { type: "mux", ...common(opts), chardev };
    }
    case "null":
    case "pty":
      return { type: kind, ...common(opts) };
    default:
      throw new QomError(`'${kind}' is not a valid char driver name`);
  }
}
