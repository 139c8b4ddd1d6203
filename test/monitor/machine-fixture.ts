/**
 * An in-process machine for command tests: QEMU's command line through
 * createMachine, commands through the same MachineRuntime the daemon's
 * workers and `qomd run` use, events collected in order.
 */
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";
import { MachineRuntime } from "../../src/daemon/machine-runtime.js";
import { loadMachineBuilder } from "../../src/daemon/machine-builder.js";
import type { QmpEvent } from "../../src/monitor/events.js";
import type { MachineInstance } from "../../src/monitor/machine-context.js";

export interface TestMachine {
  instance: MachineInstance;
  runtime: MachineRuntime;
  events: QmpEvent[];
  /** Runs a command; resolves with its return value or throws {class, desc}. */
  run(command: string, args?: JsonObject): JsonValue | undefined;
  /** Runs a command that must fail; returns {class, desc}. */
  fail(command: string, args?: JsonObject): { class: string; desc: string };
  /** Event names emitted so far (and forgets them). */
  takeEvents(): QmpEvent[];
}

export async function testMachine(argv: string[]): Promise<TestMachine> {
  const builder = await loadMachineBuilder();
  const instance = await builder.createMachine(argv, { prog: "qemu-system-x86_64" });
  const events: QmpEvent[] = [];
  const runtime = new MachineRuntime(instance, {
    onEvent: (e) => events.push(e),
    onExit: () => {},
    deviceAdd: (inst, opts) => builder.deviceAdd(inst, opts),
  });
  const exec = (command: string, args: JsonObject = {}) => {
    const r = runtime.execute(command, args);
    runtime.flushAfterReply();
    return r;
  };
  return {
    instance,
    runtime,
    events,
    run(command, args) {
      const r = exec(command, args);
      if (!r.ok) throw new Error(`${command} failed: ${r.error.wire.class}: ${r.error.wire.desc}`);
      return r.value;
    },
    fail(command, args) {
      const r = exec(command, args);
      if (r.ok) throw new Error(`${command} succeeded: ${JSON.stringify(r.value)}`);
      return { class: r.error.wire.class, desc: r.error.wire.desc };
    },
    takeEvents() {
      return events.splice(0, events.length);
    },
  };
}
