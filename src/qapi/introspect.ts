/**
 * Answers of query-qmp-schema and query-commands, from the data generated out
 * of protocol/qapi/*.json.
 *
 * A machine's own socket offers QEMU 7.2's commands with QEMU's shapes; the
 * daemon's control socket offers the same commands, each machine-scope one
 * with an optional 'machine' argument and the feature 'qomd-per-machine',
 * plus qomd's daemon commands (feature 'qomd-daemon').  Both introspection
 * lists are made by protocol/scripts/gen-qapi.mjs.
 */
import machineSchemaJson from "../../protocol/gen/introspect.json" with { type: "json" };
import controlSchemaJson from "../../protocol/gen/introspect-control.json" with { type: "json" };
import type { JsonObject } from "../qobject/json-value.js";
import { schema as generatedSchema, type SchemaModel } from "./schema.js";
import type { SocketKind } from "./qobject-input-visitor.js";

/** One SchemaInfo object, as QEMU's query-qmp-schema returns it. */
export type SchemaInfo = JsonObject;

// JSON imports infer wide literal types; the generator writes SchemaInfo lists.
const machineSchema = machineSchemaJson as unknown as readonly SchemaInfo[];
const controlSchema = controlSchemaJson as unknown as readonly SchemaInfo[];

/** The query-qmp-schema answer of a socket (shared, never to be modified). */
export function querySchema(socket: SocketKind): readonly SchemaInfo[] {
  return socket === "control" ? controlSchema : machineSchema;
}

/** Whether a socket offers a command at all. */
export function socketHasCommand(socket: SocketKind, command: string, model: SchemaModel = generatedSchema): boolean {
  const def = model.commands[command];
  return def !== undefined && (socket === "control" || def.scope !== "daemon");
}

/**
 * The query-commands answer of a socket.  QEMU registers the generated
 * commands in schema order, then device_add (the 'gen': false command), and
 * lists them newest first; qomd keeps that order.  `available` leaves out
 * commands a server does not implement.
 */
export function queryCommands(
  socket: SocketKind,
  available: (command: string) => boolean = () => true,
  model: SchemaModel = generatedSchema,
): { name: string }[] {
  const names = Object.keys(model.commands).filter((name) => socketHasCommand(socket, name, model) && available(name));
  const registered = [...names.filter((n) => model.commands[n].gen), ...names.filter((n) => !model.commands[n].gen)];
  return registered.reverse().map((name) => ({ name }));
}
