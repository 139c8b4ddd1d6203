/**
 * Turning whatever a command throws into the error member of a QMP reply.
 * QmpError and QomError carry QEMU's class and text and go out as they are;
 * QemuError (option parsing) is a GenericError with its text; anything else is
 * a bug inside qomd: the client gets a GenericError without details and the
 * stack goes to the log only.
 */
import { QmpArgumentError, QmpError, type QapiErrorClass, type QmpErrorWire } from "../qapi/error.js";
import { QomError } from "../qom/error.js";
import { QemuError } from "../util/error.js";

export interface ErrorReport {
  wire: QmpErrorWire;
  /** true when the schema check refused the arguments (JSON-RPC answers "invalid params"). */
  invalidArguments: boolean;
  /** Set for unexpected exceptions: what to log (never sent). */
  internal?: { message: string; stack?: string };
}

export function internalErrorDesc(command: string): string {
  return `Internal error while executing '${command}'`;
}

export function errorReport(err: unknown, command: string): ErrorReport {
  if (err instanceof QmpError) {
    return { wire: err.toWire(), invalidArguments: err instanceof QmpArgumentError };
  }
  if (err instanceof QomError) {
    return { wire: { class: err.errorClass, desc: err.message }, invalidArguments: false };
  }
  if (err instanceof QemuError) {
    return { wire: { class: "GenericError", desc: err.message }, invalidArguments: false };
  }
  const e = err instanceof Error ? err : new Error(String(err));
  return {
    wire: { class: "GenericError", desc: internalErrorDesc(command) },
    invalidArguments: false,
    internal: { message: e.message, ...(e.stack !== undefined ? { stack: e.stack } : {}) },
  };
}

/** Rebuilds a QmpError from its wire form (replies that crossed a worker boundary). */
export function qmpErrorFromWire(wire: QmpErrorWire, invalidArguments = false): QmpError {
  return invalidArguments ? new QmpArgumentError(wire.desc) : new QmpError(wire.class as QapiErrorClass, wire.desc);
}
