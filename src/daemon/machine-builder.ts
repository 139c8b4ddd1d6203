/**
 * How qomd builds a machine from a QEMU command line.  The builder is
 * src/softmmu/vl.ts (createMachine, qdevDeviceAdd); until that module exists
 * in the tree, a minimal fallback builds QEMU's `-M none` tree so the monitor
 * and daemon work end to end.  The module is loaded by name at run time for
 * that reason; once vl.ts has landed the fallback can go.
 */
import type { JsonObject } from "../qobject/json-value.js";
import type { MachineInstance } from "../monitor/machine-context.js";
import { fallbackCreateMachine, fallbackDeviceAdd } from "./fallback-machine.js";

export interface MachineBuilder {
  createMachine(argv: string[], opts: { prog: string }): MachineInstance;
  /** device_add / -device with QMP arguments. */
  deviceAdd(instance: MachineInstance, opts: JsonObject): void;
  /** Whether this is the real vl.ts or the fallback. */
  readonly real: boolean;
}

type VlModule = {
  createMachine?: (argv: string[], opts: { prog: string }) => MachineInstance;
  qdevDeviceAdd?: (instance: MachineInstance, opts: JsonObject) => unknown;
};

let builder: Promise<MachineBuilder> | undefined;

export function loadMachineBuilder(): Promise<MachineBuilder> {
  builder ??= (async () => {
    const specifier = "../softmmu/vl.js";
    let vl: VlModule | undefined;
    try {
      vl = (await import(specifier)) as VlModule;
    } catch (err) {
      if (!(err instanceof Error && "code" in err && err.code === "ERR_MODULE_NOT_FOUND")) throw err;
    }
    if (vl?.createMachine) {
      const create = vl.createMachine;
      const add = vl.qdevDeviceAdd;
      return {
        real: true,
        createMachine: (argv, opts) => create(argv, opts),
        deviceAdd: (instance, opts) => {
          if (add) add(instance, opts);
          else fallbackDeviceAdd(instance, opts);
        },
      };
    }
    return { real: false, createMachine: fallbackCreateMachine, deviceAdd: fallbackDeviceAdd };
  })();
  return builder;
}
