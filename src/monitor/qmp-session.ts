/**
 * One QMP connection (QEMU's monitor/qmp.c): greeting, capabilities
 * negotiation, in-order replies, out-of-band execution and event delivery.
 *
 * Input is either a byte stream, split into messages by the QMP JSON parser
 * (feed), or whole messages, one per WebSocket frame (feedFrame).  Without
 * OOB the session runs one request at a time and replies in request order;
 * parse errors take their turn in the same queue, as QEMU queues them.  With
 * OOB negotiated, "exec-oob" requests run at once, beside the queue.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { JsonMessageParser, type JsonMessage, type JsonStreamLimits } from "../qobject/json-streamer.js";
import { validateCommandArguments } from "../qapi/qobject-input-visitor.js";
import { QmpError } from "../qapi/error.js";
import { schema } from "../qapi/schema.js";
import {
  CONNECTION_COMMANDS,
  OFFERED_CAPABILITIES,
  qmpGreeting,
  queryCommandsAnswer,
  queryQmpSchemaAnswer,
  queryVersion,
} from "./commands/control.js";
import type { QmpEvent } from "./events.js";
import type { MonitorLog } from "./log.js";
import { silentLog } from "./log.js";
import type { QmpBackend } from "./qmp-backend.js";
import { isOobRequest, parseErrorResponse, qmpDispatch, type CommandEntry, type CommandTable } from "./qmp-dispatch.js";

/** Where a session's output goes: one message at a time, formatted by the transport. */
export interface QmpTransport {
  sendMessage(message: JsonObject): void;
  /** Ends the connection after everything sent so far. */
  close(): void;
  /** Flow control: stop and restart reading input (optional). */
  pause?(): void;
  resume?(): void;
}

export type SessionState = "negotiating" | "command" | "closed";

export interface QmpSessionOptions {
  log?: MonitorLog;
  limits?: JsonStreamLimits;
  /** Queued in-band requests that make the session stop reading (QEMU's QMP_REQ_QUEUE_LEN_MAX is 8). */
  maxQueued?: number;
}

const NEGOTIATION_DESC = "Expecting capabilities negotiation with 'qmp_capabilities'";

export class QmpSession {
  private state: SessionState = "negotiating";
  private oobEnabled = false;
  private readonly parser: JsonMessageParser;
  private readonly queue: JsonMessage[] = [];
  private running = false;
  private paused = false;
  private unsubscribe: (() => void) | undefined;
  private readonly log: MonitorLog;
  private readonly maxQueued: number;
  private readonly negotiationTable: CommandTable;
  private readonly commandTable: CommandTable;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly transport: QmpTransport,
    private readonly backend: QmpBackend,
    options: QmpSessionOptions = {},
  ) {
    this.log = options.log ?? silentLog;
    this.parser = new JsonMessageParser(options.limits);
    this.maxQueued = options.maxQueued ?? 8;
    const capabilities = this.capabilitiesEntry();
    this.negotiationTable = { lookup: (name) => (name === "qmp_capabilities" ? capabilities : undefined) };
    this.commandTable = { lookup: (name) => this.lookup(name) };
  }

  get sessionState(): SessionState {
    return this.state;
  }

  get oob(): boolean {
    return this.oobEnabled;
  }

  /** Sends the greeting; the client must now negotiate. */
  start(): void {
    this.send(qmpGreeting());
  }

  /** Bytes from a stream transport. */
  feed(chunk: Uint8Array): void {
    if (this.state === "closed") return;
    for (const msg of this.parser.feed(chunk)) this.receive(msg);
  }

  /** One whole message (a WebSocket frame): parsed on its own, so it cannot leave input pending. */
  feedFrame(frame: Uint8Array): void {
    if (this.state === "closed") return;
    const parser = new JsonMessageParser();
    const messages = [...parser.feed(frame), ...parser.flush()];
    for (const msg of messages) this.receive(msg);
  }

  /** Delivers an event if negotiation is complete (QEMU skips monitors still negotiating). */
  sendEvent(event: QmpEvent): void {
    if (this.state !== "command") return;
    this.send(event);
  }

  /** The connection is gone: stop delivering anything. */
  detach(): void {
    this.state = "closed";
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.queue.length = 0;
    this.wakeIdle();
  }

  /** Resolves once no request is queued or running (tests, orderly shutdown). */
  whenIdle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private receive(msg: JsonMessage): void {
    if ("value" in msg && this.oobEnabled && isOobRequest(msg.value)) {
      void this.process(msg);
      return;
    }
    this.queue.push(msg);
    if (this.queue.length >= this.maxQueued && !this.paused && this.transport.pause) {
      this.paused = true;
      this.transport.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let msg = this.queue.shift(); msg !== undefined; msg = this.queue.shift()) {
        if (this.paused && this.queue.length < this.maxQueued / 2) {
          this.paused = false;
          this.transport.resume?.();
        }
        await this.process(msg);
        if (this.state === "closed") break;
      }
    } finally {
      this.running = false;
      if (this.paused && this.state !== "closed") {
        this.paused = false;
        this.transport.resume?.();
      }
      this.wakeIdle();
    }
  }

  private wakeIdle(): void {
    if (this.running || this.queue.length > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private async process(msg: JsonMessage): Promise<void> {
    if ("error" in msg) {
      this.log.debug({ error: msg.error }, "qmp parse error");
      this.send(parseErrorResponse(msg.error));
      return;
    }
    const request = msg.value;
    this.log.debug({ request: summarize(request) }, "qmp request");
    const negotiating = this.state === "negotiating";
    const table = negotiating ? this.negotiationTable : this.commandTable;
    const outcome = await qmpDispatch(table, request, this.oobEnabled);
    if (this.state === "closed") return;
    const error = outcome.response["error"] as JsonObject | undefined;
    if (negotiating && error && error["class"] === "CommandNotFound") error["desc"] = NEGOTIATION_DESC;
    if (outcome.error?.internal) {
      this.log.error({ command: outcome.command, err: outcome.error.internal }, "command failed with an internal error");
    }
    this.send(outcome.response);
  }

  private send(message: JsonObject): void {
    if (this.state === "closed") return;
    this.log.debug({ response: summarize(message) }, "qmp send");
    this.transport.sendMessage(message);
  }

  private capabilitiesEntry(): CommandEntry {
    return {
      name: "qmp_capabilities",
      allowOob: false,
      run: (args) => {
        const checked = validateCommandArguments("qmp_capabilities", args, { socket: this.backend.socket });
        if (this.state !== "negotiating") {
          throw new QmpError("CommandNotFound", "Capabilities negotiation is already complete, command ignored");
        }
        const enable = (checked["enable"] as string[] | undefined) ?? [];
        const unavailable = enable.filter((c) => !OFFERED_CAPABILITIES.includes(c));
        if (unavailable.length) throw new QmpError("GenericError", `Capability ${unavailable.join(",")} not available`);
        this.oobEnabled = enable.includes("oob");
        this.state = "command";
        this.unsubscribe = this.backend.events.subscribe((event) => this.sendEvent(event));
        return undefined;
      },
    };
  }

  private lookup(name: string): CommandEntry | undefined {
    if (name === "qmp_capabilities") return this.capabilitiesEntry();
    const socket = this.backend.socket;
    if (CONNECTION_COMMANDS.has(name)) {
      const answer = connectionAnswer(name, socket, this.backend);
      return answer && { name, allowOob: false, run: (args) => (validateCommandArguments(name, args, { socket }), answer()) };
    }
    if (!this.backend.implements(name)) return undefined;
    return {
      name,
      allowOob: commandAllowsOob(name),
      run: (args) => this.backend.execute(name, validateCommandArguments(name, args, { socket })),
    };
  }
}

export function connectionAnswer(name: string, socket: QmpBackend["socket"], backend: QmpBackend): (() => JsonValue) | undefined {
  switch (name) {
    case "query-version":
      return queryVersion;
    case "query-commands":
      return () => queryCommandsAnswer(socket, (c) => backend.implements(c));
    case "query-qmp-schema":
      return () => queryQmpSchemaAnswer(socket) as JsonValue;
    default:
      return undefined;
  }
}


function commandAllowsOob(name: string): boolean {
  return schema.commands[name]?.allowOob === true;
}

/** Keeps debug logs readable: big values (query-qmp-schema) are cut. */
function summarize(value: JsonValue): JsonValue | string {
  let text: string;
  try {
    text = JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
  } catch {
    return "(unprintable)";
  }
  return text.length > 2048 ? text.slice(0, 2048) + "…" : value;
}
