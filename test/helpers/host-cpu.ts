// What makes KVM's CPU answers host-specific: the host CPU (as /proc/cpuinfo names it) and the
// KVM vendor module. Fixtures captured from QEMU on KVM record both; tests compare KVM answers
// only where they are the same here, and otherwise say why they skip.
import { readdirSync, readFileSync } from "node:fs";

export interface HostCpuSignature {
  readonly vendor: string;
  readonly family: number;
  readonly model: number;
  readonly stepping: number;
  readonly "model-id": string;
}

export interface RecordedHost {
  readonly cpu?: HostCpuSignature;
  readonly "kvm-modules"?: readonly string[];
}

/** The first CPU of /proc/cpuinfo, or undefined where it cannot be read. */
export function hostCpuSignature(): HostCpuSignature | undefined {
  let text: string;
  try {
    text = readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return undefined;
  }
  const info = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (!line.trim()) break;
    const i = line.indexOf(":");
    if (i >= 0) info.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  const num = (k: string) => Number(info.get(k) ?? NaN);
  return {
    vendor: info.get("vendor_id") ?? "",
    family: num("cpu family"),
    model: num("model"),
    stepping: num("stepping"),
    "model-id": info.get("model name") ?? "",
  };
}

/** The KVM modules loaded ("kvm", "kvm_intel", …), sorted. */
export function kvmModules(): string[] {
  try {
    return readdirSync("/sys/module").filter((m) => m === "kvm" || m.startsWith("kvm_")).sort();
  } catch {
    return [];
  }
}

/**
 * Why this host cannot be held to a capture made on `recorded` (undefined when it can): the CPU
 * or the KVM vendor module differs, or the capture did not record them.
 */
export function hostMismatch(recorded: RecordedHost): string | undefined {
  if (!recorded.cpu) return "the capture does not record its host CPU";
  const here = hostCpuSignature();
  const want = recorded.cpu;
  const show = (c: HostCpuSignature) => `${c.vendor} family ${c.family} model ${c.model} stepping ${c.stepping} "${c["model-id"]}"`;
  if (!here || show(here) !== show(want)) {
    return `the host CPU (${here ? show(here) : "unknown"}) is not the capture's (${show(want)})`;
  }
  const modules = kvmModules().join(",");
  const wantModules = (recorded["kvm-modules"] ?? []).join(",");
  if (modules !== wantModules) return `the KVM modules (${modules}) are not the capture's (${wantModules})`;
  return undefined;
}
