/**
 * QMP events as they go on the wire (QEMU's qapi/qmp-event.c): a timestamp of
 * the host's real time, the event name and, only when the event has members,
 * its data.
 */
import type { JsonObject } from "../qobject/json-value.js";

export interface QmpTimestamp extends JsonObject {
  seconds: number;
  microseconds: number;
}

/** One event message: {"timestamp": ..., "event": NAME[, "data": {...}]}. */
export interface QmpEvent extends JsonObject {
  timestamp: QmpTimestamp;
  event: string;
}

/** The host's real time in QEMU's split form (g_get_real_time). */
export function qmpTimestamp(nowMicros: number = realTimeMicros()): QmpTimestamp {
  return { seconds: Math.floor(nowMicros / 1e6), microseconds: Math.floor(nowMicros % 1e6) };
}

function realTimeMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}

/** Builds an event; `data` is left out when undefined, as QEMU does for STOP, RESUME, POWERDOWN. */
export function makeEvent(event: string, data?: JsonObject, timestamp: QmpTimestamp = qmpTimestamp()): QmpEvent {
  const msg: QmpEvent = { timestamp, event };
  if (data !== undefined) msg["data"] = data;
  return msg;
}

/** Where a machine (or the daemon) sends its events; each negotiated session is one listener. */
export class EventHub {
  private readonly listeners = new Set<(event: QmpEvent) => void>();

  subscribe(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: QmpEvent): void {
    for (const listener of [...this.listeners]) listener(event);
  }

  get size(): number {
    return this.listeners.size;
  }
}
