/**
 * run-state.json plus the run-state changes of misc.json (stop, cont) and
 * machine.json (system_reset, system_powerdown), with QEMU's events in
 * QEMU's order: events are sent before the command's reply.
 * A machine with a run control (softmmu/runstate.ts) also starts, stops and resets its vCPUs.
 */
import type { RunState, ShutdownCause } from "../../../protocol/gen/types.js";
import { QmpError } from "../../qapi/error.js";
import { qemuDevicesReset } from "../../hw/core/reset.js";
import { qemuSystemPowerdownNotify, runControlOf } from "../../softmmu/runstate.js";
import type { MachineCommandHandler, MachineContext } from "../machine-context.js";

/** StatusInfo, members in schema order (which fixes QEMU's key order). */
export function statusInfo(status: RunState) {
  return { running: status === "running", singlestep: false, status };
}

export const queryStatusCmd: MachineCommandHandler = (_args, ctx) => statusInfo(ctx.instance.runState);

/** runstate_needs_reset(): these states accept only system_reset before running again. */
function needsReset(state: RunState): boolean {
  return state === "internal-error" || state === "shutdown" || state === "guest-panicked";
}

/** vm_stop(RUN_STATE_PAUSED): only a running machine stops, and only then is STOP sent. */
export function vmStop(ctx: MachineContext, state: RunState = "paused"): void {
  const rc = runControlOf(ctx.registry);
  if (rc) return rc.vmStop(state);
  if (ctx.instance.runState !== "running") return;
  ctx.instance.runState = state;
  ctx.emit("STOP");
}

/** vm_start(): RESUME and running, unless already running. */
export function vmStart(ctx: MachineContext): void {
  const rc = runControlOf(ctx.registry);
  if (rc) return rc.vmStart();
  if (ctx.instance.runState === "running") return;
  ctx.emit("RESUME");
  ctx.instance.runState = "running";
}

export const stopCmd: MachineCommandHandler = (_args, ctx) => {
  vmStop(ctx);
  return undefined;
};

export const contCmd: MachineCommandHandler = (_args, ctx) => {
  const state = ctx.instance.runState;
  if (needsReset(state)) throw new QmpError("GenericError", "Resetting the Virtual Machine is required");
  if (state === "suspended") return undefined;
  vmStart(ctx);
  return undefined;
};

/** Causes whose reset QEMU does not announce with a RESET event. */
const SILENT_RESET_CAUSES: ReadonlySet<ShutdownCause> = new Set(["none", "subsystem-reset", "snapshot-load"]);

/**
 * qemu_system_reset() as the main loop runs it for a reset request: every device is reset
 * (which also completes pending ACPI unplugs: their DEVICE_DELETED events follow the reply, as
 * QEMU's come when RCU frees the devices), RESET is sent, and a machine that is not running
 * goes back to prelaunch.
 */
export function systemReset(ctx: MachineContext, reason: ShutdownCause, guest = false): void {
  // A machine with vCPUs resets them too and announces the reset itself.
  const rc = runControlOf(ctx.registry);
  if (rc) return rc.systemReset(reason);
  qemuDevicesReset(ctx.registry);
  if (!SILENT_RESET_CAUSES.has(reason)) ctx.emit("RESET", { guest, reason });
  const state = ctx.instance.runState;
  if (state !== "running" && state !== "inmigrate" && state !== "finish-migrate") ctx.instance.runState = "prelaunch";
}

export const systemResetCmd: MachineCommandHandler = (_args, ctx) => {
  systemReset(ctx, "host-qmp-system-reset");
  return undefined;
};

export const systemPowerdownCmd: MachineCommandHandler = (_args, ctx) => {
  ctx.emit("POWERDOWN");
  // The ACPI power button (PIIX4 PM) tells the guest.
  qemuSystemPowerdownNotify(ctx.registry);
  return undefined;
};

/** quit: SHUTDOWN, the reply, then the machine ends and its connections close. */
export const quitCmd: MachineCommandHandler = (_args, ctx) => {
  ctx.emit("SHUTDOWN", { guest: false, reason: "host-qmp-quit" });
  ctx.instance.runState = "shutdown";
  runControlOf(ctx.registry)?.quit();
  ctx.requestExit();
  return undefined;
};
