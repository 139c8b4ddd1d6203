/**
 * The options of each -netdev / -net backend type (QEMU's QAPI Netdev* structs, read from
 * QemuOpts by the opts visitor): which keys a type takes and how each value is typed, with the
 * visitor's texts for unknown keys and bad values.
 */
import { QomError } from "../qom/error.js";
import { qapiBoolParse } from "../util/cutils.js";
import { QemuError } from "../util/error.js";
import { parseOptionNumber, parseOptionSize, type QemuOpts } from "../util/qemu-option.js";

type Kind = "str" | "bool" | "num" | "size" | "list";

/** The backend types qomd configures, in QEMU's "-netdev help" order. */
export const NETDEV_TYPES = ["hubport", "tap", "user"] as const;
export type NetdevType = (typeof NETDEV_TYPES)[number];

const USER_OPTS: Record<string, Kind> = {
  hostname: "str", restrict: "bool", ipv4: "bool", ipv6: "bool", ip: "str", net: "str", host: "str",
  tftp: "str", bootfile: "str", dhcpstart: "str", dns: "str", dnssearch: "list", domainname: "str",
  "ipv6-prefix": "str", "ipv6-prefixlen": "num", "ipv6-host": "str", "ipv6-dns": "str", smb: "str",
  smbserver: "str", hostfwd: "list", guestfwd: "list", "tftp-server-name": "str",
};

const TAP_OPTS: Record<string, Kind> = {
  ifname: "str", fd: "str", fds: "str", script: "str", downscript: "str", br: "str", helper: "str",
  sndbuf: "size", vnet_hdr: "bool", vhost: "bool", vhostfd: "str", vhostfds: "str", vhostforce: "bool",
  queues: "num", "poll-us": "num",
};

const HUBPORT_OPTS: Record<string, Kind> = { hubid: "num", netdev: "str" };

/** The legacy "-net nic" options (NetLegacyNicOptions). */
export const NIC_OPTS: Record<string, Kind> = {
  netdev: "str", macaddr: "str", model: "str", addr: "str", vectors: "num",
};

const TYPE_OPTS: Record<string, Record<string, Kind>> = { user: USER_OPTS, tap: TAP_OPTS, hubport: HUBPORT_OPTS };

/** A parsed netdev configuration: scalar options as strings (last wins), list options in order. */
export interface NetdevConfig {
  type: string;
  id: string | undefined;
  opts: Map<string, string>;
  lists: Map<string, string[]>;
}

function check(name: string, kind: Kind, value: string): void {
  try {
    if (kind === "bool") qapiBoolParse(name, value);
    else if (kind === "num") parseOptionNumber(name, value);
    else if (kind === "size") parseOptionSize(name, value);
  } catch (e) {
    if (e instanceof QemuError) throw new QomError(e.message, "GenericError", e.hint);
    throw e;
  }
}

/**
 * Reads a netdev QemuOpts for `type` (already known to be valid): every key must belong to the
 * type ("Invalid parameter 'x'"), values must parse. `extra` adds keys the caller handles
 * (-net's "name", -nic's "model"/"macaddr").
 */
export function readNetdevOptions(type: string, opts: QemuOpts, extra: Record<string, Kind> = {}): NetdevConfig {
  const table = { ...TYPE_OPTS[type], ...extra };
  const cfg: NetdevConfig = { type, id: opts.id, opts: new Map(), lists: new Map() };
  for (const [k, v] of opts.entries()) {
    if (k === "type") continue;
    const kind = table[k];
    if (kind === undefined) throw new QomError(`Invalid parameter '${k}'`);
    check(k, kind, v);
    if (kind === "list") cfg.lists.set(k, [...(cfg.lists.get(k) ?? []), v]);
    else cfg.opts.set(k, v);
  }
  return cfg;
}

export function isNetdevType(type: string): type is NetdevType {
  return (NETDEV_TYPES as readonly string[]).includes(type);
}
