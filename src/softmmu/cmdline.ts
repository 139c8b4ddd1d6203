/**
 * parseCommandLine(): qemu-system-x86_64's option loop (softmmu/vl.c qemu_init), turning argv into
 * a CommandLine. It does what QEMU does while walking argv and right after (the checks of
 * qemu_validate_options and the -m merge of parse_memory_options); everything that needs machine,
 * device, CPU or object types is left to the caller, which gets the strings.
 *
 * Like QEMU it walks argv twice: the first pass only looks options up, so an unknown option or a
 * missing argument anywhere is reported before anything else.
 */
import type { JsonObject, JsonValue } from "../qobject/json-value.js";
import { isHelpOption, qemuStrtoi64 } from "../util/cutils.js";
import { QemuError, type WarningSink } from "../util/error.js";
import { cloneKeyval, keyvalMerge, keyvalParse, keyvalParseInto, newKeyvalDict } from "../util/keyval.js";
import type { OptionGroupRegistry } from "../util/qemu-config.js";
import { type QemuOpts, QemuOptsList, qemuOptsParseNoisily } from "../util/qemu-option.js";
import { SilentCompatFailure, chrParseCompat } from "./chardev-compat.js";
import { CliError, CliExit, CliHelpRequest } from "./cli-error.js";
import { CliWarnings } from "./cli-warnings.js";
import type { CliLocation, CommandLine, QapiOption } from "./cmdline-types.js";
import { checkCompatPolicy } from "./compat-policy.js";
import { checkDisplayOptions } from "./display-options.js";
import { helpText } from "./help-text.js";
import { createQemuOptionGroups } from "./option-groups.js";
import { type QemuOptionDef, findQemuOption } from "./qemu-options-table.js";
import { versionText } from "../qemu-version.js";
import { parseUuid, SmbiosConfig } from "../hw/smbios/smbios-config.js";
import { smbiosEntryAdd } from "../hw/smbios/smbios-options.js";

export interface ParseOptions {
  /** The accelerators this binary has, for "-accel help" (QEMU 7.2 on x86: tcg, kvm). */
  accelerators?: readonly string[];
  /**
   * Parses the JSON forms of -object/-device/-blockdev/-netdev/-audiodev/-display/-compat.
   * Throw a QemuError with QEMU's text ("JSON parse error, ..."). Defaults to JSON.parse.
   */
  parseJson?: (text: string) => JsonValue;
  /**
   * Called for each -object while the loop runs, where QEMU visits ObjectOptions (so an unknown
   * qom-type is reported at once, with the option's location). Throw a QemuError to reject.
   */
  checkObject?: (object: import("./cmdline-types.js").ObjectOption) => void;
}

/** QEMU's MAX_OPTION_ROMS. */
const MAX_OPTION_ROMS = 16;

/** QEMU's BlockInterfaceType names, as drive_add() writes them into "if". */
type DriveInterface = "floppy" | "pflash" | "mtd" | "sd";

function defaultParseJson(text: string): JsonValue {
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new QemuError(`JSON parse error, ${e instanceof Error ? e.message : String(e)}`);
  }
}

/** lookup_opt(): the option at argv[i] and its argument, or the QEMU error for it. */
interface LookedUp {
  def: QemuOptionDef;
  arg: string | undefined;
  loc: CliLocation;
  next: number;
}

function lookupOpt(argv: readonly string[], i: number, prog: string): LookedUp {
  const word = argv[i]!;
  // "--foo" is "-foo".
  const name = word[1] === "-" ? word.slice(2) : word.slice(1);
  const def = findQemuOption(name);
  if (!def) throw CliError.at(prog, word, "invalid option");
  if (!def.hasArg) return { def, arg: undefined, loc: word, next: i + 1 };
  if (i + 1 >= argv.length) throw CliError.at(prog, word, "requires an argument");
  const arg = argv[i + 1]!;
  return { def, arg, loc: `${word} ${arg}`, next: i + 2 };
}

/**
 * Parse `argv` (without the program name) the way qemu-system-x86_64 7.2 does.
 * Throws CliError (exit 1), CliExit (-h, -version, "-smp help", ...) or CliHelpRequest.
 */
export function parseCommandLine(argv: readonly string[], prog = "qemu-system-x86_64", options: ParseOptions = {}): CommandLine {
  const parser = new Parser(prog, options);
  try {
    return parser.run(argv);
  } catch (e) {
    if (e instanceof CliError || e instanceof CliExit || e instanceof CliHelpRequest) {
      e.warnings = [...parser.warnings.lines, ...e.warnings];
    }
    throw e;
  }
}

class Parser {
  readonly warnings: CliWarnings;
  readonly groups: OptionGroupRegistry = createQemuOptionGroups();
  readonly cmd: CommandLine;
  private monitorDeviceIndex = 0;
  private readonly parseJson: (text: string) => JsonValue;

  constructor(
    private readonly prog: string,
    private readonly options: ParseOptions,
  ) {
    this.warnings = new CliWarnings(prog);
    this.parseJson = options.parseJson ?? defaultParseJson;
    this.cmd = {
      prog,
      groups: this.groups,
      machineOpts: newKeyvalDict(),
      objects: [],
      jsonDevices: [],
      blockdevs: [],
      modernNetdevs: [],
      audiodevs: [],
      soundhw: [],
      compatPolicy: {},
      deviceConfigs: [],
      cpuOption: undefined,
      display: { type: "default" },
      nographic: false,
      vgaModel: undefined,
      hasDefaults: true,
      defaults: { serial: true, parallel: true, monitor: true, floppy: true, cdrom: true, sdcard: true, vga: true, net: true },
      autostart: true,
      daemonize: false,
      pidFile: undefined,
      userConfig: true,
      snapshot: false,
      preconfig: false,
      incoming: undefined,
      loadvm: undefined,
      onlyMigratable: false,
      uuid: undefined,
      smbios: new SmbiosConfig(),
      memPath: undefined,
      memPrealloc: false,
      logMask: undefined,
      logFile: undefined,
      logFilter: undefined,
      seed: undefined,
      dataDirs: [],
      listDataDirs: false,
      keyboardLayout: undefined,
      graphicRotate: 0,
      fullScreen: false,
      noFdBootchk: false,
      win2kHack: false,
      singlestep: false,
      optionRoms: [],
      escapeChar: undefined,
      qtestChrdev: undefined,
      qtestLog: undefined,
      dumpVmstate: undefined,
      runas: undefined,
      chroot: undefined,
      asyncTeardown: false,
      syncProfile: false,
      displayRemote: 0,
      readConfigFiles: [],
      diskImages: [],
      stdout: [],
      warnings: this.warnings.lines,
    };
  }

  run(argv: readonly string[]): CommandLine {
    // First pass: every option must exist and have its argument.
    for (let i = 0; i < argv.length; ) {
      if (!argv[i]!.startsWith("-")) {
        i++;
        continue;
      }
      const o = lookupOpt(argv, i, this.prog);
      if (o.def.id === "nouserconfig") this.cmd.userConfig = false;
      i = o.next;
    }
    // Second pass: act on each option.
    for (let i = 0; i < argv.length; ) {
      const word = argv[i]!;
      if (!word.startsWith("-")) {
        this.cmd.diskImages.push(word);
        this.guard(word, () => this.driveAdd(undefined, 0, word, "media=disk", word));
        i++;
        continue;
      }
      const o = lookupOpt(argv, i, this.prog);
      i = o.next;
      if (!o.def.x86) throw CliError.at(this.prog, o.loc, "Option not supported for this target");
      this.guard(o.loc, () => this.handle(o.def.id, o.arg, o.loc));
    }
    this.afterLoop();
    return this.cmd;
  }

  /** Run `fn`, turning a QemuError into QEMU's located error report. */
  private guard(loc: CliLocation | undefined, fn: () => void): void {
    try {
      fn();
    } catch (e) {
      if (e instanceof QemuError) throw CliError.at(this.prog, loc, e);
      throw e;
    }
  }

  private warn(loc: CliLocation | undefined): WarningSink {
    return this.warnings.at(loc);
  }

  private list(name: string): QemuOptsList {
    return this.groups.find(name);
  }

  /**
   * qemu_opts_parse_noisily() and the usual "if (!opts) exit(1)": a help word prints the
   * group's options and exits with status 1, like QEMU.
   */
  private noisily(group: string, arg: string, permitAbbrev: boolean, loc: CliLocation): QemuOpts {
    const list = this.list(group);
    const r = qemuOptsParseNoisily(list, arg, permitAbbrev, this.warn(loc), loc);
    if (r.help) throw new CliExit(list.helpText(true), 1);
    return r.opts;
  }

  /** qobject_input_visitor_new_str(): JSON when it starts with '{', else keyval without help. */
  private qapiArgs(arg: string, impliedKey: string | undefined, loc: CliLocation): QapiOption {
    if (arg.startsWith("{")) {
      const v = this.parseJson(arg);
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw new QemuError("Invalid parameter type for 'null', expected: object");
      }
      return { args: v, json: true, loc };
    }
    return { args: keyvalParse(arg, impliedKey, false).dict, json: false, loc };
  }

  /** drive_add(): a -drive QemuOpts from the legacy disk options. */
  private driveAdd(iface: DriveInterface | undefined, index: number, file: string, optstr: string, loc: CliLocation): void {
    const opts = this.noisily("drive", optstr, false, loc);
    if (iface !== undefined) opts.set("if", iface);
    if (index >= 0) opts.setNumber("index", index);
    opts.set("file", file);
  }

  /** machine_parse_property_opt(): -smp / -boot go into the machine options as keyval. */
  private machineProperty(group: string, propname: string, arg: string): void {
    const list = this.list(group);
    const r = keyvalParse(arg, list.impliedOptName);
    if (r.help) throw new CliExit(list.helpText(true), 0);
    const wrap = newKeyvalDict();
    wrap[propname] = r.dict;
    keyvalMerge(this.cmd.machineOpts, wrap);
  }

  /** monitor_parse(): -monitor/-qmp/-qmp-pretty become a chardev plus a "mon" entry. */
  private monitorParse(arg: string, mode: "readline" | "control", pretty: boolean, loc: CliLocation): void {
    let label: string;
    if (arg.startsWith("chardev:")) {
      label = arg.slice("chardev:".length).slice(0, 31);
    } else {
      label = `compat_monitor${this.monitorDeviceIndex}`.slice(0, 31);
      try {
        chrParseCompat(this.list("chardev"), label, arg, true, loc);
      } catch (e) {
        if (!(e instanceof QemuError)) throw e;
        // QEMU reports the cause (if it has one), then its own "parse error".
        if (!(e instanceof SilentCompatFailure)) {
          this.warnings.report(loc, e.message);
          if (e.hint) this.warn(loc).print(e.hint);
        }
        throw new QemuError(`parse error: ${arg}`);
      }
    }
    const opts = this.list("mon").create(label, true, loc);
    opts.set("mode", mode);
    opts.set("chardev", label);
    if (mode === "control") opts.setBool("pretty", pretty);
    this.monitorDeviceIndex++;
  }

  private addDeviceConfig(type: CommandLine["deviceConfigs"][number]["type"], cmdline: string, loc: CliLocation): void {
    this.cmd.deviceConfigs.push({ type, cmdline, loc });
  }

  private handle(id: string, argIn: string | undefined, loc: CliLocation): void {
    const cmd = this.cmd;
    const arg = argIn ?? "";
    const mo = cmd.machineOpts;
    switch (id) {
      case "cpu":
        cmd.cpuOption = arg;
        return;
      case "hda":
      case "hdb":
      case "hdc":
      case "hdd":
        this.driveAdd(undefined, "abcd".indexOf(id[2]!), arg, "media=disk", loc);
        return;
      case "cdrom":
        this.driveAdd(undefined, 2, arg, "media=cdrom", loc);
        return;
      case "fda":
      case "fdb":
        this.driveAdd("floppy", id === "fda" ? 0 : 1, arg, "", loc);
        return;
      case "mtdblock":
        this.driveAdd("mtd", -1, arg, "", loc);
        return;
      case "sd":
        this.driveAdd("sd", -1, arg, "", loc);
        return;
      case "pflash":
        this.driveAdd("pflash", -1, arg, "", loc);
        return;
      case "blockdev":
        cmd.blockdevs.push(this.qapiArgs(arg, "driver", loc));
        return;
      case "drive":
        this.noisily("drive", arg, false, loc);
        return;
      case "set":
        this.setOption(arg);
        return;
      case "global":
        this.globalOption(arg, loc);
        return;
      case "snapshot":
        cmd.snapshot = true;
        return;
      case "numa":
        this.noisily("numa", arg, true, loc);
        return;
      case "display":
        this.parseDisplay(arg, loc);
        return;
      case "nographic":
        mo["graphics"] = "off";
        cmd.nographic = true;
        cmd.display = { ...cmd.display, type: "none" };
        return;
      case "portrait":
        cmd.graphicRotate = 90;
        return;
      case "rotate": {
        const r = qemuStrtoi64(arg, 10, false);
        const deg = r.end > 0 ? Number(BigInt.asIntN(32, r.value)) : 0;
        if (![0, 90, 180, 270].includes(deg)) {
          throw new QemuError("only 90, 180, 270 deg rotation is available");
        }
        cmd.graphicRotate = deg;
        return;
      }
      case "kernel":
        mo["kernel"] = arg;
        return;
      case "initrd":
        mo["initrd"] = arg;
        return;
      case "append":
        mo["append"] = arg;
        return;
      case "dtb":
        mo["dtb"] = arg;
        return;
      case "boot":
        this.machineProperty("boot-opts", "boot", arg);
        return;
      case "no_fd_bootchk":
        cmd.noFdBootchk = true;
        return;
      case "netdev":
        cmd.defaults.net = false;
        if (this.netdevIsModern(arg)) {
          cmd.modernNetdevs.push(this.qapiArgs(arg, "type", loc));
        } else {
          this.noisily("netdev", arg, true, loc);
        }
        return;
      case "nic":
      case "net":
        cmd.defaults.net = false;
        this.noisily(id, arg, true, loc);
        return;
      case "iscsi":
        this.noisily("iscsi", arg, false, loc);
        return;
      case "audio_help":
        throw new CliHelpRequest("audio");
      case "audiodev":
        if (isHelpOption(arg)) throw new CliHelpRequest("audio");
        cmd.audiodevs.push(this.checkAudiodev(this.qapiArgs(arg, "driver", loc)));
        return;
      case "audio":
        this.parseAudio(arg, loc);
        return;
      case "h":
        throw new CliExit(helpText(this.prog), 0);
      case "version":
        throw new CliExit(versionText(), 0);
      case "m":
        this.noisily("memory", arg, true, loc);
        return;
      case "tpmdev":
        this.noisily("tpmdev", arg, true, loc);
        return;
      case "mempath":
        cmd.memPath = arg;
        return;
      case "mem_prealloc":
        cmd.memPrealloc = true;
        return;
      case "d":
        cmd.logMask = arg;
        return;
      case "D":
        cmd.logFile = arg;
        return;
      case "DFILTER":
        cmd.logFilter = arg;
        return;
      case "seed":
        cmd.seed = arg;
        return;
      case "s":
        this.addDeviceConfig("gdb", "tcp::1234", loc);
        return;
      case "gdb":
        this.addDeviceConfig("gdb", arg, loc);
        return;
      case "L":
        if (isHelpOption(arg)) cmd.listDataDirs = true;
        else cmd.dataDirs.push(arg);
        return;
      case "bios":
        mo["firmware"] = arg;
        return;
      case "singlestep":
        cmd.singlestep = true;
        return;
      case "S":
        cmd.autostart = false;
        return;
      case "k":
        cmd.keyboardLayout = arg;
        return;
      case "vga":
        cmd.vgaModel = arg;
        cmd.defaults.vga = false;
        return;
      case "echr": {
        // strtol(): a partial number is fine; no number at all is only remarked upon.
        const r = qemuStrtoi64(arg, 0, false);
        if (r.end === 0) cmd.stdout.push("Bad argument to echr");
        cmd.escapeChar = r.end > 0 ? Number(BigInt.asIntN(32, r.value)) : 0;
        return;
      }
      case "monitor":
        cmd.defaults.monitor = false;
        if (!arg.startsWith("none")) this.monitorParse(arg, "readline", false, loc);
        return;
      case "qmp":
        this.monitorParse(arg, "control", false, loc);
        cmd.defaults.monitor = false;
        return;
      case "qmp_pretty":
        this.monitorParse(arg, "control", true, loc);
        cmd.defaults.monitor = false;
        return;
      case "mon":
        this.noisily("mon", arg, true, loc);
        cmd.defaults.monitor = false;
        return;
      case "chardev":
        this.noisily("chardev", arg, true, loc);
        return;
      case "fsdev":
        this.noisily("fsdev", arg, true, loc);
        return;
      case "virtfs":
        this.parseVirtfs(arg, loc);
        return;
      case "serial":
        this.addDeviceConfig("serial", arg, loc);
        cmd.defaults.serial = false;
        if (arg.startsWith("mon:")) cmd.defaults.monitor = false;
        return;
      case "parallel":
        this.addDeviceConfig("parallel", arg, loc);
        cmd.defaults.parallel = false;
        if (arg.startsWith("mon:")) cmd.defaults.monitor = false;
        return;
      case "action":
        this.noisily("action", arg, false, loc);
        return;
      case "watchdog_action":
        this.list("action").create(undefined, false, loc).set("watchdog", arg);
        return;
      case "debugcon":
        this.addDeviceConfig("debugcon", arg, loc);
        return;
      case "loadvm":
        cmd.loadvm = arg;
        return;
      case "full_screen":
        cmd.fullScreen = true;
        cmd.display = { ...cmd.display, "full-screen": true };
        return;
      case "pidfile":
        cmd.pidFile = arg;
        return;
      case "win2k_hack":
        cmd.win2kHack = true;
        return;
      case "acpitable":
        this.noisily("acpi", arg, true, loc);
        return;
      case "smbios": {
        // QEMU's smbios_entry_add runs right away, so its errors carry this option's location.
        smbiosEntryAdd(cmd.smbios, this.noisily("smbios", arg, false, loc));
        const uuid = cmd.smbios.uuid;
        if (uuid) cmd.uuid = Buffer.from(uuid).toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
        return;
      }
      case "fwcfg":
        this.noisily("fw_cfg", arg, true, loc);
        return;
      case "preconfig":
        cmd.preconfig = true;
        return;
      case "enable_kvm":
        mo["accel"] = "kvm";
        return;
      case "M":
      case "machine": {
        const r = keyvalParseInto(mo, arg, "type");
        if (r.help) {
          const type = mo["type"];
          throw new CliHelpRequest("machine", typeof type === "string" ? type : undefined);
        }
        return;
      }
      case "accel":
        this.parseAccel(arg, loc);
        return;
      case "usb":
        mo["usb"] = "on";
        return;
      case "usbdevice":
        mo["usb"] = "on";
        this.addDeviceConfig("usb", arg, loc);
        return;
      case "device":
        if (arg.startsWith("{")) {
          const v = this.parseJson(arg);
          if (typeof v !== "object" || v === null || Array.isArray(v)) {
            throw new QemuError("Invalid parameter type for 'null', expected: object");
          }
          cmd.jsonDevices.push({ opts: v, loc });
        } else {
          this.noisily("device", arg, true, loc);
        }
        return;
      case "smp":
        this.machineProperty("smp-opts", "smp", arg);
        return;
      case "vnc":
        this.vncParse(arg, loc);
        return;
      case "no_acpi":
        mo["acpi"] = "off";
        return;
      case "no_hpet":
        mo["hpet"] = "off";
        return;
      case "no_reboot":
        this.noisily("action", "reboot=shutdown", false, loc);
        return;
      case "no_shutdown":
        this.noisily("action", "shutdown=pause", false, loc);
        return;
      case "uuid":
        if (!uuidIsValid(arg)) throw new QemuError("failed to parse UUID string: wrong format");
        cmd.uuid = arg.toLowerCase();
        // -uuid and -smbios type=1,uuid= set the same UUID; the last one given wins.
        cmd.smbios.uuid = parseUuid(arg);
        return;
      case "option_rom": {
        if (cmd.optionRoms.length >= MAX_OPTION_ROMS) throw new QemuError("too many option ROMs");
        const opts = this.noisily("option-rom", arg, true, loc);
        const romfile = opts.get("romfile");
        const bootindex = opts.getNumber("bootindex", -1n);
        if (romfile === undefined) throw new QemuError("Option ROM file is not specified");
        cmd.optionRoms.push({ romfile, bootindex: bootindex === 0xffffffffffffffffn ? -1n : bootindex });
        return;
      }
      case "name":
        this.noisily("name", arg, true, loc);
        return;
      case "rtc":
        this.noisily("rtc", arg, false, loc);
        return;
      case "icount":
        this.noisily("icount", arg, true, loc);
        return;
      case "incoming":
        cmd.incoming = arg;
        return;
      case "only_migratable":
        cmd.onlyMigratable = true;
        return;
      case "nodefaults":
        cmd.hasDefaults = false;
        return;
      case "xen_domid":
      case "xen_attach":
      case "xen_domid_restrict":
        // No Xen accelerator in this binary.
        throw new QemuError("Option not supported for this target");
      case "trace":
        this.noisily("trace", arg, true, loc);
        return;
      case "plugin":
        this.noisily("plugin", arg, true, loc);
        return;
      case "readconfig":
        cmd.readConfigFiles.push(arg);
        return;
      case "spice":
        this.noisily("spice", arg, false, loc);
        cmd.displayRemote++;
        return;
      case "qtest":
        cmd.qtestChrdev = arg;
        return;
      case "qtest_log":
        cmd.qtestLog = arg;
        return;
      case "sandbox":
        this.noisily("sandbox", arg, true, loc);
        return;
      case "add_fd":
        this.noisily("add-fd", arg, false, loc);
        return;
      case "object":
        this.objectOptionParse(arg, loc);
        return;
      case "overcommit":
        this.noisily("overcommit", arg, false, loc);
        return;
      case "compat": {
        const q = this.qapiArgs(arg, undefined, loc);
        Object.assign(cmd.compatPolicy, checkCompatPolicy(q.args));
        return;
      }
      case "msg":
        this.noisily("msg", arg, false, loc);
        return;
      case "dump_vmstate":
        if (cmd.dumpVmstate !== undefined) throw new QemuError("only one '-dump-vmstate' option may be given");
        cmd.dumpVmstate = arg;
        return;
      case "enable_sync_profile":
        cmd.syncProfile = true;
        return;
      case "nouserconfig":
        return;
      case "runas":
        cmd.runas = arg;
        return;
      case "chroot":
        cmd.chroot = arg;
        return;
      case "daemonize":
        cmd.daemonize = true;
        return;
      case "asyncteardown":
        cmd.asyncTeardown = true;
        return;
      default:
        throw new QemuError("Option not supported in this build");
    }
  }

  /** qemu_set_option(): -set group.id.arg=value on an existing QemuOpts. */
  private setOption(str: string): void {
    const m = /^([^.]{1,63})\.([^.]{1,63})\.([^=]{1,63})/.exec(str);
    if (!m || str[m[0].length] !== "=") throw new QemuError(`can't parse: "${str}"`);
    const [, group, id, name] = m as unknown as [string, string, string, string];
    if (group === "object" || group === "machine" || group === "smp-opts" || group === "boot-opts") {
      throw new QemuError(`-set is not supported with ${group}`);
    }
    const list = this.groups.find(group);
    const opts = list.find(id);
    if (!opts) throw new QemuError(`there is no ${group} "${id}" defined`);
    opts.set(name, str.slice(m[0].length + 1));
  }

  /** qemu_global_option(): "driver.prop=value" or driver=,property=,value=. */
  private globalOption(str: string, loc: CliLocation): void {
    const m = /^([^.=]{1,63})\.([^=]{1,63})/.exec(str);
    if (m && str[m[0].length] === "=") {
      const opts = this.list("global").create(undefined, false, loc);
      opts.set("driver", m[1]!);
      opts.set("property", m[2]!);
      opts.set("value", str.slice(m[0].length + 1));
      return;
    }
    const opts = this.noisily("global", str, false, loc);
    if (opts.get("driver") === undefined || opts.get("property") === undefined || opts.get("value") === undefined) {
      throw new QemuError("options 'driver', 'property', and 'value' are required");
    }
  }

  /** parse_display(): "help", "vnc=<display>" or a DisplayOptions. */
  private parseDisplay(p: string, loc: CliLocation): void {
    if (isHelpOption(p)) throw new CliHelpRequest("display");
    if (p.startsWith("vnc")) {
      const rest = p.slice(3);
      if (rest.startsWith("=")) {
        this.vncParse(rest.slice(1), loc);
        return;
      }
      throw new QemuError("VNC requires a display argument vnc=<display>");
    }
    const q = this.qapiArgs(p, "type", loc);
    this.cmd.display = checkDisplayOptions(q.args);
  }

  /** vnc_parse(): a "vnc" QemuOpts, id "default" (then vnc2, vnc3, ...) unless given. */
  private vncParse(str: string, loc: CliLocation): void {
    const list = this.list("vnc");
    const opts = this.noisily("vnc", str, !isHelpOption(str), loc);
    if (opts.id === undefined) {
      let id = "default";
      for (let i = 2; list.find(id); i++) id = `vnc${i}`;
      opts.id = id;
    }
  }

  /** netdev_is_modern(): JSON, or a type of "stream" or "dgram". */
  private netdevIsModern(arg: string): boolean {
    if (arg.startsWith("{")) return true;
    let type: string | undefined;
    // The implied first value, then the last type= (QemuOpts semantics, ",," escapes).
    const scratch = newScratchList();
    const r = qemuOptsParseNoisily(scratch, arg, true, { warn() {}, print() {} });
    if (!r.help) type = r.opts.get("type");
    return type === "stream" || type === "dgram";
  }

  /** -accel: "help" (or no accel= at all) lists the accelerators and exits. */
  private parseAccel(arg: string, loc: CliLocation): void {
    let accel: string | undefined;
    let stderr = "";
    try {
      const opts = this.noisily("accel", arg, true, loc);
      accel = opts.get("accel");
    } catch (e) {
      // QEMU reports the error, then finds no accel= and prints the list anyway.
      if (!(e instanceof QemuError)) throw e;
      stderr = CliError.at(this.prog, loc, e).message;
    }
    if (accel === undefined || isHelpOption(accel)) {
      const names = this.options.accelerators ?? ["tcg", "kvm"];
      throw new CliExit(`Accelerators supported in QEMU binary:\n${names.map((n) => `${n}\n`).join("")}`, 0, stderr);
    }
  }

  /** object_option_parse(): JSON or key=value; "help" asks for the type list or properties. */
  private objectOptionParse(arg: string, loc: CliLocation): void {
    let object: import("./cmdline-types.js").ObjectOption;
    if (arg.startsWith("{")) {
      const v = this.parseJson(arg);
      if (typeof v !== "object" || v === null || Array.isArray(v)) {
        throw new QemuError("Invalid parameter type for 'null', expected: object");
      }
      const qomType = v["qom-type"];
      if (qomType === undefined) throw new QemuError("Parameter 'qom-type' is missing");
      if (typeof qomType !== "string") throw new QemuError("Invalid parameter type for 'qom-type', expected: string");
      const id = v["id"];
      if (id === undefined) throw new QemuError("Parameter 'id' is missing");
      if (typeof id !== "string") throw new QemuError("Invalid parameter type for 'id', expected: string");
      const props = newKeyvalDict();
      for (const k of Object.keys(v)) if (k !== "qom-type" && k !== "id") props[k] = cloneKeyval(v[k]!);
      object = { qomType, id, props, json: true, loc };
    } else {
      const opts = this.noisily("object", arg, true, loc);
      const qomType = opts.get("qom-type");
      if (qomType === undefined) throw new QemuError("Parameter 'qom-type' is missing");
      if (isHelpOption(qomType)) throw new CliHelpRequest("object");
      if (opts.hasHelpOpt()) throw new CliHelpRequest("object", qomType);
      const props = newKeyvalDict();
      for (const [k, v] of opts.entries()) if (k !== "qom-type") props[k] = v;
      object = { qomType, id: opts.id, props, json: false, loc };
    }
    this.options.checkObject?.(object);
    this.cmd.objects.push(object);
  }

  /** The members of Audiodev QEMU checks first: id, then driver. */
  private checkAudiodev(q: QapiOption): QapiOption {
    if (!Object.hasOwn(q.args, "id")) throw new QemuError("Parameter 'id' is missing");
    if (!Object.hasOwn(q.args, "driver")) throw new QemuError("Parameter 'driver' is missing");
    return q;
  }

  /** -audio [driver=]DRV,model=M[,...]: an audiodev (id audiodev0 by default) plus a sound card. */
  private parseAudio(arg: string, loc: CliLocation): void {
    const r = keyvalParse(arg, "driver");
    const driver = r.dict["driver"];
    if (r.help || (typeof driver === "string" && isHelpOption(driver))) throw new CliHelpRequest("audio");
    if (!Object.hasOwn(r.dict, "id")) r.dict["id"] = "audiodev0";
    const model = r.dict["model"];
    if (model === undefined) throw new QemuError("Parameter 'model' is missing");
    if (typeof model !== "string") throw new QemuError("Invalid parameter type for 'model', expected: string");
    delete r.dict["model"];
    if (isHelpOption(model)) throw new CliHelpRequest("audio-model");
    const q = this.checkAudiodev({ args: r.dict, json: false, loc });
    this.cmd.audiodevs.push(q);
    this.cmd.soundhw.push({ model, audiodev: String(q.args["id"]), loc });
  }

  /** -virtfs: an fsdev QemuOpts (id = id= or mount_tag) plus a virtio-9p-pci device. */
  private parseVirtfs(arg: string, loc: CliLocation): void {
    const opts = this.noisily("virtfs", arg, true, loc);
    const fsdriver = opts.get("fsdriver");
    const mountTag = opts.get("mount_tag");
    if (fsdriver === undefined || mountTag === undefined) {
      throw new QemuError("Usage: -virtfs fsdriver,mount_tag=tag");
    }
    let fsdev: QemuOpts;
    try {
      fsdev = this.list("fsdev").create(opts.id ?? mountTag, true, loc);
    } catch (e) {
      if (!(e instanceof QemuError)) throw e;
      throw new QemuError(`duplicate or invalid fsdev id: ${mountTag}`);
    }
    const writeout = opts.get("writeout");
    if (writeout !== undefined) fsdev.set("writeout", writeout);
    fsdev.set("fsdriver", fsdriver);
    for (const key of ["path", "security_model", "socket", "sock_fd"]) {
      const v = opts.get(key);
      if (v !== undefined) fsdev.set(key, v);
    }
    fsdev.setBool("readonly", opts.getBool("readonly", false));
    const multidevs = opts.get("multidevs");
    if (multidevs !== undefined) fsdev.set("multidevs", multidevs);
    const device = this.list("device").create(undefined, false, loc);
    device.set("driver", "virtio-9p-pci");
    device.set("fsdev", fsdev.id!);
    device.set("mount_tag", mountTag);
  }

  /** What qemu_init() checks right after the loop (no location any more). */
  private afterLoop(): void {
    const cmd = this.cmd;
    const mo = cmd.machineOpts;
    this.guard(undefined, () => {
      if (mo["kernel"] === undefined) {
        if (mo["append"] !== undefined) throw new QemuError("-append only allowed with -kernel option");
        if (mo["initrd"] !== undefined) throw new QemuError("-initrd only allowed with -kernel option");
      }
      if (cmd.loadvm !== undefined && cmd.preconfig) {
        throw new QemuError("'preconfig' and 'loadvm' options are mutually exclusive");
      }
      if (cmd.incoming !== undefined && cmd.preconfig && cmd.incoming !== "defer") {
        throw new QemuError("'preconfig' supports '-incoming defer' only");
      }
      if (cmd.daemonize && cmd.display.type === "curses") {
        throw new QemuError("curses display cannot be used with -daemonize");
      }
      this.parseMemoryOptions();
    });
  }

  /**
   * parse_memory_options(): -m becomes machine property "memory" {size, max-size, slots}. A size
   * that ends in a digit is in MiB, so "2048" is passed on as "2048M".
   */
  private parseMemoryOptions(): void {
    const opts = this.list("memory").find(undefined);
    if (!opts) return;
    const prop = newKeyvalDict();
    const size = opts.get("size");
    if (size !== undefined && opts.getSize("size", 0n) !== 0n) {
      prop["size"] = /[0-9]$/.test(size) ? `${size}M` : size;
    }
    const maxmem = opts.get("maxmem");
    if (maxmem !== undefined) prop["max-size"] = maxmem;
    const slots = opts.get("slots");
    if (slots !== undefined) prop["slots"] = slots;
    const dict: JsonObject = newKeyvalDict();
    dict["memory"] = prop;
    try {
      keyvalMerge(this.cmd.machineOpts, dict);
    } catch (e) {
      if (e instanceof QemuError) throw CliError.at(this.prog, opts.loc, e);
      throw e;
    }
  }
}

/** A throwaway "netdev"-like list (netdev_is_modern's dummy_opts). */
function newScratchList(): QemuOptsList {
  return new QemuOptsList({ name: "netdev", impliedOptName: "type", desc: [] });
}

/** qemu_uuid_is_valid(): 8-4-4-4-12 hex digits. */
function uuidIsValid(s: string): boolean {
  return /^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$/.test(s);
}
