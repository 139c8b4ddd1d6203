/**
 * device_del of hotplugged PCI devices, then system_reset, on `qomd run -M pc
 * -S -nodefaults`, against QEMU 7.2's raw lines for the same session
 * (test/fixtures/qmp-replay/device-del-reset.json, made by the capture
 * script beside it).  Every reply must be byte-identical; RESET, RESUME and
 * STOP come before their command's reply exactly as in QEMU; the
 * DEVICE_DELETED events come after system_reset's reply, in QEMU's order
 * (QEMU sends them when RCU frees the devices, at a time that depends on its
 * RCU thread; qomd right after the reply).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { normalizeTimestamps, qmpConnect, removeDir, startProcess, tempDir, type LineReader } from "./helpers.js";

interface Exchange {
  command: { id: number } & Record<string, unknown>;
  lines: string[];
}
const capture = JSON.parse(readFileSync(new URL("../fixtures/qmp-replay/device-del-reset.json", import.meta.url), "utf8")) as {
  exchanges: Exchange[];
  trailing: string[];
};

const isEvent = (l: string) => l.startsWith('{"timestamp"');
const isDeviceDeleted = (l: string) => isEvent(l) && l.includes('"event": "DEVICE_DELETED"');

async function connectWhenUp(path: string): Promise<LineReader> {
  for (let i = 0; ; i++) {
    try {
      return await qmpConnect(path);
    } catch (err) {
      if (i > 400) throw err;
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

describe("device_del, then system_reset", () => {
  it("answers and orders events as QEMU 7.2", async () => {
    const dir = tempDir("qomd-reset-");
    const p = startProcess(["run", "-M", "pc", "-S", "-nodefaults", "-display", "none", "-qmp", "unix:qmp.sock,server=on,wait=off"], {}, dir);
    try {
      const c = await connectWhenUp(join(dir, "qmp.sock"));
      const ours: string[][] = [];
      for (const ex of capture.exchanges) {
        c.send(JSON.stringify(ex.command));
        const lines: string[] = [];
        for (;;) {
          const line = normalizeTimestamps((await c.line())!);
          lines.push(line);
          if (!isEvent(line)) break;
        }
        ours.push(lines);
      }
      const resetIndex = capture.exchanges.findIndex((e) => e.command["execute"] === "system_reset");
      const theirDeleted = [...capture.exchanges.flatMap((e) => e.lines), ...capture.trailing].filter(isDeviceDeleted);
      expect(theirDeleted).toHaveLength(3);
      // Ours may come with later commands' lines; collect the rest once every command is answered.
      while (ours.flat().filter(isDeviceDeleted).length < theirDeleted.length) ours.push([normalizeTimestamps((await c.line())!)]);

      capture.exchanges.forEach((ex, i) => {
        const what = JSON.stringify(ex.command);
        const strip = (lines: string[]) => lines.filter((l) => !isDeviceDeleted(l));
        expect(strip(ours[i]!), what).toEqual(strip(ex.lines));
      });
      const flat = ours.flat();
      const resetReply = flat.indexOf(capture.exchanges[resetIndex]!.lines.at(-1)!);
      expect(resetReply).toBeGreaterThan(-1);
      const deleted = flat.map((l, i) => [l, i] as const).filter(([l]) => isDeviceDeleted(l));
      expect(deleted.map(([l]) => l)).toEqual(theirDeleted);
      for (const [, i] of deleted) expect(i).toBeGreaterThan(resetReply);
      c.close();
    } finally {
      p.child.kill("SIGKILL");
      await p.exited;
      removeDir(dir);
    }
  }, 60_000);
});
