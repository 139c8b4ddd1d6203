/**
 * A client for qomd's /jsonrpc WebSocket endpoint, on the json-rpc-2.0
 * library, with the same command types, errors and events as QmpClient:
 *
 * - method = QMP command, params = arguments, result = the "return" value;
 * - an error response carries QMP's {"class", "desc"} in data and becomes an
 *   ExecuteError (with the JSON-RPC code in `code`);
 * - notifications "event/NAME" are events {event, timestamp, data, machine}.
 *
 * Messages are parsed and written with QMP's JSON code, so 64-bit integers
 * stay exact both ways.
 */
import { JSONRPCClient, type JSONRPCRequest, type JSONRPCResponse } from "json-rpc-2.0";
import type WebSocket from "ws";
import type { QmpControlCommands } from "../../protocol/gen/types.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../src/qobject/json-value.js";
import { toQmpJson } from "../../src/qobject/json-writer.js";
import { parseJson } from "../../src/qobject/parse-json.js";
import type { CommandArgs, CommandName, CommandReturn, CommandTable, ExecuteOptions, ExecuteParams } from "./command-types.js";
import { ExecInterruptedError, ExecTimeoutError, ExecuteError, StateError } from "./errors.js";
import { EventHub, type EventListener } from "./events.js";
import type { QmpEventMessage } from "./message.js";
import type { Runstate } from "./protocol.js";
import { displayUrl, openWebSocket, type WebSocketOptions } from "./websocket-transport.js";

export interface JsonRpcClientOptions extends WebSocketOptions {
  /** Timeout for every execute() that does not give its own. */
  defaultTimeout?: number;
}

const EVENT_PREFIX = "event/";

export class JsonRpcQmpClient<C extends CommandTable<C> = QmpControlCommands> {
  private state: Runstate = "idle";
  private ws: WebSocket | undefined;
  private closed: Promise<void> | undefined;
  private nextId = 0;
  private readonly rpc: JSONRPCClient;
  private readonly hub = new EventHub();
  private url = "";
  private readonly disconnectCallbacks = new Set<(error?: Error) => void>();

  constructor(private readonly options: JsonRpcClientOptions = {}) {
    this.rpc = new JSONRPCClient((payload: unknown) => {
      if (this.ws === undefined) throw new StateError("the JSON-RPC client is not connected");
      this.ws.send(toQmpJson(withoutUndefined(payload)));
    });
  }

  static async open<T extends CommandTable<T> = QmpControlCommands>(url: string, options: JsonRpcClientOptions = {}): Promise<JsonRpcQmpClient<T>> {
    const client = new JsonRpcQmpClient<T>(options);
    await client.connect(url);
    return client;
  }

  get runstate(): Runstate {
    return this.state;
  }

  async connect(url: string): Promise<void> {
    if (this.state !== "idle") throw new StateError("cannot connect: the client is already connected");
    this.state = "connecting";
    this.url = url;
    try {
      const { ws, closed } = await openWebSocket(
        url,
        this.options,
        (data) => this.onFrame(data),
        (error) => this.onClosed(error),
      );
      this.ws = ws;
      this.closed = closed;
      this.state = "running";
    } catch (err) {
      this.state = "idle";
      throw err;
    }
  }

  async disconnect(): Promise<void> {
    if (this.state !== "running" || this.ws === undefined) return;
    this.state = "disconnecting";
    this.ws.close(1000);
    await this.closed;
    this.onClosed(undefined);
  }

  onDisconnect(callback: (error?: Error) => void): () => void {
    this.disconnectCallbacks.add(callback);
    return () => this.disconnectCallbacks.delete(callback);
  }

  async execute<K extends CommandName<C>>(command: K, ...params: ExecuteParams<CommandArgs<C, K>>): Promise<CommandReturn<C, K>> {
    const [args, options] = params;
    return (await this.executeUntyped(command, args as JsonObject | undefined, options)) as CommandReturn<C, K>;
  }

  async executeUntyped(command: string, args?: JsonObject, options: ExecuteOptions = {}): Promise<JsonValue> {
    if (this.state !== "running") throw new StateError(`cannot execute ${command}: the client is not connected`);
    options.signal?.throwIfAborted();
    const id = `__qmp#${String(this.nextId++).padStart(5, "0")}`;
    const request: JSONRPCRequest = { jsonrpc: "2.0", id, method: command, params: args };
    const sent: JsonObject = { execute: command, id };
    if (args !== undefined) sent["arguments"] = args;
    const timeout = options.timeout ?? this.options.defaultTimeout;

    const response = await new Promise<JSONRPCResponse>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const abandon = (error: unknown) => {
        if (timer) clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        // Frees the library's entry for this id; its promise then resolves unseen.
        this.rpc.receive({ jsonrpc: "2.0", id, error: { code: 0, message: "abandoned" } });
        reject(error);
      };
      const onAbort = () => abandon(options.signal!.reason);
      options.signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== undefined) timer = setTimeout(() => abandon(new ExecTimeoutError(`no reply to ${command} within ${timeout} ms`)), timeout);
      this.rpc.requestAdvanced(request).then(
        (r) => {
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener("abort", onAbort);
          resolve(r);
        },
        (err: unknown) => reject(err),
      );
    });
    if (response.error) {
      const data = response.error.data as JsonValue | undefined;
      if (!isJsonObject(data) || typeof data["class"] !== "string") {
        // Not a QMP error: the library's own (connection gone, nothing sent).
        throw new ExecInterruptedError(`${command}: ${response.error.message}`);
      }
      throw new ExecuteError(sent, { error: { class: data["class"], desc: String(data["desc"] ?? response.error.message) }, id }, response.error.code);
    }
    return response.result as JsonValue;
  }

  listen<N extends string = string>(names?: readonly N[]): EventListener<QmpEventMessage<N>> {
    return this.hub.listen<QmpEventMessage<N>>(names);
  }

  on<N extends string>(name: N, callback: (event: QmpEventMessage<N>) => void): () => void {
    return this.hub.subscribe((ev) => {
      if (ev.event === name) callback(ev as QmpEventMessage<N>);
    });
  }

  onEvent(callback: (event: QmpEventMessage) => void): () => void {
    return this.hub.subscribe(callback);
  }

  private onFrame(data: Buffer): void {
    let value: JsonValue;
    try {
      value = parseJson(data);
    } catch {
      return; // Not JSON: nothing a reply or an event could be matched to.
    }
    const messages = Array.isArray(value) ? value : [value];
    for (const m of messages) {
      if (!isJsonObject(m)) continue;
      const method = m["method"];
      if (typeof method === "string" && method.startsWith(EVENT_PREFIX) && m["id"] === undefined) {
        const params = isJsonObject(m["params"]) ? m["params"] : {};
        this.hub.dispatch({ event: method.slice(EVENT_PREFIX.length), ...params } as unknown as QmpEventMessage);
      } else if ("result" in m || "error" in m) {
        this.rpc.receive(m as unknown as JSONRPCResponse);
      }
    }
  }

  private onClosed(error: Error | undefined): void {
    if (this.state === "idle") return;
    const lost = this.state !== "disconnecting";
    this.state = "idle";
    this.ws = undefined;
    this.rpc.rejectAllPendingRequests(`connection to ${displayUrl(this.url)} ${lost ? "lost" : "closed"}`);
    this.hub.endAll();
    const reason = lost ? (error ?? new Error(`connection to ${displayUrl(this.url)} lost`)) : undefined;
    for (const cb of [...this.disconnectCallbacks]) cb(reason);
  }
}

/** JSON has no undefined; the library leaves optional members undefined. */
function withoutUndefined(value: unknown): JsonValue {
  if (Array.isArray(value)) return value.map(withoutUndefined);
  if (typeof value === "object" && value !== null) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) if (v !== undefined) out[k] = withoutUndefined(v);
    return out;
  }
  return value as JsonValue;
}
