/**
 * machine-target.json: CPU models (bodies in src/target/i386).  Both answers
 * depend on the machine, as QEMU's do: its default CPU version (what
 * unversioned model names stand for), the -cpu command line's +feat/-feat
 * lists and global properties, and for full expansion the generic CPU
 * properties a fresh CPU object has (not realized, powered on, its memory
 * link on system memory).
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { kvmMachineCpuFeatures } from "../../accel/kvm/kvm-machine-cpu.js";
import { memorySystemOf } from "../../exec/memory.js";
import { queryX86CpuDefinitions } from "../../target/i386/cpu-definitions.js";
import { queryX86CpuModelExpansion, x86StaticPropertyNames } from "../../target/i386/cpu-model-expansion.js";
import { x86CpuSettings } from "../../target/i386/cpu.js";
import type { RegistryCommandHandler } from "../machine-context.js";

export const queryCpuDefinitionsCmd: RegistryCommandHandler = (_args, ctx) => {
  const settings = x86CpuSettings(ctx.registry);
  // On KVM (the machine made a VM), QEMU checks each model against what KVM supports, not TCG.
  const kvm = kvmMachineCpuFeatures(ctx.registry);
  return queryX86CpuDefinitions(settings.defaultVersion, settings.globals, kvm);
};

type ExpansionType = Parameters<typeof queryX86CpuModelExpansion>[0];
type ModelInfo = Parameters<typeof queryX86CpuModelExpansion>[1];

/**
 * Where a new CPU's memory link points: the machine's system memory. Without a machine (the
 * daemon's control socket) there is none; every QEMU machine has it at the same path.
 */
function systemMemoryPath(ctx: Parameters<RegistryCommandHandler>[1]): string {
  return memorySystemOf(ctx.registry).systemMemory?.canonicalPath ?? "/machine/unattached/system[0]";
}

export const queryCpuModelExpansionCmd: RegistryCommandHandler = (args, ctx) => {
  const settings = x86CpuSettings(ctx.registry);
  const genericProps: JsonObject = {
    realized: false,
    "start-powered-off": false,
    memory: systemMemoryPath(ctx),
  };
  const type = args["type"] as ExpansionType;
  const kvm = kvmMachineCpuFeatures(ctx.registry);
  const info = queryX86CpuModelExpansion(type, args["model"] as unknown as ModelInfo, {
    defaultVersion: settings.defaultVersion,
    plusMinus: { plus: settings.plus, minus: settings.minus },
    genericProps,
    // On KVM, QEMU expands with KVM's instance defaults and what KVM supports.
    ...(kvm ? { accel: kvm } : {}),
  });
  if (type === "static") info.model.props = inStaticExpansionOrder(info.model.props);
  return info as unknown as JsonObject;
};

/**
 * The members of a static expansion in the order QEMU's QDict puts them on the wire. QEMU
 * copies them from a dictionary of the static property names (declared: the model's
 * identification, then the feature names by feature word and bit), so within each hash bucket
 * the first declared comes first; the writer puts the most recently added member of a bucket
 * first, so members are added in reverse declaration order.
 */
function inStaticExpansionOrder(props: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const name of x86StaticPropertyNames().reverse()) if (name in props) out[name] = props[name]!;
  for (const [name, value] of Object.entries(props)) if (!(name in out)) out[name] = value;
  return out;
}
