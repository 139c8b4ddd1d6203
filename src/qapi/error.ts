/**
 * QMP errors as QEMU puts them on the wire: {"class": ..., "desc": ...}.
 * The class names are QEMU's QapiErrorClass (qapi/error.json).
 */
export type QapiErrorClass = "GenericError" | "CommandNotFound" | "DeviceNotActive" | "DeviceNotFound" | "KVMMissingCap";

export interface QmpErrorWire {
  class: QapiErrorClass;
  desc: string;
}

export class QmpError extends Error {
  constructor(
    readonly errorClass: QapiErrorClass,
    desc: string,
  ) {
    super(desc);
    this.name = "QmpError";
  }

  toWire(): QmpErrorWire {
    return { class: this.errorClass, desc: this.message };
  }
}

/**
 * An argument that does not fit the schema.  On QMP it is a plain GenericError;
 * the separate class lets the JSON-RPC adapter answer "invalid params".
 */
export class QmpArgumentError extends QmpError {
  constructor(desc: string) {
    super("GenericError", desc);
    this.name = "QmpArgumentError";
  }
}
