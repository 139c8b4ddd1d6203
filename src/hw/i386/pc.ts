/**
 * The abstract PC machine (QEMU's hw/i386/pc.c, type `generic-pc-machine`): the switches a PC
 * board has (HPET, SMBus, SATA, i8042, vmport, …) and the instance properties every PC gets at
 * creation (the PC speaker's audiodev alias, the two system flash devices on PCI boards).
 */
import { QomError } from "../../qom/error.js";
import { addClassProperty, type QomObject } from "../../qom/object.js";
import { boolProperty, enumProperty, intProperty, sizeProperty, strProperty } from "../../qom/property.js";
import type { ObjectClass, TypeInfo } from "../../qom/type.js";
import { type MachineClass } from "../core/machine.js";
import { ON_OFF_AUTO, TYPE_X86_MACHINE, X86MachineState, type OnOffAuto } from "./x86.js";
import type { PcSpkState } from "../audio/pcspk.js";
import type { FwCfgIoState } from "../nvram/fw-cfg.js";
import { pcMachineInitfn, type BoardBackends } from "./pc-init.js";
import type { LegacyIdeDrive } from "../ide/ide-dev.js";
import type { ParsedX86CpuOption } from "../../target/i386/cpu-parse.js";
import type { WarningSink } from "../../util/error.js";
import type { NetClientRegistry } from "../../net/net.js";

export const TYPE_PC_MACHINE = "generic-pc-machine";

export interface PCMachineClass extends MachineClass {
  pciEnabled: boolean;
  /** The RAM ceiling below 4 GiB this board type uses when none is given. */
  defaultMaxRamBelow4g: number;
  /** The CPU model version `-cpu MODEL` means (1, or 0 for the legacy unversioned models). */
  defaultCpuVersion: number;
}

export class PCMachineState extends X86MachineState {
  maxRamBelow4g = 0;
  vmport: OnOffAuto = "auto";
  smbiosEntryPointType: "32" | "64" = "32";
  smbusEnabled = true;
  sataEnabled = true;
  hpetEnabled = true;
  i8042Enabled = true;
  defaultBusBypassIommu = false;
  maxFwSize = 8 * 1024 * 1024;
  deviceMemoryRegionSize = 0;
  /** Created with the machine, realized by the board (QEMU's pcms->pcspk). */
  pcspk!: PcSpkState;
  rtcState: QomObject | undefined;
  fwCfg: FwCfgIoState | undefined;
  below4gMemSize = 0;
  above4gMemSize = 0;
  /** The A20 gate as the i8042 and port 92 last set it. */
  a20Enabled = true;
  /** Told when the A20 line changes (the first CPU's A20 gate, QEMU's cpu_x86_set_a20). */
  onA20Change: ((enabled: boolean) => void) | undefined;
  /** The level of the CPU's INTR line, driven by the master PIC. */
  cpuIntrLevel = 0;
  /** The -serial/-parallel/floppy backends the board attaches to its Super I/O devices. */
  backends: BoardBackends = { serial: [], parallel: [], floppy: [] };
  /** The legacy IDE drives (-hda … -hdd, -cdrom, if=ide), by drive index 0–3. */
  ideDrives: Array<LegacyIdeDrive | undefined> = [];
  /** The parsed -cpu option (+feat/-feat and property settings) the board's CPUs get. */
  cpuOption: ParsedX86CpuOption | undefined;
  /** Where the board's warnings go (QEMU's warn_report). */
  warningSink: WarningSink | undefined;
  /** The -net/-nic network clients whose NICs the board creates (QEMU's nd_table). */
  netClients: NetClientRegistry | undefined;
}

function pc(o: QomObject): PCMachineState {
  return o as PCMachineState;
}

type BoolField = "smbusEnabled" | "sataEnabled" | "hpetEnabled" | "i8042Enabled" | "defaultBusBypassIommu";

function pcBool(name: string, field: BoolField, description?: string) {
  const p = boolProperty(name, { get: (o) => pc(o)[field], set: (o, v) => (pc(o)[field] = v) });
  if (description !== undefined) p.description = description;
  return p;
}

function pcMachineClassInit(k: ObjectClass): void {
  const maxFw = sizeProperty("max-fw-size", {
    get: (o) => pc(o).maxFwSize,
    set: (o, v) => {
      // QEMU refuses firmware that would reach below 4G-16M; its text is kept as QEMU prints it.
      if (Number(v) > 16 * 1024 * 1024) {
        throw new QomError(
          `User specified max allowed firmware size ${v} is greater than 16MiB. If combined firwmare size exceeds 16MiB the system may not boot, or experience intermittentstability issues.`,
        );
      }
      pc(o).maxFwSize = Number(v);
    },
  });
  maxFw.description = "Maximum combined firmware size";
  const deviceMem = intProperty("device-memory-region-size", "int64", { get: (o) => pc(o).deviceMemoryRegionSize });
  Object.assign(deviceMem, { type: "int" });
  const vmport = enumProperty("vmport", "OnOffAuto", ON_OFF_AUTO, {
    get: (o) => pc(o).vmport,
    set: (o, v) => (pc(o).vmport = v as OnOffAuto),
  });
  vmport.description = "Enable vmport (pc & q35)";
  const smbiosEp = strProperty("smbios-entry-point-type", {
    get: (o) => pc(o).smbiosEntryPointType,
    set: (o, v) => {
      if (v !== "32" && v !== "64") throw new QomError(`Parameter 'smbios-entry-point-type' does not accept value '${v}'`);
      pc(o).smbiosEntryPointType = v;
    },
  });
  Object.assign(smbiosEp, { type: "str", description: "SMBIOS Entry Point type [32, 64]" });
  const maxRam = sizeProperty("max-ram-below-4g", {
    get: (o) => pc(o).maxRamBelow4g,
    set: (o, v) => {
      const value = Number(v);
      if (value > 4 * 1024 * 1024 * 1024) {
        throw new QomError(`Machine option 'max-ram-below-4g=${value}' expects size less than or equal to 4G`);
      }
      pc(o).maxRamBelow4g = value;
    },
  });
  maxRam.description = "Maximum ram below the 4G boundary (32bit boundary)";
  const forward = [
    maxFw,
    pcBool("default-bus-bypass-iommu", "defaultBusBypassIommu"),
    deviceMem,
    pcBool("sata", "sataEnabled", "Enable/disable Serial ATA bus"),
    vmport,
    pcBool("i8042", "i8042Enabled"),
    pcBool("hpet", "hpetEnabled", "Enable/disable high precision event timer emulation"),
    smbiosEp,
    maxRam,
    pcBool("smbus", "smbusEnabled", "Enable/disable system management bus"),
  ];
  for (const p of forward.reverse()) addClassProperty(k, p);
}

export const pcMachineTypeInfo: TypeInfo<PCMachineState, PCMachineClass> = {
  name: TYPE_PC_MACHINE,
  parent: TYPE_X86_MACHINE,
  abstract: true,
  instance: PCMachineState,
  classInit: (k) => {
    Object.assign(k, {
      pciEnabled: true,
      defaultMaxRamBelow4g: 0xe0000000,
      defaultCpuVersion: 1,
      hasHotpluggableCpus: true,
      nvdimmSupported: true,
      cxlSupported: true,
      defaultBootOrder: "cad",
      maxCpus: 255,
      defaultCpuType: "qemu64-x86_64-cpu",
      defaultRamId: "pc.ram",
      defaultNicModel: "e1000",
      defaultDisplay: "std",
      wakeupSuspendSupport: true,
    } satisfies Partial<PCMachineClass>);
    pcMachineClassInit(k);
  },
  instanceInit: (ms) => pcMachineInitfn(ms),
};
