/** Test doubles for the monitor layers: a recording transport and a small backend. */
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";
import { qmpLine } from "../../src/qobject/json-writer.js";
import { QmpError } from "../../src/qapi/error.js";
import { EventHub, makeEvent } from "../../src/monitor/events.js";
import type { QmpBackend } from "../../src/monitor/qmp-backend.js";
import type { QmpTransport } from "../../src/monitor/qmp-session.js";

/** Collects what a session writes, as the wire bytes a stream transport would send. */
export class RecordingTransport implements QmpTransport {
  lines: string[] = [];
  closed = false;
  pauses = 0;
  resumes = 0;

  sendMessage(message: JsonObject): void {
    this.lines.push(qmpLine(message));
  }
  close(): void {
    this.closed = true;
  }
  pause(): void {
    this.pauses++;
  }
  resume(): void {
    this.resumes++;
  }
  take(): string[] {
    const out = this.lines;
    this.lines = [];
    return out;
  }
}

/** Replaces event timestamps, which differ on every run. */
export function normalizeTimestamps(line: string): string {
  return line.replace(/"seconds": \d+, "microseconds": \d+/g, '"seconds": S, "microseconds": U');
}

/**
 * A machine-like backend that answers like `qemu-system-x86_64 -M pc -S` for
 * the commands the protocol transcript uses, with QEMU's event order.
 */
export class FakeMachineBackend implements QmpBackend {
  readonly socket = "machine" as const;
  readonly events = new EventHub();
  status = "prelaunch";
  calls: Array<{ command: string; args: JsonObject }> = [];
  /** Resolve functions of commands held back by `hold`. */
  held: Array<() => void> = [];
  hold = false;

  implements(command: string): boolean {
    return ["query-status", "query-name", "query-kvm", "qom-get", "qom-list", "stop", "cont", "migrate-pause", "boom"].includes(command);
  }

  async execute(command: string, args: JsonObject): Promise<JsonValue | undefined> {
    this.calls.push({ command, args });
    if (this.hold) await new Promise<void>((resolve) => this.held.push(resolve));
    switch (command) {
      case "query-status":
        return { running: this.status === "running", singlestep: false, status: this.status };
      case "query-name":
        return {};
      case "query-kvm":
        return { enabled: false, present: true };
      case "qom-list":
      case "qom-get":
        throw new QmpError("DeviceNotFound", `Device '${String(args["path"])}' not found`);
      case "cont":
        if (this.status !== "running") {
          this.status = "running";
          this.events.emit(makeEvent("RESUME"));
        }
        return undefined;
      case "stop":
        if (this.status === "running") {
          this.status = "paused";
          this.events.emit(makeEvent("STOP"));
        }
        return undefined;
      case "migrate-pause":
        throw new QmpError("GenericError", "migrate-pause is currently only supported during postcopy-active state");
      default:
        throw new TypeError("a bug in the backend");
    }
  }
}
