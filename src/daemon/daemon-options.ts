/**
 * `qomd daemon [--runtime-dir DIR] [--state-dir DIR] [--ws HOST:PORT | --no-ws]
 *  [--ws-allow-origin ORIGIN]... [--log-level L]`.
 *
 * Defaults: runtime directory $XDG_RUNTIME_DIR/qomd, else ./.qomd/run;
 * state directory $XDG_STATE_HOME/qomd, else ./.qomd/state; WebSocket on
 * 127.0.0.1:4480; log level info.
 */
import { resolve } from "node:path";
import { DEFAULT_WS_HOST, DEFAULT_WS_PORT } from "../monitor/transport/websocket.js";
import { LOG_LEVELS, type LogLevel } from "./logger.js";

export interface DaemonOptions {
  runtimeDir: string;
  stateDir: string;
  ws: { host: string; port: number } | undefined;
  allowedOrigins: string[];
  logLevel: LogLevel;
  /** A machine thread silent for this long is declared hung. */
  hangTimeoutMs: number;
}

export class UsageError extends Error {}

export const DAEMON_USAGE = `usage: qomd daemon [--runtime-dir DIR] [--state-dir DIR] [--ws HOST:PORT | --no-ws]
                   [--ws-allow-origin ORIGIN]... [--log-level LEVEL]
  --runtime-dir DIR   control socket DIR/qomd.sock, machine sockets DIR/machines/NAME.qmp,
                      WebSocket token DIR/token (default: $XDG_RUNTIME_DIR/qomd or ./.qomd/run)
  --state-dir DIR     saved machine definitions (default: $XDG_STATE_HOME/qomd or ./.qomd/state)
  --ws HOST:PORT      WebSocket endpoint (default: ${DEFAULT_WS_HOST}:${DEFAULT_WS_PORT}); --no-ws disables it
  --ws-allow-origin   accept browser connections from this Origin (repeatable)
  --log-level LEVEL   ${LOG_LEVELS.join(", ")} (default: info)
`;

function parseHostPort(value: string): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(value);
  if (!m) throw new UsageError(`--ws expects HOST:PORT, not '${value}'`);
  const port = Number(m[2]);
  if (port > 65535) throw new UsageError(`--ws: port ${port} is out of range`);
  return { host: m[1]!.replace(/^\[|\]$/g, ""), port };
}

export function parseDaemonOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): DaemonOptions {
  const opts: DaemonOptions = {
    runtimeDir: env["XDG_RUNTIME_DIR"] ? resolve(env["XDG_RUNTIME_DIR"], "qomd") : resolve(cwd, ".qomd/run"),
    stateDir: env["XDG_STATE_HOME"] ? resolve(env["XDG_STATE_HOME"], "qomd") : resolve(cwd, ".qomd/state"),
    ws: { host: DEFAULT_WS_HOST, port: DEFAULT_WS_PORT },
    allowedOrigins: [],
    logLevel: "info",
    hangTimeoutMs: Number(env["QOMD_HANG_TIMEOUT_MS"] ?? 10_000),
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${flag} requires an argument`);
      return v;
    };
    switch (flag) {
      case "--runtime-dir":
        opts.runtimeDir = resolve(cwd, value());
        break;
      case "--state-dir":
        opts.stateDir = resolve(cwd, value());
        break;
      case "--ws":
        opts.ws = parseHostPort(value());
        break;
      case "--no-ws":
        opts.ws = undefined;
        break;
      case "--ws-allow-origin":
        opts.allowedOrigins.push(value());
        break;
      case "--log-level": {
        const level = value();
        if (!(LOG_LEVELS as readonly string[]).includes(level)) throw new UsageError(`--log-level: unknown level '${level}'`);
        opts.logLevel = level as LogLevel;
        break;
      }
      default:
        throw new UsageError(`unknown option '${arg}'`);
    }
  }
  return opts;
}
