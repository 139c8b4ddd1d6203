/**
 * `-smbios` (QEMU 7.2's smbios_entry_add, run as each option is parsed): `file=` loads a binary
 * structure, `type=N,…` records fields of structure N, each checked against that type's option
 * list with QEMU's messages. The tables are built later, when the machine is complete.
 */
import { readFileSync, statSync } from "node:fs";
import { QemuError } from "../../util/error.js";
import { qemuOptsValidate, type QemuOptDesc, type QemuOpts } from "../../util/qemu-option.js";
import { parseUuid, type SmbiosConfig } from "./smbios-config.js";

/** QEMU's SMBIOS_MAX_TYPE. */
const SMBIOS_MAX_TYPE = 127;

const str = (name: string): QemuOptDesc => ({ name, type: "string" });
const num = (name: string): QemuOptDesc => ({ name, type: "number" });
const TYPE = str("type");

/** The option list of each type (QEMU's qemu_smbios_typeN_opts). */
const TYPE_OPTS: Readonly<Record<number, readonly QemuOptDesc[]>> = {
  0: [TYPE, str("vendor"), str("version"), str("date"), str("release"), { name: "uefi", type: "bool" }],
  1: [TYPE, str("manufacturer"), str("product"), str("version"), str("serial"), str("uuid"), str("sku"), str("family")],
  2: [TYPE, str("manufacturer"), str("product"), str("version"), str("serial"), str("asset"), str("location")],
  3: [TYPE, str("manufacturer"), str("version"), str("serial"), str("asset"), str("sku")],
  4: [TYPE, str("sock_pfx"), str("manufacturer"), str("version"), str("serial"), str("asset"), str("part"), num("max-speed"), num("current-speed"), num("processor-id")],
  8: [TYPE, str("internal_reference"), str("external_reference"), num("connector_type"), num("port_type")],
  11: [TYPE, str("value"), str("path")],
  17: [TYPE, str("loc_pfx"), str("bank"), str("manufacturer"), str("serial"), str("asset"), str("part"), num("speed")],
  41: [TYPE, str("designation"), str("kind"), num("instance"), str("pcidev")],
};

/** Type 41 device kinds, in QEMU's order (the value is the index plus one). */
const TYPE41_KINDS = ["other", "unknown", "video", "scsi", "ethernet", "tokenring", "sound", "pata", "sata", "sas"];

/** strtoul(s, NULL, 0): a leading number in C syntax, 0 when there is none. */
function strtoul0(s: string): number {
  const m = /^\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return 0;
  const body = m[2]!;
  const v = body.length > 1 && body[0] === "0" && (body[1] === "x" || body[1] === "X") ? parseInt(body.slice(2), 16) : body.startsWith("0") ? parseInt(body, 8) : parseInt(body, 10);
  return m[1] === "-" ? -v : v;
}

/** sscanf("%hhu.%hhu"): two numbers around a dot, each kept modulo 256 as sscanf stores them. */
function parseRelease(s: string): [number, number] | undefined {
  const m = /^\s*([+-]?\d+)\.\s*([+-]?\d+)/.exec(s);
  if (!m) return undefined;
  return [Number(BigInt.asUintN(8, BigInt(m[1]!))), Number(BigInt.asUintN(8, BigInt(m[2]!)))];
}

function errnoText(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "ENOENT") return "No such file or directory";
  if (code === "EACCES") return "Permission denied";
  if (code === "EISDIR") return "Is a directory";
  return err instanceof Error ? err.message : String(err);
}

function loadFile(c: SmbiosConfig, path: string): void {
  let data: Uint8Array;
  try {
    if (statSync(path).size < 4) throw new Error("short");
    data = new Uint8Array(readFileSync(path));
  } catch {
    throw new QemuError(`Cannot read SMBIOS file ${path}`);
  }
  const type = data[0]!;
  if (type <= SMBIOS_MAX_TYPE) {
    if (c.haveFields.has(type)) throw new QemuError(`can't load type ${type} struct, fields already specified!`);
    c.haveBinfile.add(type);
  }
  if (type === 4) c.blobType4Count++;
  c.blobs.push(data);
}

/** The value of `name`, unless absent (QEMU's save_opt keeps the last one given). */
function opt(opts: QemuOpts, name: string): string | undefined {
  return opts.get(name);
}

/** QEMU's smbios_entry_add: records one -smbios option in `c`, or throws QEMU's error. */
export function smbiosEntryAdd(c: SmbiosConfig, opts: QemuOpts): void {
  const file = opts.get("file");
  if (file !== undefined) {
    qemuOptsValidate(opts, [str("file")]);
    loadFile(c, file);
    return;
  }
  const typeText = opts.get("type");
  if (typeText === undefined) throw new QemuError("Must specify type= or file=");
  const type = strtoul0(typeText);
  if (type > SMBIOS_MAX_TYPE || type < 0) throw new QemuError("out of range!");
  if (c.haveBinfile.has(type)) throw new QemuError("can't add fields, binary file already loaded!");
  c.haveFields.add(type);
  const desc = TYPE_OPTS[type];
  if (!desc) throw new QemuError(`Don't know how to build fields for SMBIOS type ${type}`);
  qemuOptsValidate(opts, desc);
  const set = <T extends object>(target: T, fields: Record<string, keyof T>): void => {
    for (const [name, field] of Object.entries(fields)) {
      const v = opt(opts, name);
      if (v !== undefined) (target as Record<keyof T, unknown>)[field] = v;
    }
  };
  switch (type) {
    case 0: {
      set(c.type0, { vendor: "vendor", version: "version", date: "date" });
      c.type0.uefi = opts.getBool("uefi", false);
      const release = opts.get("release");
      if (release !== undefined) {
        const r = parseRelease(release);
        if (!r) throw new QemuError("Invalid release");
        c.type0.release = r;
      }
      return;
    }
    case 1: {
      set(c.type1, { manufacturer: "manufacturer", product: "product", version: "version", serial: "serial", sku: "sku", family: "family" });
      const uuid = opts.get("uuid");
      if (uuid !== undefined) {
        const bytes = parseUuid(uuid);
        if (!bytes) throw new QemuError("Invalid UUID");
        c.uuid = bytes;
      }
      return;
    }
    case 2:
      set(c.type2, { manufacturer: "manufacturer", product: "product", version: "version", serial: "serial", asset: "asset", location: "location" });
      return;
    case 3:
      set(c.type3, { manufacturer: "manufacturer", version: "version", serial: "serial", asset: "asset", sku: "sku" });
      return;
    case 4: {
      set(c.type4, { sock_pfx: "sockPfx", manufacturer: "manufacturer", version: "version", serial: "serial", asset: "asset", part: "part" });
      const max = opts.getNumber("max-speed", 2000n);
      const cur = opts.getNumber("current-speed", 2000n);
      c.type4.processorId = opts.getNumber("processor-id", 0n);
      // QEMU keeps the values even when it reports them (the error ends the program anyway).
      c.type4.maxSpeed = Number(BigInt.asUintN(16, max));
      c.type4.currentSpeed = Number(BigInt.asUintN(16, cur));
      if (max > 0xffffn || cur > 0xffffn) throw new QemuError("SMBIOS CPU speed is too large (> 65535)");
      return;
    }
    case 8: {
      const t = { connectorType: Number(BigInt.asUintN(8, opts.getNumber("connector_type", 0n))), portType: Number(BigInt.asUintN(8, opts.getNumber("port_type", 0n))) };
      const internal = opt(opts, "internal_reference");
      const external = opt(opts, "external_reference");
      c.type8.push({ ...t, ...(internal !== undefined ? { internalReference: internal } : {}), ...(external !== undefined ? { externalReference: external } : {}) });
      return;
    }
    case 11:
      for (const o of opts.opts) {
        if (o.name === "value") c.type11.push(o.str);
        else if (o.name === "path") c.type11.push(readOemFile(o.str));
      }
      return;
    case 17: {
      set(c.type17, { loc_pfx: "locPfx", bank: "bank", manufacturer: "manufacturer", serial: "serial", asset: "asset", part: "part" });
      c.type17.speed = Number(BigInt.asUintN(16, opts.getNumber("speed", 0n)));
      return;
    }
    case 41: {
      const kindText = opts.get("kind");
      let kind = 0;
      if (kindText !== undefined) {
        kind = TYPE41_KINDS.indexOf(kindText);
        if (kind < 0) throw new QemuError(`invalid parameter value: ${kindText}`);
      }
      const designation = opt(opts, "designation");
      const pcidev = opt(opts, "pcidev");
      c.type41.push({
        kind: (kind + 1) | 0x80,
        instance: Number(BigInt.asUintN(8, opts.getNumber("instance", 0n))),
        ...(designation !== undefined ? { designation } : {}),
        ...(pcidev !== undefined ? { pcidev } : {}),
      });
      return;
    }
  }
}

/** A type 11 `path=`: the file's contents become one OEM string. */
function readOemFile(path: string): string {
  try {
    return readFileSync(path, "latin1");
  } catch (err) {
    throw new QemuError(`Could not open '${path}': ${errnoText(err)}`);
  }
}
