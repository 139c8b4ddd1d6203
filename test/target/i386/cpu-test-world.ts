/**
 * A fresh machine world for the CPU tests: every module's types, a small x86 machine type at
 * /machine with the topology the test asks for, and a warning sink that records what QEMU would
 * print. Also reads the captures the tests compare against.
 */
import { readFileSync } from "node:fs";
import { qomInit } from "../../../src/modules.js";
import type { MachineClass, MachineState } from "../../../src/hw/core/machine.js";
import type { CpuTopology } from "../../../src/hw/core/machine-smp.js";
import { TYPE_X86_MACHINE } from "../../../src/hw/i386/x86.js";
import type { JsonValue } from "../../../src/qobject/json-value.js";
import { adoptChild } from "../../../src/qom/child.js";
import { objectNew } from "../../../src/qom/object.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import type { TypeRegistry } from "../../../src/qom/type.js";
import type { WarningSink } from "../../../src/util/error.js";

export const TEST_MACHINE = "cpu-test-machine";

export interface CpuTestWorld {
  readonly types: TypeRegistry;
  readonly machine: MachineState;
  /** warn_report texts, and the follow-up lines as they are printed. */
  readonly warned: string[];
  readonly printed: string[];
  readonly sink: WarningSink;
}

/** `-smp` as the tests give it: cpus plus any of the other members (the rest default to 1). */
export function cpuTestWorld(smp: Partial<CpuTopology> = {}, cpuType = "qemu64-x86_64-cpu"): CpuTestWorld {
  const types = qomInit().types;
  types.register<MachineState, MachineClass>({
    name: TEST_MACHINE,
    parent: TYPE_X86_MACHINE,
    classInit: (k) => {
      k.hasHotpluggableCpus = true;
      k.defaultCpuType = "qemu64-x86_64-cpu";
      k.maxCpus = 255;
    },
  });
  const machine = adoptChild(objectGetRoot(types), "machine", objectNew<MachineState>(types, TEST_MACHINE));
  const cpus = smp.cpus ?? 1;
  const maxCpus = smp.maxCpus ?? cpus;
  // Omitted members are filled in as QEMU 7.2 does for pc: cores take what sockets leave.
  machine.smp = {
    cpus,
    sockets: smp.sockets ?? 1,
    dies: smp.dies ?? 1,
    clusters: 1,
    cores: smp.cores ?? (smp.sockets === undefined ? maxCpus : 1),
    threads: smp.threads ?? 1,
    maxCpus,
  };
  machine.cpuType = cpuType;
  const warned: string[] = [];
  const printed: string[] = [];
  return { types, machine, warned, printed, sink: { warn: (t) => warned.push(t), print: (t) => printed.push(t) } };
}

const FIXTURES = new URL("../../fixtures/qemu-7.2/", import.meta.url);

export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

interface Exchange {
  request: { execute: string; arguments?: Record<string, JsonValue> };
  response: { return?: JsonValue; error?: { class: string; desc: string } };
}

const cpuQom = JSON.parse(fixtureText("cpu-qom.json")) as Record<string, Exchange[]>;

/** The captured reply to a command of one configuration of cpu-qom.json. */
export function captured(config: string, execute: string, args: Record<string, JsonValue> = {}): JsonValue {
  const found = cpuQom[config]?.find(
    (e) => e.request.execute === execute && JSON.stringify(e.request.arguments ?? {}) === JSON.stringify(args),
  );
  if (!found) throw new Error(`no capture of ${execute} ${JSON.stringify(args)} in ${config}`);
  if (found.response.return === undefined) throw new Error(`capture of ${execute} is an error`);
  return found.response.return;
}
