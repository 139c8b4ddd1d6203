/**
 * Network backends of one machine (QEMU's net/net.c and net/hub.c): netdevs from -netdev, the
 * legacy -net syntax with its hub (`hub0port0`, …), -nic, the NIC table boards read (nd_table),
 * lookup for -device …,netdev=ID, and the end-of-startup checks ("netdev x has no peer").
 *
 * Backends are configured and validated as QEMU does; qomd does not move packets yet (no slirp
 * stack, no tap device is opened except an fd= given by the caller).
 */
import { fstatSync } from "node:fs";
import { QomError } from "../qom/error.js";
import type { TypeRegistry } from "../qom/type.js";
import type { WarningSink } from "../util/error.js";
import type { QemuOpts, QemuOptsList } from "../util/qemu-option.js";
import { strerror } from "../block/strerror.js";
import { NETDEV_TYPES, NIC_OPTS, type NetdevConfig, isNetdevType, readNetdevOptions } from "./netdev-options.js";
import { type SlirpConfig, slirpConfig } from "./slirp-config.js";

export type NetClientType = "nic" | "user" | "tap" | "hubport";

/** A NetClientState: one end of a network link. */
export interface NetClient {
  name: string;
  type: NetClientType;
  peer: NetClient | undefined;
  /** What `info network` shows after the name ("type=user,net=10.0.2.0,restrict=off"). */
  infoStr: string;
  /** For hub ports: the hub's id. */
  hubId?: number;
  /** For -netdev user. */
  slirp?: SlirpConfig;
  /** For -netdev tap,fd=N: the descriptor handed over. */
  tapFd?: number;
  config?: NetdevConfig;
}

/** QEMU's NICInfo: a NIC requested with -net nic or -nic, created later by the board. */
export interface NicInfo {
  model: string | undefined;
  name: string | undefined;
  macaddr: string;
  /** The netdev or hub port the NIC connects to. */
  netdev: NetClient | undefined;
  devaddr: string | undefined;
  vectors: number | undefined;
  /** Set by the board when it created the device. */
  instantiated: boolean;
}

/** A -net/-nic/-netdev failure with the option it came from. */
export class NetOptionError extends QomError {
  constructor(
    readonly loc: string | undefined,
    cause: QomError,
  ) {
    super(cause.message, cause.errorClass, cause.hint);
    this.name = "NetOptionError";
  }
}

/** "-netdev help" / "-net nic,model=help": a listing for stdout. */
export class NetHelpRequest extends Error {
  constructor(
    readonly text: string,
    readonly exitStatus: number,
  ) {
    super("net help");
    this.name = "NetHelpRequest";
  }
}

/** QEMU's MAX_NICS. */
const MAX_NICS = 8;

/** qemu_macaddr_default_if_unset(): 52:54:00:12:34:56, then :57, … */
function defaultMac(index: number): string {
  const last = (0x56 + index) & 0xff;
  const fifth = (0x34 + ((0x56 + index) >> 8)) & 0xff;
  const hex = (v: number) => v.toString(16).padStart(2, "0");
  return `52:54:00:12:${hex(fifth)}:${hex(last)}`;
}

function parseMac(s: string): string | undefined {
  const m = /^([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})[:-]([0-9a-fA-F]{1,2})$/.exec(s);
  if (!m) return undefined;
  return m.slice(1).map((p) => p.toLowerCase().padStart(2, "0")).join(":");
}

export class NetClientRegistry {
  /** Every client in creation order (QEMU's net_clients). */
  readonly clients: NetClient[] = [];
  readonly nics: NicInfo[] = [];
  private readonly hubs = new Map<number, NetClient[]>();
  private idCounter = 0;
  private nicsByModel = new Map<string, number>();

  /** qemu_find_netdev(): a backend by id (NICs are not netdevs). */
  lookup(id: string): NetClient | undefined {
    return this.clients.find((c) => c.name === id && c.type !== "nic");
  }

  /** id_generate(ID_NET): "#net" + counter + two random digits. */
  private generateId(): string {
    this.idCounter++;
    return `#net${this.idCounter}${String(Math.floor(Math.random() * 100)).padStart(2, "0")}`;
  }

  /** The text "-netdev help" prints. */
  netdevHelpText(): string {
    return `Available netdev backend types:\n${NETDEV_TYPES.map((t) => `${t}\n`).join("")}`;
  }

  /** net_hub_add_port(): a new port on hub `hubId` (created on first use), named hubNportM. */
  addHubPort(hubId: number, name?: string): NetClient {
    const ports = this.hubs.get(hubId) ?? [];
    this.hubs.set(hubId, ports);
    const port: NetClient = { name: name ?? `hub${hubId}port${ports.length}`, type: "hubport", peer: undefined, infoStr: "", hubId };
    ports.push(port);
    this.clients.push(port);
    return port;
  }

  /** Links two clients (qemu_new_net_client with a peer). */
  private connect(a: NetClient, b: NetClient | undefined): void {
    if (!b) return;
    a.peer = b;
    b.peer = a;
  }

  /**
   * A frontend (a NIC device from -device …,netdev=ID) takes a netdev: QEMU's qdev netdev
   * property. Returns the backend; the texts are QEMU's.
   */
  attachNic(netdevId: string, nicName: string, devType: string, prop = "netdev"): NetClient {
    const be = this.lookup(netdevId);
    if (!be) throw new QomError(`Property '${devType}.${prop}' can't find value '${netdevId}'`);
    if (be.peer) throw new QomError(`Property '${devType}.${prop}' can't take value '${netdevId}', it's in use`);
    const nic: NetClient = { name: nicName, type: "nic", peer: undefined, infoStr: `model=${devType}` };
    this.clients.push(nic);
    this.connect(nic, be);
    return nic;
  }

  /** The name QEMU gives an anonymous NIC of a model: e1000.0, e1000.1, … */
  nicName(model: string): string {
    const n = this.nicsByModel.get(model) ?? 0;
    this.nicsByModel.set(model, n + 1);
    return `${model}.${n}`;
  }

  /** net_client_init1() for a backend type: the client, checked as QEMU checks it. */
  private initBackend(cfg: NetdevConfig, name: string, peer: NetClient | undefined): NetClient {
    let client: NetClient;
    switch (cfg.type) {
      case "user": {
        const slirp = slirpConfig(cfg);
        client = { name, type: "user", peer: undefined, infoStr: `type=user,${slirp.infoStr}`, slirp, config: cfg };
        break;
      }
      case "tap":
        client = initTap(cfg, name, peer);
        break;
      case "hubport": {
        if (peer) throw new QomError("Parameter 'type' expects a net backend type (maybe it is not compiled into this binary)");
        const hubid = cfg.opts.get("hubid");
        if (hubid === undefined) throw new QomError("Parameter 'hubid' is missing");
        const port = this.addHubPort(Number(hubid), name);
        const nd = cfg.opts.get("netdev");
        if (nd !== undefined) {
          const be = this.lookup(nd);
          if (!be) throw new QomError(`netdev '${nd}' not found`);
          this.connect(port, be);
        }
        return port;
      }
      default:
        throw new QomError(`Parameter 'type' does not accept value '${cfg.type}'`);
    }
    this.clients.push(client);
    this.connect(client, peer);
    return client;
  }

  /** net_init_netdev(): one -netdev. */
  netdevAdd(opts: QemuOpts): NetClient {
    const type = opts.get("type");
    if (type === "help" || type === "?") throw new NetHelpRequest(this.netdevHelpText(), 0);
    if (type === undefined) throw new QomError("Parameter 'type' is missing");
    if (!isNetdevType(type)) throw new QomError(`Parameter 'type' does not accept value '${type}'`);
    if (opts.id === undefined) throw new QomError("Parameter 'id' is missing");
    const cfg = readNetdevOptions(type, opts);
    if (this.lookup(opts.id)) throw new QomError(`Duplicate ID '${opts.id}' for netdev`);
    return this.initBackend(cfg, opts.id, undefined);
  }

  /** net_param_nic(): one -nic: a netdev (unless type=none) and a NIC of `model`. */
  nicAdd(opts: QemuOpts, defaultModel: string | undefined, supportedModels: readonly string[]): void {
    const type = opts.get("type");
    if (type === undefined) throw new QomError("Parameter 'type' is missing");
    let netdev: NetClient | undefined;
    const model = opts.get("model");
    if (model === "help" || model === "?") throw new NetHelpRequest(nicModelsHelp(supportedModels), 0);
    if (type !== "none") {
      if (!isNetdevType(type) || type === "hubport") throw new QomError(`Parameter 'type' does not accept value '${type}'`);
      const cfg = readNetdevOptions(type, opts, { model: "str", macaddr: "str" });
      cfg.opts.delete("model");
      cfg.opts.delete("macaddr");
      const id = opts.id ?? this.generateId();
      if (opts.id !== undefined && this.lookup(opts.id)) throw new QomError(`Duplicate ID '${opts.id}' for netdev`);
      netdev = this.initBackend(cfg, id, undefined);
    }
    if (this.nics.length >= MAX_NICS) throw new QomError("too many nics");
    const mac = opts.get("macaddr");
    let macaddr = defaultMac(this.nics.length);
    if (mac !== undefined) {
      const m = parseMac(mac);
      if (!m) throw new QomError(`invalid syntax for ethernet address`);
      macaddr = m;
    }
    this.nics.push({ model: model ?? defaultModel, name: undefined, macaddr, netdev, devaddr: undefined, vectors: undefined, instantiated: false });
  }

  /** net_init_client(): one legacy -net (nic, user, tap, none), on hub 0 unless netdev= is given. */
  netAdd(opts: QemuOpts): void {
    const type = opts.get("type");
    if (type === undefined) throw new QomError("Parameter 'type' is missing");
    if (type === "none") return;
    if (type === "nic") {
      const cfg = readNetdevOptions("nic", opts, { ...NIC_OPTS, name: "str" });
      let netdev: NetClient | undefined;
      const nd = cfg.opts.get("netdev");
      if (nd !== undefined) {
        netdev = this.lookup(nd);
        if (!netdev) throw new QomError(`netdev '${nd}' not found`);
      } else {
        netdev = this.addHubPort(0);
      }
      if (this.nics.length >= MAX_NICS) throw new QomError("too many nics");
      const mac = cfg.opts.get("macaddr");
      let macaddr = defaultMac(this.nics.length);
      if (mac !== undefined) {
        const m = parseMac(mac);
        if (!m) throw new QomError("invalid syntax for ethernet address");
        macaddr = m;
      }
      const vectors = cfg.opts.get("vectors");
      this.nics.push({
        model: cfg.opts.get("model"),
        name: opts.id ?? cfg.opts.get("name"),
        macaddr,
        netdev,
        devaddr: cfg.opts.get("addr"),
        vectors: vectors !== undefined ? Number(vectors) : undefined,
        instantiated: false,
      });
      return;
    }
    if (type === "hubport") throw new QomError("Parameter 'type' expects a net backend type (maybe it is not compiled into this binary)");
    if (!isNetdevType(type)) throw new QomError(`Parameter 'type' does not accept value '${type}'`);
    const cfg = readNetdevOptions(type, opts, { name: "str" });
    const name = opts.id ?? cfg.opts.get("name") ?? this.generateId();
    cfg.opts.delete("name");
    const port = this.addHubPort(0);
    this.initBackend(cfg, name, port);
  }

  /**
   * net_init_clients(): every -netdev, then -nic, then -net, in command-line order within each.
   * Throws NetOptionError at the failing option, or NetHelpRequest.
   */
  initClients(groups: { netdev: QemuOptsList; nic: QemuOptsList; net: QemuOptsList }, defaultNicModel: string | undefined, supportedModels: readonly string[]): void {
    const each = (list: QemuOptsList, fn: (o: QemuOpts) => void) => {
      for (const o of [...list.head]) {
        try {
          fn(o);
        } catch (e) {
          if (e instanceof QomError) throw new NetOptionError(o.loc, e);
          throw e;
        }
      }
    };
    each(groups.netdev, (o) => this.netdevAdd(o));
    each(groups.nic, (o) => this.nicAdd(o, defaultNicModel, supportedModels));
    each(groups.net, (o) => this.netAdd(o));
  }

  /** net_check_clients(): the warnings QEMU prints once the machine is built. */
  checkClients(warnings: WarningSink): void {
    for (const [id, ports] of this.hubs) {
      let hasNic = false;
      let hasHostDev = false;
      for (const port of ports) {
        if (!port.peer) {
          warnings.warn(`hub port ${port.name} has no peer`);
          continue;
        }
        if (port.peer.type === "nic") hasNic = true;
        else if (port.peer.type === "user" || port.peer.type === "tap") hasHostDev = true;
      }
      // A -net nic's port is connected once the board creates the NIC; count requested NICs too.
      if (!hasNic && this.nics.some((n) => n.netdev && n.netdev.hubId === id && n.instantiated)) hasNic = true;
      if (hasHostDev && !hasNic) warnings.warn(`hub ${id} with no nics`);
      if (hasNic && !hasHostDev) warnings.warn(`hub ${id} is not connected to host network`);
    }
    for (const c of this.clients) {
      if (c.type === "hubport") continue;
      if (!c.peer) warnings.warn(`${c.type === "nic" ? "nic" : "netdev"} ${c.name} has no peer`);
    }
    for (const nd of this.nics) {
      if (!nd.instantiated) {
        warnings.warn(`requested NIC (${nd.name ?? "anonymous"}, model ${nd.model ?? "unspecified"}) was not created (not supported by this machine?)`);
      }
    }
  }

  /**
   * pci_nic_init_nofail()'s model check, for boards creating the NICs of nd_table: the device
   * type for a model name ("virtio" is virtio-net-pci), QEMU's "Unsupported NIC model: x" when
   * there is none.
   */
  resolveNicModel(nd: NicInfo, defaultModel: string, supported: readonly string[]): string {
    const model = nd.model ?? defaultModel;
    if (model === "help" || model === "?") throw new NetHelpRequest(nicModelsHelp(supported), 0);
    const dev = model === "virtio" ? "virtio-net-pci" : model;
    if (!supported.includes(dev)) throw new QomError(`Unsupported NIC model: ${model}`);
    return dev;
  }

  /** The board created `nd`'s device: connect it to its netdev or hub port. */
  nicCreated(nd: NicInfo, devType: string): NetClient {
    nd.instantiated = true;
    const nic: NetClient = { name: nd.name ?? this.nicName(devType), type: "nic", peer: undefined, infoStr: `model=${devType},macaddr=${nd.macaddr}` };
    this.clients.push(nic);
    if (nd.netdev && !nd.netdev.peer) this.connect(nic, nd.netdev);
    return nic;
  }
}

/** "Supported NIC models:" and one model per line, as qemu_show_nic_models prints them. */
export function nicModelsHelp(models: readonly string[]): string {
  return `Supported NIC models:\n${models.map((m) => `${m}\n`).join("")}`;
}

/**
 * The PCI NIC models a machine offers for -net nic/-nic: every concrete PCI device in the
 * network category, sorted by name, as QEMU lists them.
 */
export function pciNicModels(types: TypeRegistry): string[] {
  const out: string[] = [];
  for (const klass of types.classList("pci-device", false)) {
    const cats = (klass as { categories?: Set<string> }).categories;
    if (cats?.has("network")) out.push(klass.type.name);
  }
  return out.sort();
}

/** net_init_tap() for the fd= case and the configuration of the others. */
function initTap(cfg: NetdevConfig, name: string, peer: NetClient | undefined): NetClient {
  const o = cfg.opts;
  if (peer && (o.has("queues") || o.has("fds") || o.has("vhostfds"))) throw new QomError("Multiqueue tap cannot be used with hubs");
  const client: NetClient = { name, type: "tap", peer: undefined, infoStr: "", config: cfg };
  const fdStr = o.get("fd");
  if (fdStr !== undefined) {
    for (const k of ["ifname", "script", "downscript", "vnet_hdr", "helper", "queues", "fds", "vhostfds"]) {
      if (o.has(k)) {
        throw new QomError("ifname=, script=, downscript=, vnet_hdr=, helper=, queues=, fds=, and vhostfds= are invalid with fd=");
      }
    }
    if (!/^[0-9]/.test(fdStr) || !/^\d+$/.test(fdStr)) throw new QomError(`Invalid file descriptor number '${fdStr}'`);
    const fd = Number.parseInt(fdStr, 10);
    let st;
    try {
      st = fstatSync(fd);
    } catch (e) {
      throw new QomError(`${name}: Can't use file descriptor ${fd}: ${strerror(e)}`);
    }
    // A tap fd is /dev/net/tun (character device 10:200); anything else fails TUNGETIFF.
    const isTun = st.isCharacterDevice() && Math.floor(st.rdev / 256) === 10 && st.rdev % 256 === 200;
    if (!isTun) throw new QomError(`Unable to query TUNGETIFF on FD ${fd}: Inappropriate ioctl for device`);
    client.tapFd = fd;
    client.infoStr = `type=tap,fd=${fd}`;
    return client;
  }
  if (o.has("vhostfds")) throw new QomError("vhostfds= is invalid if fds= wasn't specified");
  const parts = ["type=tap"];
  if (o.has("ifname")) parts.push(`ifname=${o.get("ifname")}`);
  parts.push(`script=${o.get("script") ?? "/etc/qemu-ifup"}`, `downscript=${o.get("downscript") ?? "/etc/qemu-ifdown"}`);
  client.infoStr = parts.join(",");
  return client;
}
