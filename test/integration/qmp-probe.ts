/**
 * Runs a list of QMP commands against a freshly started emulator — qomd
 * (`node dist/src/main.js run …`) or the real qemu-system-x86_64 — on the
 * same command line, and returns the raw reply line of each command (events
 * are skipped), as libvirt's probe sees them.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { LineReader, MAIN, removeDir, tempDir } from "./helpers.js";

export type Emulator = "qomd" | "qemu";

/** Whether the real QEMU is installed (the live comparisons need it). */
export function hasQemu(): boolean {
  return spawnSync("qemu-system-x86_64", ["--version"], { stdio: "ignore" }).status === 0;
}

async function waitForSocket(path: string, exited: () => boolean): Promise<LineReader> {
  for (;;) {
    if (exited()) throw new Error(`emulator exited before serving ${path}`);
    if (existsSync(path)) {
      try {
        return await new Promise<LineReader>((resolve, reject) => {
          const s = connect(path, () => resolve(new LineReader(s)));
          s.once("error", reject);
        });
      } catch {
        // Not listening yet.
      }
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

export interface ProbeResult {
  /** The greeting line. */
  greeting: string;
  /** One raw reply line per command. */
  replies: string[];
  stderr: string;
}

/**
 * Starts `emulator` with `args` plus a QMP socket, sends `commands` one after the other, and
 * kills it (libvirt does the same once it has its answers).
 */
export async function runQmpProbe(emulator: Emulator, args: string[], commands: readonly object[]): Promise<ProbeResult> {
  const dir = tempDir("qomd-probe-");
  const sock = join(dir, "qmp.monitor");
  const full = [...args, "-qmp", `unix:${sock},server=on,wait=off`];
  const child =
    emulator === "qemu"
      ? spawn("qemu-system-x86_64", full, { stdio: ["ignore", "ignore", "pipe"] })
      : spawn(process.execPath, [MAIN, "run", ...full], { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  let exited = false;
  child.stderr!.setEncoding("utf8");
  child.stderr!.on("data", (d: string) => (stderr += d));
  const gone = new Promise<void>((r) =>
    child.once("exit", () => {
      exited = true;
      r();
    }),
  );
  try {
    const c = await waitForSocket(sock, () => exited);
    const greeting = (await c.line()) ?? "";
    const replies: string[] = [];
    for (const cmd of commands) {
      c.send(JSON.stringify(cmd));
      for (;;) {
        const line = await c.line();
        if (line === undefined) throw new Error(`connection closed after ${JSON.stringify(cmd)}: ${stderr}`);
        if (line.startsWith('{"timestamp"')) continue;
        replies.push(line);
        break;
      }
    }
    c.close();
    return { greeting, replies, stderr };
  } finally {
    child.kill("SIGKILL");
    await gone;
    removeDir(dir);
  }
}
