/**
 * Run control of one machine (QEMU 7.2's softmmu/runstate.c with vm_start/vm_stop from cpus.c):
 * the run state, the requests guests and monitors make (reset, shutdown, power down, debug
 * exit), the actions -no-reboot/-no-shutdown choose, and the events that go with them, in
 * QEMU's order. Owns the machine's vCPU loop and its clocks' run state.
 */
import type { JsonObject } from "../qobject/json-value.js";
import type { TypeRegistry } from "../qom/type.js";
import type { MachineState } from "../hw/core/machine.js";
import { qemuDevicesReset, qemuRegisterReset } from "../hw/core/reset.js";
import { setDebugExitHandler } from "../hw/misc/debugexit.js";
import { qemuClocksOf } from "../util/qemu-timer.js";
import type { CommandLine } from "./cmdline-types.js";
import type { RunState, ShutdownCause } from "../../protocol/gen/types.js";
import { VcpuLoop, type VcpuLoopOptions } from "./cpus.js";
import { createX86Vcpus, resetX86Vcpu, type X86Vcpu } from "./x86-vcpus.js";
import type { X86KvmVcpu } from "../accel/kvm/x86-kvm-vcpus.js";
import type { AccelOps } from "../accel/accel-ops.js";
import { vmStateNotify } from "./vm-state-change.js";

export type { ShutdownCause };

/** What the machine's owner provides: where events go and how the machine ends. */
export interface RunControlHooks {
  emit(event: string, data?: JsonObject): void;
  /** The machine ends (QEMU's process exit) with `status`. */
  exit(status: number): void;
}

/** The part of the machine a run control acts on (vl.ts MachineInstance). */
export interface RunnableMachine {
  registry: TypeRegistry;
  machine: MachineState;
  cmdline: CommandLine;
  runState: RunState;
}

/** -action / -no-reboot / -no-shutdown (QEMU's reboot_action, shutdown_action). */
export interface RunActions {
  reboot: "reset" | "shutdown";
  shutdown: "poweroff" | "pause";
}

export function runActionsOf(cmd: CommandLine): RunActions {
  const actions: RunActions = { reboot: "reset", shutdown: "poweroff" };
  for (const opts of cmd.groups.find("action").head) {
    const reboot = opts.get("reboot");
    if (reboot === "reset" || reboot === "shutdown") actions.reboot = reboot;
    const shutdown = opts.get("shutdown");
    if (shutdown === "poweroff" || shutdown === "pause") actions.shutdown = shutdown;
  }
  return actions;
}

/** Causes whose reset QEMU does not announce with a RESET event. */
const SILENT_RESET_CAUSES: ReadonlySet<ShutdownCause> = new Set(["none", "subsystem-reset", "snapshot-load"]);

/** QEMU's shutdown_caused_by_guest. */
function causedByGuest(cause: ShutdownCause): boolean {
  return cause === "guest-shutdown" || cause === "guest-reset" || cause === "guest-panic";
}

/** runstate_needs_reset(). */
export function runStateNeedsReset(state: RunState): boolean {
  return state === "internal-error" || state === "shutdown" || state === "guest-panicked";
}

const controls = new WeakMap<TypeRegistry, MachineRunControl>();

/** The run control of the machine built in `registry`, if it has one. */
export function runControlOf(registry: TypeRegistry): MachineRunControl | undefined {
  return controls.get(registry);
}

/**
 * QEMU's qemu_system_reset_request for the machine in `registry` (0xcf9, port 92, the i8042,
 * a triple fault). Without a run control (a machine that never runs) it does nothing.
 */
export function qemuSystemResetRequest(registry: TypeRegistry, cause: ShutdownCause): void {
  controls.get(registry)?.resetRequest(cause);
}

const powerdownNotifiers = new WeakMap<TypeRegistry, Set<() => void>>();

/**
 * QEMU's qemu_register_powerdown_notifier: `fn` runs when the machine is asked to power down
 * (system_powerdown), e.g. to press the ACPI power button. Returns the unregister function.
 */
export function qemuRegisterPowerdownNotifier(registry: TypeRegistry, fn: () => void): () => void {
  let set = powerdownNotifiers.get(registry);
  if (!set) powerdownNotifiers.set(registry, (set = new Set()));
  set.add(fn);
  return () => set.delete(fn);
}

/** QEMU's qemu_system_powerdown, after its POWERDOWN event: the notifiers (the power button). */
export function qemuSystemPowerdownNotify(registry: TypeRegistry): void {
  for (const fn of powerdownNotifiers.get(registry) ?? []) fn();
}

/** QEMU's qemu_system_shutdown_request (ACPI power off, a guest asking to power down). */
export function qemuSystemShutdownRequest(registry: TypeRegistry, cause: ShutdownCause): void {
  controls.get(registry)?.shutdownRequest(cause);
}

export class MachineRunControl {
  readonly loop: VcpuLoop;
  readonly vcpus: Array<X86Vcpu | X86KvmVcpu>;
  readonly accel: AccelOps;
  readonly actions: RunActions;
  private pendingReset: ShutdownCause | undefined;
  private pendingShutdown: ShutdownCause | undefined;
  private pendingExit: number | undefined;
  private ended = false;
  /** The VM change state handlers were last told "running" (QEMU notifies only real changes). */
  private notifiedRunning = false;
  private readonly unregister: Array<() => void> = [];

  constructor(
    readonly instance: RunnableMachine,
    private readonly hooks: RunControlHooks,
    loopOptions: VcpuLoopOptions = {},
  ) {
    const registry = instance.registry;
    this.actions = runActionsOf(instance.cmdline);
    const { accel, vcpus } = createX86Vcpus(registry, instance.machine, { wake: () => this.loop.wake() });
    this.accel = accel;
    this.vcpus = vcpus;
    // x86 CPUs reset through the machine's reset handlers, after the device tree (QEMU's
    // x86_cpu_machine_reset_cb); the local APIC comes back after the devices (pc_machine_reset).
    for (const v of vcpus) this.unregister.push(qemuRegisterReset(registry, () => resetX86Vcpu(v), v.cpu));
    const clocks = qemuClocksOf(registry);
    this.loop = new VcpuLoop(
      vcpus.map((v) => v.vcpu),
      clocks,
      {
        beforeRun: (vcpu) => this.vcpus[vcpu.index]?.intr.makeCurrent(),
        tripleFault: () => this.resetRequest("guest-reset"),
        internalError: (_vcpu, detail) => this.internalError(detail),
        service: () => this.service(),
      },
      loopOptions,
    );
    // A timer that became due earlier than the loop's sleep must end the sleep.
    const previous = clocks.onDeadlineChanged;
    clocks.onDeadlineChanged = () => {
      previous?.();
      this.loop.wake();
    };
    setDebugExitHandler(registry, (status) => this.debugExit(status));
    controls.set(registry, this);
    // QEMU's qemu_machine_creation_done: a cold reset of every device and CPU, without an event.
    this.machineReset();
  }

  get registry(): TypeRegistry {
    return this.instance.registry;
  }

  get runState(): RunState {
    return this.instance.runState;
  }

  /** The vCPUs run from here on unless the machine was created with -S (QEMU's vm_start in main). */
  powerOn(): void {
    if (this.instance.runState === "running") this.resumeVcpus();
  }

  // ---- vm_start / vm_stop --------------------------------------------------------------------------

  /** QEMU's vm_start: RESUME, running, the clocks and vCPUs go. A running machine is left alone. */
  vmStart(): void {
    if (this.instance.runState === "running") return;
    this.hooks.emit("RESUME");
    this.instance.runState = "running";
    this.resumeVcpus();
  }

  /** QEMU's vm_stop (do_vm_stop): only a running machine stops and changes state, then STOP is sent. */
  vmStop(state: RunState = "paused"): void {
    if (this.instance.runState !== "running") return;
    this.pauseVcpus(state);
    this.instance.runState = state;
    this.hooks.emit("STOP");
  }

  /** QEMU's vm_prepare_start + resume_all_vcpus: the clocks, the handlers, then the vCPUs. */
  private resumeVcpus(): void {
    if (this.ended) return;
    qemuClocksOf(this.registry).vmStart();
    if (!this.notifiedRunning) {
      this.notifiedRunning = true;
      vmStateNotify(this.registry, true, "running");
    }
    this.loop.start();
  }

  /** QEMU's do_vm_stop: the vCPUs, the clocks, then the handlers (with the state stopped in). */
  private pauseVcpus(state: RunState): void {
    this.loop.stop();
    qemuClocksOf(this.registry).vmStop();
    if (this.notifiedRunning) {
      this.notifiedRunning = false;
      vmStateNotify(this.registry, false, state);
    }
  }

  // ---- reset -----------------------------------------------------------------------------------------

  /** QEMU's qemu_devices_reset: every device, then the reset handlers (the CPUs among them). */
  private machineReset(): void {
    qemuDevicesReset(this.registry);
  }

  /**
   * QEMU's qemu_system_reset: the machine resets, RESET is sent (not for the silent causes), and
   * a machine that was not running goes back to prelaunch.
   */
  systemReset(cause: ShutdownCause): void {
    this.machineReset();
    if (!SILENT_RESET_CAUSES.has(cause)) this.hooks.emit("RESET", { guest: causedByGuest(cause), reason: cause });
    const s = this.instance.runState;
    if (s !== "running" && s !== "inmigrate" && s !== "finish-migrate") this.instance.runState = "prelaunch";
  }

  /**
   * QEMU's qemu_system_reset_request: with -no-reboot (reboot=shutdown) a guest reset becomes a
   * shutdown. Asked from inside a vCPU, it is carried out once the vCPU has left its instruction.
   */
  resetRequest(cause: ShutdownCause): void {
    if (this.actions.reboot === "shutdown" && cause !== "subsystem-reset") {
      this.shutdownRequest(cause);
      return;
    }
    this.pendingReset = cause;
    this.afterRequest();
  }

  /** QEMU's qemu_system_shutdown_request. */
  shutdownRequest(cause: ShutdownCause): void {
    this.pendingShutdown = cause;
    this.afterRequest();
  }

  /** isa-debug-exit: QEMU exits at once with the device's status, sending nothing. */
  debugExit(status: number): void {
    this.pendingExit = status;
    this.afterRequest();
  }

  private afterRequest(): void {
    if (this.loop.inVcpu) this.loop.kickCurrent();
    else this.service();
  }

  /** QEMU's main_loop_should_exit: acts on the requests, in QEMU's order (exit, shutdown, reset). */
  private service(): void {
    if (this.pendingExit !== undefined) {
      const status = this.pendingExit;
      this.pendingExit = undefined;
      this.end(status);
      return;
    }
    if (this.pendingShutdown !== undefined) {
      const cause = this.pendingShutdown;
      this.pendingShutdown = undefined;
      this.pendingReset = undefined;
      this.hooks.emit("SHUTDOWN", { guest: causedByGuest(cause), reason: cause });
      if (this.actions.shutdown === "pause") {
        this.vmStop("shutdown");
      } else {
        this.end(0);
      }
      return;
    }
    if (this.pendingReset !== undefined) {
      const cause = this.pendingReset;
      this.pendingReset = undefined;
      this.systemReset(cause);
    }
  }

  // ---- the end -------------------------------------------------------------------------------------

  /** quit: SHUTDOWN (host-qmp-quit) is the caller's; the vCPUs stop for good. */
  quit(): void {
    this.instance.runState = "shutdown";
    this.halt();
  }

  /** Stops everything without events (the owner is going away). */
  halt(): void {
    this.ended = true;
    this.pauseVcpus("shutdown");
  }

  private end(status: number): void {
    if (this.ended) return;
    this.instance.runState = "shutdown";
    this.halt();
    this.hooks.exit(status);
  }

  private internalError(detail: string): void {
    this.pauseVcpus("internal-error");
    this.instance.runState = "internal-error";
    this.hooks.emit("STOP");
    void detail;
  }

  /** Releases the vCPUs and the registry hooks. */
  close(): void {
    this.halt();
    for (const fn of this.unregister.splice(0)) fn();
    this.accel.close();
    setDebugExitHandler(this.registry, undefined);
    if (controls.get(this.registry) === this) controls.delete(this.registry);
  }
}
