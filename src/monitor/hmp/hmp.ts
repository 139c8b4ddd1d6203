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

interface HmpCommand {
  readonly name: string;
  readonly args: string;
  readonly help: string;
  /** `cpu` is the monitor's current CPU (human-monitor-command's cpu-index), if set. */
  run(words: string[], ctx: MachineContext, cpu: number | undefined): string[];
}

const INFO_COMMANDS: readonly HmpCommand[] = [
  { name: "cpus", args: "", help: "show infos for each CPU", run: (_w, ctx, cpu) => hmpInfoCpus(ctx.registry, cpu) },
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
  { name: "qom-tree", args: "[path]", help: "show QOM composition tree", run: (words, ctx) => infoQomTree(ctx.registry, words[0]) },
  { name: "qtree", args: "", help: "show device tree", run: (_w, ctx) => infoQtree(ctx.registry) },
  { name: "status", args: "", help: "show the current VM status (running|paused)", run: (_w, ctx) => [infoStatus(ctx)] },
  { name: "version", args: "", help: "show the version of QEMU", run: () => [infoVersion()] },
];

const COMMANDS: readonly HmpCommand[] = [
  { name: "cont|c", args: "", help: "resume emulation", run: (_w, ctx) => (contCmd({}, ctx), []) },
  { name: "help|?", args: "[cmd]", help: "show the help", run: (words) => help(words[0]) },
  { name: "info", args: "[subcommand]", help: "show various information about the system state", run: (words, ctx, cpu) => info(words, ctx, cpu) },
  { name: "stop|s", args: "", help: "stop emulation", run: (_w, ctx) => (stopCmd({}, ctx), []) },
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

function help(topic: string | undefined): string[] {
  if (topic === "info") return INFO_COMMANDS.map((c) => helpLine("info ", c));
  const cmds = topic === undefined ? COMMANDS : COMMANDS.filter((c) => matches(c, topic));
  return cmds.map((c) => helpLine("", c));
}

function info(words: string[], ctx: MachineContext, cpu: number | undefined): string[] {
  const [sub, ...rest] = words;
  if (sub === undefined) return help("info");
  const cmd = INFO_COMMANDS.find((c) => matches(c, sub));
  if (!cmd) return [`unknown command: 'info ${sub}'`];
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
  const out = cmd.run(rest, ctx, cpuIndex);
  return out.map((l) => l + "\r\n").join("");
}
