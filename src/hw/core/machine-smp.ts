/**
 * -smp / the machine's "smp" property: QEMU 7.2's SMPConfiguration visitor and
 * machine_parse_smp_config() (hw/core/machine-smp.c), which fills in omitted topology members and
 * checks the result against the machine's limits.
 *
 * QEMU stores the topology in `unsigned int` fields; the arithmetic here wraps the same way, and
 * messages print values with %u or %d exactly where QEMU does.
 */
import type { JsonValue } from "../../qobject/json-value.js";
import { qemuStrtoi64 } from "../../util/cutils.js";
import { QemuError, type WarningSink } from "../../util/error.js";

/** The optional int64 members of QAPI SMPConfiguration, in schema order. */
export const SMP_MEMBERS = ["cpus", "sockets", "dies", "clusters", "cores", "threads", "maxcpus"] as const;
export type SmpMember = (typeof SMP_MEMBERS)[number];
export type SmpConfiguration = Partial<Record<SmpMember, bigint>>;

/** What machine_parse_smp_config() needs to know about the machine class. */
export interface MachineSmpProps {
  /** MachineClass name, e.g. "pc-i440fx-7.2" (used in messages). */
  name: string;
  minCpus: number;
  maxCpus: number;
  diesSupported: boolean;
  clustersSupported: boolean;
  /** Machines before 6.2 fill in sockets before cores. */
  preferSockets: boolean;
}

export interface CpuTopology {
  cpus: number;
  sockets: number;
  dies: number;
  clusters: number;
  cores: number;
  threads: number;
  maxCpus: number;
}

/**
 * visit_type_SMPConfiguration() over a keyval tree (string leaves) or a JSON object (numbers):
 * "Invalid parameter type for 'smp', expected: object", "Parameter 'smp.cpus' expects integer",
 * "Parameter 'smp.x' is unexpected".
 */
export function smpConfigFromKeyval(value: JsonValue, name = "smp"): SmpConfiguration {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new QemuError(`Invalid parameter type for '${name}', expected: object`);
  }
  const config: SmpConfiguration = {};
  for (const member of SMP_MEMBERS) {
    if (!Object.hasOwn(value, member)) continue;
    const v = value[member];
    const full = `${name}.${member}`;
    if (typeof v === "string") {
      const r = qemuStrtoi64(v, 0);
      if (r.err) throw new QemuError(`Parameter '${full}' expects integer`);
      config[member] = r.value;
    } else if (typeof v === "number" && Number.isInteger(v)) {
      config[member] = BigInt(v);
    } else if (typeof v === "bigint") {
      config[member] = v;
    } else {
      throw new QemuError(`Invalid parameter type for '${full}', expected: integer`);
    }
  }
  for (const key of Object.keys(value)) {
    if (!(SMP_MEMBERS as readonly string[]).includes(key)) {
      throw new QemuError(`Parameter '${name}.${key}' is unexpected`);
    }
  }
  return config;
}

/** C `unsigned` conversion of an int64. */
function u32(v: bigint | undefined): number {
  return v === undefined ? 0 : Number(BigInt.asUintN(32, v));
}

const mul = (...xs: number[]): number => xs.reduce((a, b) => Math.imul(a, b) >>> 0, 1);
const div = (a: number, b: number): number => (b === 0 ? 0 : Math.floor(a / b) >>> 0);
/** printf("%d") of an unsigned value. */
const asInt = (v: number): number => v | 0;

function hierarchy(m: MachineSmpProps, t: CpuTopology): string {
  let s = `sockets (${t.sockets})`;
  if (m.diesSupported) s += ` * dies (${t.dies})`;
  if (m.clustersSupported) s += ` * clusters (${t.clusters})`;
  return `${s} * cores (${t.cores}) * threads (${t.threads})`;
}

/**
 * machine_parse_smp_config(): compute the topology from what was given (preferring cores over
 * sockets since 6.2), warn once if a member was explicitly 0, and throw QEMU's errors:
 * "dies not supported by this machine's CPU topology", "Invalid CPU topology: ...",
 * "Invalid SMP CPUs N. The max CPUs supported by machine 'M' is K".
 */
export function machineParseSmpConfig(machine: MachineSmpProps, config: SmpConfiguration, warnings?: WarningSink): CpuTopology {
  if (SMP_MEMBERS.some((k) => config[k] === 0n)) {
    warnings?.warn("Deprecated CPU topology (considered invalid): CPU topology parameters must be greater than zero");
  }
  let cpus = u32(config.cpus);
  let sockets = u32(config.sockets);
  let dies = u32(config.dies);
  let clusters = u32(config.clusters);
  let cores = u32(config.cores);
  let threads = u32(config.threads);
  let maxcpus = u32(config.maxcpus);

  if (!machine.diesSupported && dies > 1) {
    throw new QemuError("dies not supported by this machine's CPU topology");
  }
  if (!machine.clustersSupported && clusters > 1) {
    throw new QemuError("clusters not supported by this machine's CPU topology");
  }
  dies = dies > 0 ? dies : 1;
  clusters = clusters > 0 ? clusters : 1;

  if (cpus === 0 && maxcpus === 0) {
    sockets = sockets > 0 ? sockets : 1;
    cores = cores > 0 ? cores : 1;
    threads = threads > 0 ? threads : 1;
  } else {
    maxcpus = maxcpus > 0 ? maxcpus : cpus;
    if (machine.preferSockets) {
      if (sockets === 0) {
        cores = cores > 0 ? cores : 1;
        threads = threads > 0 ? threads : 1;
        sockets = div(maxcpus, mul(dies, clusters, cores, threads));
      } else if (cores === 0) {
        threads = threads > 0 ? threads : 1;
        cores = div(maxcpus, mul(sockets, dies, clusters, threads));
      }
    } else if (cores === 0) {
      sockets = sockets > 0 ? sockets : 1;
      threads = threads > 0 ? threads : 1;
      cores = div(maxcpus, mul(sockets, dies, clusters, threads));
    } else if (sockets === 0) {
      threads = threads > 0 ? threads : 1;
      sockets = div(maxcpus, mul(dies, clusters, cores, threads));
    }
    if (threads === 0) {
      threads = div(maxcpus, mul(sockets, dies, clusters, cores));
    }
  }
  maxcpus = maxcpus > 0 ? maxcpus : mul(sockets, dies, clusters, cores, threads);
  cpus = cpus > 0 ? cpus : maxcpus;

  const t: CpuTopology = { cpus, sockets, dies, clusters, cores, threads, maxCpus: maxcpus };
  if (mul(sockets, dies, clusters, cores, threads) !== maxcpus) {
    throw new QemuError(
      `Invalid CPU topology: product of the hierarchy must match maxcpus: ${hierarchy(machine, t)} != maxcpus (${maxcpus})`,
    );
  }
  if (maxcpus < cpus) {
    throw new QemuError(
      `Invalid CPU topology: maxcpus must be equal to or greater than smp: ${hierarchy(machine, t)} == maxcpus (${maxcpus}) < smp_cpus (${cpus})`,
    );
  }
  if (cpus < machine.minCpus) {
    throw new QemuError(`Invalid SMP CPUs ${asInt(cpus)}. The min CPUs supported by machine '${machine.name}' is ${machine.minCpus}`);
  }
  if (maxcpus > machine.maxCpus) {
    throw new QemuError(`Invalid SMP CPUs ${asInt(maxcpus)}. The max CPUs supported by machine '${machine.name}' is ${machine.maxCpus}`);
  }
  return t;
}
