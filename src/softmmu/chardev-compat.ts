/**
 * The legacy character-device syntax of -serial, -parallel, -monitor, -qmp and -debugcon
 * ("stdio", "unix:/path,server=on", "tcp:host:port", "vc:80Cx24C", "mon:stdio", ...), turned into
 * a -chardev QemuOpts the way qemu_chr_parse_compat() does (chardev/char.c).
 */
import { QemuError } from "../util/error.js";
import { type QemuOpts, type QemuOptsList, qemuOptsDoParse } from "../util/qemu-option.js";

/** A C scanf "%N[^set]" conversion: 1..max characters not in `stop`. */
function scanSet(s: string, at: number, max: number, stop: string): { text: string; end: number } | undefined {
  let i = at;
  while (i < s.length && i - at < max && !stop.includes(s[i]!)) i++;
  if (i === at) return undefined;
  return { text: s.slice(at, i), end: i };
}

/**
 * sscanf(p, "%64[^:]:%32[^<portStop>]%n", host, port, &pos): host and port when both matched,
 * else the ":%32[^...]" form with an empty host; undefined when neither matches.
 */
function scanHostPort(p: string, portStop: string): { host: string; port: string; pos: number } | undefined {
  const host = scanSet(p, 0, 64, ":");
  if (host && p[host.end] === ":") {
    const port = scanSet(p, host.end + 1, 32, portStop);
    if (port) return { host: host.text, port: port.text, pos: port.end };
  }
  if (p[0] === ":") {
    const port = scanSet(p, 1, 32, portStop);
    if (port) return { host: "", port: port.text, pos: port.end };
  }
  return undefined;
}

/** sscanf(p, "%7[0-9]x%7[0-9]") and the "...Cx...C" variant for vc:WxH / vc:COLSCxROWSC. */
function scanDims(p: string, chars: boolean): { w: string; h: string } | undefined {
  const m = chars ? /^([0-9]{1,7})Cx([0-9]{1,7})C/.exec(p) : /^([0-9]{1,7})x([0-9]{1,7})/.exec(p);
  return m ? { w: m[1]!, h: m[2]! } : undefined;
}

/**
 * Create chardev `label` in `chardevs` from `filename`. Throws QemuError with QEMU's text
 * ("'x' is not a valid char driver", a parse error of the trailing options, a duplicate id);
 * a syntax failure without a message of its own throws an empty-message QemuError, which callers
 * report only through their own "parse error: ..." line, as QEMU does.
 */
export function chrParseCompat(
  chardevs: QemuOptsList,
  label: string,
  filename: string,
  permitMuxMon: boolean,
  loc?: string,
): QemuOpts {
  const opts = chardevs.create(label, true, loc);
  try {
    fillCompat(opts, filename, permitMuxMon);
  } catch (e) {
    opts.delete();
    throw e;
  }
  return opts;
}

/** A failure QEMU reports with no message of its own (its "goto fail"). */
export class SilentCompatFailure extends QemuError {
  constructor() {
    super("");
  }
}

function fillCompat(opts: QemuOpts, filenameIn: string, permitMuxMon: boolean): void {
  let filename = filenameIn;
  if (filename.startsWith("mon:")) {
    if (!permitMuxMon) throw new QemuError("mon: isn't supported in this context");
    filename = filename.slice(4);
    opts.set("mux", "on");
    // Ctrl+C goes to the guest when the monitor is muxed onto stdio this way.
    if (filename === "stdio") opts.set("signal", "off");
  }
  if (["null", "pty", "msmouse", "wctablet", "braille", "testdev", "stdio"].includes(filename)) {
    opts.set("backend", filename);
    return;
  }
  if (filename.startsWith("vc")) {
    opts.set("backend", "vc");
    const p = filename.slice(2);
    if (p.startsWith(":")) {
      const px = scanDims(p.slice(1), false);
      const ch = px ? undefined : scanDims(p.slice(1), true);
      if (px) {
        opts.set("width", px.w);
        opts.set("height", px.h);
      } else if (ch) {
        opts.set("cols", ch.w);
        opts.set("rows", ch.h);
      } else {
        throw new SilentCompatFailure();
      }
    }
    return;
  }
  if (filename === "con:") {
    opts.set("backend", "console");
    return;
  }
  if (filename.startsWith("COM")) {
    opts.set("backend", "serial");
    opts.set("path", filename);
    return;
  }
  for (const [prefix, backend] of [
    ["file:", "file"],
    ["pipe:", "pipe"],
  ] as const) {
    if (filename.startsWith(prefix)) {
      opts.set("backend", backend);
      opts.set("path", filename.slice(prefix.length));
      return;
    }
  }
  const tcpLike = ["tcp:", "telnet:", "tn3270:", "websocket:"].find((pre) => filename.startsWith(pre));
  if (tcpLike) {
    const p = filename.slice(tcpLike.length);
    const hp = scanHostPort(p, ",");
    if (!hp) throw new SilentCompatFailure();
    opts.set("backend", "socket");
    opts.set("host", hp.host);
    opts.set("port", hp.port);
    if (p[hp.pos] === ",") qemuOptsDoParse(opts, p.slice(hp.pos + 1));
    if (tcpLike === "telnet:") opts.set("telnet", "on");
    else if (tcpLike === "tn3270:") opts.set("tn3270", "on");
    else if (tcpLike === "websocket:") opts.set("websocket", "on");
    return;
  }
  if (filename.startsWith("udp:")) {
    opts.set("backend", "udp");
    let p = filename.slice(4);
    const remote = scanHostPort(p, "@,");
    if (!remote) throw new SilentCompatFailure();
    opts.set("host", remote.host);
    opts.set("port", remote.port);
    if (p[remote.pos] === "@") {
      p = p.slice(remote.pos + 1);
      const local = scanHostPort(p, ",");
      if (!local) throw new SilentCompatFailure();
      opts.set("localaddr", local.host);
      opts.set("localport", local.port);
    }
    return;
  }
  if (filename.startsWith("unix:")) {
    opts.set("backend", "socket");
    qemuOptsDoParse(opts, filename.slice(5), "path");
    return;
  }
  if (filename.startsWith("/dev/parport") || filename.startsWith("/dev/ppi")) {
    opts.set("backend", "parallel");
    opts.set("path", filename);
    return;
  }
  if (filename.startsWith("/dev/")) {
    opts.set("backend", "serial");
    opts.set("path", filename);
    return;
  }
  throw new QemuError(`'${filename}' is not a valid char driver`);
}
