/**
 * The QMP monitors of `qomd run`, from the command line's "mon" and
 * "chardev" option groups (-qmp, -qmp-pretty, -mon chardev=…,mode=control):
 * a Unix or TCP server socket serving one client at a time, or stdio.
 * HMP monitors (mode=readline) are not served.
 */
import type { JsonObject } from "../qobject/json-value.js";
import type { CommandLine } from "../softmmu/cmdline-types.js";
import { groupEntries } from "../softmmu/cmdline-types.js";
import type { MonitorLog } from "../monitor/log.js";
import type { QmpBackend } from "../monitor/qmp-backend.js";
import { QmpSession, type QmpTransport } from "../monitor/qmp-session.js";
import { StreamTransport } from "../monitor/transport/stream.js";
import { QmpSocketServer } from "../monitor/transport/unix.js";

export interface MonitorSpec {
  label: string;
  pretty: boolean;
  kind: "unix" | "tcp" | "stdio";
  path?: string;
  host?: string;
  port?: number;
  /** QEMU's query-chardev "filename". */
  filename: string;
}

/** The control-mode monitors the command line asks for, in order. */
export function monitorSpecs(cmdline: CommandLine): MonitorSpec[] {
  const chardevs = new Map(groupEntries(cmdline, "chardev").map((c) => [c.id, c]));
  const specs: MonitorSpec[] = [];
  for (const mon of groupEntries(cmdline, "mon")) {
    if ((mon.get("mode") ?? "readline") !== "control") continue;
    const label = mon.get("chardev");
    const chr = label !== undefined ? chardevs.get(label) : undefined;
    if (!chr || label === undefined) continue;
    const pretty = mon.getBool("pretty", false);
    const backend = chr.get("backend");
    if (backend === "stdio") specs.push({ label, pretty, kind: "stdio", filename: "stdio" });
    else if (backend === "socket" && chr.get("path") !== undefined) {
      const path = chr.get("path")!;
      specs.push({ label, pretty, kind: "unix", path, filename: `unix:${path},server=on` });
    } else if (backend === "socket" && chr.get("port") !== undefined) {
      const host = chr.get("host") ?? "0.0.0.0";
      const port = Number(chr.get("port"));
      specs.push({ label, pretty, kind: "tcp", host, port, filename: `tcp:${host}:${port},server=on` });
    }
  }
  return specs;
}

export function chardevInfo(specs: readonly MonitorSpec[]): JsonObject[] {
  return specs.map((s) => ({ label: s.label, filename: s.filename, "frontend-open": true }));
}

export interface OpenMonitors {
  disconnectAll(): void;
  close(): Promise<void>;
}

/** Opens every monitor; all serve the same backend. */
export async function openMonitors(specs: readonly MonitorSpec[], backend: QmpBackend, log: MonitorLog): Promise<OpenMonitors> {
  const servers: QmpSocketServer[] = [];
  const sessions: QmpSession[] = [];
  for (const spec of specs) {
    const newSession = (t: QmpTransport) => new QmpSession(t, backend, { log: log.child({ monitor: spec.label }) });
    if (spec.kind === "stdio") {
      const transport = new StreamTransport(process.stdin, process.stdout, { pretty: spec.pretty });
      const session = newSession(transport);
      process.stdin.on("data", (chunk: Buffer) => session.feed(chunk));
      sessions.push(session);
      session.start();
      continue;
    }
    const listen = spec.kind === "unix" ? { path: spec.path!, mode: 0o755 } : { host: spec.host!, port: spec.port! };
    const server = new QmpSocketServer({ listen, clients: "single", pretty: spec.pretty, newSession, log });
    await server.listen();
    servers.push(server);
  }
  return {
    disconnectAll: () => {
      for (const s of servers) s.disconnectAll();
      for (const s of sessions) s.detach();
    },
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
    },
  };
}
