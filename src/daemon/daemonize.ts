/**
 * `-daemonize` and `-pidfile` for `qomd run`, as QEMU does them: the command returns once the
 * machine is built and its monitors listen (so a caller such as libvirt can connect at once),
 * errors before that point still reach the caller's stderr with QEMU's exit status, and the PID
 * file names the process that keeps running, removed again when it exits.
 */
import { spawn } from "node:child_process";
import { unlinkSync, writeFileSync } from "node:fs";

const DAEMON_ENV = "QOMD_DAEMONIZED";

/** True in the background process that a `-daemonize` run started. */
export function isDaemonChild(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[DAEMON_ENV] === "1";
}

/** Whether the argument list asks for -daemonize (QEMU takes `-daemonize` and `--daemonize`). */
export function wantsDaemonize(argv: readonly string[]): boolean {
  return argv.some((a) => a === "-daemonize" || a === "--daemonize");
}

/**
 * The foreground half: starts the same command in the background and waits until it reports
 * that it is ready (exit 0) or fails (its stderr was passed through; same exit status).
 */
export function daemonizeParent(): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, process.argv.slice(1), {
      detached: true,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
      env: { ...process.env, [DAEMON_ENV]: "1" },
    });
    child.stderr?.on("data", (chunk: Buffer) => process.stderr.write(chunk));
    child.once("message", () => {
      child.stderr?.destroy();
      child.disconnect();
      child.unref();
      resolve(0);
    });
    child.once("exit", (code) => resolve(code ?? 1));
  });
}

/** The background half: tell the foreground process we are up, and stop writing to its stderr. */
export function daemonizeChildReady(): void {
  process.stderr.on("error", () => {});
  process.send?.("ready");
  process.disconnect?.();
}

/** QEMU's qemu_write_pidfile; the file is removed when the process exits. */
export function writePidfile(path: string): void {
  writeFileSync(path, `${process.pid}\n`);
  process.once("exit", () => {
    try {
      unlinkSync(path);
    } catch {
      // Already gone: nothing to clean up.
    }
  });
}
