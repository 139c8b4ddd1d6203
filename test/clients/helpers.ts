/**
 * Helpers for the client tests: a real QEMU 7.2 with a QMP socket, the
 * built client programs (dist/clients/…), and a tmux session to drive the
 * shell as a person would.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { ROOT, tempDir } from "../integration/helpers.js";

export const SHELL_MAIN = join(ROOT, "dist/clients/shell/main.js");
export const QOM_MAIN = join(ROOT, "dist/clients/qom/main.js");
export const FIXTURES = join(ROOT, "test/fixtures/clients");

export function fixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

/** The programs run from dist/; a stale or missing build would test the wrong code. */
export function requireBuilt(main: string): void {
  if (!existsSync(main)) throw new Error(`${main} is missing: run \`npm run build\` first`);
}

function onPath(program: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${program}`]).status === 0;
}

export const HAVE_QEMU = onPath("qemu-system-x86_64");
export const HAVE_TMUX = onPath("tmux");
if (!HAVE_QEMU) console.warn("qemu-system-x86_64 is not installed: the tests against real QEMU are skipped");
if (!HAVE_TMUX) console.warn("tmux is not installed: the terminal tests of qomd-shell are skipped");

export interface QemuHandle {
  child: ChildProcess;
  socket: string;
  dir: string;
  stop(): Promise<void>;
}

/** Waits until a Unix socket accepts connections (QEMU creates it while starting). */
async function waitForSocket(path: string, child: ChildProcess): Promise<void> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`QEMU exited with status ${child.exitCode}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(path);
      s.once("connect", () => {
        // A probe connection would take QEMU's single client slot until it closes; close it at once.
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** qemu-system-x86_64 -S -nodefaults -display none -qmp unix:… with the given machine arguments. */
export async function startQemu(machineArgs: string[] = ["-M", "none"]): Promise<QemuHandle> {
  const dir = tempDir("qomd-clients-qemu-");
  const socket = join(dir, "qmp.sock");
  const child = spawn("qemu-system-x86_64", [...machineArgs, "-S", "-nodefaults", "-display", "none", "-qmp", `unix:${socket},server=on,wait=off`], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await waitForSocket(socket, child);
  return {
    child,
    socket,
    dir,
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a built client program with `input` on stdin (a pipe, so not a terminal). */
export function runTool(main: string, args: string[], input = "", env: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  requireBuilt(main);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [main, ...args], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.once("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}

/**
 * A program in a tmux pane: keys in, screen text out.  `waitFor` polls the
 * pane until a pattern shows (or fails after `limitMs`, which only bounds a
 * hang; no assertion depends on timing).
 */
export class TmuxPane {
  private constructor(readonly session: string) {}

  static start(command: string[], env: Record<string, string>, width = 200): TmuxPane {
    const session = `qomd-shell-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    execFileSync("tmux", ["new-session", "-d", "-s", session, "-x", String(width), "-y", "50", ...envArgs, ...command]);
    // Keep the pane after the program exits, so its last screen and status can be read.
    execFileSync("tmux", ["set-option", "-t", session, "remain-on-exit", "on"]);
    return new TmuxPane(session);
  }

  /** tmux key names ("Tab", "C-c", "Enter", "Up") or literal text with `literal`. */
  keys(...keys: string[]): void {
    execFileSync("tmux", ["send-keys", "-t", this.session, ...keys]);
  }

  type(text: string): void {
    execFileSync("tmux", ["send-keys", "-t", this.session, "-l", text]);
  }

  screen(): string {
    return execFileSync("tmux", ["capture-pane", "-p", "-J", "-t", this.session, "-S", "-200"], { encoding: "utf8" });
  }

  /** Whether the program in the pane has exited, and its status. */
  deadStatus(): number | undefined {
    const out = execFileSync("tmux", ["display-message", "-p", "-t", this.session, "#{pane_dead} #{pane_dead_status}"], { encoding: "utf8" }).trim();
    const [dead, status] = out.split(" ");
    return dead === "1" ? Number(status) : undefined;
  }

  async waitFor(pattern: RegExp | ((screen: string) => boolean), limitMs = 15_000): Promise<string> {
    const test = typeof pattern === "function" ? pattern : (s: string) => pattern.test(s);
    const deadline = Date.now() + limitMs;
    for (;;) {
      const s = this.screen();
      if (test(s)) return s;
      if (Date.now() > deadline) throw new Error(`the pane never showed ${String(pattern)}; it shows:\n${s}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async waitForExit(limitMs = 15_000): Promise<number> {
    const deadline = Date.now() + limitMs;
    for (;;) {
      const status = this.deadStatus();
      if (status !== undefined) return status;
      if (Date.now() > deadline) throw new Error(`the program did not exit; the pane shows:\n${this.screen()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  kill(): void {
    spawnSync("tmux", ["kill-session", "-t", this.session]);
  }
}
