/**
 * The human monitor behind human-monitor-command (QEMU's monitor/hmp.c and
 * the hmp-commands tables): a small set of commands with QEMU's output.
 * Output lines end "\r\n", as QEMU's monitor writes them; an unknown command
 * is not an error but the text "unknown command: '…'".
 */
import { memorySystemOf } from "../../exec/memory.js";
import { mtreeInfo } from "../../exec/mtree.js";
import { QEMU_PKGVERSION, QEMU_VERSION } from "../../qemu-version.js";
import type { MachineContext } from "../machine-context.js";
import { contCmd, stopCmd, systemPowerdownCmd, systemReset } from "../commands/run-state.js";
import { hmpInfoCpus } from "../../hw/i386/x86-cpu.js";
import { infoQomTree } from "./info-qom-tree.js";
import { infoQtree } from "./info-qtree.js";
import { infoRegisters } from "./info-registers.js";
import { hmpInfoIrq, hmpInfoLapic, hmpInfoPic, hmpNmi } from "./info-intc.js";
import { runControlOf } from "../../softmmu/runstate.js";
import { addressSpaceMemory } from "../../exec/memory.js";
import type { X86CpuState } from "../../accel/accel-ops.js";

interface HmpCommand {
  readonly name: string;
  readonly args: string;
  readonly help: string;
  /**
   * `cpu` is the monitor's current CPU (human-monitor-command's cpu-index), if set. Lines get
   * "\r\n"; a string has each "\n" turned into "\r\n", as QEMU's monitor output does.
   */
  run(words: string[], ctx: MachineContext, cpu: number | undefined): string[] | string;
}

const INFO_COMMANDS: readonly HmpCommand[] = [
  { name: "cpus", args: "", help: "show infos for each CPU", run: (_w, ctx, cpu) => hmpInfoCpus(ctx.registry, cpu) },
  { name: "irq", args: "", help: "show the interrupts statistics (if available)", run: (_w, ctx) => hmpInfoIrq(ctx.registry) },
  {
    name: "lapic",
    args: "[apic-id]",
    help: "show local apic state (apic-id: local apic to read, default is which of current CPU)",
    run: (words, ctx, cpu) => hmpInfoLapic(ctx.registry, words, cpu),
  },
  {
    name: "mtree",
    args: "[-f][-d][-o][-D]",
    help: "show memory tree (-f: dump flat view for address spaces;-d: dump dispatch tree, valid with -f only);-o: dump region owners/parents;-D: dump disabled regions",
    run: (words, ctx) => {
      const text = mtreeInfo(memorySystemOf(ctx.registry), {
        flatview: words.includes("-f"),
        owner: words.includes("-o"),
        disabled: words.includes("-D"),
      });
      return text.replace(/\n$/, "").split("\n");
    },
  },
  { name: "name", args: "", help: "show the current VM name", run: (_w, ctx) => (ctx.instance.name === undefined ? [] : [ctx.instance.name]) },
  { name: "pic", args: "", help: "show PIC state", run: (_w, ctx) => hmpInfoPic(ctx.registry) },
  {
    name: "registers",
    args: "[-a|vcpu]",
    help: "show the cpu registers (-a: show register info for all cpus; vcpu: specific vCPU to query; show the current CPU's registers if no argument is specified)",
    run: (words, ctx, cpu) => infoRegistersCmd(words, ctx, cpu),
  },
  { name: "qom-tree", args: "[path]", help: "show QOM composition tree", run: (words, ctx) => infoQomTree(ctx.registry, words[0]) },
  { name: "qtree", args: "", help: "show device tree", run: (_w, ctx) => infoQtree(ctx.registry) },
  { name: "status", args: "", help: "show the current VM status (running|paused)", run: (_w, ctx) => [infoStatus(ctx)] },
  { name: "version", args: "", help: "show the version of QEMU", run: () => [infoVersion()] },
];

const COMMANDS: readonly HmpCommand[] = [
  { name: "cont|c", args: "", help: "resume emulation", run: (_w, ctx) => (contCmd({}, ctx), []) },
  { name: "help|?", args: "[cmd]", help: "show the help", run: (words) => help(words[0]) },
  { name: "info", args: "[subcommand]", help: "show various information about the system state", run: (words, ctx, cpu) => info(words, ctx, cpu) },
  { name: "nmi", args: "", help: "inject an NMI", run: (_w, ctx) => hmpNmi(ctx.registry) },
  { name: "stop|s", args: "", help: "stop emulation", run: (_w, ctx) => (stopCmd({}, ctx), []) },
  { name: "x", args: "/fmt addr", help: "virtual memory dump starting at 'addr'", run: (words, ctx) => memoryDumpCmd(words, ctx, false) },
  { name: "xp", args: "/fmt addr", help: "physical memory dump starting at 'addr'", run: (words, ctx) => memoryDumpCmd(words, ctx, true) },
  { name: "system_powerdown", args: "", help: "send system power down event", run: (_w, ctx) => (systemPowerdownCmd({}, ctx), []) },
  {
    name: "system_reset",
    args: "",
    help: "reset the system",
    run: (_w, ctx) => (systemReset(ctx, "host-qmp-system-reset"), []),
  },
];

function matches(cmd: HmpCommand, word: string): boolean {
  return cmd.name.split("|").includes(word);
}

function helpLine(prefix: string, cmd: HmpCommand): string {
  return `${prefix}${cmd.name} ${cmd.args} -- ${cmd.help}`;
}

/** QEMU's help_cmd_dump lists commands sorted by name (compare_mon_cmd: strcmp). */
function byName(a: HmpCommand, b: HmpCommand): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

function help(topic: string | undefined): string[] {
  if (topic === "info") return [...INFO_COMMANDS].sort(byName).map((c) => helpLine("info ", c));
  const cmds = topic === undefined ? COMMANDS : COMMANDS.filter((c) => matches(c, topic));
  return [...cmds].sort(byName).map((c) => helpLine("", c));
}

/**
 * QEMU's monitor_parse_arguments for a command that takes no arguments: anything after its name
 * is refused with this text (`name` as typed, `full` the command for `help`).
 */
function extraneous(name: string, full: string): string {
  return `${name}: extraneous characters at the end of line\nTry "help ${full}" for more information\n`;
}

/** QEMU's hmp_info_registers: all CPUs with -a, else CPU `vcpu`, else the current CPU (cpu-index, else CPU 0). */
function infoRegistersCmd(words: string[], ctx: MachineContext, cpu: number | undefined): string[] | string {
  const vcpus = runControlOf(ctx.registry)?.vcpus ?? [];
  const dump = (i: number) => infoRegisters(i, vcpus[i]!.vcpu.getState() as X86CpuState).join("\n") + "\n";
  if (words.includes("-a")) return vcpus.map((_v, i) => dump(i)).join("");
  const vcpuWord = words.find((w) => /^\d+$/.test(w));
  if (vcpuWord !== undefined) {
    const vcpu = Number(vcpuWord);
    return vcpus[vcpu] ? dump(vcpu) : [`CPU#${vcpu} not available`];
  }
  const index = cpu ?? 0;
  if (!vcpus[index]) return cpu !== undefined ? [`CPU#${cpu} not available`] : ["No CPU available"];
  return dump(index);
}

/** QEMU's memory_dump for x/xp with the x, d and u formats and b/h/w/g sizes. */
function memoryDumpCmd(words: string[], ctx: MachineContext, physical: boolean): string[] {
  let fmt = "x";
  let size = 4;
  let count = 1;
  let rest = words;
  if (words[0]?.startsWith("/")) {
    const m = /^\/(\d*)([xduoc]?)([bhwg]?)([xduoc]?)$/.exec(words[0]);
    if (!m) return ["invalid char in format"];
    if (m[1]) count = Number(m[1]);
    fmt = m[2] || m[4] || "x";
    size = { b: 1, h: 2, w: 4, g: 8 }[m[3] as "b" | "h" | "w" | "g"] ?? 4;
    rest = words.slice(1);
  }
  const addrText = rest.join(" ");
  if (addrText === "") return ["missing address"];
  const addr = Number(addrText.startsWith("0x") ? BigInt(addrText) : BigInt(addrText));
  if (!physical) {
    const cr0 = (runControlOf(ctx.registry)?.vcpus[0]?.vcpu.getState().cr0 ?? 0) >>> 0;
    // Virtual addresses are physical ones while paging is off; page walks are not done here.
    if (cr0 & 0x80000000) return ["x: paging is on; use xp with a physical address"];
  }
  const as = addressSpaceMemory(ctx.registry);
  const lineSize = size === 1 ? 8 : 16;
  const lines: string[] = [];
  const buf = new Uint8Array(size);
  for (let off = 0; off < count * size; off += lineSize) {
    let line = `${(addr + off).toString(16).padStart(16, "0")}:`;
    for (let i = off; i < Math.min(off + lineSize, count * size); i += size) {
      as.readBytes(addr + i, buf);
      let v = 0n;
      for (let b = size - 1; b >= 0; b--) v = (v << 8n) | BigInt(buf[b]!);
      if (fmt === "x") line += ` 0x${v.toString(16).padStart(size * 2, "0")}`;
      else if (fmt === "u") line += ` ${v}`;
      else if (fmt === "d") line += ` ${BigInt.asIntN(size * 8, v)}`;
      else if (fmt === "o") line += ` 0${v.toString(8)}`;
      else line += ` ${String.fromCharCode(Number(v & 0xffn))}`;
    }
    lines.push(line);
  }
  return lines;
}

function info(words: string[], ctx: MachineContext, cpu: number | undefined): string[] | string {
  const [sub, ...rest] = words;
  if (sub === undefined) return help("info");
  const cmd = INFO_COMMANDS.find((c) => matches(c, sub));
  if (!cmd) return [`unknown command: 'info ${sub}'`];
  if (cmd.args === "" && rest.length > 0) return extraneous(sub, `info ${sub}`);
  return cmd.run(rest, ctx, cpu);
}

function infoStatus(ctx: MachineContext): string {
  const state = ctx.instance.runState;
  const running = state === "running";
  return `VM status: ${running ? "running" : "paused"}${!running && state !== "paused" ? ` (${state})` : ""}`;
}

function infoVersion(): string {
  return `${QEMU_VERSION.major}.${QEMU_VERSION.minor}.${QEMU_VERSION.micro}${QEMU_PKGVERSION}`;
}

/** Runs one HMP command line and returns its output. */
export function runHmpCommand(line: string, ctx: MachineContext, cpuIndex?: number): string {
  const words = line.trim().split(/\s+/).filter((w) => w !== "");
  const [name, ...rest] = words;
  if (name === undefined) return "";
  const cmd = COMMANDS.find((c) => matches(c, name));
  if (!cmd) return `unknown command: '${name}'\r\n`;
  const out = cmd.args === "" && rest.length > 0 ? extraneous(name, name) : cmd.run(rest, ctx, cpuIndex);
  return typeof out === "string" ? out.replace(/\r?\n/g, "\r\n") : out.map((l) => l + "\r\n").join("");
}
