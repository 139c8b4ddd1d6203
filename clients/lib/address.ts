/**
 * Where a client connects: a Unix socket path, or a ws:// / wss:// URL.
 * For qomd's WebSocket endpoints the token comes from the caller, from the
 * URL (?token=…) or from the daemon's runtime directory (RUNTIME_DIR/token),
 * whose default is the daemon's: $XDG_RUNTIME_DIR/qomd, else ./.qomd/run.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export type QmpAddress = string | { path: string } | { url: string; token?: string; headers?: Record<string, string> };

export type ResolvedAddress = { kind: "unix"; path: string } | { kind: "ws"; url: string; token?: string; headers?: Record<string, string> };

export function isWebSocketUrl(text: string): boolean {
  return /^wss?:\/\//i.test(text);
}

export function resolveAddress(address: QmpAddress): ResolvedAddress {
  if (typeof address === "string") return isWebSocketUrl(address) ? { kind: "ws", url: address } : { kind: "unix", path: address };
  if ("path" in address) return { kind: "unix", path: address.path };
  return { kind: "ws", ...address };
}

/** The daemon's default runtime directory (src/daemon/daemon-options.ts uses the same rule). */
export function defaultRuntimeDir(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env["XDG_RUNTIME_DIR"] ? resolve(env["XDG_RUNTIME_DIR"], "qomd") : resolve(cwd, ".qomd/run");
}

/** The control socket in a runtime directory. */
export function controlSocketPath(runtimeDir: string): string {
  return join(runtimeDir, "qomd.sock");
}

/** The WebSocket token kept by the daemon in its runtime directory, or undefined if there is none. */
export function readToken(runtimeDir: string): string | undefined {
  try {
    const token = readFileSync(join(runtimeDir, "token"), "utf8").trim();
    return token === "" ? undefined : token;
  } catch {
    return undefined;
  }
}
