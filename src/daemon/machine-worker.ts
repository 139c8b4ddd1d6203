/**
 * Entry point of a machine's worker thread: builds the machine from its
 * command line, then serves calls from the main thread.  The machine's QOM
 * tree, devices and (later) vCPUs live only here.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { MessagePort } from "node:worker_threads";
import { KvmVcpuInitError } from "../accel/kvm/kvm-tsc.js";
import { CliError } from "../softmmu/cli-error.js";
import { loadMachineBuilder } from "./machine-builder.js";
import { MachineRuntime } from "./machine-runtime.js";
import { machineSummary } from "./machine-summary.js";
import type { MainToWorker, WorkerInit, WorkerToMain } from "./worker-protocol.js";
import { faultInjectionCommand } from "./fault-injection.js";

const port = parentPort as MessagePort;
const init = workerData as WorkerInit;

function post(msg: WorkerToMain): void {
  port.postMessage(msg);
}

async function main(): Promise<void> {
  const builder = await loadMachineBuilder();
  let runtime: MachineRuntime;
  try {
    const instance = await builder.createMachine(init.argv, { prog: init.prog });
    runtime = new MachineRuntime(instance, {
      onEvent: (event) => post({ type: "event", event, runState: instance.runState }),
      onExit: () => post({ type: "exit" }),
      deviceAdd: (inst, opts) => builder.deviceAdd(inst, opts),
      chardevs: () => [{ label: `qomd-${init.name}`, filename: "unix:machine socket,server=on", "frontend-open": true }],
    });
  } catch (err) {
    // A command-line error, or vCPUs KVM cannot set up (QEMU's fatal kvm_init_vcpu): QEMU's text.
    if (err instanceof CliError || err instanceof KvmVcpuInitError) post({ type: "create-failed", message: err.message, cli: true });
    else post({ type: "create-failed", message: err instanceof Error ? (err.stack ?? err.message) : String(err), cli: false });
    return;
  }
  post({ type: "ready", summary: machineSummary(runtime.instance) });
  runtime.start();

  port.on("message", (msg: MainToWorker) => {
    if (msg.type === "ping") {
      post({ type: "pong", id: msg.id });
      return;
    }
    if (init.faultInjection && msg.command === "human-monitor-command") faultInjectionCommand(msg.args);
    const result = runtime.execute(msg.command, msg.args);
    const runState = runtime.instance.runState;
    if (result.ok) post({ type: "reply", id: msg.id, runState, result: { ok: true, value: result.value } });
    else {
      const e = result.error;
      post({
        type: "reply",
        id: msg.id,
        runState,
        result: { ok: false, error: e.wire, invalidArguments: e.invalidArguments, ...(e.internal ? { internal: e.internal } : {}) },
      });
    }
    runtime.flushAfterReply();
  });
}

void main();
