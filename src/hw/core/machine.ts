/**
 * The machine object (QEMU's hw/core/machine.c): MachineState holds what the command line and
 * QMP configure (memory, topology, kernel, firmware, boot order, …); MachineClass holds what a
 * machine type fixes (description, limits, defaults, its board init function).
 */
import type { JsonObject, JsonValue } from "../../qobject/json-value.js";
import { adoptChild } from "../../qom/child.js";
import { QomError } from "../../qom/error.js";
import { linkProperty, allowSetLink } from "../../qom/link.js";
import { addClassProperty, objectNew, QomObject } from "../../qom/object.js";
import { boolProperty, intProperty, strProperty, structProperty } from "../../qom/property.js";
import { TYPE_OBJECT, type ObjectClass, type TypeInfo } from "../../qom/type.js";
import type { Visitor } from "../../qom/visitor.js";
import { qemuStrtosz, qemuStrtou64 } from "../../util/cutils.js";
import { machineParseSmpConfig, smpConfigFromKeyval, type CpuTopology } from "./machine-smp.js";

export const TYPE_MACHINE = "machine";
export const TYPE_MACHINE_SUFFIX = "-machine";
export const TYPE_MEMORY_BACKEND = "memory-backend";

/** QEMU's BlockInterfaceType names, for the machine's default -drive interface. */
export type BlockInterfaceType = "none" | "ide" | "scsi" | "floppy" | "pflash" | "mtd" | "sd" | "virtio" | "xen";

export interface CompatProperty {
  driver: string;
  property: string;
  value: string;
}

export interface MachineClass extends ObjectClass {
  /** The machine's name without the `-machine` suffix (`pc-i440fx-7.2`). */
  name: string;
  desc: string;
  family?: string;
  alias?: string;
  isDefault: boolean;
  deprecationReason?: string;
  /** Builds the board (QEMU's MachineClass.init). */
  init?: (ms: MachineState) => void;
  maxCpus: number;
  minCpus: number;
  defaultCpus: number;
  hasHotpluggableCpus: boolean;
  numaMemSupported: boolean;
  nvdimmSupported: boolean;
  cxlSupported: boolean;
  smpProps: { diesSupported: boolean; clustersSupported: boolean; preferSockets: boolean };
  defaultCpuType?: string;
  defaultRamId?: string;
  defaultRamSize: number;
  defaultBootOrder?: string;
  defaultNicModel?: string;
  defaultMachineOpts?: string;
  defaultDisplay?: string;
  defaultKernelIrqchipSplit: boolean;
  blockDefaultType: BlockInterfaceType;
  unitsPerDefaultBus: number;
  noFloppy: boolean;
  noCdrom: boolean;
  noSdcard: boolean;
  noParallel: boolean;
  noSerial: boolean;
  /** `query-current-machine`'s wakeup-suspend-support. */
  wakeupSuspendSupport: boolean;
  /** Property defaults this machine version sets on devices (QEMU's compat_props). */
  compatProps: CompatProperty[];
  /** The board's hotplug handler for a device, if any (QEMU's get_hotplug_handler). */
  getHotplugHandler?: (ms: MachineState, dev: QomObject) => QomObject | undefined;
}

export interface BootConfiguration {
  order?: string;
  once?: string;
  menu?: boolean;
  splash?: string;
  "splash-time"?: number;
  "reboot-timeout"?: number;
  strict?: boolean;
}

export class MachineState extends QomObject {
  kernelFilename: string | undefined;
  initrdFilename: string | undefined;
  kernelCmdline: string | undefined;
  dtb: string | undefined;
  dumpdtb: string | undefined;
  dtCompatible: string | undefined;
  phandleStart = 0;
  dumpGuestCore = true;
  memMerge = true;
  usb = false;
  /** Whether `usb` was set explicitly. */
  usbDisabled = false;
  enableGraphics = true;
  firmware: string | undefined;
  suppressVmdesc = false;
  memoryEncryption: string | undefined;
  cgs: QomObject | undefined;
  memdev: QomObject | undefined;
  ramSize = 0;
  maxramSize = 0;
  ramSlots = 0;
  ramMemdevId: string | undefined;
  boot: BootConfiguration = {};
  smp: CpuTopology = { cpus: 1, sockets: 1, dies: 1, clusters: 1, cores: 1, threads: 1, maxCpus: 1 };
  cpuType: string | undefined;
  /** The accelerator name chosen for this machine (`tcg`, `kvm`). */
  accel: string | undefined;
  /** Firmware search directories from -L, searched before the built-in ones. */
  dataDirs: string[] = [];

  get machineClass(): MachineClass {
    return this.classAs<MachineClass>(TYPE_MACHINE);
  }
}

function ms(o: QomObject): MachineState {
  return o as MachineState;
}

function optStr(name: string, description: string, get: (m: MachineState) => string | undefined, set: (m: MachineState, v: string) => void) {
  const p = strProperty(name, { get: (o) => get(ms(o)) ?? "", set: (o, v) => set(ms(o), v) });
  p.description = description;
  return p;
}

function describedBool(name: string, description: string, get: (m: MachineState) => boolean, set: (m: MachineState, v: boolean) => void) {
  const p = boolProperty(name, { get: (o) => get(ms(o)), set: (o, v) => set(ms(o), v) });
  p.description = description;
  return p;
}

/** Reads a struct-valued property into JSON with QEMU's member-path error texts. */
function readStructObject(v: Visitor, name: string): JsonObject {
  const value = v.typeAny(name);
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new QomError(`Invalid parameter type for '${name}', expected: object`);
  }
  return value;
}

const MEMORY_MEMBERS = ["size", "max-size", "slots"] as const;

/** QEMU's machine_set_mem: size (aligned to 8 KiB), max-size and slots with their checks. */
function setMemory(m: MachineState, v: Visitor): void {
  const cfg = readStructObject(v, "memory");
  const values: Partial<Record<(typeof MEMORY_MEMBERS)[number], number>> = {};
  for (const key of Object.keys(cfg)) {
    if (!(MEMORY_MEMBERS as readonly string[]).includes(key)) {
      throw new QomError(`Parameter 'memory.${key}' is unexpected`);
    }
  }
  for (const member of MEMORY_MEMBERS) {
    const raw = cfg[member];
    if (raw === undefined) continue;
    values[member] = Number(readSizeMember(v.kind, raw, `memory.${member}`, member === "slots"));
  }
  let size = values.size ?? m.machineClass.defaultRamSize;
  size = Math.ceil(size / 8192) * 8192;
  let maxram = size;
  if (values["max-size"] !== undefined) {
    const max = values["max-size"];
    const hex = (n: number) => "0x" + n.toString(16);
    if (max < size) {
      throw new QomError(
        `invalid value of maxmem: maximum memory size (${hex(max)}) must be at least the initial memory size (${hex(size)})`,
      );
    }
    if (values.slots && max === size) {
      throw new QomError(
        `invalid value of maxmem: memory slots were specified but maximum memory size (${hex(max)}) is equal to the initial memory size (${hex(size)})`,
      );
    }
    maxram = max;
  } else if (values.slots !== undefined) {
    throw new QomError("slots specified but no max-size");
  }
  m.ramSize = size;
  m.maxramSize = maxram;
  m.ramSlots = values.slots ?? 0;
}

/** A size (or uint64 for slots) member from JSON or keyval text. */
function readSizeMember(kind: Visitor["kind"], raw: JsonValue, full: string, isSlots: boolean): bigint {
  if (kind === "json") {
    if (typeof raw === "number" && Number.isInteger(raw) && raw >= 0) return BigInt(raw);
    if (typeof raw === "bigint" && raw >= 0n) return raw;
    throw new QomError(`Parameter '${full}' expects uint64`);
  }
  if (typeof raw !== "string") throw new QomError(`Invalid parameter type for '${full}', expected: string`);
  const parsed = isSlots ? qemuStrtou64(raw, 0) : qemuStrtosz(raw);
  if (parsed.err) throw new QomError(`Parameter '${full}' expects ${isSlots ? "integer" : "size"}`);
  return parsed.value;
}

function getMemory(m: MachineState): JsonObject {
  const out: JsonObject = { size: m.ramSize };
  if (m.maxramSize > m.ramSize) out["max-size"] = m.maxramSize;
  if (m.ramSlots) out["slots"] = m.ramSlots;
  return out;
}

/** Boot devices a PC accepts (QEMU's pc_boot_set / validate_bootdevices: a–p). */
export function validateBootDevices(order: string): void {
  const seen = new Set<string>();
  for (const c of order) {
    if (c < "a" || c > "p") throw new QomError(`Invalid boot device '${c}'`);
    if (seen.has(c)) throw new QomError(`Boot device '${c}' was given twice`);
    seen.add(c);
  }
}

function setBoot(m: MachineState, v: Visitor): void {
  const cfg = readStructObject(v, "boot");
  const boot: BootConfiguration = { ...m.boot };
  for (const [key, raw] of Object.entries(cfg)) {
    const full = `boot.${key}`;
    switch (key) {
      case "order":
      case "once":
      case "splash":
        if (typeof raw !== "string") throw new QomError(`Invalid parameter type for '${full}', expected: string`);
        if (key !== "splash") validateBootDevices(raw);
        boot[key] = raw;
        break;
      case "menu":
      case "strict":
        boot[key] = readBool(v.kind, raw, full);
        break;
      case "splash-time":
      case "reboot-timeout":
        boot[key] = Number(readIntMember(v.kind, raw, full));
        break;
      default:
        throw new QomError(`Parameter '${full}' is unexpected`);
    }
  }
  m.boot = boot;
}

function readBool(kind: Visitor["kind"], raw: JsonValue, full: string): boolean {
  if (kind === "json") {
    if (typeof raw !== "boolean") throw new QomError(`Invalid parameter type for '${full}', expected: boolean`);
    return raw;
  }
  if (raw !== "on" && raw !== "off") throw new QomError(`Parameter '${full}' expects 'on' or 'off'`);
  return raw === "on";
}

function readIntMember(kind: Visitor["kind"], raw: JsonValue, full: string): bigint {
  if (kind === "json") {
    if (typeof raw === "number" && Number.isInteger(raw)) return BigInt(raw);
    if (typeof raw === "bigint") return raw;
    throw new QomError(`Invalid parameter type for '${full}', expected: integer`);
  }
  if (typeof raw !== "string" || !/^-?(0x[0-9a-f]+|[0-9]+)$/i.test(raw)) {
    throw new QomError(`Parameter '${full}' expects integer`);
  }
  return raw.startsWith("-") ? -BigInt(raw.slice(1)) : BigInt(raw);
}

function setSmp(m: MachineState, v: Visitor): void {
  const mc = m.machineClass;
  const config = smpConfigFromKeyval(v.typeAny("smp"), "smp");
  m.smp = machineParseSmpConfig(
    { name: mc.name, minCpus: mc.minCpus, maxCpus: mc.maxCpus, ...mc.smpProps },
    config,
  );
}

function getSmp(m: MachineState): JsonObject {
  const t = m.smp;
  return { cpus: t.cpus, maxcpus: t.maxCpus, sockets: t.sockets, dies: t.dies, clusters: t.clusters, cores: t.cores, threads: t.threads };
}

function machineClassInit(k: ObjectClass): void {
  const mc = k as MachineClass;
  Object.assign(mc, {
    name: "",
    desc: "",
    isDefault: false,
    maxCpus: 1,
    minCpus: 0,
    defaultCpus: 1,
    hasHotpluggableCpus: false,
    numaMemSupported: false,
    nvdimmSupported: false,
    cxlSupported: false,
    smpProps: { diesSupported: false, clustersSupported: false, preferSockets: false },
    defaultRamSize: 128 * 1024 * 1024,
    defaultKernelIrqchipSplit: false,
    blockDefaultType: "ide",
    unitsPerDefaultBus: 0,
    noFloppy: false,
    noCdrom: false,
    noSdcard: false,
    noParallel: false,
    noSerial: false,
    wakeupSuspendSupport: false,
    compatProps: [],
  } satisfies Partial<MachineClass>);

  const add = (p: Parameters<typeof addClassProperty>[1]) => addClassProperty(k, p);
  const memBackend = linkProperty(
    "memory-backend",
    TYPE_MEMORY_BACKEND,
    { get: (o) => ms(o).memdev, set: (o, t) => (ms(o).memdev = t) },
    { check: allowSetLink, strong: true, description: "Set RAM backendValid value is ID of hostmem based backend" },
  );
  const cgs = linkProperty(
    "confidential-guest-support",
    "confidential-guest-support",
    { get: (o) => ms(o).cgs, set: (o, t) => (ms(o).cgs = t) },
    { check: allowSetLink, description: "Set confidential guest scheme to support" },
  );
  const memory = structProperty("memory", "MemorySizeConfiguration", { get: (o) => getMemory(ms(o)) });
  memory.set = (o, v) => setMemory(ms(o), v);
  memory.description = "Memory size configuration";
  const smp = structProperty("smp", "SMPConfiguration", { get: (o) => getSmp(ms(o)) });
  smp.set = (o, v) => setSmp(ms(o), v);
  smp.description = "CPU topology";
  const boot = structProperty("boot", "BootConfiguration", { get: (o) => ms(o).boot as JsonObject });
  boot.set = (o, v) => setBoot(ms(o), v);
  boot.description = "Boot configuration";
  const phandle = intProperty("phandle-start", "int64", {
    get: (o) => ms(o).phandleStart,
    set: (o, v) => (ms(o).phandleStart = Number(v)),
  });
  Object.assign(phandle, { type: "int", description: "The first phandle ID we may generate dynamically" });

  const forward = [
    optStr("kernel", "Linux kernel image file", (m) => m.kernelFilename, (m, v) => (m.kernelFilename = v)),
    optStr("dt-compatible", 'Overrides the "compatible" property of the dt root node', (m) => m.dtCompatible, (m, v) => (m.dtCompatible = v)),
    boot,
    memory,
    optStr("initrd", "Linux initial ramdisk file", (m) => m.initrdFilename, (m, v) => (m.initrdFilename = v)),
    cgs,
    describedBool("graphics", "Set on/off to enable/disable graphics emulation", (m) => m.enableGraphics, (m, v) => (m.enableGraphics = v)),
    describedBool("usb", "Set on/off to enable/disable usb", (m) => m.usb, (m, v) => {
      m.usb = v;
      m.usbDisabled = !v;
    }),
    optStr("firmware", "Firmware image", (m) => m.firmware, (m, v) => (m.firmware = v)),
    optStr("memory-encryption", "Set memory encryption object to use", (m) => m.memoryEncryption, (m, v) => (m.memoryEncryption = v)),
    smp,
    describedBool("dump-guest-core", "Include guest memory in a core dump", (m) => m.dumpGuestCore, (m, v) => (m.dumpGuestCore = v)),
    phandle,
    optStr("dumpdtb", "Dump current dtb to a file and quit", (m) => m.dumpdtb, (m, v) => (m.dumpdtb = v)),
    memBackend,
    optStr("dtb", "Linux kernel device tree file", (m) => m.dtb, (m, v) => (m.dtb = v)),
    describedBool("mem-merge", "Enable/disable memory merge support", (m) => m.memMerge, (m, v) => (m.memMerge = v)),
    optStr("append", "Linux kernel command line", (m) => m.kernelCmdline, (m, v) => (m.kernelCmdline = v)),
    describedBool("suppress-vmdesc", "Set on to disable self-describing migration", (m) => m.suppressVmdesc, (m, v) => (m.suppressVmdesc = v)),
  ];
  // Listings show class properties in reverse insertion order (QEMU prepends while iterating),
  // so insert backwards to list them in the order QEMU's capture shows.
  for (const p of forward.reverse()) add(p);
}

/** QEMU's machine_initfn: the peripheral containers and the version-dependent instance properties. */
function machineInstanceInit(o: QomObject): void {
  const m = ms(o);
  const mc = m.machineClass;
  m.ramSize = mc.defaultRamSize;
  m.maxramSize = mc.defaultRamSize;
  m.ramMemdevId = undefined;
  if (mc.defaultBootOrder !== undefined) m.boot = { order: mc.defaultBootOrder };
  m.smp = { cpus: mc.defaultCpus, sockets: mc.defaultCpus, dies: 1, clusters: 1, cores: 1, threads: 1, maxCpus: mc.defaultCpus };
  adoptChild(m, "peripheral", objectNew(m.registry, "container"));
  adoptChild(m, "peripheral-anon", objectNew(m.registry, "container"));
}

export const machineTypeInfo: TypeInfo<MachineState, MachineClass> = {
  name: TYPE_MACHINE,
  parent: TYPE_OBJECT,
  abstract: true,
  instance: MachineState,
  classInit: machineClassInit,
  instanceInit: machineInstanceInit,
};
