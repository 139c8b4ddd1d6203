/**
 * The error the option parsers throw. `message` is QEMU's one-line text for the failure; `hint`
 * holds the extra lines QEMU prints after it on the command line (error_append_hint), each ending
 * in "\n". The command-line front end adds the program name and the option's location.
 */
export class QemuError extends Error {
  /** True for the few messages QEMU prints with fprintf, without the "PROG: " prefix. */
  verbatim = false;
  constructor(
    message: string,
    readonly hint?: string,
  ) {
    super(message);
    this.name = "QemuError";
  }
}

/** Receives QEMU's warn_report() texts (without the "warning: " prefix) and follow-up lines. */
export interface WarningSink {
  /** A warn_report(): printed as "PROG: [LOC: ]warning: TEXT". */
  warn(text: string): void;
  /** An error_printf() line that follows a warning, printed as it is (ends in "\n"). */
  print(text: string): void;
}

/** A sink that drops everything, for callers that do not report warnings. */
export const IGNORE_WARNINGS: WarningSink = {
  warn() {},
  print() {},
};
