/**
 * The protocol layer (after AsyncProtocol in QEMU's python library): it owns
 * the transport and the runstate, and leaves the message format to a
 * subclass (qmp-client.ts).
 *
 *   idle ──connect()──▶ connecting ──session set up──▶ running
 *     ▲                     │ failure                     │ disconnect() or connection lost
 *     └─────────────────────┴──────── disconnecting ◀─────┘
 *
 * Calls that a runstate does not allow throw StateError.
 */
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";
import { resolveAddress, type QmpAddress } from "./address.js";
import { ConnectError, ProtocolError, QmpClientError, StateError } from "./errors.js";
import type { QmpTransport, TransportSink } from "./transport.js";
import { connectUnix } from "./unix-transport.js";
import { connectWebSocket, displayUrl } from "./websocket-transport.js";

export type Runstate = "idle" | "connecting" | "running" | "disconnecting";

export interface ConnectOptions {
  /** Milliseconds for connecting, the greeting and negotiation together. */
  timeout?: number;
  signal?: AbortSignal;
}

export abstract class QmpProtocol {
  private state: Runstate = "idle";
  private transport: QmpTransport | undefined;
  /** Messages that arrive while the session is being set up. */
  private inbox: JsonValue[] = [];
  private inboxWaiter: (() => void) | undefined;
  private setupFailure: Error | undefined;
  private readonly stateCallbacks = new Set<(state: Runstate) => void>();
  private readonly disconnectCallbacks = new Set<(error?: Error) => void>();
  /** Why the last connection ended, when it did not end through disconnect(). */
  lastError: Error | undefined;

  get runstate(): Runstate {
    return this.state;
  }

  /** The peer of the current connection (socket path or URL without token). */
  get peer(): string | undefined {
    return this.transport?.peer;
  }

  onRunstateChange(callback: (state: Runstate) => void): () => void {
    this.stateCallbacks.add(callback);
    return () => this.stateCallbacks.delete(callback);
  }

  /** Called when a connection ends: with the error when it was lost, without when disconnect() closed it. */
  onDisconnect(callback: (error?: Error) => void): () => void {
    this.disconnectCallbacks.add(callback);
    return () => this.disconnectCallbacks.delete(callback);
  }

  protected require(state: Runstate, action: string): void {
    if (this.state === state) return;
    const why: Record<Runstate, string> = {
      idle: "is not connected",
      connecting: "is still connecting",
      running: "is already connected and running",
      disconnecting: "is disconnecting",
    };
    throw new StateError(`cannot ${action}: the client ${why[this.state]}`);
  }

  private setState(state: Runstate): void {
    if (state === this.state) return;
    this.state = state;
    for (const cb of [...this.stateCallbacks]) cb(state);
  }

  async connect(address: QmpAddress, options: ConnectOptions = {}): Promise<void> {
    this.require("idle", "connect");
    this.setState("connecting");
    this.lastError = undefined;
    this.inbox = [];
    this.setupFailure = undefined;
    const signals = [options.signal, options.timeout === undefined ? undefined : AbortSignal.timeout(options.timeout)];
    const signal = AbortSignal.any(signals.filter((s): s is AbortSignal => s !== undefined));
    const sink: TransportSink = {
      message: (value) => this.onTransportMessage(value),
      garbage: (error) => this.onTransportFailure(new ProtocolError(`the server sent bad JSON (${error})`)),
      closed: (error) => this.onTransportClosed(error),
    };
    const target = resolveAddress(address);
    try {
      this.transport =
        target.kind === "unix"
          ? await connectUnix(target.path, sink, signal)
          : await connectWebSocket(target.url, sink, { token: target.token, headers: target.headers, signal });
      await this.establishSession(signal);
      this.setState("running");
    } catch (err) {
      const transport = this.transport;
      this.transport = undefined;
      await transport?.close();
      this.setState("idle");
      if (err instanceof DOMException && err.name === "TimeoutError" && !options.signal?.aborted) {
        throw new ConnectError(`timed out after ${options.timeout} ms connecting to ${transport?.peer ?? describeAddress(address)}`);
      }
      throw err;
    }
  }

  /** Closes the connection (if any); pending executions fail with ExecInterruptedError. */
  async disconnect(): Promise<void> {
    if (this.state === "idle") return;
    if (this.state === "disconnecting") {
      await new Promise<void>((r) => {
        const off = this.onDisconnect(() => {
          off();
          r();
        });
      });
      return;
    }
    this.require("running", "disconnect");
    await this.teardown(undefined);
  }

  protected send(message: JsonObject, text: string): void {
    if (this.transport === undefined) throw new StateError(`cannot send ${String(message["execute"] ?? "a message")}: the client is not connected`);
    this.transport.send(text);
  }

  /** The next message while the session is being set up. */
  protected async receiveDuringSetup(signal: AbortSignal): Promise<JsonValue> {
    for (;;) {
      const next = this.inbox.shift();
      if (next !== undefined) return next;
      if (this.setupFailure) throw this.setupFailure;
      signal.throwIfAborted();
      await new Promise<void>((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        this.inboxWaiter = () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        };
      });
    }
  }

  /** Reads the greeting, negotiates, …: whatever makes the session usable. */
  protected abstract establishSession(signal: AbortSignal): Promise<void>;
  /** One message from the server while running. Throwing a ProtocolError ends the connection. */
  protected abstract handleMessage(message: JsonValue): void;
  /** The connection is over: fail whatever waits for it. */
  protected abstract connectionEnded(error: QmpClientError): void;

  private wakeSetup(): void {
    const w = this.inboxWaiter;
    this.inboxWaiter = undefined;
    w?.();
  }

  private onTransportMessage(value: JsonValue): void {
    if (this.state === "connecting") {
      this.inbox.push(value);
      this.wakeSetup();
      return;
    }
    if (this.state !== "running") return;
    try {
      this.handleMessage(value);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.onTransportFailure(err);
    }
  }

  private onTransportFailure(error: Error): void {
    if (this.state === "connecting") {
      this.setupFailure = error;
      this.wakeSetup();
      return;
    }
    if (this.state === "running") void this.teardown(error);
  }

  private onTransportClosed(error?: Error): void {
    const peer = this.transport?.peer ?? "the server";
    const lost = new ConnectError(`connection to ${peer} lost${error ? `: ${error.message}` : ""}`, { cause: error });
    if (this.state === "connecting") {
      this.setupFailure ??= new ConnectError(`${peer} closed the connection before the session was set up`, { cause: error });
      this.wakeSetup();
      return;
    }
    if (this.state === "running") void this.teardown(lost, true);
  }

  private async teardown(error: Error | undefined, alreadyClosed = false): Promise<void> {
    this.setState("disconnecting");
    this.lastError = error;
    const transport = this.transport;
    this.transport = undefined;
    this.connectionEnded(
      error instanceof QmpClientError ? error : new ConnectError(error ? error.message : "the client disconnected", { cause: error }),
    );
    if (!alreadyClosed) await transport?.close();
    this.setState("idle");
    for (const cb of [...this.disconnectCallbacks]) cb(error);
  }
}

function describeAddress(address: QmpAddress): string {
  const target = resolveAddress(address);
  return target.kind === "unix" ? target.path : displayUrl(target.url);
}
