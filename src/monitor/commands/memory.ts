/**
 * machine.json, memory: the memory backend objects (query-memdev), the RAM sizes
 * (query-memory-size-summary) and the memory devices (query-memory-devices).
 */
import type { JsonObject } from "../../qobject/json-value.js";
import { childrenInHashOrder } from "../../qom/qom-qmp-cmds.js";
import { objectGetObjectsRoot } from "../../qom/root.js";
import type { QomObject } from "../../qom/object.js";
import { TYPE_MEMORY_BACKEND } from "../../backends/hostmem.js";
import { TYPE_MACHINE, type MachineState } from "../../hw/core/machine.js";
import type { MachineCommandHandler } from "../machine-context.js";

/** Memdev of one backend, read through its properties as QEMU's query_memdev does. */
function memdevInfo(id: string, backend: QomObject): JsonObject {
  return {
    id,
    size: backend.getProperty("size"),
    merge: backend.getProperty("merge"),
    dump: backend.getProperty("dump"),
    prealloc: backend.getProperty("prealloc"),
    share: backend.getProperty("share"),
    reserve: backend.getProperty("reserve"),
    "host-nodes": backend.getProperty("host-nodes"),
    policy: backend.getProperty("policy"),
  };
}

/**
 * Every memory backend among `/objects`' children (the -object ones and the machine's default
 * RAM backend, `pc.ram`). QEMU walks the container's property table and prepends, so the list
 * is the reverse of the table's hash order.
 */
export const queryMemdevCmd: MachineCommandHandler = (_args, ctx) =>
  childrenInHashOrder(objectGetObjectsRoot(ctx.registry))
    .filter(([, obj]) => obj.isA(TYPE_MEMORY_BACKEND))
    .map(([id, obj]) => memdevInfo(id, obj))
    .reverse();

/**
 * The memory devices plugged into the machine (pc-dimm, nvdimm, virtio-mem, virtio-pmem and
 * sgx-epc in QEMU). qomd models none of those device types, so a machine never has one.
 */
export const queryMemoryDevicesCmd: MachineCommandHandler = () => [];

/**
 * MemoryInfo: the -m size, and the RAM of memory devices. QEMU's x86 build always has memory
 * device support, so plugged-memory is always reported; with no memory device it is 0.
 */
export const queryMemorySizeSummaryCmd: MachineCommandHandler = (_args, ctx) => {
  const machine = ctx.instance.machine.dynamicCast<MachineState>(TYPE_MACHINE);
  return { "base-memory": machine?.ramSize ?? 0, "plugged-memory": 0 };
};
