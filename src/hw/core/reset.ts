/**
 * Machine-wide reset (QEMU's qemu_devices_reset and the reset handler list of
 * hw/core/reset.c, with the cold reset of the qdev tree from resettable.c).
 *
 * QEMU registers the cold reset of the main system bus as the first reset
 * handler, so a machine reset first resets every device reachable from
 * `main-system-bus`, then runs the handlers boards and devices registered
 * with qemu_register_reset (x86 CPUs register theirs at realize), in
 * registration order.  CPUs sit on no bus; those without a handler of their
 * own are reset after the handlers, in CPU list order.
 *
 * In the tree walk children come before their parent (resettable's phases
 * visit a bus's devices, and a device's buses, before the object itself),
 * and a bus's devices are visited newest first (QEMU's children list is
 * head-inserted).  A device that an earlier reset removed from its bus —
 * PIIX4's ACPI hotplug completes pending unplugs when it is reset — is
 * skipped.
 */
import type { TypeRegistry } from "../../qom/type.js";
import type { BusState } from "./bus.js";
import { cpuList, type CPUState } from "./cpu.js";
import type { DeviceState } from "./qdev.js";
import { sysbusGetDefault } from "./sysbus.js";

interface ResetEntry {
  readonly fn: () => void;
  /** The device the handler resets, if any (CPUs that registered theirs are not reset twice). */
  readonly owner?: DeviceState;
}

const handlerLists = new WeakMap<TypeRegistry, ResetEntry[]>();

function handlers(registry: TypeRegistry): ResetEntry[] {
  let list = handlerLists.get(registry);
  if (!list) handlerLists.set(registry, (list = []));
  return list;
}

/**
 * QEMU's qemu_register_reset: `fn` runs at every machine reset, after the device tree.
 * Returns the matching qemu_unregister_reset.
 */
export function qemuRegisterReset(registry: TypeRegistry, fn: () => void, owner?: DeviceState): () => void {
  const entry: ResetEntry = owner ? { fn, owner } : { fn };
  handlers(registry).push(entry);
  return () => {
    const list = handlers(registry);
    const i = list.indexOf(entry);
    if (i >= 0) list.splice(i, 1);
  };
}

function resetDevice(dev: DeviceState): void {
  for (const bus of [...dev.childBuses]) resetBus(bus);
  if (dev.realized) dev.deviceClass.reset?.(dev);
}

function resetBus(bus: BusState): void {
  for (const dev of bus.devices().reverse()) {
    if (dev.parentBus !== bus) continue;
    resetDevice(dev);
  }
}

/** QEMU's qemu_devices_reset: the qdev tree from the main system bus, the reset handlers, then the CPUs. */
export function qemuDevicesReset(registry: TypeRegistry): void {
  resetBus(sysbusGetDefault(registry));
  const list = [...handlers(registry)];
  for (const entry of list) entry.fn();
  const owned = new Set(list.map((e) => e.owner).filter((o) => o !== undefined));
  for (const cpu of [...cpuList(registry)] as CPUState[]) {
    if (!owned.has(cpu)) resetDevice(cpu);
  }
}
