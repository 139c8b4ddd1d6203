/**
 * QMP as JSON-RPC 2.0 (the /jsonrpc WebSocket endpoint), on the json-rpc-2.0
 * library.  The mapping:
 *
 * - method = QMP command name, params = its arguments (an object; absent
 *   means {}), result = the QMP "return" value.  No capabilities
 *   negotiation: the connection is in command mode from the start
 *   (qmp_capabilities answers {} for clients that send it anyway).
 * - errors carry the QMP error in data: {"class": …, "desc": …}, with code
 *   -32601 for CommandNotFound, -32602 when the arguments do not match the
 *   schema (or params is not an object), -32000 for every other QMP error;
 *   -32700 and -32600 are the library's parse and invalid-request errors.
 * - QMP events are notifications: method "event/<NAME>", params
 *   {"timestamp": …, "data": … (if any), "machine": … (control socket)}.
 * - batches work as JSON-RPC 2.0 says (one array of responses).
 *
 * Requests are parsed with QMP's own parser so 64-bit integers stay exact,
 * and replies are written with QMP's writer for the same reason.
 */
import { JSONRPCErrorException, JSONRPCServer, type JSONRPCRequest, type JSONRPCResponse } from "json-rpc-2.0";
import type { JsonObject, JsonValue } from "../../qobject/json-value.js";
import { isJsonObject } from "../../qobject/json-value.js";
import { parseJson } from "../../qobject/parse-json.js";
import { toQmpJson } from "../../qobject/json-writer.js";
import { validateCommandArguments } from "../../qapi/qobject-input-visitor.js";
import { schema } from "../../qapi/schema.js";
import { CONNECTION_COMMANDS } from "../commands/control.js";
import type { QmpEvent } from "../events.js";
import type { MonitorLog } from "../log.js";
import { silentLog } from "../log.js";
import type { QmpBackend } from "../qmp-backend.js";
import { errorReport } from "../qmp-errors.js";
import { connectionAnswer } from "../qmp-session.js";

export const JSONRPC_COMMAND_NOT_FOUND = -32601;
export const JSONRPC_INVALID_PARAMS = -32602;
export const JSONRPC_QMP_ERROR = -32000;

export interface JsonRpcPeer {
  /** Sends one JSON text (a response, a batch of responses or a notification). */
  send(text: string): void;
}

function qmpException(err: unknown, command: string, log: MonitorLog): JSONRPCErrorException {
  const report = errorReport(err, command);
  if (report.internal) log.error({ command, err: report.internal }, "command failed with an internal error");
  const code =
    report.wire.class === "CommandNotFound" ? JSONRPC_COMMAND_NOT_FOUND : report.invalidArguments ? JSONRPC_INVALID_PARAMS : JSONRPC_QMP_ERROR;
  return new JSONRPCErrorException(report.wire.desc, code, { class: report.wire.class, desc: report.wire.desc });
}

export class JsonRpcConnection {
  private readonly server: JSONRPCServer;
  private readonly unsubscribe: () => void;
  private readonly log: MonitorLog;

  constructor(
    private readonly peer: JsonRpcPeer,
    private readonly backend: QmpBackend,
    log?: MonitorLog,
  ) {
    this.log = log ?? silentLog;
    this.server = new JSONRPCServer();
    for (const name of Object.keys(schema.commands)) {
      if (CONNECTION_COMMANDS.has(name) || backend.implements(name)) {
        this.server.addMethod(name, (params: unknown) => this.call(name, params));
      }
    }
    this.server.handleMethodNotFound = async (request: JSONRPCRequest) => {
      const desc = `The command ${request.method} has not been found`;
      if (request.id === undefined) return null;
      return {
        jsonrpc: "2.0",
        id: request.id,
        error: { code: JSONRPC_COMMAND_NOT_FOUND, message: desc, data: { class: "CommandNotFound", desc } },
      } as JSONRPCResponse;
    };
    this.unsubscribe = backend.events.subscribe((event) => this.sendEvent(event));
  }

  private async call(command: string, params: unknown): Promise<JsonValue> {
    try {
      if (params !== undefined && !isJsonObject(params as JsonValue)) {
        throw new JSONRPCErrorException("params must be an object", JSONRPC_INVALID_PARAMS, {
          class: "GenericError",
          desc: "QMP input member 'arguments' must be an object",
        });
      }
      const socket = this.backend.socket;
      const args = validateCommandArguments(command, (params as JsonObject | undefined) ?? {}, { socket });
      if (command === "qmp_capabilities") return {};
      const answer = CONNECTION_COMMANDS.has(command) ? connectionAnswer(command, socket, this.backend) : undefined;
      const ret = answer ? answer() : await this.backend.execute(command, args);
      return ret === undefined ? {} : ret;
    } catch (err) {
      if (err instanceof JSONRPCErrorException) throw err;
      throw qmpException(err, command, this.log);
    }
  }

  /** One WebSocket message in; the reply (if any) goes out through the peer. */
  async receive(text: string): Promise<void> {
    let request: JsonValue;
    try {
      request = parseJson(text);
    } catch {
      this.peer.send(toQmpJson({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } }));
      return;
    }
    this.log.debug({ request: text.length > 2048 ? text.slice(0, 2048) + "…" : text }, "jsonrpc request");
    const response = await this.server.receive(request as unknown as JSONRPCRequest | JSONRPCRequest[]);
    if (response === null) return;
    if (Array.isArray(response) && response.length === 0) return;
    this.peer.send(toQmpJson(dropUndefined(response)));
  }

  private sendEvent(event: QmpEvent): void {
    const { event: name, ...params } = event;
    this.peer.send(toQmpJson({ jsonrpc: "2.0", method: `event/${name}`, params }));
  }

  close(): void {
    this.unsubscribe();
  }
}

/** The library leaves optional members undefined; JSON has no undefined. */
function dropUndefined(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(dropUndefined);
  if (typeof value === "object" && value !== null) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = dropUndefined(v);
    return out;
  }
  return value as JsonValue;
}
