/**
 * Building a machine from a qemu-system-x86_64 command line, in QEMU's order (softmmu/vl.c
 * qemu_init): parse the options, register the types, select the machine class, create the
 * machine object, apply its options, pick the accelerator, create backends and -object
 * objects, the RAM backend, the board, then the -device devices. Every failure is a CliError
 * carrying QEMU's exact stderr text, and nothing half-built escapes.
 */
import { accelClassByName, AccelInitError, accelHelpText } from "../accel/accel.js";
import { userCreatableAdd } from "../qom/user-creatable.js";
import { qomInit } from "../modules.js";
import { parseJson } from "../qobject/parse-json.js";
import type { JsonObject } from "../qobject/json-value.js";
import { adoptChild } from "../qom/child.js";
import { objectNew } from "../qom/object.js";
import { objectGetRoot } from "../qom/root.js";
import { resolvePathType } from "../qom/path.js";
import type { TypeRegistry } from "../qom/type.js";
import { KeyvalInputVisitor } from "../qom/visitor.js";
import { QemuError } from "../util/error.js";
import { keyvalParse } from "../util/keyval.js";
import { qemuOptsParse } from "../util/qemu-option.js";
import { qemuStrtoi64 } from "../util/cutils.js";
import { QemuClocks, setQemuClocks } from "../util/qemu-timer.js";
import type { MachineClass, MachineState } from "../hw/core/machine.js";
import { TYPE_MEMORY_BACKEND } from "../hw/core/machine.js";
import { findDefaultMachine, findMachine, machineHelpText } from "../hw/core/machine-select.js";
import { qdevContext } from "../hw/core/qdev.js";
import { qdevAddGlobal, qdevPropCheckGlobals } from "../hw/core/qdev-globals.js";
import { sysbusGetDefault } from "../hw/core/sysbus.js";
import { memoryMapInit } from "../exec/memory.js";
import { x86CpuHelpText } from "../target/i386/cpu-help.js";
import { CliError, CliExit, CliHelpRequest, formatErrorReport } from "./cli-error.js";
import { CliWarnings } from "./cli-warnings.js";
import { parseCommandLine } from "./cmdline.js";
import type { CommandLine } from "./cmdline-types.js";
import { fallbackMessage, noAcceleratorError, planAccelerators } from "./accel-plan.js";
import { deviceHelpText, deviceOptionsHelpText, qdevDeviceAdd } from "./qdev-monitor.js";
import { objectHelpText, objectOptionsHelpText } from "./object-help.js";
import { ChardevHelpRequest, ChardevRegistry } from "../chardev/chardev-registry.js";
import { BlockBackendRegistry } from "../block/block-registry.js";
import { configureBlockdev, DriveHelpRequest, DriveOptionError } from "../block/drive.js";
import { NetClientRegistry, NetHelpRequest, NetOptionError, pciNicModels } from "../net/net.js";
import { TYPE_PC_MACHINE, type PCMachineState } from "../hw/i386/pc.js";
import { setBackendResolver } from "../hw/pci/qdev-backends.js";
import { pciSetRomLocator } from "../hw/pci/pci.js";
import { findFirmwareFile } from "../hw/i386/pc-firmware.js";
import { closeSync, openSync, statSync } from "node:fs";
import { strerror } from "../block/strerror.js";
import { initDisplayState, textConsoleNew } from "../ui/console.js";
import { rtcTimebaseOf } from "../hw/rtc/rtc-timebase.js";
import { configureRtc } from "./rtc-config.js";
import { TYPE_CHARDEV_VC } from "../chardev/char-vc.js";
import { parseX86CpuOption } from "../target/i386/cpu-parse.js";
import { x86CpusMachineDone } from "../hw/i386/x86-cpu.js";
import { configureVgaInterface, vgaCommandLineOf, VgaHelpRequest, vgaUnusedWarning } from "../hw/display/vga-interface.js";
import { machineOptionsHelpText } from "./machine-help.js";
import { qemuRunMachineInitDoneNotifiers } from "../hw/core/machine-done.js";
import { setSmbiosConfig } from "../hw/smbios/smbios-config.js";

export type RunState = "prelaunch" | "running" | "paused" | "shutdown" | "internal-error" | "guest-panicked";

export interface MachineInstance {
  registry: TypeRegistry;
  machine: MachineState;
  cmdline: CommandLine;
  /** -name guest=NAME (or the bare name). */
  name: string | undefined;
  uuid: string;
  accel: string;
  runState: RunState;
  /** Everything QEMU would have printed on stderr while building (warnings), in order. */
  warnings: string[];
  chardevs: ChardevRegistry;
  blockBackends: BlockBackendRegistry;
  netClients: NetClientRegistry;
}

export interface CreateMachineOptions {
  /** The program name in messages (`qemu-system-x86_64`, `qomd`). */
  prog: string;
}

const ACCELERATORS = ["tcg", "kvm"] as const;

/** Turns any QEMU-style failure at `loc` into the CliError QEMU would exit with. */
function cliError(prog: string, loc: string | undefined, err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof QemuError && err.verbatim) return new CliError(err.message);
  if (err instanceof QemuError) return CliError.at(prog, loc, err);
  throw err;
}

function helpExit(text: string): CliExit {
  return new CliExit(text, 0);
}

/** Answers the help requests that need the type registry (QEMU prints them and exits 0). */
function answerHelp(types: TypeRegistry, req: CliHelpRequest): CliExit {
  switch (req.topic) {
    case "machine":
      if (req.arg === undefined) return helpExit(machineHelpText(types));
      return helpExit(machineOptionsHelpText(types, req.arg));
    case "object":
      return helpExit(req.arg === undefined ? objectHelpText(types) : objectOptionsHelpText(types, req.arg));
    case "display":
      return helpExit("Available display backend types:\nnone\n");
    case "audio":
    case "audio-model":
      return helpExit("Available audio drivers:\nnone\nwav\n");
  }
}

/** Device and CPU listings QEMU prints once option parsing is done (deferred help). */
function deferredHelp(types: TypeRegistry, cmd: CommandLine): CliExit | undefined {
  if (cmd.cpuOption === "help" || cmd.cpuOption === "?") return helpExit(x86CpuHelpText());
  for (const opts of cmd.groups.find("device").head) {
    const driver = opts.get("driver");
    if (driver === "help" || driver === "?") return helpExit(deviceHelpText(types));
    if (driver !== undefined && opts.hasHelpOpt()) return helpExit(deviceOptionsHelpText(types, driver));
  }
  return undefined;
}

/** QEMU's select_machine: `-machine type=…`, or the default machine type. */
function selectMachine(types: TypeRegistry, cmd: CommandLine): MachineClass {
  const type = cmd.machineOpts["type"];
  const mc = typeof type === "string" ? findMachine(types, type) : findDefaultMachine(types);
  if (!mc) {
    throw new CliError(formatErrorReport(cmd.prog, undefined, "unsupported machine type", "Use -machine help to list supported machines"));
  }
  return mc;
}

/** Machine options that are not machine properties (consumed elsewhere). */
const NON_PROPERTY_MACHINE_OPTS = new Set(["type", "accel"]);

/** QEMU's qemu_apply_machine_options: each option is a property, set through keyval typing. */
function applyMachineOptions(machine: MachineState, opts: JsonObject): void {
  for (const [key, value] of Object.entries(opts)) {
    if (NON_PROPERTY_MACHINE_OPTS.has(key)) continue;
    machine.setProperty(key, new KeyvalInputVisitor(value));
  }
}

/** QEMU's qemu_create_machine: the machine object at /machine with its system bus and memory map. */
function createMachineObject(types: TypeRegistry, mc: MachineClass, cmd: CommandLine): MachineState {
  const machine = objectNew<MachineState>(types, mc.type.name);
  adoptChild(objectGetRoot(types), "machine", machine);
  sysbusGetDefault(types);
  memoryMapInit(types);
  if (mc.defaultMachineOpts !== undefined) {
    const { dict } = keyvalParse(mc.defaultMachineOpts, undefined);
    // Options given on the command line win over the machine type's defaults.
    for (const key of Object.keys(dict)) if (key in cmd.machineOpts) delete dict[key];
    applyMachineOptions(machine, dict);
  }
  applyMachineOptions(machine, cmd.machineOpts);
  return machine;
}

/** QEMU's configure_accelerators: the first candidate that initialises wins. */
function configureAccelerator(types: TypeRegistry, cmd: CommandLine, warnings: string[], legacy: LegacyMachineOptions): string {
  const plan = planAccelerators(cmd, (name) => (ACCELERATORS as readonly string[]).includes(name));
  for (const candidate of plan.candidates) {
    const ac = accelClassByName(types, candidate.name);
    if (!ac) continue;
    const accel = objectNew(types, ac.type.name);
    try {
      // -machine kernel-irqchip=… is sugar for the kvm accelerator's property; -accel wins.
      if (candidate.name === "kvm" && legacy.kernelIrqchip !== undefined && !candidate.props.some(([k]) => k === "kernel-irqchip")) {
        accel.parseProperty("kernel-irqchip", legacy.kernelIrqchip);
      }
      for (const [k, v] of candidate.props) accel.parseProperty(k, v);
      ac.initMachine(accel as Parameters<typeof ac.initMachine>[0]);
    } catch (err) {
      if (!(err instanceof AccelInitError)) throw cliError(cmd.prog, candidate.loc, err);
      plan.messages.push(...err.preLines, formatErrorReport(cmd.prog, undefined, err.message));
      plan.initFailed = true;
      accel.unref();
      continue;
    }
    warnings.push(...plan.messages);
    if (plan.initFailed) warnings.push(fallbackMessage(cmd.prog, candidate.name));
    return candidate.name;
  }
  throw noAcceleratorError(cmd.prog, plan);
}

interface LegacyMachineOptions {
  kernelIrqchip?: string;
  memoryBackend?: string;
}

/**
 * QEMU's qemu_apply_legacy_machine_options: -machine options that are not machine properties
 * (`kernel-irqchip` belongs to the kvm accelerator; `memory-backend` names an -object that does
 * not exist yet) are taken out before the machine's properties are set.
 */
function takeLegacyMachineOptions(opts: JsonObject): LegacyMachineOptions {
  const legacy: LegacyMachineOptions = {};
  for (const key of Object.keys(opts)) {
    const dashed = key.replace(/_/g, "-");
    if (dashed !== key && !(dashed in opts)) {
      opts[dashed] = opts[key]!;
      delete opts[key];
    }
  }
  const take = (key: string): string | undefined => {
    const v = opts[key];
    delete opts[key];
    return typeof v === "string" ? v : undefined;
  };
  const kernelIrqchip = take("kernel-irqchip");
  if (kernelIrqchip !== undefined) legacy.kernelIrqchip = kernelIrqchip;
  const memoryBackend = take("memory-backend");
  if (memoryBackend !== undefined) legacy.memoryBackend = memoryBackend;
  return legacy;
}

/** QEMU's qemu_resolve_machine_memdev: `-machine memory-backend=ID` once the -objects exist. */
function resolveMachineMemdev(types: TypeRegistry, machine: MachineState, id: string, customRamSize: boolean): void {
  const backend = resolvePathType(objectGetRoot(types), id, TYPE_MEMORY_BACKEND).obj;
  if (!backend) throw new QemuError(`Memory backend '${id}' not found`);
  const size = Number(backend.getProperty("size"));
  if (!customRamSize) {
    // Without slots the maximum follows the size (QEMU's machine_set_mem).
    if (machine.maxramSize === machine.ramSize) machine.maxramSize = size;
    machine.ramSize = size;
  }
  machine.setPropertyJson("memory-backend", backend.canonicalPath ?? "");
  // QEMU's machine_run_board_init check, for an -m that contradicts the backend.
  if (size !== machine.ramSize) throw new QemuError("Machine memory size does not match the size of the memory backend");
}

/** QEMU's create_default_memdev: the machine's RAM as `/objects/<default-ram-id>`. */
function createDefaultMemdev(types: TypeRegistry, machine: MachineState): void {
  const mc = machine.machineClass;
  if (machine.memdev || mc.defaultRamId === undefined || machine.ramSize === 0) return;
  userCreatableAdd(types, "memory-backend-ram", mc.defaultRamId, { size: machine.ramSize, "x-use-canonical-path-for-ramblock-id": false }, "json");
  machine.setPropertyJson("memory-backend", mc.defaultRamId);
  if (!machine.memdev) throw new QemuError(`Memory backend '${mc.defaultRamId}' not found`);
  void TYPE_MEMORY_BACKEND;
}

/**
 * Parses `argv` and builds the machine it describes, paused before the first instruction.
 * Throws CliError (bad input, QEMU's text) or CliExit (help and version output).
 */
export async function createMachine(argv: readonly string[], opts: CreateMachineOptions): Promise<MachineInstance> {
  const warnings = new CliWarnings(opts.prog);
  try {
    return await buildMachine(argv, opts, warnings);
  } catch (err) {
    // QEMU printed its warnings as they came, so they precede the error that stopped it.
    if (err instanceof CliError && warnings.lines.length > 0) err.warnings = [...warnings.lines, ...err.warnings];
    throw err;
  }
}

async function buildMachine(argv: readonly string[], opts: CreateMachineOptions, warnings: CliWarnings): Promise<MachineInstance> {
  const prog = opts.prog;
  const { types } = qomInit();
  let cmd: CommandLine;
  try {
    cmd = parseCommandLine(argv, prog, {
      accelerators: ACCELERATORS,
      parseJson: (text) => parseJson(text),
    });
  } catch (err) {
    if (err instanceof CliHelpRequest) throw answerHelp(types, err);
    throw err;
  }
  const help = deferredHelp(types, cmd);
  if (help) throw help;

  const mc = selectMachine(types, cmd);
  const customRamSize = typeof cmd.machineOpts["memory"] === "object" && cmd.machineOpts["memory"] !== null && "size" in (cmd.machineOpts["memory"] as JsonObject);
  const legacy = takeLegacyMachineOptions(cmd.machineOpts);
  let machine: MachineState;
  try {
    machine = createMachineObject(types, mc, cmd);
  } catch (err) {
    throw cliError(prog, undefined, err);
  }
  const qdev = qdevContext(types);
  checkKernelOptions(cmd, machine);
  qdev.machineHotplugHandler = (dev) => machine.machineClass.getHotplugHandler?.(machine, dev);
  qdev.warn = (text) => warnings.at(undefined).warn(text);
  for (const g of cmd.groups.find("global").head) {
    const driver = g.get("driver");
    const property = g.get("property");
    if (driver !== undefined && property !== undefined) qdevAddGlobal(types, driver, property, g.get("value") ?? "");
  }

  // QEMU's qemu_create_default_devices: the display card the board will create.
  try {
    configureVgaInterface(types, mc, vgaCommandLineOf(cmd));
  } catch (err) {
    if (err instanceof VgaHelpRequest) throw helpExit(err.text);
    throw cliError(prog, undefined, err);
  }

  const accel = configureAccelerator(types, cmd, warnings.lines, legacy);
  machine.accel = accel;

  const chardevs = new ChardevRegistry(types, {
    info: (text) => warnings.lines.push(text),
    warn: (text) => warnings.at(undefined).warn(text),
  });
  const blockBackends = new BlockBackendRegistry();
  const netClients = new NetClientRegistry();
  // Device properties such as drive= and netdev= resolve their ids here, with QEMU's errors.
  setBackendResolver(types, (kind, id) =>
    kind === "drive" ? blockBackends.lookup(id) : kind === "netdev" ? netClients.lookup(id) : chardevs.find(id),
  );
  try {
    await createBackends(types, cmd, machine, { chardevs, blockBackends, netClients }, warnings);
  } catch (err) {
    await chardevs.closeAll();
    blockBackends.closeAll();
    throw err;
  }

  for (const obj of cmd.objects) {
    try {
      userCreatableAdd(types, obj.qomType, obj.id, obj.props, obj.json ? "json" : "keyval");
    } catch (err) {
      throw cliError(prog, obj.loc, err);
    }
  }

  machine.dataDirs = [...cmd.dataDirs];
  setSmbiosConfig(types, cmd.smbios);
  configureIcount(types, cmd);
  try {
    // -rtc base/clock/driftfix, before the RTC exists (QEMU's configure_rtc).
    rtcTimebaseOf(types).configure(configureRtc(cmd.groups.find("rtc").head[0]));
  } catch (err) {
    throw cliError(prog, cmd.groups.find("rtc").head[0]?.loc, err);
  }
  // PCI option ROMs (efi-e1000.rom, vgabios-stdvga.bin …) come from the firmware directories.
  pciSetRomLocator(types, (romfile) => {
    const path = findFirmwareFile(romfile, machine.dataDirs);
    return path === undefined ? undefined : statSync(path).size;
  });
  machine.cpuType = mc.defaultCpuType;
  if (cmd.cpuOption !== undefined) {
    try {
      const parsed = parseX86CpuOption(cmd.cpuOption);
      for (const w of parsed.warnings) warnings.at(undefined).warn(w);
      machine.cpuType = parsed.typeName;
      if (machine.dynamicCast(TYPE_PC_MACHINE)) (machine as PCMachineState).cpuOption = parsed;
    } catch (err) {
      throw cliError(prog, undefined, err);
    }
  }
  if (machine.dynamicCast(TYPE_PC_MACHINE)) (machine as PCMachineState).warningSink = warnings.at(undefined);
  try {
    if (legacy.memoryBackend !== undefined) resolveMachineMemdev(types, machine, legacy.memoryBackend, customRamSize);
    createDefaultMemdev(types, machine);
    mc.init?.(machine);
    x86CpusMachineDone(types);
    const vgaWarning = vgaUnusedWarning(types, cmd);
    if (vgaWarning) warnings.at(undefined).warn(vgaWarning);
  } catch (err) {
    throw cliError(prog, undefined, err);
  }

  for (const devOpts of cmd.groups.find("device").head) {
    try {
      qdevDeviceAdd(types, devOpts.toDict(), { hotplug: false, source: "keyval" });
    } catch (err) {
      throw cliError(prog, devOpts.loc, err);
    }
  }
  for (const dev of cmd.jsonDevices) {
    try {
      qdevDeviceAdd(types, dev.opts, { hotplug: false, source: "json" });
    } catch (err) {
      throw cliError(prog, dev.loc, err);
    }
  }

  qdevPropCheckGlobals(types, warnings.at(undefined));
  qdev.machineReady = true;
  try {
    // QEMU's machine-init-done notifiers: the boards' firmware tables describe the finished machine.
    qemuRunMachineInitDoneNotifiers(types);
  } catch (err) {
    throw cliError(prog, undefined, err);
  }
  initDisplayState(types);
  const nameOpts = cmd.groups.find("name").head[0];
  for (const orphan of blockBackends.checkOrphaned()) throw new CliError(formatErrorReport(prog, orphan.loc, orphan.message));
  return {
    registry: types,
    machine,
    cmdline: cmd,
    name: nameOpts?.get("guest"),
    uuid: cmd.uuid ?? "00000000-0000-0000-0000-000000000000",
    accel,
    runState: cmd.autostart ? "running" : "prelaunch",
    warnings: warnings.lines,
    chardevs,
    blockBackends,
    netClients,
  };
}

/**
 * QEMU's icount_configure: `-icount shift=N` makes virtual time follow the instruction count
 * (2^N ns per instruction), so runs are reproducible. The adaptive `shift=auto` is not offered.
 */
function configureIcount(types: TypeRegistry, cmd: CommandLine): void {
  const opts = cmd.groups.find("icount").head[0];
  if (!opts) return;
  const fail = (text: string) => new CliError(formatErrorReport(cmd.prog, opts.loc, text));
  const shift = opts.get("shift");
  const sleep = opts.getBool("sleep", true);
  const align = opts.getBool("align", false);
  if (shift === undefined) {
    if (opts.get("align") !== undefined) throw fail("Please specify shift option when using align");
    return;
  }
  if (align && !sleep) throw fail("align=on and sleep=off are incompatible");
  if (shift === "auto") throw fail("icount: shift=auto is not supported by qomd; give a fixed shift (0-10)");
  const parsed = qemuStrtoi64(shift, 0);
  if (parsed.err || parsed.value < 0n || parsed.value > 10n) throw fail("icount: Invalid shift value");
  setQemuClocks(types, new QemuClocks({ icountShift: Number(parsed.value), icountSleep: sleep }));
}

/** QEMU's checks of -kernel/-initrd/-append before the board loads anything. */
function checkKernelOptions(cmd: CommandLine, machine: MachineState): void {
  if (machine.kernelFilename === undefined || machine.kernelFilename === "") {
    if (machine.kernelCmdline) throw new CliError(formatErrorReport(cmd.prog, undefined, "-append only allowed with -kernel option"));
    if (machine.initrdFilename) throw new CliError(formatErrorReport(cmd.prog, undefined, "-initrd only allowed with -kernel option"));
    return;
  }
  try {
    closeSync(openSync(machine.kernelFilename, "r"));
  } catch (err) {
    throw new CliError(`qemu: could not open kernel file '${machine.kernelFilename}': ${strerror(err)}`);
  }
}

interface Backends {
  chardevs: ChardevRegistry;
  blockBackends: BlockBackendRegistry;
  netClients: NetClientRegistry;
}

/**
 * QEMU's early and late backends (qemu_create_early_backends / qemu_create_late_backends and
 * configure_blockdev): chardevs, the -serial/-parallel devices' chardevs, drives, network clients.
 */
async function createBackends(types: TypeRegistry, cmd: CommandLine, machine: MachineState, b: Backends, warnings: CliWarnings): Promise<void> {
  const mc = machine.machineClass;
  const prog = cmd.prog;
  const noDefaults = !cmd.hasDefaults;
  // A `vc` chardev gets its text console when it is opened (QEMU's vc_chr_open).
  const withConsole = <T extends { typeName: string }>(chr: T): T => {
    if (chr.typeName === TYPE_CHARDEV_VC) textConsoleNew(types);
    return chr;
  };
  for (const opts of cmd.groups.find("chardev").head) {
    try {
      withConsole(await b.chardevs.newFromOpts(opts));
    } catch (err) {
      if (err instanceof ChardevHelpRequest) throw helpExit(err.text);
      throw cliError(prog, opts.loc, err);
    }
  }

  // Default serial, parallel and monitor (vl.c qemu_create_default_devices): on text consoles,
  // or on stdio with -nographic, where the monitor shares the serial port unless QMP is given.
  const serialConfigs = cmd.deviceConfigs.filter((d) => d.type === "serial").map((d) => d.cmdline);
  const parallelConfigs = cmd.deviceConfigs.filter((d) => d.type === "parallel").map((d) => d.cmdline);
  const defaultSerial = !noDefaults && cmd.defaults.serial && !mc.noSerial && serialConfigs.length === 0;
  const defaultParallel = !noDefaults && cmd.defaults.parallel && !mc.noParallel && parallelConfigs.length === 0;
  const defaultMonitor = !noDefaults && cmd.defaults.monitor;
  let monitorConfig: string | undefined;
  if (cmd.nographic) {
    if (defaultParallel) parallelConfigs.push("null");
    if (defaultSerial && defaultMonitor) serialConfigs.push("mon:stdio");
    else {
      if (defaultSerial) serialConfigs.push("stdio");
      if (defaultMonitor) monitorConfig = "stdio";
    }
  } else {
    if (defaultSerial) serialConfigs.push("vc:80Cx24C");
    if (defaultParallel) parallelConfigs.push("vc:80Cx24C");
    if (defaultMonitor) monitorConfig = "vc:80Cx24C";
  }
  if (monitorConfig !== undefined) {
    withConsole(await b.chardevs.newFromCompat("compat_monitor0", monitorConfig, true, cmd.groups.find("chardev")));
  }
  const serialLabels: Array<string | undefined> = [];
  for (const [i, config] of serialConfigs.entries()) {
    if (config === "none") continue;
    try {
      serialLabels.push(withConsole(await b.chardevs.newFromCompat(`serial${i}`, config, true, cmd.groups.find("chardev"))).label);
    } catch (err) {
      throw new CliError(formatErrorReport(prog, undefined, `could not connect serial device to character backend '${config}'`));
    }
  }
  const parallelLabels: Array<string | undefined> = [];
  for (const [i, config] of parallelConfigs.entries()) {
    if (config === "none") continue;
    try {
      parallelLabels.push(withConsole(await b.chardevs.newFromCompat(`parallel${i}`, config, true, cmd.groups.find("chardev"))).label);
    } catch (err) {
      throw new CliError(formatErrorReport(prog, undefined, `could not connect parallel device to character backend '${config}'`));
    }
  }

  try {
    configureBlockdev(b.blockBackends, cmd.groups.find("drive"), {
      blockDefaultType: mc.blockDefaultType,
      unitsPerDefaultBus: mc.unitsPerDefaultBus,
      snapshot: cmd.snapshot,
      defaults: {
        cdrom: !noDefaults && cmd.defaults.cdrom && !mc.noCdrom,
        floppy: !noDefaults && cmd.defaults.floppy && !mc.noFloppy,
        sdcard: !noDefaults && cmd.defaults.sdcard && !mc.noSdcard,
      },
      deviceOpts: cmd.groups.find("device"),
      warningsFor: (loc) => warnings.at(loc),
    });
  } catch (err) {
    if (err instanceof DriveHelpRequest) throw helpExit(err.message);
    if (err instanceof DriveOptionError) throw cliError(prog, err.loc, err);
    throw cliError(prog, undefined, err);
  }

  if (!noDefaults && cmd.defaults.net) {
    // QEMU's default network: a NIC of the machine's model on a user-mode (slirp) backend.
    const net = cmd.groups.find("net");
    qemuOptsParse(net, "nic", true);
    qemuOptsParse(net, "user", true);
  }
  try {
    b.netClients.initClients(
      { netdev: cmd.groups.find("netdev"), nic: cmd.groups.find("nic"), net: cmd.groups.find("net") },
      mc.defaultNicModel,
      pciNicModels(types),
    );
  } catch (err) {
    if (err instanceof NetHelpRequest) throw helpExit(err.message);
    if (err instanceof NetOptionError) throw cliError(prog, err.loc, err);
    throw cliError(prog, undefined, err);
  }

  if (machine.dynamicCast(TYPE_PC_MACHINE)) {
    const floppies = [0, 1].map((unit) => b.blockBackends.backendAt("floppy", 0, unit)?.name);
    const pcms = machine as PCMachineState;
    pcms.netClients = b.netClients;
    pcms.backends = { serial: serialLabels, parallel: parallelLabels, floppy: floppies };
    // QEMU's ide_drive_get: drive index N is bus N / units-per-bus; pc has 2 buses of 2 units,
    // q35 6 AHCI ports of 1 unit.
    const unitsPerBus = mc.unitsPerDefaultBus || 2;
    const count = unitsPerBus === 1 ? 6 : 4;
    pcms.ideDrives = Array.from({ length: count }, (_, index) => {
      const blk = b.blockBackends.backendAt("ide", Math.floor(index / unitsPerBus), index % unitsPerBus);
      return blk ? { id: blk.name, mediaCd: blk.dinfo?.mediaCd ?? false } : undefined;
    });
  }
}

export { accelHelpText };
