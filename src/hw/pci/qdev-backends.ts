/**
 * Device properties that name a backend: `drive`, `netdev` (and `mac`, which goes with it).
 * QEMU keeps them in hw/core/qdev-properties-system.c; they live here until hw/core takes them.
 *
 * The backends themselves (block, net, chardev) are another module's: the machine installs a
 * resolver with `setBackendResolver`. Without one, ids are stored unchecked, so boards can be
 * built before the backends exist. With one, setting the property resolves the id at once and
 * fails with QEMU's texts, as QEMU does at property-set time (not at realize).
 */
import { QomError } from "../../qom/error.js";
import type { TypeRegistry } from "../../qom/type.js";
import type { PropertyKind } from "../core/qdev-properties.js";
import type { DeviceState } from "../core/qdev.js";

export type BackendKind = "drive" | "netdev" | "chardev";

/** What the block layer may tell about a drive, if its object carries these fields. */
export interface DriveBackendInfo {
  /** Opened read-only (`read-only=on`). */
  readonly readOnly?: boolean;
  /** The legacy `-drive if=` value; anything but "none" was meant for a board device. */
  readonly interfaceType?: string;
}

/**
 * A backend as the devices see it: any object the backend layer hands out (a BlockBackend, a
 * network client, a Chardev); devices only compare and hold them.
 */
export type Backend = object;

export type BackendResolver = (kind: BackendKind, id: string) => Backend | undefined;

interface BackendState {
  resolver?: BackendResolver;
  /** Which device holds each backend (QEMU's blk->dev, a netdev's peer). */
  readonly holders: Map<Backend, DeviceState>;
  /** Last bytes of the default MACs already handed out (QEMU's mac_table). */
  readonly usedMacs: Set<number>;
}

const states = new WeakMap<TypeRegistry, BackendState>();

function stateOf(registry: TypeRegistry): BackendState {
  let s = states.get(registry);
  if (!s) states.set(registry, (s = { holders: new Map(), usedMacs: new Set() }));
  return s;
}

/** Installed by the machine once its backends can be looked up. */
export function setBackendResolver(registry: TypeRegistry, resolver: BackendResolver | undefined): void {
  stateOf(registry).resolver = resolver;
}

export function resolveBackend(registry: TypeRegistry, kind: BackendKind, id: string): Backend | undefined {
  return stateOf(registry).resolver?.(kind, id);
}

/** The device a backend is attached to, if any. */
export function backendHolder(registry: TypeRegistry, backend: Backend): DeviceState | undefined {
  return stateOf(registry).holders.get(backend);
}

/** A backend that keeps its own record of the device using it (the block layer's BlockBackend). */
interface AttachableBackend {
  attach(dev: unknown): void;
  detach(): void;
}

function attachable(backend: Backend): AttachableBackend | undefined {
  const b = backend as Partial<AttachableBackend>;
  return typeof b.attach === "function" && typeof b.detach === "function" ? (b as AttachableBackend) : undefined;
}

/** Records `dev` as the user of `backend`, telling the backend itself when it keeps track (QEMU's blk_attach_dev). */
function hold(state: { holders: Map<Backend, DeviceState> }, backend: Backend, dev: DeviceState): void {
  if (state.holders.get(backend) === dev) return;
  attachable(backend)?.attach(dev);
  state.holders.set(backend, dev);
}

/** Frees every backend `dev` holds; devices call it when they are finalised. */
export function releaseBackends(dev: DeviceState): void {
  const { holders } = stateOf(dev.registry);
  for (const [backend, holder] of [...holders]) {
    if (holder !== dev) continue;
    holders.delete(backend);
    attachable(backend)?.detach();
  }
}

function cantFind(dev: DeviceState, name: string, id: string): QomError {
  return new QomError(`Property '${dev.typeName}.${name}' can't find value '${id}'`);
}

/** A `drive` property: the id is checked and the drive attached when the property is set. */
export const driveKind: PropertyKind<string> = {
  type: "str",
  description: "Node name or ID of a block device to use as a backend",
  read(v, name, dev) {
    const id = v.typeStr(name);
    const state = stateOf(dev.registry);
    if (!state.resolver) return id;
    const blk = state.resolver("drive", id);
    if (!blk) throw cantFind(dev, name, id);
    const holder = state.holders.get(blk);
    // A block backend reports double use itself, with QEMU's two texts (see hold()).
    if (holder && holder !== dev && !attachable(blk)) {
      const info = blk as Partial<DriveBackendInfo>;
      if (info.interfaceType !== undefined && info.interfaceType !== "none") {
        throw new QomError(
          `Drive '${id}' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)`,
        );
      }
      throw new QomError(`Drive '${id}' is already in use by another device`);
    }
    hold(state, blk, dev);
    return id;
  },
  write: (x) => x,
};

/** A `netdev` property: a NIC takes a netdev that has no peer yet. */
export const netdevKind: PropertyKind<string> = {
  type: "str",
  description: "ID of a netdev to use as a backend",
  read(v, name, dev) {
    const id = v.typeStr(name);
    const state = stateOf(dev.registry);
    if (!state.resolver) return id;
    const nc = state.resolver("netdev", id);
    if (!nc) throw cantFind(dev, name, id);
    const holder = state.holders.get(nc);
    if (holder && holder !== dev) {
      throw new QomError(`Property '${dev.typeName}.${name}' can't take value '${id}', it's in use`);
    }
    state.holders.set(nc, dev);
    return id;
  },
  write: (x) => x,
};

/** The drive object a device's `drive` id stands for (undefined without a resolver). */
export function driveOf(dev: DeviceState, id: string | undefined): (Backend & Partial<DriveBackendInfo>) | undefined {
  if (id === undefined || id === "") return undefined;
  return resolveBackend(dev.registry, "drive", id);
}

// ---- MAC addresses ----------------------------------------------------------------------------------

export type MacAddr = readonly [number, number, number, number, number, number];

export const ZERO_MAC: MacAddr = [0, 0, 0, 0, 0, 0];

function isHex(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/** QEMU's set_mac parsing: six hex pairs separated by `:` or `-`. */
export function parseMac(text: string): MacAddr | undefined {
  const out: number[] = [];
  for (let i = 0, pos = 0; i < 6; i++, pos += 3) {
    if (!isHex(text[pos]) || !isHex(text[pos + 1])) return undefined;
    const sep = text[pos + 2];
    if (i === 5 ? sep !== undefined : sep !== ":" && sep !== "-") return undefined;
    out.push(parseInt(text.slice(pos, pos + 2), 16));
  }
  return out as unknown as MacAddr;
}

export function formatMac(mac: MacAddr): string {
  return mac.map((b) => b.toString(16).padStart(2, "0")).join(":");
}

export const macKind: PropertyKind<MacAddr> = {
  type: "str",
  description: "Ethernet 6-byte MAC Address, example: 52:54:00:12:34:56",
  read(v, name, dev) {
    const text = v.typeStr(name);
    const mac = parseMac(text);
    if (!mac) throw new QomError(`Property '${dev.typeName}.${name}' doesn't take value '${text}'`);
    return mac;
  },
  write: (x) => formatMac(x),
};

/**
 * QEMU's qemu_macaddr_default_if_unset: an all-zero MAC becomes 52:54:00:12:34:NN with the
 * first NN from 0x56 no other NIC of the machine took.
 */
export function macaddrDefaultIfUnset(registry: TypeRegistry, mac: MacAddr): MacAddr {
  const used = stateOf(registry).usedMacs;
  const isDefaultRange = mac[0] === 0x52 && mac[1] === 0x54 && mac[2] === 0x00 && mac[3] === 0x12 && mac[4] === 0x34;
  if (mac.some((b) => b !== 0)) {
    if (isDefaultRange) used.add(mac[5]);
    return mac;
  }
  for (let i = 0x56; i < 0x100; i++) {
    if (!used.has(i)) {
      used.add(i);
      return [0x52, 0x54, 0x00, 0x12, 0x34, i];
    }
  }
  return mac;
}

/** Gives a default MAC's last byte back when its NIC goes away (QEMU's qemu_macaddr_set_free). */
export function macaddrSetFree(registry: TypeRegistry, mac: MacAddr): void {
  if (mac[0] === 0x52 && mac[1] === 0x54 && mac[2] === 0x00 && mac[3] === 0x12 && mac[4] === 0x34) {
    stateOf(registry).usedMacs.delete(mac[5]);
  }
}

/** Attaches a drive the board picked (legacy `-drive if=…`) without the property's checks. */
export function attachDrive(dev: DeviceState, id: string): void {
  const state = stateOf(dev.registry);
  const blk = state.resolver?.("drive", id);
  if (blk) hold(state, blk, dev);
}
