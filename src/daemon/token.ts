/**
 * The WebSocket access token: made on first start (32 random bytes, hex),
 * kept in RUNTIME_DIR/token with mode 0600, reused afterwards.  It is never
 * logged.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export function tokenPath(runtimeDir: string): string {
  return join(runtimeDir, "token");
}

export function loadOrCreateToken(runtimeDir: string): string {
  const path = tokenPath(runtimeDir);
  try {
    const existing = readFileSync(path, "utf8").trim();
    if (/^[0-9a-f]{32,}$/.test(existing)) {
      chmodSync(path, 0o600);
      return existing;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const token = randomBytes(32).toString("hex");
  writeFileSync(path, token + "\n", { mode: 0o600 });
  chmodSync(path, 0o600);
  return token;
}
