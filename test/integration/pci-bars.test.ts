// Once SeaBIOS has programmed the BARs, query-pci shows them mapped where QEMU 7.2 maps them
// (test/fixtures/qemu-7.2/query-pci.pc-booted.json, made by the .capture.py beside it); a system
// reset turns decoding off and takes them out again.
import { existsSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, ROOT, startProcess, tempDir } from "./helpers.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const haveSeabios = existsSync(SEABIOS);
const fixture = JSON.parse(readFileSync(join(ROOT, "test/fixtures/qemu-7.2/query-pci.pc-booted.json"), "utf8")) as {
  args: string[];
  reply: unknown;
};

const dir = tempDir("qomd-pci-bars-");
afterAll(() => removeDir(dir));

async function until(pred: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !pred(); ) {
    if (Date.now() - start > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("PCI BARs after the firmware", () => {
  it.skipIf(!haveSeabios)(
    haveSeabios
      ? "query-pci after SeaBIOS equals QEMU 7.2's (BARs mapped at the addresses the firmware chose)"
      : "query-pci after SeaBIOS — SKIPPED: needs the seabios package (apt-get install seabios)",
    async () => {
      const disk = join(dir, "disk.img");
      writeFileSync(disk, "");
      truncateSync(disk, 1 << 20);
      const log = join(dir, "debugcon.log");
      const sock = join(dir, "qmp.sock");
      const args = fixture.args.map((a) => a.replace("DISK", disk));
      const p = startProcess([
        "run", ...args,
        "-chardev", `file,id=dbg,path=${log}`, "-device", "isa-debugcon,iobase=0x402,chardev=dbg",
        "-qmp", `unix:${sock},server=on,wait=off`,
      ]);
      try {
        await until(() => existsSync(log) && readFileSync(log, "latin1").includes("No bootable device."), "SeaBIOS to finish");
        const qmp = await qmpConnect(sock);
        expect(await qmp.cmd("query-pci")).toEqual(fixture.reply);
        // Decoding off: every BAR leaves the bus; a reset puts them all back to unmapped.
        await qmp.cmd("stop");
        await qmp.cmd("system_reset");
        const after = (await qmp.cmd("query-pci")) as { return: Array<{ devices: Array<{ regions: Array<{ address: number }> }> }> };
        for (const dev of after.return[0]!.devices) for (const r of dev.regions) expect(r.address).toBe(-1);
        await qmp.cmd("quit");
        await p.exited;
      } finally {
        p.child.kill("SIGKILL");
      }
    },
    90_000,
  );
});
