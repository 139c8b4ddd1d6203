#!/usr/bin/env node
/** qomd-shell: the QMP shell (clients/shell/repl.ts), installed as a package binary. */
import { UsageError } from "../cli/argv.js";
import { exitQuietlyOnClosedStdout } from "../cli/stdout.js";
import { parseShellOptions, SHELL_USAGE } from "./options.js";
import { runShell } from "./repl.js";

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseShellOptions(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`qomd-shell: ${err.message}\n${SHELL_USAGE}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(SHELL_USAGE);
    return 0;
  }
  return runShell(options, { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env });
}

exitQuietlyOnClosedStdout();
main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (err: unknown) => {
    process.stderr.write(`qomd-shell: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
