/**
 * The host thread id of the calling thread, as QEMU's qemu_get_thread_id()
 * reports it (the Linux TID).  Node does not expose the TID of a worker
 * thread (worker_threads.threadId is Node's own counter), but Linux names it
 * in /proc/thread-self ("PID/task/TID"), which a synchronous readlink
 * resolves on the calling thread.  Elsewhere the process id stands in, as
 * QEMU does on hosts without thread ids.
 */
import { readlinkSync } from "node:fs";

let cached: number | undefined;

export function currentHostThreadId(): number {
  if (cached !== undefined) return cached;
  try {
    const m = /\/task\/(\d+)$/.exec(readlinkSync("/proc/thread-self"));
    cached = m ? Number(m[1]) : process.pid;
  } catch {
    cached = process.pid;
  }
  return cached;
}
