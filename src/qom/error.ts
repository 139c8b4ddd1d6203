/**
 * The error every QOM operation throws. Its message is QEMU's text for the same failure, so a
 * QMP command can forward it unchanged; `errorClass` is the QAPI error class QEMU reports
 * (almost always GenericError; path lookups report DeviceNotFound). It is a QemuError, so the
 * command line reports it like any other option error.
 */
import { QemuError } from "../util/error.js";

export type QapiErrorClass =
  | "GenericError"
  | "CommandNotFound"
  | "DeviceNotActive"
  | "DeviceNotFound"
  | "KVMMissingCap";

export class QomError extends QemuError {
  constructor(
    message: string,
    readonly errorClass: QapiErrorClass = "GenericError",
    /** Extra lines QEMU prints after the message on the command line (error_append_hint). */
    hint?: string,
  ) {
    super(message, hint);
    this.name = "QomError";
  }
}

/** A broken invariant inside qomd (QEMU would abort()); never caused by client input. */
export class QomBug extends Error {
  constructor(message: string) {
    super(message);
    this.name = "QomBug";
  }
}
