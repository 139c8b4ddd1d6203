/**
 * In-process running machines for the kvm tests that watch a guest: the machine built from a
 * command line and started under the MachineRuntime the daemon and `qomd run` use, its exit
 * statuses, HMP, and a bounded wait for what the guest writes.
 */
import { loadMachineBuilder } from "../../../src/daemon/machine-builder.js";
import { MachineRuntime } from "../../../src/daemon/machine-runtime.js";

export interface RunningMachine {
  readonly rt: MachineRuntime;
  /** Exit statuses reported so far (isa-debug-exit, shutdown). */
  readonly exits: Array<number | undefined>;
  /** An HMP command line's output; throws the QMP error if it fails. */
  hmp(line: string): string;
}

const live: MachineRuntime[] = [];

/** Builds `argv` (QEMU's command line) and starts it. */
export async function startRunningMachine(argv: string[]): Promise<RunningMachine> {
  const builder = await loadMachineBuilder();
  const instance = await builder.createMachine(argv, { prog: "qemu-system-x86_64" });
  const exits: Array<number | undefined> = [];
  const rt = new MachineRuntime(instance, { onEvent: () => {}, onExit: (s) => exits.push(s), deviceAdd: () => {} });
  live.push(rt);
  rt.start();
  return {
    rt,
    exits,
    hmp: (line) => {
      const r = rt.execute("human-monitor-command", { "command-line": line });
      rt.flushAfterReply();
      if (!r.ok) throw new Error(`${line}: ${JSON.stringify(r.error)}`);
      return String(r.value);
    },
  };
}

/** Stops every machine started since the last call (for afterEach). */
export function closeRunningMachines(): void {
  for (const rt of live.splice(0)) rt.runControl.close();
}

/** Waits until `pred` holds; generous, since this host's KVM emulates CPL0 code in software. */
export async function until(pred: () => boolean, what: string, boundMs = 90_000): Promise<void> {
  for (const start = Date.now(); !pred(); ) {
    if (Date.now() - start > boundMs) throw new Error(`no ${what} after ${boundMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
