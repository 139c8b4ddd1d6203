/**
 * QEMU 7.2's fw_cfg_build_smbios (hw/i386/fw_cfg.c) for the PC machines: the SMBIOS structures
 * as `etc/smbios/smbios-tables` and their entry point as `etc/smbios/smbios-anchor`, built once
 * the machine is complete. Old machine types (before pc-i440fx-2.1, and isapc) use QEMU's legacy
 * SMBIOS interface, which qomd does not offer: they get no SMBIOS files.
 */
import type { PCMachineState } from "../i386/pc.js";
import { fwCfgAddFile, fwCfgGetItem, type FwCfgState } from "../nvram/fw-cfg.js";
import { E820_RAM } from "../i386/fw-cfg.js";
import { FW } from "../../target/i386/cpu-features.js";
import { x86PossibleCpuArchIds } from "../i386/x86-cpu.js";
import { resolvePath } from "../../qom/path.js";
import { objectGetRoot } from "../../qom/root.js";
import { PCIDevice } from "../pci/pci.js";
import { smbiosConfigOf } from "./smbios-config.js";
import { smbiosBuildTables, type SmbiosMachineInfo } from "./smbios-tables.js";

/** The machine type's release as [major, minor], or undefined for unversioned names. */
function release(name: string): [number, number] | undefined {
  const m = /-(\d+)\.(\d+)(?:\.\d+)?$/.exec(name);
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function olderThan(name: string, major: number, minor: number): boolean {
  const r = release(name);
  return r !== undefined && (r[0] < major || (r[0] === major && r[1] < minor));
}

/** Whether the machine type uses QEMU's legacy SMBIOS blob (smbios_legacy_mode). */
export function smbiosLegacyMode(name: string): boolean {
  return name === "isapc" || name.startsWith("pc-i440fx-trusty") || olderThan(name, 2, 1);
}

/** The RAM areas of the `etc/e820` file QEMU's table was made from. */
function e820RamAreas(fwCfg: FwCfgState): Array<{ address: number; length: number }> {
  const e820 = fwCfgGetItem(fwCfg, "etc/e820") ?? new Uint8Array(0);
  const v = new DataView(e820.buffer, e820.byteOffset, e820.length);
  const out: Array<{ address: number; length: number }> = [];
  for (let off = 0; off + 20 <= e820.length; off += 20) {
    if (v.getUint32(off + 16, true) !== E820_RAM) continue;
    out.push({ address: Number(v.getBigUint64(off, true)), length: Number(v.getBigUint64(off + 8, true)) });
  }
  return out;
}

/** What the tables say about this machine. */
export function smbiosMachineInfo(ms: PCMachineState, fwCfg: FwCfgState): SmbiosMachineInfo {
  const mc = ms.machineClass;
  const cpu = x86PossibleCpuArchIds(ms)[0]?.cpu;
  const smp = ms.smp;
  const coresPerSocket = smp.cores * smp.clusters * smp.dies;
  return {
    manufacturer: "QEMU",
    product: mc.desc,
    version: mc.name,
    entryPointType: ms.smbiosEntryPointType === "64" ? 64 : 32,
    uuidEncoded: !olderThan(mc.name, 2, 2),
    sockets: smp.sockets,
    coresPerSocket,
    threadsPerSocket: coresPerSocket * smp.threads,
    cpuidVersion: cpu?.config.cpuidVersion ?? 0,
    cpuidFeatures: Number(cpu?.config.features[FW.FEAT_1_EDX] ?? 0n),
    ramSize: ms.ramSize,
    memAreas: e820RamAreas(fwCfg),
    findPciDevice: (id) => {
      const dev = resolvePath(objectGetRoot(ms.registry), `/machine/peripheral/${id}`).obj;
      // qomd has no PCI bridges: every PCI device sits on root bus 0.
      return dev instanceof PCIDevice ? { bus: 0, devfn: dev.devfn, onRoot: true } : undefined;
    },
  };
}

/** QEMU's fw_cfg_build_smbios: adds the two SMBIOS files (nothing on legacy machine types). */
export function fwCfgBuildSmbios(ms: PCMachineState, fwCfg: FwCfgState): void {
  if (smbiosLegacyMode(ms.machineClass.name)) return;
  const { tables, anchor } = smbiosBuildTables(smbiosConfigOf(ms.registry), smbiosMachineInfo(ms, fwCfg));
  fwCfgAddFile(fwCfg, "etc/smbios/smbios-tables", tables);
  fwCfgAddFile(fwCfg, "etc/smbios/smbios-anchor", anchor);
}
