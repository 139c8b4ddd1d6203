/**
 * How the command-line front end stops early. QEMU prints and calls exit(); here the parser throws
 * one of these and the caller prints and exits:
 *  - CliError: a fatal error (exit status 1). `message` is the exact stderr text, e.g.
 *    "qemu-system-x86_64: -m 2048x: Parameter 'size' expects ...\nOptional suffix ...".
 *  - CliExit: output that ends the program (-h, -version, "-smp help"), with QEMU's status.
 *  - CliHelpRequest: a help listing that needs the type registry ("-machine help",
 *    "-object help", "-display help"); the caller prints it and exits with status 0.
 * Each carries the warnings printed before it, so nothing QEMU would have printed is lost.
 */
import { QemuError } from "../util/error.js";

/** error_report(): "PROG: [LOCATION: ]MESSAGE", then any hint lines. Returned without final "\n". */
export function formatErrorReport(prog: string, loc: string | undefined, message: string, hint?: string): string {
  let text = `${prog}: ${loc !== undefined ? `${loc}: ` : ""}${message}`;
  if (hint) text += `\n${hint.replace(/\n$/, "")}`;
  return text;
}

export class CliError extends Error {
  /** Lines printed on stderr before the error (warnings), each without "\n". */
  warnings: string[] = [];
  readonly exitStatus = 1;
  constructor(message: string) {
    super(message);
    this.name = "CliError";
  }

  /** Everything QEMU writes to stderr for this run, warnings first, ending in "\n". */
  stderrText(): string {
    return [...this.warnings, this.message].join("\n") + "\n";
  }

  /** An error at an option: "PROG: LOC: text" plus the hint of a QemuError. */
  static at(prog: string, loc: string | undefined, err: QemuError | string): CliError {
    if (typeof err === "string") return new CliError(formatErrorReport(prog, loc, err));
    return new CliError(formatErrorReport(prog, loc, err.message, err.hint));
  }
}

export class CliExit extends Error {
  warnings: string[] = [];
  constructor(
    /** What QEMU writes to stdout. */
    readonly stdout: string,
    readonly exitStatus: number,
    /** Error lines written to stderr just before (without final "\n"), if any. */
    readonly stderr = "",
  ) {
    super(`exit ${exitStatus}`);
    this.name = "CliExit";
  }
}

export type CliHelpTopic =
  /** -machine help / -M help / -machine TYPE,help: `arg` is the machine type given, if any. */
  | "machine"
  /** -object help (arg undefined) or -object TYPE,help (arg TYPE). */
  | "object"
  /** -display help */
  | "display"
  /** -audio-help, -audiodev help, -audio help */
  | "audio"
  /** -audio model=help */
  | "audio-model";

export class CliHelpRequest extends Error {
  warnings: string[] = [];
  readonly exitStatus = 0;
  constructor(
    readonly topic: CliHelpTopic,
    readonly arg?: string,
  ) {
    super(`help requested: ${topic}${arg !== undefined ? ` ${arg}` : ""}`);
    this.name = "CliHelpRequest";
  }
}
