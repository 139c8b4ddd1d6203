/**
 * The logging surface the monitor and daemon use; a pino logger fits it.
 * QMP traffic is logged at debug level; the token never reaches a logger.
 */
export interface MonitorLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  child(bindings: Record<string, unknown>): MonitorLog;
}

const noop = () => {};

/** A logger that drops everything (unit tests, embedders that log elsewhere). */
export const silentLog: MonitorLog = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLog,
};
