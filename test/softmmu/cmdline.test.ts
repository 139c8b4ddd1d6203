import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { CliError, CliExit, CliHelpRequest } from "../../src/softmmu/cli-error.js";
import { parseCommandLine } from "../../src/softmmu/cmdline.js";
import { groupEntries, type CommandLine } from "../../src/softmmu/cmdline-types.js";

const FIXTURES = new URL("../fixtures/qemu-7.2/", import.meta.url);
const PROG = "qemu-system-x86_64";

/** "$ qemu-system-x86_64 ARGS" blocks of a capture, with the output lines and exit status. */
function readCases(file: string): Array<{ args: string[]; output: string; status: number }> {
  const text = readFileSync(new URL(file, FIXTURES), "utf8");
  const cases: Array<{ args: string[]; output: string; status: number }> = [];
  let cur: { args: string[]; lines: string[] } | undefined;
  for (const line of text.split("\n")) {
    const cmd = /^\$ qemu-system-x86_64 (.*)$/.exec(line);
    if (cmd) {
      cur = { args: cmd[1]!.split(" "), lines: [] };
      continue;
    }
    const exit = /^\[exit(?: status)? (\d+)\]$/.exec(line);
    if (exit && cur) {
      cases.push({ args: cur.args, output: cur.lines.join("\n"), status: Number(exit[1]) });
      cur = undefined;
      continue;
    }
    if (cur && !line.startsWith("#")) cur.lines.push(line);
  }
  return cases;
}

function parseError(args: string[], prog = PROG): CliError {
  try {
    parseCommandLine(args, prog);
  } catch (e) {
    if (e instanceof CliError) return e;
    throw e;
  }
  throw new Error(`expected a CliError for ${args.join(" ")}`);
}

function thrown(args: string[]): unknown {
  try {
    parseCommandLine(args);
  } catch (e) {
    return e;
  }
  throw new Error(`expected ${args.join(" ")} to stop`);
}

const entries = (cmd: CommandLine, group: string) => groupEntries(cmd, group).map((o) => ({ id: o.id, opts: o.entries() }));

describe("seed command lines", () => {
  const seeds = readCases("cli-seed-command-lines.txt");

  it("rejects the typo -nettap exactly as QEMU does", () => {
    const seed = seeds[0]!;
    expect(seed.args).toContain("-nettap,ifname=tap0,script=no,downscript=no");
    const err = parseError(seed.args);
    expect(err.message).toBe(seed.output);
    expect(err.exitStatus).toBe(seed.status);
    expect(err.stderrText()).toBe(`${seed.output}\n`);
  });

  it("parses the corrected line into what QEMU keeps (the file check is the block layer's)", () => {
    const seed = seeds[1]!;
    expect(seed.output).toContain("Could not open 'ubuntutest.qcow2'");
    const cmd = parseCommandLine(seed.args);
    expect(cmd.machineOpts).toEqual({ accel: "kvm", memory: { size: "2048M" } });
    expect(entries(cmd, "name")).toEqual([{ id: undefined, opts: [["guest", "ubuntutest"]] }]);
    expect(entries(cmd, "memory")).toEqual([{ id: undefined, opts: [["size", "2048"]] }]);
    expect(groupEntries(cmd, "memory")[0]!.getSize("size", 0n)).toBe(2048n);
    expect(entries(cmd, "drive")).toEqual([
      { id: undefined, opts: [["media", "disk"], ["index", "0"], ["file", "ubuntutest.qcow2"]] },
    ]);
    expect(groupEntries(cmd, "drive")[0]!.loc).toBe("-hda ubuntutest.qcow2");
    expect(entries(cmd, "vnc")).toEqual([{ id: "default", opts: [["vnc", ":19"]] }]);
    expect(entries(cmd, "net")).toEqual([
      { id: undefined, opts: [["type", "nic"], ["model", "virtio"]] },
      { id: undefined, opts: [["type", "tap"], ["ifname", "tap0"], ["script", "no"], ["downscript", "no"]] },
    ]);
    expect(cmd.defaults.net).toBe(false);
    expect(cmd.warnings).toEqual([]);
  });

  it("parses the OpenStack line; machine type and CPU model are left as strings", () => {
    for (const seed of seeds.slice(2)) {
      const cmd = parseCommandLine(seed.args);
      expect(cmd.cpuOption).toMatch(/^SandyBridge,\+erms,/);
      expect(cmd.machineOpts["smp"]).toEqual({ cpus: "1", sockets: "1", cores: "1", threads: "1" });
      expect(typeof cmd.machineOpts["type"]).toBe("string");
    }
    const full = parseCommandLine(seeds[3]!.args);
    expect(full.machineOpts).toMatchObject({ type: "pc-i440fx-7.2", accel: "kvm", usb: "off" });
    expect(entries(full, "rtc")).toEqual([{ id: undefined, opts: [["base", "utc"], ["driftfix", "slew"]] }]);
    expect(entries(full, "drive")).toEqual([
      {
        id: "drive-virtio-disk0",
        opts: [["file", "/var/lib/nova/instances/x/disk"], ["if", "none"], ["format", "qcow2"], ["cache", "none"]],
      },
    ]);
    expect(entries(full, "device")).toEqual([
      {
        id: "virtio-disk0",
        opts: [["driver", "virtio-blk-pci"], ["scsi", "off"], ["bus", "pci.0"], ["addr", "0x4"], ["drive", "drive-virtio-disk0"], ["bootindex", "1"]],
      },
    ]);
    expect(full.autostart).toBe(false);
    expect(full.display.type).toBe("none");
  });
});

describe("cli-errors.txt: the parser's share", () => {
  const cases = readCases("cli-errors.txt");
  const byArgs = (start: string) => cases.find((c) => c.args.join(" ").startsWith(start))!;

  it("-m 2048x and -m foo print the size error with its hint lines", () => {
    for (const start of ["-m 2048x", "-m foo"]) {
      const c = byArgs(start);
      const err = parseError(c.args);
      expect(err.message).toBe(c.output);
      expect(c.status).toBe(1);
    }
  });

  it("semantic failures parse cleanly and hand the strings on", () => {
    expect(parseCommandLine(byArgs("-machine nosuch").args).machineOpts["type"]).toBe("nosuch");
    expect(parseCommandLine(byArgs("-M nosuch").args).machineOpts["type"]).toBe("nosuch");
    expect(groupEntries(parseCommandLine(byArgs("-device nosuch").args), "device")[0]!.get("driver")).toBe("nosuch");
    const obj = parseCommandLine(byArgs("-object nosuch").args).objects[0]!;
    expect(obj).toMatchObject({ qomType: "nosuch", id: "x", loc: "-object nosuch,id=x", json: false });
    expect(parseCommandLine(byArgs("-machine pc,nosuchprop=1").args).machineOpts).toMatchObject({ type: "pc", nosuchprop: "1" });
    expect(parseCommandLine(byArgs("-cpu nosuch").args).cpuOption).toBe("nosuch");
    expect(groupEntries(parseCommandLine(byArgs("-accel nosuch").args), "accel")[0]!.loc).toBe("-accel nosuch");
    expect(parseCommandLine(byArgs("-smp 300").args).machineOpts["smp"]).toEqual({ cpus: "300" });
  });

  it("lets the -object hook reject a type in the loop, at the option", () => {
    const c = byArgs("-object nosuch");
    try {
      parseCommandLine(c.args, PROG, {
        checkObject: (o) => {
          throw new (class extends Error {})(o.qomType);
        },
      });
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe("nosuch");
    }
  });
});

describe("the argv walker", () => {
  it("reports an unknown option or a missing argument before anything else", () => {
    expect(parseError(["-m", "foo", "-nosuch"]).message).toBe(`${PROG}: -nosuch: invalid option`);
    expect(parseError(["-nodefconfig"]).message).toBe(`${PROG}: -nodefconfig: invalid option`);
    expect(parseError(["-no-kvm"]).message).toBe(`${PROG}: -no-kvm: invalid option`);
    expect(parseError(["-m"]).message).toBe(`${PROG}: -m: requires an argument`);
    expect(parseError(["-m", "foo", "-hda"]).message).toBe(`${PROG}: -hda: requires an argument`);
  });

  it("uses the program name it is given", () => {
    expect(parseError(["-nettap,ifname=tap0"], "qomd").message).toBe("qomd: -nettap,ifname=tap0: invalid option");
  });

  it("accepts --opt for -opt, and takes the next word as the argument whatever it is", () => {
    const cmd = parseCommandLine(["--m", "1G", "-name", "-x"]);
    expect(groupEntries(cmd, "memory")[0]!.getSize("size", 0n)).toBe(1n << 30n);
    expect(groupEntries(cmd, "name")[0]!.get("guest")).toBe("-x");
    expect(parseError(["-m", "-daemonize"]).message).toContain(`${PROG}: -m -daemonize: Parameter 'size' expects`);
  });

  it("rejects options of other targets", () => {
    expect(parseError(["-g", "800x600"]).message).toBe(`${PROG}: -g 800x600: Option not supported for this target`);
    expect(parseError(["-xen-attach"]).message).toBe(`${PROG}: -xen-attach: Option not supported for this target`);
  });

  it("turns a bare word into an IDE hard disk 0 drive", () => {
    const cmd = parseCommandLine(["disk.img"]);
    expect(entries(cmd, "drive")).toEqual([{ id: undefined, opts: [["media", "disk"], ["index", "0"], ["file", "disk.img"]] }]);
    expect(groupEntries(cmd, "drive")[0]!.loc).toBe("disk.img");
    expect(cmd.diskImages).toEqual(["disk.img"]);
  });
});

describe("legacy translations", () => {
  it("-hda..-hdd, -cdrom, -fda/-fdb, -pflash, -sd, -mtdblock become drives as drive_add() makes them", () => {
    const cmd = parseCommandLine(["-hdb", "b", "-hdd", "d", "-cdrom", "cd.iso", "-fda", "f0", "-fdb", "f1", "-pflash", "p", "-sd", "s", "-mtdblock", "m"]);
    expect(entries(cmd, "drive").map((d) => d.opts)).toEqual([
      [["media", "disk"], ["index", "1"], ["file", "b"]],
      [["media", "disk"], ["index", "3"], ["file", "d"]],
      [["media", "cdrom"], ["index", "2"], ["file", "cd.iso"]],
      [["if", "floppy"], ["index", "0"], ["file", "f0"]],
      [["if", "floppy"], ["index", "1"], ["file", "f1"]],
      [["if", "pflash"], ["file", "p"]],
      [["if", "sd"], ["file", "s"]],
      [["if", "mtd"], ["file", "m"]],
    ]);
  });

  it("-enable-kvm sets accel=kvm; -machine accel= is kept for the accelerator plan", () => {
    expect(parseCommandLine(["-enable-kvm"]).machineOpts).toEqual({ accel: "kvm" });
    expect(parseCommandLine(["-machine", "none,accel=kvm:tcg"]).machineOpts).toEqual({ type: "none", accel: "kvm:tcg" });
    expect(parseCommandLine(["-M", "pc", "-M", "q35,usb=on"]).machineOpts).toEqual({ type: "q35", usb: "on" });
  });

  it("-kernel/-initrd/-append/-bios/-dtb, -usb, -nographic, -no-acpi, -no-hpet go into the machine options", () => {
    const cmd = parseCommandLine(["-kernel", "vmlinuz", "-initrd", "initrd", "-append", "console=ttyS0,115200", "-bios", "bios.bin", "-usb", "-nographic", "-no-acpi", "-no-hpet"]);
    expect(cmd.machineOpts).toEqual({
      kernel: "vmlinuz",
      initrd: "initrd",
      append: "console=ttyS0,115200",
      firmware: "bios.bin",
      usb: "on",
      graphics: "off",
      acpi: "off",
      hpet: "off",
    });
    expect(cmd.nographic).toBe(true);
    expect(cmd.display.type).toBe("none");
  });

  it("checks -append/-initrd without -kernel after the loop, without location", () => {
    expect(parseError(["-append", "foo"]).message).toBe(`${PROG}: -append only allowed with -kernel option`);
    expect(parseError(["-initrd", "foo"]).message).toBe(`${PROG}: -initrd only allowed with -kernel option`);
  });

  it("-m sizes: bare numbers are MiB for the machine, suffixes pass through", () => {
    expect(parseCommandLine(["-m", "2048"]).machineOpts["memory"]).toEqual({ size: "2048M" });
    expect(parseCommandLine(["-m", "1G"]).machineOpts["memory"]).toEqual({ size: "1G" });
    expect(parseCommandLine(["-m", "size=512M,slots=2,maxmem=4G"]).machineOpts["memory"]).toEqual({
      size: "512M",
      "max-size": "4G",
      slots: "2",
    });
    expect(parseCommandLine(["-m", "0"]).machineOpts["memory"]).toEqual({});
    // -m merges: later settings add to the single "memory" QemuOpts.
    const merged = parseCommandLine(["-m", "1G", "-m", "maxmem=8G"]);
    expect(entries(merged, "memory")).toEqual([{ id: undefined, opts: [["size", "1G"], ["maxmem", "8G"]] }]);
  });

  it("-m errors carry the option; the machine-dict clash is reported at the first -m", () => {
    expect(parseError(["-m", "2048,foo=1"]).message).toBe(`${PROG}: -m 2048,foo=1: Invalid parameter 'foo'`);
    expect(parseError(["-m", "1,id=x"]).message).toBe(`${PROG}: -m 1,id=x: Invalid parameter 'id'`);
    expect(parseError(["-m", "9999999999999999999999"]).message).toBe(
      `${PROG}: -m 9999999999999999999999: Value '9999999999999999999999' is out of range for parameter 'size'`,
    );
    expect(parseError(["-m", "512", "-M", "memory=1G"]).message).toBe(`${PROG}: -m 512: Parameter 'memory' used inconsistently`);
  });

  it("-smp and -boot become machine properties via keyval, merging", () => {
    const cmd = parseCommandLine(["-smp", "0x2,maxcpus=010", "-smp", "3", "-boot", "order=dc,menu=on", "-boot", "once=n"]);
    expect(cmd.machineOpts).toEqual({ smp: { cpus: "3", maxcpus: "010" }, boot: { order: "dc", menu: "on", once: "n" } });
    expect(parseError(["-smp", "2,,3"]).message).toBe(`${PROG}: -smp 2,,3: Invalid parameter ''`);
    expect(parseError(["-smp", "cpus=2", "-M", "smp=3"]).message).toBe(`${PROG}: -M smp=3: Parameters 'smp.*' used inconsistently`);
  });

  it("-qmp (several), -qmp-pretty and -monitor create compat chardevs and mon entries", () => {
    const cmd = parseCommandLine([
      "-qmp", "unix:/tmp/a.sock,server=on,wait=off",
      "-qmp", "unix:/tmp/b.sock,server,nowait",
      "-qmp-pretty", "tcp:localhost:4444,server=on,wait=off",
      "-monitor", "stdio",
    ]);
    expect(entries(cmd, "chardev")).toEqual([
      { id: "compat_monitor0", opts: [["backend", "socket"], ["path", "/tmp/a.sock"], ["server", "on"], ["wait", "off"]] },
      { id: "compat_monitor1", opts: [["backend", "socket"], ["path", "/tmp/b.sock"], ["server", "on"], ["wait", "off"]] },
      { id: "compat_monitor2", opts: [["backend", "socket"], ["host", "localhost"], ["port", "4444"], ["server", "on"], ["wait", "off"]] },
      { id: "compat_monitor3", opts: [["backend", "stdio"]] },
    ]);
    expect(entries(cmd, "mon")).toEqual([
      { id: "compat_monitor0", opts: [["mode", "control"], ["chardev", "compat_monitor0"], ["pretty", "off"]] },
      { id: "compat_monitor1", opts: [["mode", "control"], ["chardev", "compat_monitor1"], ["pretty", "off"]] },
      { id: "compat_monitor2", opts: [["mode", "control"], ["chardev", "compat_monitor2"], ["pretty", "on"]] },
      { id: "compat_monitor3", opts: [["mode", "readline"], ["chardev", "compat_monitor3"]] },
    ]);
    expect(cmd.defaults.monitor).toBe(false);
    // Compat syntax in QEMU 7.2 does not warn about short-form booleans.
    expect(cmd.warnings).toEqual([]);
    expect(groupEntries(cmd, "chardev")[1]!.getBool("wait", true)).toBe(false);
  });

  it("-mon chardev=...,mode=control and -chardev", () => {
    const cmd = parseCommandLine(["-chardev", "socket,id=qmp,path=/tmp/q.sock,server=on,wait=off", "-mon", "chardev=qmp,mode=control,pretty=on"]);
    expect(entries(cmd, "chardev")).toEqual([
      { id: "qmp", opts: [["backend", "socket"], ["path", "/tmp/q.sock"], ["server", "on"], ["wait", "off"]] },
    ]);
    expect(entries(cmd, "mon")).toEqual([{ id: undefined, opts: [["chardev", "qmp"], ["mode", "control"], ["pretty", "on"]] }]);
  });

  it("reports bad compat syntax with QEMU's two lines", () => {
    expect(parseError(["-qmp", "foo:bar"]).stderrText()).toBe(
      `${PROG}: -qmp foo:bar: 'foo:bar' is not a valid char driver\n${PROG}: -qmp foo:bar: parse error: foo:bar\n`,
    );
    const loc = "-qmp unix:/tmp/qt/x.sock,server=on,wait=off,foo=1";
    expect(parseError(loc.split(" ")).stderrText()).toBe(
      `${PROG}: ${loc}: Invalid parameter 'foo'\n${PROG}: ${loc}: parse error: unix:/tmp/qt/x.sock,server=on,wait=off,foo=1\n`,
    );
  });

  it("-serial/-parallel/-debugcon/-gdb/-s are device configs; mon: disables the default monitor", () => {
    const cmd = parseCommandLine(["-serial", "mon:stdio", "-parallel", "none", "-debugcon", "file:d.log", "-s"]);
    expect(cmd.deviceConfigs.map((d) => [d.type, d.cmdline])).toEqual([
      ["serial", "mon:stdio"],
      ["parallel", "none"],
      ["debugcon", "file:d.log"],
      ["gdb", "tcp::1234"],
    ]);
    expect(cmd.defaults).toMatchObject({ serial: false, parallel: false, monitor: false });
  });

  it("-net, -nic and -netdev fill their groups and turn off the default NIC", () => {
    const cmd = parseCommandLine(["-nic", "user,model=virtio-net-pci", "-netdev", "user,id=n0", "-netdev", "stream,id=s0,addr.type=unix,addr.path=/tmp/s"]);
    expect(entries(cmd, "nic")).toEqual([{ id: undefined, opts: [["type", "user"], ["model", "virtio-net-pci"]] }]);
    expect(entries(cmd, "netdev")).toEqual([{ id: "n0", opts: [["type", "user"]] }]);
    expect(cmd.modernNetdevs.map((n) => n.args)).toEqual([{ type: "stream", id: "s0", addr: { type: "unix", path: "/tmp/s" } }]);
    expect(cmd.defaults.net).toBe(false);
  });

  it("-no-reboot/-no-shutdown/-watchdog-action/-action merge into the action group", () => {
    const cmd = parseCommandLine(["-no-reboot", "-no-shutdown", "-action", "panic=pause"]);
    expect(entries(cmd, "action")).toEqual([{ id: undefined, opts: [["reboot", "shutdown"], ["shutdown", "pause"], ["panic", "pause"]] }]);
  });

  it("-display, -vga, -vnc", () => {
    expect(parseCommandLine(["-display", "none"]).display).toEqual({ type: "none" });
    expect(parseCommandLine(["-display", "gtk,full-screen=on"]).display).toEqual({ type: "gtk", "full-screen": true });
    expect(parseError(["-display", "foo"]).message).toBe(`${PROG}: -display foo: Parameter 'type' does not accept value 'foo'`);
    expect(parseError(["-display", "gtk,foo=1"]).message).toBe(`${PROG}: -display gtk,foo=1: Parameter 'foo' is unexpected`);
    expect(parseError(["-display", "full-screen=on"]).message).toBe(`${PROG}: -display full-screen=on: Parameter 'type' is missing`);
    expect(parseError(["-display", "vnc"]).message).toBe(`${PROG}: -display vnc: VNC requires a display argument vnc=<display>`);
    const vnc = parseCommandLine(["-display", "vnc=:1", "-vnc", ":2", "-vga", "std"]);
    expect(entries(vnc, "vnc")).toEqual([
      { id: "default", opts: [["vnc", ":1"]] },
      { id: "vnc2", opts: [["vnc", ":2"]] },
    ]);
    expect(vnc.vgaModel).toBe("std");
    expect(vnc.defaults.vga).toBe(false);
  });

  it("scalar options", () => {
    const cmd = parseCommandLine([
      "-S", "-no-user-config", "-nodefaults", "-daemonize", "-pidfile", "q.pid", "-D", "q.log", "-d", "int,cpu",
      "-L", "/usr/share/qemu", "-L", "help", "-uuid", "12345678-1234-1234-1234-123456789ABC", "-icount", "shift=auto",
      "-incoming", "defer", "-snapshot", "-mem-prealloc",
    ]);
    expect(cmd).toMatchObject({
      autostart: false,
      userConfig: false,
      hasDefaults: false,
      daemonize: true,
      pidFile: "q.pid",
      logFile: "q.log",
      logMask: "int,cpu",
      dataDirs: ["/usr/share/qemu"],
      listDataDirs: true,
      uuid: "12345678-1234-1234-1234-123456789abc",
      incoming: "defer",
      snapshot: true,
      memPrealloc: true,
    });
    expect(entries(cmd, "icount")).toEqual([{ id: undefined, opts: [["shift", "auto"]] }]);
    expect(parseError(["-uuid", "bad"]).message).toBe(`${PROG}: -uuid bad: failed to parse UUID string: wrong format`);
  });

  it("-global: dotted form and driver=,property=,value= form", () => {
    const cmd = parseCommandLine(["-global", "kvm-pit.lost_tick_policy=delay", "-global", "driver=cfi.pflash01,property=secure,value=on"]);
    expect(entries(cmd, "global").map((g) => g.opts)).toEqual([
      [["driver", "kvm-pit"], ["property", "lost_tick_policy"], ["value", "delay"]],
      [["driver", "cfi.pflash01"], ["property", "secure"], ["value", "on"]],
    ]);
    expect(parseError(["-global", "driver=x"]).message).toBe(`${PROG}: -global driver=x: options 'driver', 'property', and 'value' are required`);
  });

  it("prints warnings with location, then the error (-global foo)", () => {
    const err = parseError(["-global", "foo"]);
    expect(err.stderrText()).toBe(
      `${PROG}: -global foo: warning: short-form boolean option 'foo' deprecated\nPlease use foo=on instead\n` +
        `${PROG}: -global foo: Invalid parameter 'foo'\n`,
    );
    const ok = parseCommandLine(["-chardev", "socket,id=c,path=/tmp/x,server,nowait"]);
    expect(ok.warnings).toEqual([
      `${PROG}: -chardev socket,id=c,path=/tmp/x,server,nowait: warning: short-form boolean option 'server' deprecated`,
      "Please use server=on instead",
      `${PROG}: -chardev socket,id=c,path=/tmp/x,server,nowait: warning: short-form boolean option 'nowait' deprecated`,
      "Please use wait=off instead",
    ]);
  });

  it("-set changes an existing QemuOpts", () => {
    const cmd = parseCommandLine(["-drive", "id=d0,file=a", "-set", "drive.d0.file=b"]);
    expect(groupEntries(cmd, "drive")[0]!.get("file")).toBe("b");
    expect(parseError(["-set", "drive.x.file=y"]).message).toBe(`${PROG}: -set drive.x.file=y: there is no drive "x" defined`);
    expect(parseError(["-set", "machine.x.y=1"]).message).toBe(`${PROG}: -set machine.x.y=1: -set is not supported with machine`);
    expect(parseError(["-set", "foo.x.y=1"]).message).toBe(`${PROG}: -set foo.x.y=1: There is no option group 'foo'`);
    expect(parseError(["-set", "bad"]).message).toBe(`${PROG}: -set bad: can't parse: "bad"`);
  });

  it("ids are unique per group", () => {
    expect(parseError(["-drive", "id=a", "-drive", "id=a"]).message).toBe(`${PROG}: -drive id=a: Duplicate ID 'a' for drive`);
    expect(parseError(["-object", "memory-backend-ram,id=m,size=1M", "-object", "memory-backend-ram,id=m,size=1M"]).message).toBe(
      `${PROG}: -object memory-backend-ram,id=m,size=1M: Duplicate ID 'm' for object`,
    );
    expect(parseError(["-device", "e1000,id=1x"]).stderrText()).toBe(
      `${PROG}: -device e1000,id=1x: Parameter 'id' expects an identifier\n` +
        "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter.\n",
    );
    expect(parseError(["-name", "foo,id=x"]).message).toBe(`${PROG}: -name foo,id=x: Invalid parameter 'id'`);
  });

  it("-object: key=value and JSON forms, missing qom-type", () => {
    const cmd = parseCommandLine(["-object", "memory-backend-ram,id=mem0,size=1G", "-object", '{"qom-type":"iothread","id":"io0","poll-max-ns":32}']);
    expect(cmd.objects.map(({ qomType, id, props, json }) => ({ qomType, id, props, json }))).toEqual([
      { qomType: "memory-backend-ram", id: "mem0", props: { size: "1G" }, json: false },
      { qomType: "iothread", id: "io0", props: { "poll-max-ns": 32 }, json: true },
    ]);
    expect(parseError(["-object", "id=x"]).message).toBe(`${PROG}: -object id=x: Parameter 'qom-type' is missing`);
  });

  it("-rtc and -compat errors", () => {
    expect(parseError(["-rtc", "base=utc,foo=bar"]).message).toBe(`${PROG}: -rtc base=utc,foo=bar: Invalid parameter 'foo'`);
    expect(parseError(["-compat", "foo=1"]).message).toBe(`${PROG}: -compat foo=1: Parameter 'foo' is unexpected`);
    expect(parseError(["-compat", "deprecated-input=x"]).message).toBe(
      `${PROG}: -compat deprecated-input=x: Parameter 'deprecated-input' does not accept value 'x'`,
    );
  });
});

describe("help and version", () => {
  it("-version prints QEMU's two lines", () => {
    const e = thrown(["-version"]) as CliExit;
    expect(e).toBeInstanceOf(CliExit);
    expect(e.exitStatus).toBe(0);
    expect(e.stdout).toBe(
      "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18+b3)\nCopyright (c) 2003-2022 Fabrice Bellard and the QEMU Project developers\n",
    );
  });

  it("-h prints the captured help text, with the program name in the usage line", () => {
    const capture = readFileSync(new URL("cli-qemu-help.txt", FIXTURES), "utf8");
    const e = thrown(["-h"]) as CliExit;
    expect(e.stdout).toBe(capture);
    const q = (() => {
      try {
        parseCommandLine(["-help"], "qomd");
      } catch (err) {
        return err as CliExit;
      }
      throw new Error("no exit");
    })();
    expect(q.stdout).toBe(capture.replace("usage: qemu-system-x86_64 ", "usage: qomd "));
  });

  it("-smp help / -boot help exit 0; help on a QemuOpts group exits 1", () => {
    const smp = thrown(["-smp", "help"]) as CliExit;
    expect(smp.exitStatus).toBe(0);
    expect(smp.stdout).toBe(
      "smp-opts options:\n  clusters=<num>\n  cores=<num>\n  cpus=<num>\n  dies=<num>\n  maxcpus=<num>\n  sockets=<num>\n  threads=<num>\n",
    );
    const m = thrown(["-m", "1G,help"]) as CliExit;
    expect(m.exitStatus).toBe(1);
    expect(m.stdout).toBe("memory options:\n  maxmem=<size>\n  size=<size>\n  slots=<num>\n");
    const rtc = thrown(["-rtc", "help"]) as CliExit;
    expect(rtc.stdout).toBe("rtc options:\n  base=<str>\n  clock=<str>\n  driftfix=<str>\n");
    expect(rtc.exitStatus).toBe(1);
  });

  it("-accel help lists the accelerators", () => {
    const e = thrown(["-accel", "help"]) as CliExit;
    expect(e.stdout).toBe("Accelerators supported in QEMU binary:\ntcg\nkvm\n");
    expect(e.exitStatus).toBe(0);
  });

  it("help that needs the type registry is handed to the caller", () => {
    expect(thrown(["-M", "pc,accel=kvm", "-machine", "help"])).toMatchObject({ topic: "machine", arg: "pc" });
    expect(thrown(["-machine", "help"])).toMatchObject({ topic: "machine", arg: undefined });
    expect(thrown(["-object", "help"])).toMatchObject({ topic: "object", arg: undefined });
    expect(thrown(["-object", "memory-backend-ram,help"])).toMatchObject({ topic: "object", arg: "memory-backend-ram" });
    expect(thrown(["-display", "help"])).toBeInstanceOf(CliHelpRequest);
    // -cpu help and -device help are QEMU's deferred help: the loop finishes first.
    expect(parseCommandLine(["-cpu", "help"]).cpuOption).toBe("help");
  });
});
