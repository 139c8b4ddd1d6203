/**
 * The user-mode network's configuration (QEMU's net/slirp.c net_slirp_init): the guest network,
 * host, DNS and DHCP addresses with their defaults and checks, and the hostfwd rules, with
 * QEMU's texts. qomd does not route packets yet; this is what `-netdev user` accepts and what
 * it would set up.
 */
import { QomError } from "../qom/error.js";
import type { NetdevConfig } from "./netdev-options.js";

/** glibc's inet_aton(): 1 to 4 parts, each decimal, octal (0…) or hex (0x…). */
export function inetAton(s: string): number | undefined {
  const parts = s.split(".");
  if (parts.length < 1 || parts.length > 4) return undefined;
  const vals: number[] = [];
  for (const p of parts) {
    let m: RegExpExecArray | null;
    let v: number;
    if ((m = /^0[xX]([0-9a-fA-F]*)$/.exec(p))) v = m[1] === "" ? 0 : Number.parseInt(m[1]!, 16);
    else if (/^0[0-7]*$/.test(p)) v = Number.parseInt(p, 8);
    else if (/^[1-9][0-9]*$/.test(p)) v = Number.parseInt(p, 10);
    else return undefined;
    vals.push(v);
  }
  const last = vals[vals.length - 1]!;
  const head = vals.slice(0, -1);
  if (head.some((v) => v > 255)) return undefined;
  const lastMax = [0xffffffff, 0xffffff, 0xffff, 0xff][head.length]!;
  if (last > lastMax) return undefined;
  let addr = 0;
  head.forEach((v, i) => (addr += v * 2 ** (24 - 8 * i)));
  return (addr + last) >>> 0;
}

export function ipText(a: number): string {
  return [a >>> 24, (a >>> 16) & 255, (a >>> 8) & 255, a & 255].join(".");
}

export interface HostForward {
  udp: boolean;
  hostAddr: number;
  hostPort: number;
  guestAddr: number;
  guestPort: number;
}

export interface SlirpConfig {
  ipv4: boolean;
  ipv6: boolean;
  restrict: boolean;
  net: number;
  mask: number;
  host: number;
  dns: number;
  dhcpStart: number;
  hostfwd: HostForward[];
  /** What `info network` shows: "net=10.0.2.0,restrict=off". */
  infoStr: string;
}

/** get_str_sep(): the text before `sep`, and the rest; undefined when `sep` is absent. */
function splitSep(s: string, sep: string): [string, string] | undefined {
  const i = s.indexOf(sep);
  return i < 0 ? undefined : [s.slice(0, i), s.slice(i + 1)];
}

/** strtol(buf, &end, 0) with *end == '\0'. */
function strtolFull(s: string): number | undefined {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s);
  if (!m) return undefined;
  const body = m[2]!;
  const v = body.startsWith("0x") || body.startsWith("0X") ? Number.parseInt(body.slice(2), 16) : body.startsWith("0") ? Number.parseInt(body, 8) : Number.parseInt(body, 10);
  return m[1] === "-" ? -v : v;
}

/** slirp_hostfwd()'s parsing of "[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport". */
export function parseHostForward(rule: string, defaultGuest: number): HostForward {
  const fail = (reason: string) => new QomError(`Invalid host forwarding rule '${rule}' (${reason})`);
  let p = rule;
  let part = splitSep(p, ":");
  if (!part) throw fail("No : separators");
  let udp: boolean;
  if (part[0] === "tcp" || part[0] === "") udp = false;
  else if (part[0] === "udp") udp = true;
  else throw fail("Bad protocol name");
  p = part[1];
  part = splitSep(p, ":");
  if (!part) throw fail("Missing : separator");
  let hostAddr = 0;
  if (part[0] !== "") {
    const a = inetAton(part[0]);
    if (a === undefined) throw fail("Bad host address");
    hostAddr = a;
  }
  p = part[1];
  part = splitSep(p, "-");
  if (!part) throw fail("Bad host port separator");
  const hostPort = strtolFull(part[0]);
  if (hostPort === undefined || hostPort < 0 || hostPort > 65535) throw fail("Bad host port");
  p = part[1];
  part = splitSep(p, ":");
  if (!part) throw fail("Missing guest address");
  let guestAddr = defaultGuest;
  if (part[0] !== "") {
    const a = inetAton(part[0]);
    if (a === undefined) throw fail("Bad guest address");
    guestAddr = a;
  }
  const guestPort = strtolFull(part[1]);
  if (guestPort === undefined || guestPort < 1 || guestPort > 65535) throw fail("Bad guest port");
  return { udp, hostAddr, hostPort, guestAddr, guestPort };
}

/** The class-based default mask QEMU picks for a network given without "/bits". */
function classMask(addr: number): number {
  if (!(addr & 0x80000000)) return 0xff000000;
  if ((addr & 0xfff00000) >>> 0 === 0xac100000) return 0xfff00000;
  if ((addr & 0xc0000000) >>> 0 === 0x80000000) return 0xffff0000;
  if ((addr & 0xffff0000) >>> 0 === 0xc0a80000) return 0xffff0000;
  if ((addr & 0xffff0000) >>> 0 === 0xc6120000) return 0xfffe0000;
  if ((addr & 0xe0000000) >>> 0 === 0xe0000000) return 0xffffff00;
  return 0xfffffff0;
}

/** net_init_slirp() + net_slirp_init(): the checked configuration of a -netdev user. */
export function slirpConfig(cfg: NetdevConfig): SlirpConfig {
  const o = cfg.opts;
  const bool = (k: string, def: boolean) => (o.has(k) ? ["on", "yes", "true"].includes(o.get(k)!) : def);
  const vnetwork = o.get("net") ?? o.get("ip");
  const vhost = o.get("host");
  const vdns = o.get("dns");
  const ipv4 = bool("ipv4", true);
  const ipv6 = bool("ipv6", true);
  const restrict = bool("restrict", false);
  if (!ipv4 && (vnetwork !== undefined || vhost !== undefined || vdns !== undefined)) {
    throw new QomError("IPv4 disabled but netmask/host/dns provided");
  }
  if (!ipv6 && (o.has("ipv6-prefix") || o.has("ipv6-host") || o.has("ipv6-dns"))) {
    throw new QomError("IPv6 disabled but prefix/host6/dns6 provided");
  }
  if (!ipv4 && !ipv6) throw new QomError("IPv4 and IPv6 disabled");

  let net = 0x0a000200; // 10.0.2.0
  let mask = 0xffffff00;
  let host = 0x0a000202;
  let dhcp = 0x0a00020f;
  let dns = 0x0a000203;
  if (vnetwork !== undefined) {
    const sep = splitSep(vnetwork, "/");
    if (!sep) {
      const a = inetAton(vnetwork);
      if (a === undefined) throw new QomError("Failed to parse netmask");
      net = a;
      mask = classMask(a);
    } else {
      const a = inetAton(sep[0]);
      if (a === undefined) throw new QomError("Failed to parse netmask");
      net = a;
      if (!/^[+-]?\d+$/.test(sep[1])) {
        const m = inetAton(sep[1]);
        if (m === undefined) throw new QomError("Failed to parse netmask (trailing chars)");
        mask = m;
      } else {
        const shift = Number.parseInt(sep[1], 10);
        if (shift < 4 || shift > 32) throw new QomError("Invalid netmask provided (must be in range 4-32)");
        mask = shift === 32 ? 0xffffffff : (0xffffffff << (32 - shift)) >>> 0;
      }
    }
    net = (net & mask) >>> 0;
    host = (net | (0x0202 & ~mask)) >>> 0;
    dhcp = (net | (0x020f & ~mask)) >>> 0;
    dns = (net | (0x0203 & ~mask)) >>> 0;
  }
  if (vhost !== undefined) {
    const a = inetAton(vhost);
    if (a === undefined) throw new QomError("Failed to parse host");
    host = a;
  }
  if ((host & mask) >>> 0 !== net) throw new QomError("Host doesn't belong to network");
  if (vdns !== undefined) {
    const a = inetAton(vdns);
    if (a === undefined) throw new QomError("Failed to parse DNS");
    dns = a;
  }
  if (restrict && (dns & mask) >>> 0 !== net) throw new QomError("DNS doesn't belong to network");
  if (dns === host) throw new QomError("DNS must be different from host");
  const vdhcp = o.get("dhcpstart");
  if (vdhcp !== undefined) {
    const a = inetAton(vdhcp);
    if (a === undefined) throw new QomError("Failed to parse DHCP start address");
    dhcp = a;
  }
  if ((dhcp & mask) >>> 0 !== net) throw new QomError("DHCP doesn't belong to network");
  if (dhcp === host || dhcp === dns) throw new QomError("DHCP must be different from host and DNS");
  const domainname = o.get("domainname");
  if (domainname !== undefined && domainname === "") throw new QomError("'domainname' parameter cannot be empty");
  if (domainname !== undefined && Buffer.byteLength(domainname) > 255) {
    throw new QomError("'domainname' parameter cannot exceed 255 bytes");
  }
  const hostfwd = (cfg.lists.get("hostfwd") ?? []).map((r) => parseHostForward(r, dhcp));
  return { ipv4, ipv6, restrict, net, mask, host, dns, dhcpStart: dhcp, hostfwd, infoStr: `net=${ipText(net)},restrict=${restrict ? "on" : "off"}` };
}
