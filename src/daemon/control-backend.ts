/**
 * The QMP backend of the daemon's control socket: qomd's machine commands,
 * and every per-machine command with an optional 'machine' argument.
 * Commands that need only the type registry (qom-list-types,
 * query-machines, …) are answered by the daemon itself when 'machine' is
 * left out; other per-machine commands then go to the only machine.
 * Events of all machines reach control clients with a "machine" member
 * naming their machine.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import type { TypeRegistry } from "../qom/type.js";
import { hasMachineCommand, registryCommands } from "../monitor/commands/index.js";
import type { QmpBackend } from "../monitor/qmp-backend.js";
import { callMachine } from "./machine-backend.js";
import type { MachineManager } from "./machine-manager.js";

const DAEMON_COMMANDS = new Set(["machine-create", "machine-list", "machine-delete", "machine-start"]);

export class ControlBackend implements QmpBackend {
  readonly socket = "control" as const;

  constructor(
    private readonly manager: MachineManager,
    private readonly registry: TypeRegistry,
  ) {}

  get events() {
    return this.manager.events;
  }

  implements(command: string): boolean {
    return DAEMON_COMMANDS.has(command) || hasMachineCommand(command);
  }

  async execute(command: string, args: JsonObject): Promise<JsonValue | undefined> {
    switch (command) {
      case "machine-create":
        return this.manager.create(args);
      case "machine-list":
        return this.manager.list().map((m) => m.info());
      case "machine-delete":
        await this.manager.delete(args["name"] as string);
        return undefined;
      case "machine-start":
        await this.manager.start(args["name"] as string);
        return undefined;
      default:
        break;
    }
    const { machine, ...rest } = args;
    const local = registryCommands[command];
    if (machine === undefined && local) return local(rest, { registry: this.registry });
    return callMachine(this.manager.resolve(machine as string | undefined), command, rest);
  }
}
