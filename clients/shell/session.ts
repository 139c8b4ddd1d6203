/**
 * What the shell does with a line, apart from the terminal: parse it, send
 * it through the client library, print the reply; plus the data completion
 * needs (command list, schema, HMP help, machine names), fetched on connect.
 */
import type { QmpCommands, SchemaInfo } from "../../protocol/gen/types.js";
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";
import type { Target } from "../cli/target.js";
import { ExecuteError } from "../lib/errors.js";
import type { QmpEventMessage } from "../lib/message.js";
import { QmpClient } from "../lib/qmp-client.js";
import { COMMAND_FORMAT, CommandLineError, parseCommandLine } from "./command-line.js";
import { completeHmp, completeQmp, hmpCommandNames, type Completion } from "./completer.js";
import { formatMessage } from "../cli/json-format.js";
import type { ShellOptions } from "./options.js";
import { SchemaIndex } from "./schema-index.js";

/** A shell command (not a QMP command) that cannot be done, e.g. `use` of an unknown machine. */
export class ShellCommandError extends Error {}

export interface ShellOutput {
  out(text: string): void;
  err(text: string): void;
}

export class ShellSession {
  readonly client: QmpClient<QmpCommands>;
  private schema = new SchemaIndex([], []);
  private hmpCommands: string[] = [];
  private infoTopics: string[] = [];
  private machines: string[] = [];
  private isControl = false;
  machine: string | undefined;
  private cpuIndex: number | undefined;
  /** The last command sent was a successful quit: the server closing is expected. */
  quitSent = false;

  constructor(
    private readonly options: ShellOptions,
    private readonly target: Target,
    private readonly io: ShellOutput,
  ) {
    this.client = new QmpClient({ negotiate: options.negotiate });
    this.machine = options.machine;
  }

  get peer(): string {
    return this.target.display;
  }

  async connect(): Promise<void> {
    await this.client.connect(this.target.address, { timeout: 10_000 });
    this.quitSent = false;
    if (!this.options.negotiate) return;
    const commands = (await this.client.execute("query-commands")).map((c) => c.name).sort();
    let schema: SchemaInfo[] = [];
    if (commands.includes("query-qmp-schema")) schema = await this.client.execute("query-qmp-schema");
    this.schema = new SchemaIndex(schema, commands);
    this.isControl = commands.includes("machine-list");
    await this.refreshMachines();
    if (this.machine !== undefined) this.checkMachine(this.machine);
    if (this.options.hmp) await this.loadHmpHelp();
  }

  private async refreshMachines(): Promise<void> {
    if (!this.isControl) return;
    const list = (await this.client.executeUntyped("machine-list")) as JsonObject[];
    this.machines = list.map((m) => String(m["name"]));
  }

  private checkMachine(name: string): void {
    if (!this.isControl) throw new ShellCommandError(`'${name}': only qomd's control socket serves several machines`);
    if (!this.machines.includes(name)) throw new ShellCommandError(`no machine named '${name}' (machines: ${this.machines.join(", ") || "none"})`);
  }

  private async loadHmpHelp(): Promise<void> {
    const hmp = async (line: string) => {
      try {
        return String(await this.client.executeUntyped("human-monitor-command", this.hmpArgs(line)));
      } catch {
        return ""; // No completion then; the commands themselves still work.
      }
    };
    this.hmpCommands = hmpCommandNames(await hmp("help"));
    this.infoTopics = hmpCommandNames(await hmp("help info"), "info ");
  }

  banner(): string {
    const v = this.client.greeting?.QMP.version.qemu;
    const title = this.options.hmp ? "Welcome to the HMP shell!" : "Welcome to the QMP low-level shell!";
    return `${title}\nConnected to QEMU ${v ? `${v.major}.${v.minor}.${v.micro}` : "(no greeting)"}\n\n`;
  }

  prompt(): string {
    return this.machine === undefined ? "(QEMU) " : `(QEMU:${this.machine}) `;
  }

  formatEvent(event: QmpEventMessage): string {
    return formatMessage(event as unknown as JsonValue, this.options.pretty);
  }

  /**
   * Completion is synchronous: readline handles an asynchronous completer
   * badly when Tab keys come in one burst.  Machine names come from the last
   * machine-list; completing after `use` refreshes them for the next Tab.
   */
  complete(line: string): Completion {
    if (this.options.hmp) return completeHmp(line, this.hmpCommands, this.infoTopics);
    if (/^\s*use\s/.test(line) && this.isControl) this.refreshMachines().catch(() => undefined);
    return completeQmp(line, this.schema, this.machines);
  }

  /** Runs one input line; false when it failed (for --strict). */
  async run(line: string, signal?: AbortSignal): Promise<boolean> {
    try {
      return this.options.hmp ? await this.runHmp(line, signal) : await this.runQmp(line, signal);
    } catch (err) {
      if (err instanceof CommandLineError) {
        this.io.err(`Error while parsing command line: ${err.message}\n${this.options.hmp ? "" : COMMAND_FORMAT + "\n"}`);
        return false;
      }
      if (err instanceof ShellCommandError) {
        this.io.err(`${err.message}\n`);
        return false;
      }
      throw err;
    }
  }

  private async runQmp(line: string, signal?: AbortSignal): Promise<boolean> {
    if (/^\s*use(\s|$)/.test(line)) return this.use(line);
    const parsed = parseCommandLine(line);
    if (parsed.kind === "empty") return true;
    if (parsed.kind === "raw") return this.send(parsed.message, false, signal);
    const args = { ...parsed.args };
    if (this.machine !== undefined && !("machine" in args) && this.schema.takesMachine(parsed.command)) args["machine"] = this.machine;
    return this.send({ execute: parsed.command, arguments: args }, true, signal);
  }

  /** The shell's own command: `use NAME` picks the machine, `use` alone drops the choice. */
  private async use(line: string): Promise<boolean> {
    const words = line.trim().split(/\s+/).slice(1);
    if (words.length > 1) throw new ShellCommandError("usage: use [NAME]");
    if (words.length === 0) {
      this.machine = undefined;
      return true;
    }
    await this.refreshMachines();
    this.checkMachine(words[0]!);
    this.machine = words[0];
    return true;
  }

  private async send(message: JsonObject, assignId: boolean, signal?: AbortSignal): Promise<boolean> {
    if (this.options.verbose) this.io.out(formatMessage(message, this.options.pretty) + "\n");
    const reply = await this.client.executeMessage(message, { assignId, signal, timeout: this.options.timeout });
    const shown: JsonObject = { ...reply };
    if (assignId) delete shown["id"];
    this.io.out(formatMessage(shown, this.options.pretty) + "\n");
    const ok = !("error" in reply);
    this.quitSent = ok && message["execute"] === "quit";
    if (ok && /^machine-(create|delete)$/.test(String(message["execute"]))) await this.refreshMachines();
    return ok;
  }

  private hmpArgs(commandLine: string): JsonObject {
    const args: JsonObject = { "command-line": commandLine };
    if (this.cpuIndex !== undefined) args["cpu-index"] = this.cpuIndex;
    if (this.machine !== undefined && this.isControl) args["machine"] = this.machine;
    return args;
  }

  private async runHmp(line: string, signal?: AbortSignal): Promise<boolean> {
    const text = line.trim();
    if (text === "") return true;
    // Each human-monitor-command runs in a fresh monitor, so the shell keeps the CPU (as qmp-shell does).
    const cpu = /^cpu\s+(\d+)$/.exec(text);
    if (cpu) {
      this.cpuIndex = Number(cpu[1]);
      return true;
    }
    const use = /^use(?:\s+(\S+))?$/.exec(text);
    if (use && this.isControl) {
      if (use[1] !== undefined) this.checkMachine(use[1]);
      this.machine = use[1];
      return true;
    }
    if (this.options.verbose) this.io.out(formatMessage({ execute: "human-monitor-command", arguments: this.hmpArgs(text) }, this.options.pretty) + "\n");
    try {
      const output = String(await this.client.executeUntyped("human-monitor-command", this.hmpArgs(text), { signal, timeout: this.options.timeout }));
      this.io.out(output.replaceAll("\r\n", "\n"));
      this.quitSent = /^(quit|q)$/.test(text);
      return true;
    } catch (err) {
      if (!(err instanceof ExecuteError)) throw err;
      this.io.err(`Error: ${err.desc}\n`);
      return false;
    }
  }

  onEvent(callback: (event: QmpEventMessage) => void): () => void {
    return this.client.onEvent(callback);
  }
}
