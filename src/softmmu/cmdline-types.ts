/**
 * The result of parsing a qemu-system-x86_64 command line: what qemu_init()'s option loop leaves
 * behind in QEMU (option groups, the machine options dict, the object/device queues and the
 * scalar settings), before any machine, device or backend exists.
 */
import type { JsonObject } from "../qobject/json-value.js";
import type { OptionGroupRegistry } from "../util/qemu-config.js";
import type { QemuOpts } from "../util/qemu-option.js";
import type { DisplayOptions } from "./display-options.js";
import type { SmbiosConfig } from "../hw/smbios/smbios-config.js";

/** The command-line words an entry came from, e.g. "-object memory-backend-ram,id=m,size=1G". */
export type CliLocation = string;

/** One -object, in command-line order (QEMU's object_opts queue). */
export interface ObjectOption {
  qomType: string;
  id: string | undefined;
  /**
   * The other properties. From key=value syntax: strings, in order, last setting of a key wins.
   * From JSON syntax ("-object {...}"): the JSON values as given.
   */
  props: JsonObject;
  /** True for the JSON form (typed values), false for key=value (string values). */
  json: boolean;
  loc: CliLocation;
}

/** -device {JSON}: kept apart from the "device" QemuOpts, as in QEMU (device_opts queue). */
export interface JsonDeviceOption {
  opts: JsonObject;
  loc: CliLocation;
}

/** A QAPI-visited option kept as its keyval/JSON tree (-blockdev, modern -netdev, -audiodev, ...). */
export interface QapiOption {
  args: JsonObject;
  json: boolean;
  loc: CliLocation;
}

/** QEMU's device_configs list: legacy device strings resolved after the machine exists. */
export interface DeviceConfig {
  type: "usb" | "serial" | "parallel" | "debugcon" | "gdb";
  cmdline: string;
  loc: CliLocation;
}

/** The default_* flags of vl.c as the option loop leaves them (before -nodefaults/machine). */
export interface DefaultDeviceFlags {
  serial: boolean;
  parallel: boolean;
  monitor: boolean;
  floppy: boolean;
  cdrom: boolean;
  sdcard: boolean;
  vga: boolean;
  net: boolean;
}

export interface CommandLine {
  /** The program name used in messages ("qemu-system-x86_64" or "qomd"). */
  prog: string;
  /**
   * Every QemuOpts group, filled as QEMU fills them: drive (incl. -hda/-cdrom/-fda/bare image
   * translations), chardev (incl. compat_monitorN from -qmp/-monitor), device, netdev (legacy
   * types), nic, net, rtc, global, mon, trace, plugin, option-rom, accel, memory, smp-opts (unused:
   * -smp goes to machineOpts), boot-opts (likewise), add-fd, object, tpmdev, overcommit, msg,
   * name, numa, icount, fw_cfg, action (incl. -no-reboot/-no-shutdown/-watchdog-action), vnc,
   * acpi, smbios, fsdev, virtfs, sandbox, iscsi, spice. Each QemuOpts has `loc`.
   */
  groups: OptionGroupRegistry;
  /**
   * QEMU's machine_opts_dict (keyval tree, string leaves): type (from -M/-machine), accel
   * (-enable-kvm or accel=), kernel, initrd, append, dtb, firmware (-bios), usb, graphics
   * (-nographic), acpi/hpet (-no-acpi/-no-hpet), smp {cpus, sockets, ...} (-smp), boot {order,
   * once, menu, ...} (-boot), memory {size, max-size, slots} (from -m, merged as
   * parse_memory_options does; a bare -m number gets its "M" suffix here), plus any other
   * -machine property as given.
   */
  machineOpts: JsonObject;
  /** -object, in order. */
  objects: ObjectOption[];
  /** -device with JSON argument (the key=value ones are in groups "device"). */
  jsonDevices: JsonDeviceOption[];
  /** -blockdev, in order. */
  blockdevs: QapiOption[];
  /** -netdev of type stream/dgram (QAPI syntax); the legacy types are in groups "netdev". */
  modernNetdevs: QapiOption[];
  /** -audiodev, in order; -audio adds one too (id defaults to "audiodev0"). */
  audiodevs: QapiOption[];
  /** -audio model=M: the sound card model and its audiodev id. */
  soundhw: Array<{ model: string; audiodev: string; loc: CliLocation }>;
  /** -compat (checked CompatPolicy members, strings). */
  compatPolicy: Record<string, string>;
  deviceConfigs: DeviceConfig[];
  /** -cpu argument as given ("SandyBridge,+erms,..."); "help"/"?" means list CPUs. */
  cpuOption: string | undefined;
  /** The display as -display/-nographic left it; type "default" when not given. */
  display: DisplayOptions;
  nographic: boolean;
  /** -vga argument (undefined: machine default). */
  vgaModel: string | undefined;
  /** -nodefaults clears this. */
  hasDefaults: boolean;
  defaults: DefaultDeviceFlags;
  /** false with -S. */
  autostart: boolean;
  daemonize: boolean;
  pidFile: string | undefined;
  /** -no-user-config */
  userConfig: boolean;
  snapshot: boolean;
  preconfig: boolean;
  incoming: string | undefined;
  loadvm: string | undefined;
  onlyMigratable: boolean;
  /** -uuid, lower-cased canonical text; undefined when not given. */
  uuid: string | undefined;
  /** -smbios settings (and the UUID), as smbios_entry_add recorded them. */
  smbios: SmbiosConfig;
  memPath: string | undefined;
  memPrealloc: boolean;
  /** -d / -D / -dfilter / -seed as given. */
  logMask: string | undefined;
  logFile: string | undefined;
  logFilter: string | undefined;
  seed: string | undefined;
  /** -L directories in order; listDataDirs for "-L help". */
  dataDirs: string[];
  listDataDirs: boolean;
  keyboardLayout: string | undefined;
  /** -rotate/-portrait */
  graphicRotate: number;
  fullScreen: boolean;
  noFdBootchk: boolean;
  win2kHack: boolean;
  singlestep: boolean;
  /** Each -option-rom: file and bootindex (-1 when not given). */
  optionRoms: Array<{ romfile: string; bootindex: bigint }>;
  /** -echr value, when it parsed. */
  escapeChar: number | undefined;
  qtestChrdev: string | undefined;
  qtestLog: string | undefined;
  dumpVmstate: string | undefined;
  /** -runas / -chroot / -async-teardown / -enable-sync-profile as given. */
  runas: string | undefined;
  chroot: string | undefined;
  asyncTeardown: boolean;
  syncProfile: boolean;
  /** Number of -spice/-vnc style remote displays requested (QEMU's display_remote). */
  displayRemote: number;
  /** -readconfig files, in order (not read by the parser). */
  readConfigFiles: string[];
  /** Bare words and their drive QemuOpts are in groups "drive"; this lists the image names. */
  diskImages: string[];
  /** Lines already printed to stdout during parsing (QEMU's "Bad argument to echr"). */
  stdout: string[];
  /** Warnings, each line as QEMU prints it on stderr (without "\n"). */
  warnings: string[];
}

/** The QemuOpts of one group, in order (shorthand for cmd.groups.find(name).head). */
export function groupEntries(cmd: CommandLine, group: string): readonly QemuOpts[] {
  return cmd.groups.find(group).head;
}
