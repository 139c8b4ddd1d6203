/**
 * The QMP monitors of `qomd run`, from the command line's "mon" option group (-qmp, -qmp-pretty,
 * -mon chardev=…,mode=control): each control monitor attaches to its chardev as QEMU's does,
 * so the chardev (a socket serving one client at a time, or stdio) decides who is connected.
 * HMP monitors (mode=readline) are not served.
 */
import type { ChardevRegistry } from "../chardev/chardev-registry.js";
import type { CommandLine } from "../softmmu/cmdline-types.js";
import { groupEntries } from "../softmmu/cmdline-types.js";
import type { MonitorLog } from "../monitor/log.js";
import type { QmpBackend } from "../monitor/qmp-backend.js";
import { QmpSession, type QmpTransport } from "../monitor/qmp-session.js";
import { ChardevMonitor } from "../monitor/transport/chardev.js";

export interface MonitorSpec {
  label: string;
  pretty: boolean;
}

/** The control-mode monitors the command line asks for, in order. */
export function monitorSpecs(cmdline: CommandLine): MonitorSpec[] {
  const specs: MonitorSpec[] = [];
  for (const mon of groupEntries(cmdline, "mon")) {
    if ((mon.get("mode") ?? "readline") !== "control") continue;
    const label = mon.get("chardev");
    if (label === undefined) continue;
    specs.push({ label, pretty: mon.getBool("pretty", false) });
  }
  return specs;
}

export interface OpenMonitors {
  disconnectAll(): void;
  close(): Promise<void>;
}

/** Attaches a QMP monitor to each chardev; all serve the same backend. */
export function openMonitors(specs: readonly MonitorSpec[], chardevs: ChardevRegistry, backend: QmpBackend, log: MonitorLog): OpenMonitors {
  const monitors: ChardevMonitor[] = [];
  for (const spec of specs) {
    const chr = chardevs.find(spec.label);
    if (!chr) continue;
    const newSession = (t: QmpTransport) => new QmpSession(t, backend, { log: log.child({ monitor: spec.label }) });
    monitors.push(new ChardevMonitor(chr, newSession, { pretty: spec.pretty }));
  }
  return {
    disconnectAll: () => {
      for (const m of monitors) m.disconnect();
    },
    close: async () => {
      for (const m of monitors) m.detach();
      await chardevs.closeAll();
    },
  };
}
