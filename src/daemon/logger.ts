/** pino logger on stderr (structured JSON lines); QMP traffic is at debug level. */
import { pino } from "pino";
import type { MonitorLog } from "../monitor/log.js";

export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface DaemonLogger extends MonitorLog {
  flush(): void;
}

export function createLogger(level: LogLevel, name: string): DaemonLogger {
  return pino({ name, level, redact: { paths: ["token", "*.token", "headers.authorization"], censor: "[redacted]" } }, pino.destination({ fd: 2, sync: true })) as unknown as DaemonLogger;
}
