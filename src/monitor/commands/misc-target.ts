/**
 * misc-target.json for x86: the host's AMD SEV and Intel SGX support, with
 * QEMU's errors when there is none (libvirt probes both and just leaves the
 * capability unset on an error).
 *
 * SEV: QEMU first needs KVM as the accelerator ("KVM not enabled"), then a
 * KVM that accepts memory-encryption commands ("SEV is not enabled in KVM";
 * qomd reads that from kvm_amd's `sev` module parameter), then /dev/sev.
 * Reading the platform keys needs SEV firmware ioctls that qomd does not
 * issue, so a host that gets that far is told so.
 *
 * SGX: QEMU asks /dev/sgx_vepc, whatever the accelerator.  The feature bits
 * come from the host CPU; qomd reads them from /proc/cpuinfo and the EPC
 * sections from sysfs (Linux 6.0+), since Node cannot run CPUID.
 */
import { closeSync, constants, existsSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { strerror } from "../../block/strerror.js";
import { QmpError } from "../../qapi/error.js";
import type { JsonObject } from "../../qobject/json-value.js";
import type { MachineCommandHandler } from "../machine-context.js";

const SEV_DEVICE = "/dev/sev";
const SGX_VEPC = "/dev/sgx_vepc";

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Whether the host's KVM accepts SEV commands (KVM_MEMORY_ENCRYPT_OP succeeds only with kvm_amd sev=1). */
function kvmHasSev(): boolean {
  const v = readText("/sys/module/kvm_amd/parameters/sev")?.trim();
  return v === "Y" || v === "1";
}

/** Opens and closes `path` read-write; returns the failure, if any. */
function probeOpen(path: string): unknown {
  try {
    closeSync(openSync(path, constants.O_RDWR));
    return undefined;
  } catch (err) {
    return err;
  }
}

export const querySevCapabilitiesCmd: MachineCommandHandler = (_args, ctx) => {
  if (ctx.instance.accel !== "kvm") throw new QmpError("GenericError", "KVM not enabled");
  if (!kvmHasSev()) throw new QmpError("GenericError", "SEV is not enabled in KVM");
  const err = probeOpen(SEV_DEVICE);
  if (err !== undefined) throw new QmpError("GenericError", `SEV: Failed to open ${SEV_DEVICE}: ${strerror(err)}`);
  throw new QmpError("GenericError", "SEV: qomd cannot read the platform certificates (no SEV firmware commands)");
};

function cpuFlags(): Set<string> {
  const line = readText("/proc/cpuinfo")?.split("\n").find((l) => l.startsWith("flags"));
  return new Set(line ? line.slice(line.indexOf(":") + 1).trim().split(/\s+/) : []);
}

/** EPC sections per NUMA node, from /sys/devices/system/node/nodeN/x86/sgx_total_bytes. */
function epcSections(): JsonObject[] {
  const base = "/sys/devices/system/node";
  if (!existsSync(base)) return [];
  const sections: JsonObject[] = [];
  const nodes = readdirSync(base)
    .filter((n) => /^node\d+$/.test(n))
    .map((n) => Number(n.slice(4)))
    .sort((a, b) => a - b);
  for (const node of nodes) {
    const size = Number(readText(join(base, `node${node}`, "x86", "sgx_total_bytes"))?.trim() ?? "0");
    if (size > 0) sections.push({ node, size });
  }
  return sections;
}

export const querySgxCapabilitiesCmd: MachineCommandHandler = () => {
  if (probeOpen(SGX_VEPC) !== undefined) throw new QmpError("GenericError", "SGX is not enabled in KVM");
  const flags = cpuFlags();
  const sections = epcSections();
  const sgx = flags.has("sgx");
  return {
    sgx,
    // Every SGX CPU has the SGX1 leaf; Linux does not report SGX2 in cpuinfo flags before it names it.
    sgx1: sgx,
    sgx2: flags.has("sgx2"),
    flc: flags.has("sgx_lc"),
    "section-size": sections.reduce((sum, s) => sum + (s["size"] as number), 0),
    sections,
  };
};
