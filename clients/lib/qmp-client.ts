/**
 * The QMP client layer (after QMPClient in QEMU's python library): greeting
 * check, capabilities negotiation (asking for "oob" when the server offers
 * it), execution ids "__qmp#00000", "__qmp#00001", …, a map of pending
 * replies so that pipelined commands get their own answers, and events.
 *
 * Routing follows the QMP spec: a message with "event" is an event; a reply
 * goes to the execution with its id; an error reply without id belongs to
 * the execution sent without id (the spec's "id-less" error for input the
 * server could not parse) and is a protocol violation when there is none;
 * replies with unknown ids are dropped (a late answer to a command whose
 * wait timed out or was cancelled).
 */
import type { QmpCommands } from "../../protocol/gen/types.js";
import { isJsonObject, type JsonObject, type JsonValue } from "../../src/qobject/json-value.js";
import { toQmpJson } from "../../src/qobject/json-writer.js";
import type { CommandArgs, CommandName, CommandReturn, CommandTable, ExecuteOptions, ExecuteParams } from "./command-types.js";
import { ExecInterruptedError, ExecTimeoutError, ExecuteError, NegotiationError, ProtocolError, type QmpClientError } from "./errors.js";
import { EventHub, type EventListener } from "./events.js";
import { checkGreeting, checkServerMessage, type QmpEventMessage, type QmpGreeting } from "./message.js";
import { QmpProtocol } from "./protocol.js";

export interface QmpClientOptions {
  /** Skip qmp_capabilities (the session then stays in negotiation mode). */
  negotiate?: boolean;
  /** Timeout for every execute() that does not give its own. */
  defaultTimeout?: number;
  /** Called for messages the client drops (replies nobody waits for). */
  onDropped?: (message: JsonObject) => void;
}

export interface RawExecuteOptions extends ExecuteOptions {
  /** Give the message a fresh "__qmp#…" id (default), or send it as it is. */
  assignId?: boolean;
}

interface Pending {
  resolve(reply: JsonObject): void;
  reject(error: Error): void;
}

/** Key of the pending map for an id; "" for executions without id. */
function idKey(id: JsonValue | undefined): string {
  return id === undefined ? "" : toQmpJson(id);
}

export class QmpClient<C extends CommandTable<C> = QmpCommands> extends QmpProtocol {
  greeting: QmpGreeting | undefined;
  /** Capabilities enabled by negotiation. */
  capabilities: string[] = [];
  private executeId = 0;
  private readonly pending = new Map<string, Pending>();
  /** An execution without id was sent and its reply has not come yet (even if nobody waits any more). */
  private idlessInFlight = false;
  private idlessQueue: Array<() => void> = [];
  private readonly hub = new EventHub();

  constructor(private readonly options: QmpClientOptions = {}) {
    super();
  }

  /** Connects to `address`, then returns the client; the usual way to get one. */
  static async open<T extends CommandTable<T> = QmpCommands>(
    address: Parameters<QmpClient["connect"]>[0],
    options: QmpClientOptions & Parameters<QmpClient["connect"]>[1] = {},
  ): Promise<QmpClient<T>> {
    const client = new QmpClient<T>(options);
    await client.connect(address, options);
    return client;
  }

  protected async establishSession(signal: AbortSignal): Promise<void> {
    this.greeting = checkGreeting(await this.receiveDuringSetup(signal));
    this.capabilities = [];
    if (this.options.negotiate === false) return;
    const enable = this.greeting.QMP.capabilities.includes("oob") ? ["oob"] : [];
    const request: JsonObject = { execute: "qmp_capabilities" };
    if (enable.length > 0) request["arguments"] = { enable };
    this.send(request, toQmpJson(request));
    let reply: JsonValue;
    do reply = await this.receiveDuringSetup(signal);
    while (isJsonObject(reply) && "event" in reply);
    if (!isJsonObject(reply) || !("return" in reply)) {
      const err = isJsonObject(reply) && isJsonObject(reply["error"]) ? String(reply["error"]["desc"]) : JSON.stringify(reply);
      throw new NegotiationError(`qmp_capabilities failed: ${err}`);
    }
    this.capabilities = enable;
  }

  /**
   * Runs a command and returns its "return" value; throws ExecuteError when
   * the server answers with an error.  Argument and return types come from
   * the command table (QmpCommands unless the client was made for another).
   */
  async execute<K extends CommandName<C>>(command: K, ...params: ExecuteParams<CommandArgs<C, K>>): Promise<CommandReturn<C, K>> {
    const [args, options] = params;
    return (await this.executeUntyped(command, args as JsonObject | undefined, options)) as CommandReturn<C, K>;
  }

  /** execute() for command names known only at run time (shells, tools). */
  async executeUntyped(command: string, args?: JsonObject, options: ExecuteOptions = {}): Promise<JsonValue> {
    const message: JsonObject = { [options.oob ? "exec-oob" : "execute"]: command };
    if (args !== undefined) message["arguments"] = args;
    const reply = await this.executeMessage(message, options);
    if ("error" in reply) throw new ExecuteError(message, reply);
    return reply["return"]!;
  }

  /**
   * Sends a whole message and returns the whole reply, error or not (as
   * qmp-shell needs for raw JSON input).  With assignId (the default) the
   * message gets a fresh id, which the returned reply keeps.
   */
  async executeMessage(message: JsonObject, options: RawExecuteOptions = {}): Promise<JsonObject> {
    this.require("running", `execute ${String(message["execute"] ?? message["exec-oob"] ?? "a message")}`);
    const sent: JsonObject = { ...message };
    if (options.assignId ?? true) sent["id"] = `__qmp#${String(this.executeId++).padStart(5, "0")}`;
    const key = idKey(sent["id"]);
    if (key === "") return this.executeIdless(sent, options);
    if (this.pending.has(key)) throw new ProtocolError(`an execution with id ${key} is already pending`);
    return this.wait(key, sent, options);
  }

  private async executeIdless(sent: JsonObject, options: ExecuteOptions): Promise<JsonObject> {
    // Replies without id can only be told apart by order, so one at a time.
    while (this.idlessInFlight) await new Promise<void>((r) => this.idlessQueue.push(r));
    try {
      options.signal?.throwIfAborted();
    } catch (err) {
      this.idlessQueue.shift()?.();
      throw err;
    }
    this.idlessInFlight = true;
    try {
      return await this.wait("", sent, options);
    } catch (err) {
      // A timed-out or cancelled wait still has its reply coming; otherwise nothing was
      // sent or the connection is gone, and no reply is owed.
      const owed = err instanceof ExecTimeoutError || (options.signal?.aborted === true && err === options.signal.reason);
      if (!owed) this.idlessDone();
      throw err;
    }
  }

  /** The id-less reply arrived (or will never come): let the next id-less execution go. */
  private idlessDone(): void {
    this.idlessInFlight = false;
    this.idlessQueue.shift()?.();
  }

  private wait(key: string, sent: JsonObject, options: ExecuteOptions): Promise<JsonObject> {
    this.require("running", `execute ${String(sent["execute"] ?? sent["exec-oob"] ?? "a message")}`);
    const timeout = options.timeout ?? this.options.defaultTimeout;
    const signal = options.signal;
    signal?.throwIfAborted();
    return new Promise<JsonObject>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (this.pending.get(key) === entry) this.pending.delete(key);
      };
      const onAbort = () => {
        cleanup();
        reject(signal!.reason);
      };
      const entry: Pending = {
        resolve: (reply) => {
          cleanup();
          resolve(reply);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      this.pending.set(key, entry);
      signal?.addEventListener("abort", onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          cleanup();
          reject(new ExecTimeoutError(`no reply to ${String(sent["execute"] ?? sent["exec-oob"])} within ${timeout} ms`));
        }, timeout);
      }
      try {
        this.send(sent, toQmpJson(sent));
      } catch (err) {
        cleanup();
        reject(err as Error);
      }
    });
  }

  protected handleMessage(value: JsonValue): void {
    const msg = checkServerMessage(value);
    if ("event" in msg) {
      this.hub.dispatch(msg as unknown as QmpEventMessage);
      return;
    }
    const key = idKey(msg["id"]);
    const waiter = this.pending.get(key);
    if (key === "" && this.idlessInFlight) {
      this.idlessDone();
      if (waiter) waiter.resolve(msg);
      else this.options.onDropped?.(msg);
      return;
    }
    if (waiter) {
      waiter.resolve(msg);
      return;
    }
    if (key === "" && "error" in msg) {
      // qmp-spec 2.4.2: the server could not parse our input, yet we sent nothing without id.
      throw new ProtocolError(`the server reported an error for no command: ${String((msg["error"] as JsonObject)["desc"])}`);
    }
    this.options.onDropped?.(msg);
  }

  protected connectionEnded(error: QmpClientError): void {
    const interrupted = new ExecInterruptedError(`${error.message}; no reply will come`, { cause: error });
    for (const p of [...this.pending.values()]) p.reject(interrupted);
    this.pending.clear();
    this.idlessInFlight = false;
    for (const wake of this.idlessQueue.splice(0)) wake();
    this.hub.endAll();
  }

  /**
   * A listener that queues events (all of them, or only `names`) for
   * `for await` or get(); it ends when the connection does.
   */
  listen<N extends string = string>(names?: readonly N[]): EventListener<QmpEventMessage<N>> {
    return this.hub.listen<QmpEventMessage<N>>(names);
  }

  /** Calls `callback` for every event named `name`; returns a function that stops it. */
  on<N extends string>(name: N, callback: (event: QmpEventMessage<N>) => void): () => void {
    return this.hub.subscribe((ev) => {
      if (ev.event === name) callback(ev as QmpEventMessage<N>);
    });
  }

  /** Calls `callback` for every event, across reconnections. */
  onEvent(callback: (event: QmpEventMessage) => void): () => void {
    return this.hub.subscribe(callback);
  }
}
