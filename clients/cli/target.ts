/**
 * The command-line tools' connection target: a socket path, a ws:// URL, or
 * (nothing given) the daemon's control socket in the runtime directory.  A
 * WebSocket token comes from --token, the URL's ?token=, or the runtime
 * directory's token file, in that order, and travels in a header.
 */
import { controlSocketPath, defaultRuntimeDir, isWebSocketUrl, readToken, type QmpAddress } from "../lib/address.js";

export interface TargetOptions {
  address?: string;
  token?: string;
  runtimeDir?: string;
}

export interface Target {
  address: QmpAddress;
  /** For messages: the path or the URL without its token. */
  display: string;
}

export function resolveTarget(options: TargetOptions, env: NodeJS.ProcessEnv = process.env): Target {
  const runtimeDir = options.runtimeDir ?? defaultRuntimeDir(env);
  const address = options.address ?? controlSocketPath(runtimeDir);
  if (!isWebSocketUrl(address)) return { address: { path: address }, display: address };
  const url = new URL(address);
  const inUrl = url.searchParams.get("token") ?? undefined;
  url.searchParams.delete("token");
  const token = options.token ?? inUrl ?? readToken(runtimeDir);
  return { address: token === undefined ? { url: url.toString() } : { url: url.toString(), token }, display: url.toString() };
}
