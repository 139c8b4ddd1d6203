/**
 * The daemon's machines: machine-create / -list / -delete / -start, the
 * per-machine sockets, restoring definitions at start and stopping all at
 * the end.  A definition is on disk before machine-create answers.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { JsonObject } from "../qobject/json-value.js";
import { QmpError } from "../qapi/error.js";
import { idWellFormed } from "../qom/user-creatable.js";
import { EventHub, type QmpEvent } from "../monitor/events.js";
import type { MonitorLog } from "../monitor/log.js";
import { QmpSession } from "../monitor/qmp-session.js";
import { QmpSocketServer } from "../monitor/transport/unix.js";
import { MachineBackend } from "./machine-backend.js";
import { cliErrorDesc, machineArgv } from "./machine-args.js";
import type { MachineStore } from "./machine-store.js";
import { ManagedMachine, type WorkerSettings } from "./managed-machine.js";
import { MachineCreateError } from "./worker-machine.js";

export interface MachineManagerOptions {
  runtimeDir: string;
  store: MachineStore;
  log: MonitorLog;
  worker: WorkerSettings;
}

export class MachineManager {
  private readonly machines = new Map<string, ManagedMachine>();
  /** Events of every machine, tagged with "machine", for control-socket clients. */
  readonly events = new EventHub();
  private readonly socketDir: string;

  constructor(private readonly options: MachineManagerOptions) {
    this.socketDir = join(options.runtimeDir, "machines");
    mkdirSync(this.socketDir, { recursive: true, mode: 0o700 });
  }

  list(): ManagedMachine[] {
    return [...this.machines.values()];
  }

  get(name: string): ManagedMachine | undefined {
    return this.machines.get(name);
  }

  /** The machine a control-socket command addresses: the named one, or the only one. */
  resolve(name: string | undefined): ManagedMachine {
    if (name !== undefined) {
      const m = this.machines.get(name);
      if (!m) throw new QmpError("GenericError", `Machine '${name}' not found`);
      return m;
    }
    if (this.machines.size === 1) return [...this.machines.values()][0]!;
    if (this.machines.size === 0) throw new QmpError("GenericError", "No machine exists; create one with machine-create");
    throw new QmpError("GenericError", "Parameter 'machine' is missing");
  }

  private checkName(name: string): void {
    if (!idWellFormed(name)) throw new QmpError("GenericError", "Parameter 'name' expects an identifier");
    if (this.machines.has(name)) throw new QmpError("GenericError", `Machine '${name}' already exists`);
  }

  async create(args: JsonObject): Promise<JsonObject> {
    const name = args["name"] as string;
    this.checkName(name);
    const argv = machineArgv(args);
    const machine = this.add({ name, argv });
    try {
      await machine.spawn(this.options.worker);
      this.options.store.save(machine.definition);
      await this.openSocket(machine);
    } catch (err) {
      this.machines.delete(name);
      await machine.stop();
      await machine.server?.close();
      if (err instanceof MachineCreateError) {
        if (!err.cli) this.options.log.error({ machine: name, err: err.message }, "machine creation failed");
        throw new QmpError("GenericError", err.cli ? cliErrorDesc(err.message, this.options.worker.prog) : `Machine '${name}' could not be created`);
      }
      throw err;
    }
    this.options.log.info({ machine: name, argv }, "machine created");
    return machine.info();
  }

  private add(definition: { name: string; argv: string[] }): ManagedMachine {
    const machine = new ManagedMachine(definition, join(this.socketDir, `${definition.name}.qmp`), this.options.log.child({ machine: definition.name }));
    machine.events.subscribe((event) => this.events.emit(tagged(event, definition.name)));
    this.machines.set(definition.name, machine);
    return machine;
  }

  private async openSocket(machine: ManagedMachine): Promise<void> {
    const backend = new MachineBackend(machine);
    const log = this.options.log.child({ machine: machine.name, socket: "machine" });
    machine.server = new QmpSocketServer({
      listen: { path: machine.socketPath },
      clients: "single",
      newSession: (t) => new QmpSession(t, backend, { log }),
      log,
    });
    await machine.server.listen();
  }

  async delete(name: string): Promise<void> {
    const machine = this.resolveExact(name);
    this.machines.delete(name);
    this.options.store.remove(name);
    await machine.stop();
    await machine.server?.close();
    this.options.log.info({ machine: name }, "machine deleted");
  }

  async start(name: string): Promise<void> {
    const machine = this.resolveExact(name);
    if (!machine.handle) {
      try {
        await machine.spawn(this.options.worker);
      } catch (err) {
        if (err instanceof MachineCreateError) {
          throw new QmpError("GenericError", err.cli ? cliErrorDesc(err.message, this.options.worker.prog) : `Machine '${name}' could not be started`);
        }
        throw err;
      }
    }
    await machine.handle!.call("cont", {});
  }

  private resolveExact(name: string): ManagedMachine {
    const machine = this.machines.get(name);
    if (!machine) throw new QmpError("GenericError", `Machine '${name}' not found`);
    return machine;
  }

  /** Restores the saved machines, paused; a machine that fails to build is kept in 'internal-error'. */
  async restore(): Promise<void> {
    const { definitions, corrupt } = this.options.store.loadAll();
    for (const c of corrupt) this.options.log.error({ file: c.file, movedTo: c.movedTo, error: c.error }, "corrupt machine definition moved aside");
    for (const def of definitions) {
      const machine = this.add(def);
      try {
        await machine.spawn(this.options.worker);
      } catch (err) {
        machine.markFailed();
        this.options.log.error({ machine: def.name, err: err instanceof Error ? err.message : String(err) }, "saved machine could not be rebuilt");
      }
      await this.openSocket(machine);
      this.options.log.info({ machine: def.name, status: machine.status }, "machine restored");
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all(
      this.list().map(async (m) => {
        await m.stop();
        await m.server?.close();
      }),
    );
  }
}

function tagged(event: QmpEvent, machine: string): QmpEvent {
  return { ...event, machine };
}
