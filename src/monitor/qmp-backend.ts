/**
 * What a QMP session talks to: the daemon's control plane or one machine.
 * The session handles the connection-scope commands itself (qmp_capabilities,
 * query-version, query-commands, query-qmp-schema) and the schema check of
 * the arguments; everything else goes to the backend, already checked.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import type { SocketKind } from "../qapi/qobject-input-visitor.js";
import type { EventHub } from "./events.js";

export interface QmpBackend {
  /** Which schema variant the socket speaks. */
  readonly socket: SocketKind;
  /** Events for every negotiated session of this backend. */
  readonly events: EventHub;
  /** Whether the backend implements `command` (query-commands lists only these). */
  implements(command: string): boolean;
  /** Runs a command whose arguments passed the schema check. Throws QmpError/QomError. */
  execute(command: string, args: JsonObject): Promise<JsonValue | undefined>;
}
