/**
 * The firmware tables as the guest sees them: Debian's SeaBIOS boots `-M pc` and `-M q35` under
 * `qomd run` to "No bootable device.", and the ACPI tables (RSDP, RSDT, FACP, FACS, DSDT, APIC,
 * HPET, q35's MCFG, WAET) and the SMBIOS entry point and structures it placed are read back with
 * pmemsave and compared, address and bytes, with the same blocks read from QEMU 7.2 after the
 * same boot (test/fixtures/qemu-7.2/seabios/firmware-tables.capture.py).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, ROOT, startProcess, tempDir, type LineReader, type ProcessHandle } from "./helpers.js";

const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const capture = (machine: string) => join(ROOT, `test/fixtures/qemu-7.2/seabios/firmware-tables.${machine}-nodefaults.json`);

interface Block {
  name: string;
  address: number;
  hex: string;
}

let dir: string | undefined;
let proc: ProcessHandle | undefined;
afterEach(() => {
  proc?.child.kill("SIGKILL");
  proc = undefined;
  if (dir) removeDir(dir);
  dir = undefined;
});

async function waitFor(pred: () => boolean, what: string): Promise<void> {
  for (const start = Date.now(); !pred(); ) {
    if (Date.now() - start > 60_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe.each(["pc", "q35"])("-M %s: ACPI and SMBIOS tables in guest memory after SeaBIOS", (machine) => {
  it.skipIf(!existsSync(SEABIOS))("are where QEMU 7.2's are, with the same bytes (needs the seabios package)", async () => {
    dir = tempDir("qomd-tables-");
    const log = join(dir, "debugcon.log");
    const sock = join(dir, "qmp.sock");
    proc = startProcess([
      "run", "-M", machine, "-nodefaults", "-nographic", "-serial", "null", "-chardev", `file,path=${log},id=dbg`,
      "-device", "isa-debugcon,iobase=0x402,chardev=dbg", "-qmp", `unix:${sock},server=on,wait=off`,
    ]);
    await waitFor(() => existsSync(log) && readFileSync(log, "latin1").includes("No bootable device."), "SeaBIOS");
    const q: LineReader = await qmpConnect(sock);
    await q.cmd("stop");
    const dump = join(dir, "mem.bin");
    const want = (JSON.parse(readFileSync(capture(machine), "utf8")) as { blocks: Block[] }).blocks;
    expect(want.map((b) => b.name)).toEqual(expect.arrayContaining(["RSDP", "DSDT", "FACP", "SMBIOS structures"]));
    for (const b of want) {
      const size = b.hex.length / 2;
      expect(await q.cmd("pmemsave", { val: b.address, size, filename: dump })).toEqual({ return: {} });
      expect(readFileSync(dump).toString("hex"), `${b.name} at 0x${b.address.toString(16)}`).toBe(b.hex);
    }
    await q.cmd("quit");
  });
});
