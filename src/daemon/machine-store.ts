/**
 * Machine definitions on disk: one JSON file per machine in the state
 * directory.  A definition is written to a temporary file, fsynced and
 * renamed over the old one, and the directory is fsynced, so once save()
 * resolves the definition survives a crash or kill -9.  A file that does not
 * parse is moved aside (NAME.json.corrupt-TIME) and reported; the others
 * still load.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { idWellFormed } from "../qom/user-creatable.js";

export interface MachineDefinition {
  name: string;
  /** The machine's qemu-system-x86_64 arguments (without the program name). */
  argv: string[];
}

export interface LoadResult {
  definitions: MachineDefinition[];
  /** Files that were moved aside, with the reason. */
  corrupt: Array<{ file: string; movedTo: string; error: string }>;
}

const SUFFIX = ".json";

function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function parseDefinition(text: string, expectedName: string): MachineDefinition {
  const data = JSON.parse(text) as unknown;
  if (typeof data !== "object" || data === null) throw new Error("not a JSON object");
  const { name, argv } = data as { name?: unknown; argv?: unknown };
  if (typeof name !== "string" || !idWellFormed(name)) throw new Error("'name' is not a machine name");
  if (name !== expectedName) throw new Error(`'name' is '${name}' but the file is for '${expectedName}'`);
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === "string")) throw new Error("'argv' is not a list of strings");
  return { name, argv: argv as string[] };
}

export class MachineStore {
  readonly dir: string;

  constructor(stateDir: string) {
    this.dir = join(stateDir, "machines");
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
  }

  private file(name: string): string {
    return join(this.dir, name + SUFFIX);
  }

  save(def: MachineDefinition): void {
    const tmp = join(this.dir, `.${def.name}${SUFFIX}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, JSON.stringify({ version: 1, name: def.name, argv: def.argv }, null, 2) + "\n");
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.file(def.name));
    fsyncDir(this.dir);
  }

  remove(name: string): void {
    try {
      unlinkSync(this.file(name));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    fsyncDir(this.dir);
  }

  loadAll(): LoadResult {
    const result: LoadResult = { definitions: [], corrupt: [] };
    for (const entry of readdirSync(this.dir).sort()) {
      const path = join(this.dir, entry);
      if (entry.startsWith(".") && entry.endsWith(".tmp")) {
        // A save interrupted before its rename: the previous definition (if any) is still in place.
        unlinkSync(path);
        continue;
      }
      if (!entry.endsWith(SUFFIX)) continue;
      const name = entry.slice(0, -SUFFIX.length);
      try {
        result.definitions.push(parseDefinition(readFileSync(path, "utf8"), name));
      } catch (err) {
        const movedTo = `${path}.corrupt-${Date.now()}`;
        renameSync(path, movedTo);
        result.corrupt.push({ file: path, movedTo, error: err instanceof Error ? err.message : String(err) });
      }
    }
    return result;
  }
}
