/**
 * Runs the test disk on a PC machine (pc or q35) built in this process (the MachineRuntime that `qomd run`
 * and the daemon's workers use), so a test can look at the vCPUs afterwards as well as at COM1,
 * SeaBIOS's debug log and the isa-debug-exit status.
 */
import { copyFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import { join } from "node:path";
import { loadMachineBuilder } from "../../src/daemon/machine-builder.js";
import { MachineRuntime } from "../../src/daemon/machine-runtime.js";

const GUESTS = join(import.meta.dirname, "../guests");
export const SEABIOS = "/usr/share/seabios/bios-256k.bin";
export const seabiosMissing = existsSync(SEABIOS) ? undefined : `${SEABIOS} (apt-get install seabios)`;

export interface DiskGuestOutcome {
  exit: number | undefined;
  serial: string;
  debug: string;
  /** The runtime, closed; its vCPUs can still be inspected. */
  runtime: MachineRuntime;
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, "latin1") : "");

/** Boots the hello disk with `-M machine` under `accel` in `dir` until isa-debug-exit (bounded). */
export async function runDiskGuest(
  dir: string,
  machine: string,
  accel: string,
  extra: string[] = [],
  opts: { pinVendor?: boolean } = {},
): Promise<DiskGuestOutcome> {
  const tag = `${machine}-${accel}`.replace(/[,=]/g, "_");
  const disk = join(dir, `${tag}.img`);
  copyFileSync(join(GUESTS, "hello-boot.bin"), disk);
  truncateSync(disk, 1024 * 1024);
  const serial = join(dir, `${tag}.serial`);
  const debug = join(dir, `${tag}.debug`);
  const builder = await loadMachineBuilder();
  const instance = await builder.createMachine(
    [
      "-M", machine, "-nodefaults", "-display", "none", "-accel", accel,
      "-serial", `file:${serial}`,
      "-chardev", `file,id=dbg,path=${debug}`, "-device", "isa-debugcon,iobase=0x402,chardev=dbg",
      "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
      "-drive", `file=${disk},format=raw,if=ide`,
      // On KVM a built-in model takes the host's vendor, which changes the firmware's e820 map
      // (an AMD CPU gets the HyperTransport hole): runs that are compared name one vendor.
      ...(opts.pinVendor === false ? [] : ["-cpu", "qemu64,vendor=GenuineIntel"]),
      ...extra,
    ],
    { prog: "qemu-system-x86_64" },
  );
  const exits: Array<number | undefined> = [];
  const runtime = new MachineRuntime(instance, { onEvent: () => {}, onExit: (s) => exits.push(s), deviceAdd: () => {} });
  runtime.start();
  try {
    for (const start = Date.now(); exits.length === 0; ) {
      if (Date.now() - start > 90_000) throw new Error(`${machine} under ${accel}: no exit after 90 s; log: ${read(debug)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  } finally {
    runtime.runControl.close();
  }
  return { exit: exits[0], serial: read(serial), debug: read(debug), runtime };
}
