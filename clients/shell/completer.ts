/**
 * Tab completion.  QMP mode: command names (query-commands and the shell's
 * own), then `key=` argument names, `key.` for nested objects, and enum or
 * boolean values after `key=` (query-qmp-schema); machine names after `use`.
 * HMP mode: command names from HMP's `help`, and `info` topics.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../src/qobject/json-value.js";
import { CommandLineError, parseArguments, splitWords, unquote } from "./command-line.js";
import type { SchemaIndex } from "./schema-index.js";

export type Completion = [hits: string[], completing: string];

export const SHELL_COMMANDS = ["use"] as const;

function matching(candidates: Iterable<string>, prefix: string): string[] {
  return [...new Set(candidates)].filter((c) => c.startsWith(prefix)).sort();
}

/** The words before the one under the cursor, and that word (empty after a blank). */
function lastWord(line: string): { before: string[]; current: string } {
  const words = splitWords(line);
  if (words.length === 0 || /\s$/.test(line)) return { before: words, current: "" };
  return { before: words.slice(0, -1), current: words[words.length - 1]! };
}

export function completeQmp(line: string, schema: SchemaIndex, machines: readonly string[]): Completion {
  if (line.trimStart().startsWith("{")) return [[], line];
  const { before, current } = lastWord(line);
  if (before.length === 0) return [matching([...schema.commands, ...SHELL_COMMANDS], current), current];
  const command = unquote(before[0]!);
  if (command === "use") return [before.length === 1 ? matching(machines, current) : [], current];

  let given: JsonObject = {};
  try {
    given = parseArguments(before.slice(1));
  } catch (err) {
    if (!(err instanceof CommandLineError)) throw err;
  }
  const eq = current.indexOf("=");
  if (eq >= 0) {
    const key = current.slice(0, eq);
    const type = schema.typeAt(command, key.split("."), given);
    if (type === undefined) return [[], current];
    const values = schema.valuesOf(type);
    if (key.split(".").pop() === "machine" && values.length === 0) return [matching(machines.map((m) => `${key}=${m}`), current), current];
    return [matching(values.map((v) => `${key}=${v}`), current), current];
  }

  const parts = current.split(".");
  const prefix = parts.slice(0, -1);
  let scope: JsonValue | undefined = given;
  for (const p of prefix) scope = isJsonObject(scope) ? scope[p] : undefined;
  const taken = new Set(isJsonObject(scope) ? Object.keys(scope) : []);
  const members = schema.membersAt(command, prefix, given).filter((m) => !taken.has(m.name));
  const lead = prefix.length > 0 ? prefix.join(".") + "." : "";
  const hits = members.map((m) => `${lead}${m.name}${schema.isObject(m.type) && schema.valuesOf(m.type).length === 0 ? "." : "="}`);
  return [matching(hits, current), current];
}

/** HMP command names from the text of `help` ("name|alias args -- text" per line). */
export function hmpCommandNames(helpText: string, prefix = ""): string[] {
  const names: string[] = [];
  for (const line of helpText.split(/\r?\n/)) {
    if (!line.startsWith(prefix)) continue;
    const word = line.slice(prefix.length).split(/\s/)[0];
    if (word) names.push(...word.split("|"));
  }
  return names;
}

export function completeHmp(line: string, commands: readonly string[], infoTopics: readonly string[]): Completion {
  const { before, current } = lastWord(line);
  if (before.length === 0) return [matching(commands, current), current];
  if (before.length === 1 && before[0] === "info") return [matching(infoTopics, current), current];
  return [[], current];
}
