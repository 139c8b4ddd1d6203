/**
 * `qomd run [qemu options…]` (also installed as qomd-system-x86_64): one
 * machine in the foreground, like qemu-system-x86_64 itself, serving the
 * monitors its command line asks for.  Bad options print QEMU's text on
 * stderr and exit 1; `quit` exits 0 after its reply; SIGTERM/SIGINT send
 * SHUTDOWN (host-signal) and exit 0, as QEMU does.
 */
import { qomInit } from "../modules.js";
import { machineHelpText } from "../hw/core/machine-select.js";
import { CliError, CliExit, CliHelpRequest } from "../softmmu/cli-error.js";
import { EventHub, makeEvent } from "../monitor/events.js";
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import type { QmpBackend } from "../monitor/qmp-backend.js";
import { hasMachineCommand } from "../monitor/commands/index.js";
import { createLogger, type LogLevel } from "./logger.js";
import { KvmVcpuInitError } from "../accel/kvm/kvm-tsc.js";
import { LocalMachine } from "./local-machine.js";
import { loadMachineBuilder } from "./machine-builder.js";
import { monitorSpecs, openMonitors } from "./run-monitors.js";
import { daemonizeChildReady, daemonizeParent, isDaemonChild, wantsDaemonize, writePidfile } from "./daemonize.js";
import type { MachineInstance } from "../monitor/machine-context.js";

export const RUN_PROG = "qemu-system-x86_64";

class RunBackend implements QmpBackend {
  readonly socket = "machine" as const;
  constructor(private readonly machine: LocalMachine) {}
  get events(): EventHub {
    return this.machine.events;
  }
  implements(command: string): boolean {
    return hasMachineCommand(command);
  }
  execute(command: string, args: JsonObject): Promise<JsonValue | undefined> {
    return this.machine.call(command, args);
  }
}

/** Runs one machine; resolves with the process exit status. */
export async function runMachine(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  if (wantsDaemonize(argv) && !isDaemonChild(env)) return daemonizeParent();
  const builder = await loadMachineBuilder();
  let instance: MachineInstance;
  try {
    instance = await builder.createMachine(argv, { prog: RUN_PROG });
  } catch (err) {
    if (err instanceof CliError) {
      process.stderr.write(err.stderrText());
      return err.exitStatus;
    }
    if (err instanceof CliExit) {
      if (err.warnings.length) process.stderr.write(err.warnings.join("\n") + "\n");
      if (err.stderr) process.stderr.write(err.stderr + "\n");
      process.stdout.write(err.stdout);
      return err.exitStatus;
    }
    if (err instanceof CliHelpRequest) {
      if (err.topic === "machine") process.stdout.write(machineHelpText(qomInit().types));
      return 0;
    }
    throw err;
  }
  if (instance.warnings.length > 0) process.stderr.write(instance.warnings.join("\n") + "\n");
  const log = createLogger((env["QOMD_LOG_LEVEL"] as LogLevel | undefined) ?? "warn", "qomd-run");
  const specs = monitorSpecs(instance.cmdline);
  let machine: LocalMachine;
  try {
    machine = new LocalMachine(instance, builder, { chardevs: () => instance.chardevs.queryChardev() as unknown as JsonObject[], log });
  } catch (err) {
    // vCPUs that KVM cannot set up end the program as QEMU's kvm_init_vcpu failure does.
    if (!(err instanceof KvmVcpuInitError)) throw err;
    for (const w of err.warnings) process.stderr.write(`${RUN_PROG}: warning: ${w}\n`);
    process.stderr.write(`${RUN_PROG}: ${err.message}\n`);
    return 1;
  }
  const monitors = openMonitors(specs, instance.chardevs, new RunBackend(machine), log);
  const pidFile = instance.cmdline.pidFile;
  if (pidFile !== undefined) {
    try {
      writePidfile(pidFile);
    } catch (err) {
      process.stderr.write(`${RUN_PROG}: cannot create PID file: Cannot open pid file: ${(err as Error).message.replace(/^[A-Z]+: /, "")}\n`);
      await monitors.close();
      return 1;
    }
  }
  if (isDaemonChild(env)) daemonizeChildReady();
  machine.start();

  return new Promise((resolve) => {
    let done = false;
    // QEMU's main loop runs until quit, a signal or the guest's end, even with nothing to run
    // (`-M none` without a monitor): this handle keeps Node's event loop from ending first.
    const mainLoop = setInterval(() => {}, 1 << 30);
    const finish = async (status: number) => {
      if (done) return;
      done = true;
      clearInterval(mainLoop);
      await machine.terminate();
      monitors.disconnectAll();
      await monitors.close();
      log.flush();
      resolve(status);
    };
    machine.onExit(() => void finish(machine.exitStatus));
    const onSignal = (signal: NodeJS.Signals) => {
      const number = signal === "SIGINT" ? 2 : 15;
      process.stderr.write(`${RUN_PROG}: terminating on signal ${number}\n`);
      machine.events.emit(makeEvent("SHUTDOWN", { guest: false, reason: "host-signal" }));
      void finish(0);
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
}
