/**
 * QEMU's machine-init-done notifiers (qemu_add_machine_init_done_notifier): work a board leaves
 * until the machine is complete — after the board and every -device exist — such as building the
 * firmware tables that describe those devices.
 */
import type { TypeRegistry } from "../../qom/type.js";

type Notifier = () => void;

const lists = new WeakMap<TypeRegistry, Notifier[]>();

export function qemuAddMachineInitDoneNotifier(registry: TypeRegistry, notify: Notifier): void {
  let list = lists.get(registry);
  if (!list) lists.set(registry, (list = []));
  list.push(notify);
}

/** Runs the notifiers once, in the order they were added (QEMU's qdev_machine_creation_done). */
export function qemuRunMachineInitDoneNotifiers(registry: TypeRegistry): void {
  const list = lists.get(registry) ?? [];
  lists.delete(registry);
  for (const notify of list) notify();
}
