#!/usr/bin/env node
/**
 * The qomd command: `qomd daemon …` (the daemon), `qomd run …` (one machine
 * in the foreground, like qemu-system-x86_64), `qomd --help`.  Installed as
 * qomd-system-x86_64 it behaves as `qomd run`.
 */
import { basename } from "node:path";
import { parseDaemonOptions, DAEMON_USAGE, UsageError } from "./daemon/daemon-options.js";
import { runDaemon } from "./daemon/daemon.js";
import { runMachine } from "./daemon/run.js";

const USAGE = `usage: qomd daemon [options]     run the daemon (qomd daemon --help for its options)
       qomd run [qemu options]    run one machine like qemu-system-x86_64
       qomd --help
`;

async function main(argv: string[]): Promise<number> {
  if (basename(process.argv[1] ?? "").startsWith("qomd-system-x86_64")) return runMachine(argv);
  const [command, ...rest] = argv;
  switch (command) {
    case "daemon":
      if (rest.includes("--help") || rest.includes("-h")) {
        process.stdout.write(DAEMON_USAGE);
        return 0;
      }
      try {
        return await runDaemon(parseDaemonOptions(rest));
      } catch (err) {
        if (err instanceof UsageError) {
          process.stderr.write(`qomd daemon: ${err.message}\n${DAEMON_USAGE}`);
          return 2;
        }
        throw err;
      }
    case "run":
      return runMachine(rest);
    case "--help":
    case "-h":
    case "help":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(command === undefined ? USAGE : `qomd: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (err: unknown) => {
    process.stderr.write(`qomd: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
