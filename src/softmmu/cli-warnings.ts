/**
 * Collects what QEMU prints on stderr while it keeps going: warn_report() lines
 * ("PROG: [LOC: ]warning: TEXT") and the error_printf() lines that follow them.
 */
import type { WarningSink } from "../util/error.js";

export class CliWarnings {
  readonly lines: string[] = [];
  constructor(private readonly prog: string) {}

  /** A sink whose warnings carry `loc` (the option being processed), or none. */
  at(loc: string | undefined): WarningSink {
    return {
      warn: (text: string) => {
        this.lines.push(`${this.prog}: ${loc !== undefined ? `${loc}: ` : ""}warning: ${text}`);
      },
      print: (text: string) => {
        this.lines.push(...text.replace(/\n$/, "").split("\n"));
      },
    };
  }

  /** An error_report() that does not stop QEMU (e.g. "invalid accelerator foo"). */
  report(loc: string | undefined, text: string): void {
    this.lines.push(`${this.prog}: ${loc !== undefined ? `${loc}: ` : ""}${text}`);
  }
}
