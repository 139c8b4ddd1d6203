/**
 * QEMU's VM change state handlers (softmmu/runstate.c: qemu_add_vm_change_state_handler and
 * vm_state_notify): devices that must act when the guest stops or resumes — kvmclock saves the
 * VM clock on stop and restores it on resume, kvm-pit moves its load times across the pause.
 * The run control (runstate.ts) notifies after the vCPUs stopped, and before they start again.
 */
import type { RunState } from "../../protocol/gen/types.js";
import type { TypeRegistry } from "../qom/type.js";

export type VmChangeStateHandler = (running: boolean, state: RunState) => void;

const handlers = new WeakMap<TypeRegistry, VmChangeStateHandler[]>();

/** Adds `fn` for the machine of `registry`; returns the function that removes it. */
export function qemuAddVmChangeStateHandler(registry: TypeRegistry, fn: VmChangeStateHandler): () => void {
  let list = handlers.get(registry);
  if (!list) handlers.set(registry, (list = []));
  list.push(fn);
  return () => {
    const i = list.indexOf(fn);
    if (i >= 0) list.splice(i, 1);
  };
}

/** QEMU's vm_state_notify: in the order added when the VM starts, in reverse when it stops. */
export function vmStateNotify(registry: TypeRegistry, running: boolean, state: RunState): void {
  const list = [...(handlers.get(registry) ?? [])];
  if (!running) list.reverse();
  for (const fn of list) fn(running, state);
}
