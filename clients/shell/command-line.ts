/**
 * qmp-shell's input syntax:
 *
 *   command key=value key2.sub=value …     → {"execute": "command", "arguments": {…}}
 *   { "execute": …, … }                     → sent as typed
 *
 * Words are separated by blanks outside quotes and brackets, so
 * `value={"a": 1, "b": [1, 2]}` and `desc="two words"` are single words.  A
 * value is JSON when it parses as JSON (numbers, true/false/null, objects,
 * arrays, quoted strings; QMP's parser also takes 'single quotes'), `true`
 * and `false` in any case are booleans (as in QEMU's qmp-shell), and
 * anything else is a string.  A dotted key builds nested objects.
 */
import { isJsonObject, type JsonObject, type JsonValue } from "../../src/qobject/json-value.js";
import { parseJson } from "../../src/qobject/parse-json.js";

/** A line the shell cannot turn into a command; the text is qmp-shell's. */
export class CommandLineError extends Error {}

export const COMMAND_FORMAT = "command format: <command-name>  [arg-name1=arg1] ... [arg-nameN=argN]";

/** Splits at blanks that are outside quotes and outside {} / [] nesting. Unclosed quotes run to the end. */
export function splitWords(line: string): string[] {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i]!;
    if (quote !== undefined) {
      word += ch;
      if (ch === "\\" && i + 1 < line.length) word += line[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (/\s/.test(ch) && depth === 0) {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      continue;
    }
    inWord = true;
    word += ch;
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "{" || ch === "[") depth++;
    else if ((ch === "}" || ch === "]") && depth > 0) depth--;
  }
  if (inWord) words.push(word);
  return words;
}

/** Removes shell-style quotes: a"b c"d → ab cd (backslash escapes the next character inside double quotes). */
export function unquote(text: string): string {
  let out = "";
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quote === undefined && (ch === '"' || ch === "'")) quote = ch;
    else if (quote !== undefined && ch === quote) quote = undefined;
    else if (quote === '"' && ch === "\\" && i + 1 < text.length) out += text[++i];
    else out += ch;
  }
  return out;
}

/** The value of `key=VALUE`. */
export function parseValue(text: string): JsonValue {
  const lower = text.toLowerCase();
  if (lower === "true") return true;
  if (lower === "false") return false;
  try {
    return parseJson(text);
  } catch {
    return unquote(text);
  }
}

/** Index of the first "=" outside quotes, or -1. */
function equalsIndex(word: string): number {
  let quote: string | undefined;
  for (let i = 0; i < word.length; i++) {
    const ch = word[i]!;
    if (quote !== undefined) {
      if (ch === "\\") i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === "=") return i;
  }
  return -1;
}

/** Puts `value` at the dotted `key` inside `args`, with qmp-shell's errors for clashes. */
export function setDotted(args: JsonObject, key: string, value: JsonValue): void {
  const path = key.split(".");
  let parent = args;
  const seen: string[] = [];
  for (const part of path.slice(0, -1)) {
    seen.push(part);
    const existing = parent[part] ?? {};
    if (!isJsonObject(existing)) throw new CommandLineError(`Cannot use "${seen.join(".")}" as both leaf and non-leaf key`);
    parent[part] = existing;
    parent = existing;
  }
  const leaf = path[path.length - 1]!;
  if (leaf in parent) {
    if (isJsonObject(parent[leaf])) throw new CommandLineError(`Cannot use "${seen.join(".")}" as both leaf and non-leaf key`);
    throw new CommandLineError(`Cannot set "${key}" multiple times`);
  }
  parent[leaf] = value;
}

export interface KeyValueCommand {
  command: string;
  args: JsonObject;
}

/** `key=value` words after the command name. */
export function parseArguments(words: readonly string[]): JsonObject {
  const args: JsonObject = {};
  for (const word of words) {
    const eq = equalsIndex(word);
    if (eq <= 0) throw new CommandLineError(`Expected a key=value pair, got '${unquote(word)}'`);
    setDotted(args, unquote(word.slice(0, eq)), parseValue(word.slice(eq + 1)));
  }
  return args;
}

export type ParsedLine = { kind: "empty" } | { kind: "raw"; message: JsonObject } | ({ kind: "command" } & KeyValueCommand);

export function parseCommandLine(line: string): ParsedLine {
  const text = line.trim();
  if (text === "") return { kind: "empty" };
  if (text.startsWith("{")) {
    let value: JsonValue;
    try {
      value = parseJson(text);
    } catch (err) {
      throw new CommandLineError((err as Error).message);
    }
    if (!isJsonObject(value)) throw new CommandLineError("a raw QMP message must be a JSON object");
    return { kind: "raw", message: value };
  }
  const [command, ...rest] = splitWords(text);
  return { kind: "command", command: unquote(command!), args: parseArguments(rest) };
}
