/**
 * The client's errors, one tree as in QEMU's python library (qemu.qmp):
 *
 *   QmpClientError                 anything this library throws
 *   ├── ConnectError               the connection (or its set-up) failed
 *   ├── StateError                 a call that the current runstate does not allow
 *   ├── ExecInterruptedError       the connection went away while a reply was awaited
 *   │   └── ExecTimeoutError       no reply within the timeout
 *   ├── ExecuteError (= QmpError)  the server answered {"error": {"class", "desc"}}
 *   └── ProtocolError              the server broke the protocol
 *       ├── GreetingError          the greeting is missing or malformed
 *       ├── NegotiationError       qmp_capabilities was refused
 *       └── BadReplyError          a reply that is not a QMP message
 *
 * Cancelling through an AbortSignal rejects with the signal's reason, as
 * Node's own APIs do.
 */
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";

export class QmpClientError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class ConnectError extends QmpClientError {}

export class StateError extends QmpClientError {}

export class ExecInterruptedError extends QmpClientError {}

export class ExecTimeoutError extends ExecInterruptedError {}

/** The server refused a command: `errorClass` and `desc` are QMP's "class" and "desc". */
export class ExecuteError extends QmpClientError {
  readonly errorClass: string;
  readonly desc: string;

  constructor(
    /** What was sent (the whole request message). */
    readonly sent: JsonObject,
    /** The whole error reply. */
    readonly received: JsonObject,
    /** The JSON-RPC error code when the reply came over /jsonrpc. */
    readonly code?: number,
  ) {
    const error = received["error"] as JsonObject;
    const desc = String(error["desc"]);
    super(desc);
    this.errorClass = String(error["class"]);
    this.desc = desc;
  }
}

/** The name the issue and QEMU users know: a command error with its class and text. */
export { ExecuteError as QmpError };

export class ProtocolError extends QmpClientError {}

export class GreetingError extends ProtocolError {}

export class NegotiationError extends ProtocolError {}

export class BadReplyError extends ProtocolError {
  constructor(
    message: string,
    readonly received: JsonValue,
  ) {
    super(message);
  }
}
