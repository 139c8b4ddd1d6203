/**
 * Faults a test can inject into a machine worker, to check that the daemon
 * survives them: HMP `x-qomd-crash` throws from the worker's event loop (an
 * uncaught exception ends the thread), `x-qomd-hang` never returns.  Only
 * active when the daemon runs with QOMD_FAULT_INJECTION=1.
 */
import type { JsonObject } from "../qobject/json-value.js";

export function faultInjectionCommand(args: JsonObject): void {
  const line = args["command-line"];
  if (line === "x-qomd-crash") {
    setImmediate(() => {
      throw new Error("x-qomd-crash: injected machine crash");
    });
  } else if (line === "x-qomd-hang") {
    for (;;) {
      // spin until the daemon terminates this worker
    }
  }
}
