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
  /** A second QMP monitor (QEMU serves one client per socket); absent with monitors = 1. */
  socket2: string;
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
export async function startQemu(machineArgs: string[] = ["-M", "none"], monitors: 1 | 2 = 2): Promise<QemuHandle> {
  return startQemuAt(tempDir("qomd-clients-qemu-"), machineArgs, monitors);
}

/** startQemu with its sockets in `dir` (to bring a QEMU back on the same path). */
export async function startQemuAt(dir: string, machineArgs: string[] = ["-M", "none"], monitors: 1 | 2 = 2): Promise<QemuHandle> {
  const socket = join(dir, "qmp.sock");
  const socket2 = join(dir, "qmp2.sock");
  const qmpArgs = [socket, socket2].slice(0, monitors).flatMap((s) => ["-qmp", `unix:${s},server=on,wait=off`]);
  const child = spawn("qemu-system-x86_64", [...machineArgs, "-S", "-nodefaults", "-display", "none", ...qmpArgs], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  await waitForSocket(socket, child);
  if (monitors === 2) await waitForSocket(socket2, child);
  return {
    child,
    socket,
    socket2,
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
  private constructor(
    private readonly server: string,
    readonly session: string,
  ) {}

  private tmux(...args: string[]): string {
    return execFileSync("tmux", ["-L", this.server, ...args], { encoding: "utf8" });
  }

  /**
   * Starts `command` in a new session of a private tmux server (one per
   * test process, so tests never share or race a server's exit).
   */
  static start(command: string[], env: Record<string, string>, width = 200): TmuxPane {
    const server = `qomd-clients-${process.pid}`;
    const session = `s${Math.random().toString(36).slice(2, 8)}`;
    const envArgs = Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]);
    const pane = new TmuxPane(server, session);
    // The exit status is printed in the pane: tmux's #{pane_dead_status} is sometimes left empty.
    const wrapped = ["sh", "-c", '"$@"; echo "[exited $?]"', "sh", ...command];
    pane.tmux("new-session", "-d", "-s", session, "-x", String(width), "-y", "50", ...envArgs, ...wrapped);
    // Keep the pane after the program exits, so its last screen and status can be read.
    pane.tmux("set-option", "-t", session, "remain-on-exit", "on");
    return pane;
  }

  /** Ends the private tmux server of this test process. */
  static killServer(): void {
    spawnSync("tmux", ["-L", `qomd-clients-${process.pid}`, "kill-server"]);
  }

  /** tmux key names ("Tab", "C-c", "Enter", "Up") or literal text with `literal`. */
  keys(...keys: string[]): void {
    this.tmux("send-keys", "-t", this.session, ...keys);
  }

  type(text: string): void {
    this.tmux("send-keys", "-t", this.session, "-l", text);
  }

  screen(): string {
    return this.tmux("capture-pane", "-p", "-J", "-t", this.session, "-S", "-200");
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

  /** The program's exit status, once it has exited. */
  async waitForExit(limitMs = 15_000): Promise<number> {
    const screen = await this.waitFor(/^\[exited \d+\]$/m, limitMs);
    return Number(/^\[exited (\d+)\]$/m.exec(screen)![1]);
  }

  kill(): void {
    spawnSync("tmux", ["-L", this.server, "kill-session", "-t", this.session]);
  }
}
