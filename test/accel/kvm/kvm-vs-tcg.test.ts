/**
 * issue 7's proof: the same guests on the same PC machine under `-accel tcg` and `-accel kvm`
 * give the same serial, debug-port and exit output. Machines are built in this process through
 * the MachineRuntime that `qomd run` and the daemon's workers use.
 *
 * Skips, naming what is missing, when /dev/kvm or the addon is not usable here.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { kvmAvailability } from "../../../src/accel/kvm/kvm-available.js";
import { loadMachineBuilder } from "../../../src/daemon/machine-builder.js";
import { MachineRuntime } from "../../../src/daemon/machine-runtime.js";

const GUESTS = join(import.meta.dirname, "../../guests");
const SEABIOS = "/usr/share/seabios/bios-256k.bin";
const avail = kvmAvailability();
const kvmMissing = avail.usable ? undefined : avail.reason;
const seabiosMissing = existsSync(SEABIOS) ? undefined : `${SEABIOS} (apt-get install seabios)`;

if (kvmMissing) console.warn(`kvm-vs-tcg: skipped, KVM is not usable here: ${kvmMissing}`);

let dir: string;
const live: MachineRuntime[] = [];
afterEach(() => {
  for (const r of live.splice(0)) r.runControl.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

interface Outcome {
  exit: number | undefined;
  serial: string;
  debug: string;
}

const read = (path: string) => (existsSync(path) ? readFileSync(path, "latin1") : "");

/**
 * Runs `argv` under `accel` until the machine exits or `done(debug log)` holds; generous bound
 * (this host's /dev/kvm emulates CPL0 code in software).
 */
async function runGuest(accel: string, argv: string[], done: (o: Outcome) => boolean = () => false): Promise<Outcome> {
  const serial = join(dir, `${accel}.serial`.replace(/[,=]/g, "_"));
  const debug = join(dir, `${accel}.debug`.replace(/[,=]/g, "_"));
  const builder = await loadMachineBuilder();
  const instance = await builder.createMachine(
    [
      "-M", "pc", "-nodefaults", "-display", "none", "-accel", accel,
      "-serial", `file:${serial}`,
      "-chardev", `file,id=dbg,path=${debug}`, "-device", "isa-debugcon,iobase=0x402,chardev=dbg",
      "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
      // On KVM a built-in model takes the host's vendor, and with it the firmware's e820 map
      // changes (an AMD CPU gets the HyperTransport hole below 1 TiB): both runs name one vendor.
      "-cpu", "qemu64,vendor=GenuineIntel",
      ...argv,
    ],
    { prog: "qemu-system-x86_64" },
  );
  expect(instance.accel).toBe(accel.split(",")[0]);
  const exits: Array<number | undefined> = [];
  const rt = new MachineRuntime(instance, { onEvent: () => {}, onExit: (s) => exits.push(s), deviceAdd: () => {} });
  live.push(rt);
  rt.start();
  const outcome = (): Outcome => ({ exit: exits[0], serial: read(serial), debug: read(debug) });
  for (const start = Date.now(); exits.length === 0 && !done(outcome()); ) {
    if (Date.now() - start > 90_000) throw new Error(`${accel}: no end after 90 s: ${JSON.stringify(outcome())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
  rt.runControl.close();
  return outcome();
}

/**
 * SeaBIOS's debug log as a sorted list of lines, without what legitimately depends on the
 * accelerator (as under QEMU): on KVM it finds the hypervisor and uses kvmclock instead of the PM
 * timer, the kvmclock page it allocates moves the MP table's temporary copy, and the e820 map has
 * KVM's reserved identity-map pages (one more entry, renumbering those after it). Sorted because
 * SeaBIOS's threads (ATA probing, serial/LPT detection) interleave by timing.
 */
function withoutKvmLines(log: string): string[] {
  return log
    .split("\n")
    .filter((l) => !/^(Running on KVM|kvmclock: |CPU Mhz=|Using pmtimer, |e820 map has |\s+\d+: [0-9a-f]{16} - )/.test(l))
    .map((l) => l.replace(/^(Copying MPTABLE from 0x[0-9a-f]+\/)[0-9a-f]+/, "$1…"))
    .sort();
}

function rawDisk(): string {
  const path = join(dir, "disk.img");
  copyFileSync(join(GUESTS, "hello-boot.bin"), path);
  truncateSync(path, 1024 * 1024);
  return path;
}

describe.skipIf(kvmMissing !== undefined)("the same guests under tcg and kvm", () => {
  it("a firmware image: COM1 output and the isa-debug-exit status", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-vs-tcg-"));
    const argv = ["-bios", join(GUESTS, "hello-bios.bin")];
    const tcg = await runGuest("tcg", argv);
    const kvm = await runGuest("kvm", argv);
    expect(tcg.exit).toBe(67);
    expect(tcg.serial).toBe("qomd guest: hello from the firmware\r\n");
    expect(kvm).toEqual(tcg);
  });

  it.skipIf(seabiosMissing !== undefined)("Debian's SeaBIOS to 'No bootable device.': the debug log, but for KVM's own lines", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-vs-tcg-"));
    const argv = ["-bios", SEABIOS];
    const done = (o: Outcome) => o.debug.includes("No bootable device.\n");
    const tcg = await runGuest("tcg", argv, done);
    const kvm = await runGuest("kvm", argv, done);
    expect(kvm.debug).toContain("Running on KVM\n");
    expect(tcg.debug).not.toContain("Running on KVM\n");
    expect(withoutKvmLines(kvm.debug)).toEqual(withoutKvmLines(tcg.debug));
    expect(kvm.serial).toBe(tcg.serial);
  }, 200_000);

  it.skipIf(seabiosMissing !== undefined)("-hda: SeaBIOS boots the test disk, whose boot sector prints on COM1 and exits with 67", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-vs-tcg-"));
    const argv = ["-bios", SEABIOS, "-drive", `file=${rawDisk()},format=raw,if=ide,index=0`];
    const tcg = await runGuest("tcg", argv);
    const kvm = await runGuest("kvm", argv);
    expect(tcg.exit).toBe(67);
    expect(tcg.serial).toContain("qomd guest: hello from the boot sector\r\n");
    expect(kvm.exit).toBe(tcg.exit);
    expect(kvm.serial).toBe(tcg.serial);
    expect(withoutKvmLines(kvm.debug)).toEqual(withoutKvmLines(tcg.debug));
  }, 200_000);

  it.skipIf(seabiosMissing !== undefined)("kernel-irqchip=split: the userspace PIC's ExtINT reaches the kernel's LAPIC, and the -hda boot is the same", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-vs-tcg-"));
    const argv = ["-bios", SEABIOS, "-drive", `file=${rawDisk()},format=raw,if=ide,index=0`];
    const tcg = await runGuest("tcg", argv);
    const kvm = await runGuest("kvm,kernel-irqchip=split", argv);
    expect(tcg.exit).toBe(67);
    expect(kvm.exit).toBe(tcg.exit);
    expect(kvm.serial).toBe(tcg.serial);
    expect(withoutKvmLines(kvm.debug)).toEqual(withoutKvmLines(tcg.debug));
  }, 200_000);

  it.skipIf(seabiosMissing !== undefined)("-smp 2: SeaBIOS wakes the second CPU (INIT and SIPI through the local APICs) under tcg and kvm in each irqchip mode alike", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-vs-tcg-"));
    const argv = ["-smp", "2", "-bios", SEABIOS, "-drive", `file=${rawDisk()},format=raw,if=ide,index=0`];
    const tcg = await runGuest("tcg", argv);
    expect(tcg.exit).toBe(67);
    expect(tcg.debug.split("\n")).toContain("Found 2 cpu(s) max supported 2 cpu(s)");
    // kernel-irqchip=off: qomd's APIC holds the second vCPU until its SIPI. (Real QEMU 7.2 hangs
    // after starting the AP in that mode on the PVM host these tests were written on.)
    for (const accel of ["kvm", "kvm,kernel-irqchip=split", "kvm,kernel-irqchip=off"]) {
      const kvm = await runGuest(accel, argv);
      expect({ accel, exit: kvm.exit, serial: kvm.serial }).toEqual({ accel, exit: tcg.exit, serial: tcg.serial });
      // Not the whole log: with two CPUs, where SeaBIOS's threads place their F-segment
      // allocations depends on timing, under either accelerator.
      expect({ accel, found: kvm.debug.split("\n").filter((l) => l.startsWith("Found ")) }).toEqual({
        accel,
        found: tcg.debug.split("\n").filter((l) => l.startsWith("Found ")),
      });
    }
  }, 200_000);

  // test/guests/ioapic.asm: edge (PIT, pin 2) and level (RTC, pin 8) interrupts through the
  // IOAPIC to a local APIC; each level one needs its EOI to reach the IOAPIC. Real QEMU 7.2 prints
  // the same line and exits 67 in every one of these modes.
  for (const machine of ["pc", "q35"]) {
    it(`-M ${machine}: interrupts through the IOAPIC, the same under tcg and each kernel-irqchip mode`, async () => {
      dir = mkdtempSync(join(tmpdir(), "kvm-vs-tcg-"));
      const argv = ["-M", machine, "-bios", join(GUESTS, "ioapic-bios.bin")];
      const tcg = await runGuest("tcg", argv);
      expect(tcg.exit).toBe(67);
      expect(tcg.serial).toBe("qomd guest: ioapic edge 3 level 5\r\n");
      for (const accel of ["kvm", "kvm,kernel-irqchip=split", "kvm,kernel-irqchip=off"]) {
        const kvm = await runGuest(accel, argv);
        expect({ accel, ...kvm }).toEqual({ accel, ...tcg });
      }
    }, 200_000);
  }

  it.skipIf(seabiosMissing !== undefined)("kernel-irqchip=off: the userspace PIC injects, and the -hda boot is the same", async () => {
    dir = mkdtempSync(join(tmpdir(), "kvm-vs-tcg-"));
    const argv = ["-bios", SEABIOS, "-drive", `file=${rawDisk()},format=raw,if=ide,index=0`];
    const tcg = await runGuest("tcg", argv);
    const kvm = await runGuest("kvm,kernel-irqchip=off", argv);
    expect(tcg.exit).toBe(67);
    expect(kvm.exit).toBe(tcg.exit);
    expect(kvm.serial).toBe(tcg.serial);
    expect(withoutKvmLines(kvm.debug)).toEqual(withoutKvmLines(tcg.debug));
  }, 200_000);
});
