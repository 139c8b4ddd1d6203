/** qomd-shell's command line. */
import { parseArgv, UsageError } from "../cli/argv.js";
import type { TargetOptions } from "../cli/target.js";

export interface ShellOptions {
  target: TargetOptions;
  pretty: boolean;
  verbose: boolean;
  hmp: boolean;
  negotiate: boolean;
  machine: string | undefined;
  strict: boolean;
  reconnect: boolean;
  /** Milliseconds to wait for each reply (none by default). */
  timeout: number | undefined;
  help: boolean;
}

export const SHELL_USAGE = `usage: qomd-shell [options] [SOCKET | ws://HOST:PORT/qmp[/NAME]]

A QMP shell (after QEMU's qmp-shell) for qomd and QEMU.  Without an address it
opens the daemon's control socket, RUNTIME_DIR/qomd.sock.

Type commands as  command key=value key2.sub=value …  (values are JSON when
they parse, strings otherwise) or a raw JSON object.  'use NAME' picks the
machine that per-machine commands go to on the control socket.  Tab completes
commands, argument names and enum values.

options:
  -p, --pretty          pretty-print replies (sorted keys)
  -v, --verbose         echo each command as sent
  -H, --hmp             HMP mode: lines go through human-monitor-command
  -N, --skip-negotiation  do not send qmp_capabilities
  -m, --machine NAME    the machine for per-machine commands (control socket)
  --token TOKEN         WebSocket token (default: RUNTIME_DIR/token)
  --runtime-dir DIR     the daemon's runtime directory
                        (default: $XDG_RUNTIME_DIR/qomd or ./.qomd/run)
  --timeout MS          give up waiting for a reply after MS milliseconds
  --strict              exit with status 1 if any command failed
  --reconnect           reconnect when the connection is lost
  -h, --help            show this help
`;

export function parseShellOptions(argv: readonly string[]): ShellOptions {
  const { flags, positional } = parseArgv(argv, {
    booleans: {
      "-p": "pretty",
      "--pretty": "pretty",
      "-v": "verbose",
      "--verbose": "verbose",
      "-H": "hmp",
      "--hmp": "hmp",
      "-N": "skipNegotiation",
      "--skip-negotiation": "skipNegotiation",
      "--strict": "strict",
      "--reconnect": "reconnect",
      "-h": "help",
      "--help": "help",
    },
    values: { "-m": "machine", "--machine": "machine", "--token": "token", "--runtime-dir": "runtimeDir", "--timeout": "timeout" },
  });
  if (positional.length > 1) throw new UsageError(`expected at most one address, got ${positional.length}`);
  const timeout = flags["timeout"] === undefined ? undefined : Number(flags["timeout"]);
  if (timeout !== undefined && !(timeout > 0)) throw new UsageError(`--timeout expects a positive number of milliseconds`);
  const str = (k: string) => (typeof flags[k] === "string" ? (flags[k] as string) : undefined);
  return {
    target: { address: positional[0], token: str("token"), runtimeDir: str("runtimeDir") },
    pretty: flags["pretty"] === true,
    verbose: flags["verbose"] === true,
    hmp: flags["hmp"] === true,
    negotiate: flags["skipNegotiation"] !== true,
    machine: str("machine"),
    strict: flags["strict"] === true,
    reconnect: flags["reconnect"] === true,
    timeout,
    help: flags["help"] === true,
  };
}
