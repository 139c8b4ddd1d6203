/**
 * Stand-in for src/softmmu/vl.ts while it is being written: parses the
 * command line with QEMU's parser (so bad options fail with QEMU's texts)
 * and builds the composition tree of `-M none`.  Used only when vl.ts does
 * not export createMachine.
 */
import type { JsonObject } from "../qobject/json-value.js";
import { qomInit } from "../modules.js";
import { adoptChild } from "../qom/child.js";
import { containerGet } from "../qom/container.js";
import { QomError } from "../qom/error.js";
import { objectNew } from "../qom/object.js";
import { objectGetRoot } from "../qom/root.js";
import { TYPE_OBJECT } from "../qom/type.js";
import { parseCommandLine } from "../softmmu/cmdline.js";
import { groupEntries } from "../softmmu/cmdline-types.js";
import { CliError } from "../softmmu/cli-error.js";
import type { MachineInstance } from "../monitor/machine-context.js";

const NONE_MACHINE = "none-machine";

export function fallbackCreateMachine(argv: string[], opts: { prog: string }): MachineInstance {
  const cmdline = parseCommandLine(argv, opts.prog);
  const type = cmdline.machineOpts["type"];
  if (type !== undefined && type !== "none") {
    throw new CliError(`${opts.prog}: unsupported machine type\nUse -machine help to list supported machines`);
  }
  const { types } = qomInit();
  if (!types.lookup("machine")) types.register({ name: "machine", parent: TYPE_OBJECT, abstract: true });
  if (!types.lookup(NONE_MACHINE)) types.register({ name: NONE_MACHINE, parent: "machine" });
  const root = objectGetRoot(types);
  const machine = adoptChild(root, "machine", objectNew(types, NONE_MACHINE));
  containerGet(root, "/machine/peripheral");
  containerGet(root, "/machine/peripheral-anon");
  containerGet(root, "/machine/unattached");
  containerGet(root, "/chardevs");
  containerGet(root, "/objects");
  const name = groupEntries(cmdline, "name")[0]?.get("guest");
  return {
    registry: types,
    machine,
    cmdline,
    name,
    uuid: cmdline.uuid ?? "00000000-0000-0000-0000-000000000000",
    runState: cmdline.autostart ? "running" : "prelaunch",
  };
}

export function fallbackDeviceAdd(_instance: MachineInstance, opts: JsonObject): void {
  const driver = opts["driver"];
  if (typeof driver !== "string") throw new QomError("Parameter 'driver' is missing");
  throw new QomError(`'${driver}' is not a valid device model name`);
}
