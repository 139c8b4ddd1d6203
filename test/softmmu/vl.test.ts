import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CliError, CliExit } from "../../src/softmmu/cli-error.js";
import { createMachine, type MachineInstance } from "../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../helpers/firmware.js";
import { FIXTURES, qomdTree, readCapturedTree, treeLines } from "../helpers/qom-tree.js";

const PROG = "qemu-system-x86_64";
let fw: string;

beforeAll(() => {
  fw = fakeFirmwareDir();
});

function build(...argv: string[]): Promise<MachineInstance> {
  return createMachine(["-L", fw, ...argv], { prog: PROG });
}

async function stderrOf(...argv: string[]): Promise<string> {
  try {
    await build(...argv);
  } catch (e) {
    if (e instanceof CliError) return e.stderrText();
    throw e;
  }
  throw new Error(`expected ${argv.join(" ")} to fail`);
}

async function stdoutOf(...argv: string[]): Promise<string> {
  try {
    await build(...argv);
  } catch (e) {
    if (e instanceof CliExit) return e.stdout;
    throw e;
  }
  throw new Error(`expected ${argv.join(" ")} to print and exit`);
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

describe("help listings", () => {
  it("-machine help lists QEMU 7.2's machines in its order (plus Ubuntu's distribution types)", async () => {
    const ubuntu = /trusty|utopic|vivid|wily|xenial|yakkety|zesty|artful|bionic|cosmic|disco|eoan|focal|groovy|hirsute|impish|jammy|kinetic|lunar/;
    const ours = (await stdoutOf("-machine", "help")).split("\n").filter((l) => !ubuntu.test(l));
    const qemu = fixture("machine-help.txt").split("\n").filter((l) => !l.startsWith("x-remote") && !l.startsWith("rc="));
    expect(ours).toEqual(qemu);
  });

  it("-machine pc,help prints the machine's settable properties exactly", async () => {
    expect(await stdoutOf("-machine", "pc,help")).toBe(fixture("machine-pc-help.txt"));
  });

  it("-object memory-backend-ram,help and -accel help", async () => {
    expect(await stdoutOf("-object", "memory-backend-ram,help")).toBe(fixture("object-memory-backend-ram-help.txt"));
    expect(await stdoutOf("-accel", "help")).toBe("Accelerators supported in QEMU binary:\ntcg\nkvm\n");
  });
});

describe("errors in QEMU's words", () => {
  it("unknown machine type and property", async () => {
    expect(await stderrOf("-M", "nosuch")).toBe(`${PROG}: unsupported machine type\nUse -machine help to list supported machines\n`);
    expect(await stderrOf("-machine", "pc,nosuchprop=1")).toBe(`${PROG}: Property 'pc-i440fx-7.2-machine.nosuchprop' not found\n`);
  });

  it("accelerators: KVM when the host has it, else QEMU's failure and the fallback to TCG", async () => {
    const { kvmAvailability } = await import("../../src/accel/kvm/kvm-available.js");
    if (kvmAvailability().usable) {
      const m = await build("-M", "none,accel=kvm:tcg", "-nodefaults");
      expect(m.accel).toBe("kvm");
      return;
    }
    expect(await stderrOf("-M", "none", "-accel", "kvm")).toMatch(/failed to initialize kvm/);
    const m = await build("-M", "none,accel=kvm:tcg", "-nodefaults");
    expect(m.accel).toBe("tcg");
    expect(m.warnings.at(-1)).toBe(`${PROG}: falling back to tcg`);
  });

  it("-accel tcg is always there", async () => {
    expect((await build("-M", "none", "-accel", "tcg", "-nodefaults")).accel).toBe("tcg");
  });

  it("a missing BIOS stops the PC with QEMU's message", async () => {
    expect(await stderrOf("-M", "isapc", "-nodefaults", "-bios", "nosuch.bin")).toBe("qemu: could not load PC BIOS 'nosuch.bin'\n");
  });

  it("-machine memory-backend= and kernel-irqchip= (legacy machine options)", async () => {
    expect(await stderrOf("-M", "pc,memory-backend=nosuch", "-nodefaults")).toBe(`${PROG}: Memory backend 'nosuch' not found\n`);
    expect(await stderrOf("-object", "memory-backend-ram,id=m0,size=64M", "-M", "pc,memory-backend=m0", "-m", "128", "-nodefaults")).toBe(
      `${PROG}: Machine memory size does not match the size of the memory backend\n`,
    );
    const m = await build("-object", "memory-backend-ram,id=m0,size=64M", "-M", "pc,memory-backend=m0,kernel-irqchip=off", "-accel", "tcg", "-S", "-nodefaults");
    expect(m.machine.getProperty("memory-backend")).toBe("/objects/m0");
    expect(m.machine.getProperty("memory")).toEqual({ size: 64 * 1024 * 1024 });
  });

  it("-icount", async () => {
    expect(await stderrOf("-M", "none", "-icount", "shift=11")).toBe(`${PROG}: -icount shift=11: icount: Invalid shift value\n`);
    expect(await stderrOf("-M", "none", "-icount", "align=on")).toBe(`${PROG}: -icount align=on: Please specify shift option when using align\n`);
    const { qemuClocksOf } = await import("../../src/util/qemu-timer.js");
    expect(qemuClocksOf((await build("-M", "none", "-icount", "shift=4")).registry).icountShift).toBe(4);
  });

  it("-kernel, -initrd and -append", async () => {
    expect(await stderrOf("-M", "pc", "-nodefaults", "-kernel", "/nonexistent")).toBe("qemu: could not open kernel file '/nonexistent': No such file or directory\n");
    expect(await stderrOf("-M", "pc", "-nodefaults", "-initrd", "/nonexistent")).toBe(`${PROG}: -initrd only allowed with -kernel option\n`);
    expect(await stderrOf("-M", "pc", "-nodefaults", "-append", "foo")).toBe(`${PROG}: -append only allowed with -kernel option\n`);
  });

  it("devices: unknown driver, with the option's location", async () => {
    expect(await stderrOf("-M", "none", "-device", "nosuch")).toBe(`${PROG}: -device nosuch: 'nosuch' is not a valid device model name\n`);
  });
});

describe("machine trees", () => {
  it("-M none matches QEMU's tree (without the monitor's chardev)", async () => {
    const m = await build("-M", "none", "-S", "-nodefaults");
    const keep = (p: string) => !p.startsWith("/chardevs");
    expect(treeLines(qomdTree(m.registry), keep)).toEqual(treeLines(readCapturedTree("qom-paths.none.txt"), keep));
    expect(m.runState).toBe("prelaunch");
  });
});

describe("the seed command lines", () => {
  it("the first line's typo is an invalid option, before anything is built", async () => {
    const argv = "-enable-kvm -name ubuntutest -m 2048 -hda ubuntutest.qcow2 -vnc :19 -net nic,model=virtio -nettap,ifname=tap0,script=no,downscript=no".split(" ");
    expect(await stderrOf(...argv)).toBe(`${PROG}: -nettap,ifname=tap0,script=no,downscript=no: invalid option\n`);
  });

  it("a missing disk image is reported at its option", async () => {
    const argv = "-M pc-i440fx-7.2,accel=tcg -name ubuntutest -m 2048 -hda /nonexistent/ubuntutest.qcow2 -net nic,model=virtio -net tap,ifname=tap0,script=no,downscript=no".split(" ");
    expect(await stderrOf(...argv)).toBe(`${PROG}: -hda /nonexistent/ubuntutest.qcow2: Could not open '/nonexistent/ubuntutest.qcow2': No such file or directory\n`);
  });

  it("the OpenStack line's missing disk too", async () => {
    const argv = ["-machine", "pc-i440fx-7.2,accel=tcg,usb=off", "-m", "2048", "-smp", "1,sockets=1,cores=1,threads=1", "-rtc", "base=utc,driftfix=slew",
      "-drive", "file=/var/lib/nova/instances/x/disk,if=none,id=drive-virtio-disk0,format=qcow2,cache=none",
      "-device", "virtio-blk-pci,scsi=off,bus=pci.0,addr=0x4,drive=drive-virtio-disk0,id=virtio-disk0,bootindex=1", "-S", "-display", "none"];
    expect(await stderrOf(...argv)).toBe(
      `${PROG}: -drive file=/var/lib/nova/instances/x/disk,if=none,id=drive-virtio-disk0,format=qcow2,cache=none: Could not open '/var/lib/nova/instances/x/disk': No such file or directory\n`,
    );
  });
});

describe("-device on the pc machine", () => {
  it("places devices under /machine/peripheral with their backends resolved", async () => {
    const qcow2 = join(FIXTURES, "..", "block", "tiny.qcow2");
    const m = await build("-M", "pc", "-S", "-nodefaults", "-drive", `file=${qcow2},if=none,id=d0,format=qcow2,cache=none`,
      "-device", "virtio-blk-pci,scsi=off,bus=pci.0,addr=0x4,drive=d0,id=virtio-disk0,bootindex=1",
      "-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0,id=net0");
    const tree = qomdTree(m.registry);
    expect(tree.get("/machine/peripheral/virtio-disk0")).toBe("virtio-blk-pci");
    expect(tree.get("/machine/peripheral/virtio-disk0/virtio-backend")).toBe("virtio-blk-device");
    expect(tree.get("/machine/peripheral/net0")).toBe("virtio-net-pci");
  });

  it("reports device errors as QEMU does", async () => {
    expect(await stderrOf("-M", "pc", "-nodefaults", "-device", "virtio-blk-pci,drive=nosuch")).toBe(
      `${PROG}: -device virtio-blk-pci,drive=nosuch: Property 'virtio-blk-device.drive' can't find value 'nosuch'\n`,
    );
    expect(await stderrOf("-M", "pc", "-nodefaults", "-device", "e1000,addr=0x1")).toBe(
      `${PROG}: -device e1000,addr=0x1: PCI: slot 1 function 0 not available for e1000, in use by PIIX3,id=(null)\n`,
    );
  });
});

describe("-global", () => {
  it("applies to devices of the type, and reports bad or unused globals as QEMU does", async () => {
    const m = await build("-M", "pc", "-S", "-nodefaults", "-global", "isa-fdc.dma=3");
    const { resolvePath } = await import("../../src/qom/path.js");
    const { objectGetRoot } = await import("../../src/qom/root.js");
    expect(resolvePath(objectGetRoot(m.registry), "/machine/unattached/device[12]").obj?.getProperty("dma")).toBe(3);
    expect(await stderrOf("-M", "pc", "-nodefaults", "-global", "isa-fdc.dma=zz")).toBe(`${PROG}: can't apply global isa-fdc.dma=zz: Parameter 'dma' expects uint64\n`);
    expect(await stderrOf("-M", "pc", "-nodefaults", "-global", "isa-fdc.nosuch=1")).toBe(`${PROG}: can't apply global isa-fdc.nosuch=1: Property 'isa-fdc.nosuch' not found\n`);
    const unused = await build("-M", "none", "-nodefaults", "-global", "nosuch.prop=1");
    expect(unused.warnings).toContain(`${PROG}: warning: global nosuch.prop has invalid class name`);
  });
});

describe("device listings", () => {
  it("-device help: every device qomd has is listed as QEMU 7.2 lists it, in QEMU's order", async () => {
    const ours = (await stdoutOf("-device", "help")).split("\n").filter((l) => l !== "");
    const qemu = fixture("device-help.local-capture.txt").split("\n").filter((l) => l !== "");
    const positions = ours.map((l) => qemu.indexOf(l));
    expect(ours.filter((_l, i) => positions[i] === -1)).toEqual([]);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(ours.length).toBeGreaterThan(100);
  });

  it("-device virtio-net-pci,help is QEMU's text", async () => {
    expect(await stdoutOf("-device", "virtio-net-pci,help")).toBe(fixture("device-virtio-net-pci-help.txt"));
  });

  it("-cpu help is QEMU's text", async () => {
    expect(await stdoutOf("-cpu", "help")).toBe(fixture("cpu-help.txt"));
  });
});

describe("the OpenStack seed line with its disk present", () => {
  const qcow2 = join(FIXTURES, "..", "block", "tiny.qcow2");
  const line = (cpu: string) => ["-name", "instance-00000024", "-machine", "pc-i440fx-7.2,accel=tcg,usb=off", "-cpu", cpu, "-m", "2048",
    "-smp", "1,sockets=1,cores=1,threads=1", "-rtc", "base=utc,driftfix=slew",
    "-drive", `file=${qcow2},if=none,id=drive-virtio-disk0,format=qcow2,cache=none`,
    "-device", "virtio-blk-pci,scsi=off,bus=pci.0,addr=0x4,drive=drive-virtio-disk0,id=virtio-disk0,bootindex=1", "-S", "-display", "none"];
  const features = "+erms,+smep,+fsgsbase,+pdpe1gb,+rdrand,+f16c,+osxsave,+dca,+pcid,+pdcm,+xtpr,+tm2,+est,+smx,+vmx,+ds_cpl,+monitor,+dtes64,+pbe,+tm,+ht,+ss,+acpi,+ds,+vme";

  it("stops at +osxsave, as QEMU 7.2 does", async () => {
    expect(await stderrOf(...line(`SandyBridge,${features}`))).toBe(`${PROG}: Property 'SandyBridge-x86_64-cpu.osxsave' not found\n`);
  });

  it("without +osxsave builds a paused machine, warning once per feature TCG lacks, word for word", async () => {
    const m = await build(...line(`SandyBridge,${features.replace("+osxsave,", "")}`));
    expect(m.warnings.join("\n") + "\n").toBe(fixture("seed-openstack-tcg-warnings.txt"));
    expect(m.runState).toBe("prelaunch");
    expect(qomdTree(m.registry).get("/machine/unattached/device[0]")).toBe("SandyBridge-x86_64-cpu");
  });
});

describe("legacy drives", () => {
  it("-hda attaches an ide-hd on the PIIX3 IDE and the drive cannot be used twice", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { tmpdir } = await import("node:os");
    const disk = join(mkdtempSync(join(tmpdir(), "qomd-hda-")), "disk.raw");
    writeFileSync(disk, Buffer.alloc(1024 * 1024));
    const m = await build("-M", "pc", "-S", "-nodefaults", "-drive", `file=${disk},format=raw,if=ide,index=0`);
    expect(qomdTree(m.registry).get("/machine/unattached/device[18]")).toBe("ide-hd");
    expect(await stderrOf("-M", "pc", "-nodefaults", "-drive", `file=${disk},format=raw,if=ide,index=0`, "-device", "ide-hd,drive=ide0-hd0")).toBe(
      `${PROG}: -device ide-hd,drive=ide0-hd0: Drive 'ide0-hd0' is already in use because it has been automatically connected to another device (did you need 'if=none' in the drive options?)\n`,
    );
  });
});
