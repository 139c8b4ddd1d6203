/**
 * `qomd daemon`: the long-running process.  It owns the control socket
 * (RUNTIME/qomd.sock, mode 0600, or the socket systemd passes in), one QMP
 * socket per machine, the WebSocket endpoint, the saved machine definitions
 * and the type registry the daemon-level commands use.  SIGTERM and SIGINT
 * stop the machines, close and remove the sockets and exit 0.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { qomInit } from "../modules.js";
import { QmpSession } from "../monitor/qmp-session.js";
import { QmpSocketServer } from "../monitor/transport/unix.js";
import { QmpWebSocketServer } from "../monitor/transport/websocket.js";
import { ControlBackend } from "./control-backend.js";
import type { DaemonOptions } from "./daemon-options.js";
import { createLogger, type DaemonLogger } from "./logger.js";
import { MachineBackend } from "./machine-backend.js";
import { MachineManager } from "./machine-manager.js";
import { MachineStore } from "./machine-store.js";
import { activationFd } from "./socket-activation.js";
import { loadOrCreateToken } from "./token.js";

export const CONTROL_SOCKET_NAME = "qomd.sock";

export interface RunningDaemon {
  readonly log: DaemonLogger;
  readonly manager: MachineManager;
  readonly wsPort: number | undefined;
  shutdown(): Promise<void>;
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const log = createLogger(options.logLevel, "qomd");
  mkdirSync(options.runtimeDir, { recursive: true, mode: 0o700 });
  mkdirSync(options.stateDir, { recursive: true, mode: 0o700 });
  const token = loadOrCreateToken(options.runtimeDir);
  const { types } = qomInit();
  const store = new MachineStore(options.stateDir);
  const manager = new MachineManager({
    runtimeDir: options.runtimeDir,
    store,
    log,
    worker: { prog: "qemu-system-x86_64", hangTimeoutMs: options.hangTimeoutMs, faultInjection: process.env["QOMD_FAULT_INJECTION"] === "1" },
  });
  const control = new ControlBackend(manager, types);

  const fd = activationFd();
  const controlPath = join(options.runtimeDir, CONTROL_SOCKET_NAME);
  const controlLog = log.child({ socket: "control" });
  const controlServer = new QmpSocketServer({
    listen: fd !== undefined ? { fd } : { path: controlPath, mode: 0o600 },
    clients: "multi",
    newSession: (t) => new QmpSession(t, control, { log: controlLog }),
    log: controlLog,
  });

  await manager.restore();
  await controlServer.listen();

  let ws: QmpWebSocketServer | undefined;
  if (options.ws) {
    ws = new QmpWebSocketServer({
      host: options.ws.host,
      port: options.ws.port,
      token,
      control,
      machine: (name) => {
        const m = manager.get(name);
        return m && new MachineBackend(m);
      },
      allowedOrigins: options.allowedOrigins,
      log: log.child({ transport: "websocket" }),
    });
    await ws.listen();
  }
  log.info(
    {
      control: fd !== undefined ? `fd ${fd} (socket activation)` : controlPath,
      websocket: ws ? `ws://${options.ws!.host}:${ws.port}` : "disabled",
      runtimeDir: options.runtimeDir,
      stateDir: options.stateDir,
      machines: manager.list().length,
    },
    "qomd daemon ready",
  );

  let stopping: Promise<void> | undefined;
  const shutdown = () =>
    (stopping ??= (async () => {
      log.info({}, "shutting down");
      await ws?.close();
      await controlServer.close();
      await manager.stopAll();
      log.info({}, "stopped");
      log.flush();
    })());
  return { log, manager, wsPort: ws?.port, shutdown };
}

/** Runs the daemon until SIGTERM/SIGINT; resolves with the exit status. */
export async function runDaemon(options: DaemonOptions): Promise<number> {
  const daemon = await startDaemon(options);
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      daemon.log.info({ signal }, "signal received");
      void daemon.shutdown().then(() => resolve(0));
    };
    process.once("SIGTERM", onSignal);
    process.once("SIGINT", onSignal);
  });
}
