/**
 * The QMP backend of one machine's own socket: exactly QEMU's commands,
 * answered by the machine's worker.  Without a worker (after quit or a
 * failure) query-status still answers with the machine's state.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { QmpError } from "../qapi/error.js";
import { hasMachineCommand } from "../monitor/commands/index.js";
import { statusInfo } from "../monitor/commands/run-state.js";
import type { QmpBackend } from "../monitor/qmp-backend.js";
import type { ManagedMachine } from "./managed-machine.js";

export function callMachine(machine: ManagedMachine, command: string, args: JsonObject): Promise<JsonValue | undefined> {
  if (machine.handle) return machine.handle.call(command, args);
  if (command === "query-status") return Promise.resolve(statusInfo(machine.status));
  return Promise.reject(
    new QmpError("GenericError", `Machine '${machine.name}' is not running (${machine.status}); use machine-start to start it again`),
  );
}

export class MachineBackend implements QmpBackend {
  readonly socket = "machine" as const;

  constructor(private readonly machine: ManagedMachine) {}

  get events() {
    return this.machine.events;
  }

  implements(command: string): boolean {
    return hasMachineCommand(command);
  }

  execute(command: string, args: JsonObject): Promise<JsonValue | undefined> {
    return callMachine(this.machine, command, args);
  }
}
