/**
 * The machine's built-in display card (QEMU 7.2's vga_interface_type in softmmu/vl.c and the
 * board helpers pci_vga_init / pc_vga_init): `-vga TYPE` or the machine's default display
 * decides which card a board creates, `-nodefaults` or a display card given with `-device`
 * or `-global` turns the default off, and the board creates the card where QEMU does.
 */
import { QomError } from "../../qom/error.js";
import type { CommandLine } from "../../softmmu/cmdline-types.js";
import type { TypeRegistry } from "../../qom/type.js";
import type { MachineClass } from "../core/machine.js";
import type { IsaBus } from "../isa/isa-bus.js";
import type { PCIBus } from "../pci/pci-bus.js";
import { pciCreateSimple, type PCIDevice } from "../pci/pci.js";

export type VgaInterfaceType = "none" | "std" | "cirrus" | "vmware" | "virtio" | "qxl" | "tcx" | "cg3" | "device";

interface VgaInterfaceInfo {
  readonly type: VgaInterfaceType;
  readonly name: string;
  /** The PCI card, then the ISA card, whose presence makes the choice available. */
  readonly classNames: readonly string[];
}

/**
 * QEMU's vga_interfaces table in the order of its VGAInterfaceType enum, which `-vga help`
 * follows (virtio comes last, after the Sun framebuffers).
 */
const VGA_INTERFACES: readonly VgaInterfaceInfo[] = [
  { type: "none", name: "no graphic card", classNames: [] },
  { type: "std", name: "standard VGA", classNames: ["VGA", "isa-vga"] },
  { type: "cirrus", name: "Cirrus VGA", classNames: ["cirrus-vga", "isa-cirrus-vga"] },
  { type: "vmware", name: "VMWare SVGA", classNames: ["vmware-svga"] },
  { type: "qxl", name: "QXL VGA", classNames: ["qxl-vga"] },
  { type: "tcx", name: "TCX framebuffer", classNames: ["sun-tcx"] },
  { type: "cg3", name: "CG3 framebuffer", classNames: ["cgthree"] },
  { type: "virtio", name: "Virtio VGA", classNames: ["virtio-vga"] },
];

/** The drivers whose presence on the command line cancels the default card (QEMU's default_list). */
export const DEFAULT_VGA_DRIVERS: readonly string[] = [
  "VGA",
  "isa-vga",
  "cirrus-vga",
  "isa-cirrus-vga",
  "vmware-svga",
  "qxl-vga",
  "virtio-vga",
  "ati-vga",
  "vhost-user-vga",
  "virtio-vga-gl",
];

export type VgaRetraceMethod = "dumb" | "precise";

/** What the command line decided, per machine (QEMU's globals vga_interface_type/_created). */
export interface VgaInterfaceState {
  type: VgaInterfaceType;
  /** A board created the card (or `-device` supplies one). */
  created: boolean;
  retrace: VgaRetraceMethod;
}

const states = new WeakMap<TypeRegistry, VgaInterfaceState>();

export function vgaInterfaceState(registry: TypeRegistry): VgaInterfaceState {
  let s = states.get(registry);
  if (!s) states.set(registry, (s = { type: "none", created: false, retrace: "dumb" }));
  return s;
}

/** `-vga help` asks for the listing; the caller prints it and exits successfully. */
export class VgaHelpRequest extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

function available(registry: TypeRegistry, info: VgaInterfaceInfo): boolean {
  return info.classNames.length === 0 || info.classNames.some((n) => registry.has(n));
}

/** QEMU's get_default_vga_model. */
export function defaultVgaModel(registry: TypeRegistry, mc: MachineClass): string | undefined {
  if (mc.defaultDisplay) return mc.defaultDisplay;
  const byType = (t: VgaInterfaceType) => VGA_INTERFACES.find((i) => i.type === t)!;
  if (available(registry, byType("cirrus"))) return "cirrus";
  if (available(registry, byType("std"))) return "std";
  return undefined;
}

/** The `-vga help` listing: available choices, the machine's default marked. */
export function vgaHelpText(registry: TypeRegistry, mc: MachineClass): string {
  const def = defaultVgaModel(registry, mc);
  return VGA_INTERFACES.filter((i) => available(registry, i))
    .map((i) => `${i.type.padEnd(20)} ${i.name}${i.type === def ? " (default)" : ""}\n`)
    .join("");
}

/**
 * QEMU's select_vgahw: `TYPE[,retrace=dumb|precise]`. The type is matched as a prefix, as
 * QEMU's strstart does. Throws QomError with QEMU's texts, VgaHelpRequest for `help`.
 */
export function selectVgaHw(registry: TypeRegistry, mc: MachineClass, p: string): void {
  if (p === "help") throw new VgaHelpRequest(vgaHelpText(registry, mc));
  const state = vgaInterfaceState(registry);
  const info = VGA_INTERFACES.find((i) => p.startsWith(i.type));
  if (!info) throw new QomError(`unknown vga type: ${p}`);
  if (!available(registry, info)) throw new QomError(`${info.name} not available`);
  let opts = p.slice(info.type.length);
  let retrace = state.retrace;
  while (opts !== "") {
    const m = /^,retrace=(dumb|precise)/.exec(opts);
    if (!m) throw new QomError(`unknown vga type: ${p}`);
    retrace = m[1] as VgaRetraceMethod;
    opts = opts.slice(m[0].length);
  }
  state.type = info.type;
  state.retrace = retrace;
}

export interface VgaCommandLine {
  /** The `-vga` argument, if any. */
  readonly vgaModel: string | undefined;
  /** QEMU's default_vga after the option loop: no -vga given (so far true). */
  readonly defaultVga: boolean;
  /** `-nodefaults` was not given. */
  readonly hasDefaults: boolean;
  /** The drivers named by -device (keyval and JSON) and -global, in any order. */
  readonly deviceDrivers: readonly string[];
}

/** What the VGA choice needs from a parsed command line. */
export function vgaCommandLineOf(cmd: CommandLine): VgaCommandLine {
  const drivers: string[] = [];
  for (const group of ["device", "global"]) {
    for (const opts of cmd.groups.find(group).head) {
      const driver = opts.get("driver");
      if (driver !== undefined) drivers.push(driver);
    }
  }
  for (const dev of cmd.jsonDevices) {
    const driver = dev.opts["driver"];
    if (typeof driver === "string") drivers.push(driver);
  }
  return { vgaModel: cmd.vgaModel, defaultVga: cmd.defaults.vga, hasDefaults: cmd.hasDefaults, deviceDrivers: drivers };
}

/**
 * The VGA part of QEMU's qemu_disable_default_devices and qemu_create_default_devices: a card
 * named by `-device`/`-global` means the user supplies one ("device"); otherwise `-vga` or
 * the machine's default (unless `-nodefaults`) selects what the board creates.
 */
export function configureVgaInterface(registry: TypeRegistry, mc: MachineClass, cmd: VgaCommandLine): void {
  const state = vgaInterfaceState(registry);
  let defaultVga = cmd.defaultVga;
  if (cmd.deviceDrivers.some((d) => DEFAULT_VGA_DRIVERS.includes(d))) defaultVga = false;
  if (cmd.vgaModel === undefined && !defaultVga) {
    state.type = "device";
    state.created = true;
  }
  if (!cmd.hasDefaults) defaultVga = false;
  let model = cmd.vgaModel;
  if (defaultVga) model = defaultVgaModel(registry, mc);
  if (model !== undefined) selectVgaHw(registry, mc, model);
}

/**
 * QEMU's check after the board is built: `-vga` named a card the machine never created.
 * Returns the warning text, if any.
 */
export function vgaUnusedWarning(registry: TypeRegistry, cmd: Pick<VgaCommandLine, "vgaModel">): string | undefined {
  const state = vgaInterfaceState(registry);
  if (!state.created && cmd.vgaModel !== undefined && state.type !== "none") {
    return "A -vga option was passed but this machine type does not use that option; No VGA device has been created";
  }
  return undefined;
}

/** The PCI card of each interface type (QEMU's pci_vga_init). */
const PCI_VGA_CARDS: Partial<Record<VgaInterfaceType, string>> = {
  cirrus: "cirrus-vga",
  qxl: "qxl-vga",
  std: "VGA",
  vmware: "vmware-svga",
  virtio: "virtio-vga",
};

/** QEMU's pci_vga_init: the selected card at the first free slot, or nothing. */
export function pciVgaInit(bus: PCIBus): PCIDevice | undefined {
  const state = vgaInterfaceState(bus.registry);
  state.created = true;
  const type = PCI_VGA_CARDS[state.type];
  return type === undefined ? undefined : pciCreateSimple(bus, -1, type);
}

/**
 * QEMU's pc_vga_init: the PCI card on PCI boards. ISA-only boards (isapc) get QEMU's ISA cards
 * (`isa-vga`, `isa-cirrus-vga`), which qomd does not model yet: such a board has no card.
 */
export function pcVgaInit(registry: TypeRegistry, isaBus: IsaBus | undefined, pciBus: PCIBus | undefined): PCIDevice | undefined {
  if (pciBus) return pciVgaInit(pciBus);
  if (isaBus) vgaInterfaceState(registry).created = true;
  return undefined;
}
