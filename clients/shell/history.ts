/**
 * Persistent history in ~/.qomd-shell_history (QEMU's qmp-shell keeps
 * ~/.qmp-shell_history): one entry per line, oldest first, as GNU readline
 * writes it.  Node's readline keeps its list newest first.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";

export const HISTORY_SIZE = 1000;

export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env["HOME"] || homedir(), ".qomd-shell_history");
}

/** The saved entries, newest first (readline's order); empty when there is no file. */
export function loadHistory(path: string): string[] {
  try {
    return readFileSync(path, "utf8")
      .split("\n")
      .filter((l) => l.trim() !== "")
      .slice(-HISTORY_SIZE)
      .reverse();
  } catch {
    return [];
  }
}

export function saveHistory(path: string, newestFirst: readonly string[]): void {
  try {
    const lines = newestFirst.slice(0, HISTORY_SIZE).reverse();
    writeFileSync(path, lines.map((l) => l + "\n").join(""), { mode: 0o600 });
  } catch {
    // A read-only home must not break the shell; the history is only lost.
  }
}
