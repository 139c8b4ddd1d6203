#!/usr/bin/env node
/**
 * qomd-qom: QOM from the command line, after QEMU's qom-tree, qom-list,
 * qom-get and qom-set scripts, for qomd and QEMU alike.
 *
 *   qomd-qom [options] tree [PATH]        composition tree (default "/")
 *   qomd-qom [options] list PATH          properties: "name", "child/", "@link/"
 *   qomd-qom [options] get PATH.PROP      one property value
 *   qomd-qom [options] set PATH.PROP VALUE   VALUE is JSON when it parses, else a string
 */
import { parseJson } from "../../src/qobject/parse-json.js";
import type { JsonValue } from "../../src/qobject/json-value.js";
import { parseArgv, UsageError } from "../cli/argv.js";
import { exitQuietlyOnClosedStdout } from "../cli/stdout.js";
import { formatCompact } from "../cli/json-format.js";
import { resolveTarget } from "../cli/target.js";
import { ExecuteError, QmpClientError } from "../lib/errors.js";
import { QmpClient } from "../lib/qmp-client.js";
import { pythonStr } from "./python-str.js";
import { childType, isLink, QomAccess } from "./qom-access.js";
import { formatTypeTree, formatValueTree, readTree } from "./qom-tree.js";

const USAGE = `usage: qomd-qom [options] tree [PATH]
       qomd-qom [options] list PATH
       qomd-qom [options] get PATH.PROPERTY
       qomd-qom [options] set PATH.PROPERTY VALUE

options:
  -s, --socket ADDRESS  QMP socket path or ws://HOST:PORT/qmp[/NAME] URL
                        (default: $QMP_SOCKET, else the daemon's control socket)
  -m, --machine NAME    the machine, on qomd's control socket
  --token TOKEN         WebSocket token (default: RUNTIME_DIR/token)
  --runtime-dir DIR     the daemon's runtime directory
  --values              tree: print every property value too (python qom-tree layout)
  --json                machine-readable output
  -h, --help            show this help
`;

/** "PATH.PROP" split at the last dot, as QEMU's qom-get does. */
function splitPathProp(text: string): [string, string] {
  const dot = text.lastIndexOf(".");
  if (dot <= 0 || dot === text.length - 1) throw new UsageError(`Invalid format for <path>.<property>: '${text}'`);
  return [text.slice(0, dot), text.slice(dot + 1)];
}

function parseValue(text: string): JsonValue {
  try {
    return parseJson(text);
  } catch {
    return text;
  }
}

async function run(argv: string[]): Promise<number> {
  const { flags, positional } = parseArgv(argv, {
    booleans: { "--values": "values", "--json": "json", "-h": "help", "--help": "help" },
    values: { "-s": "socket", "--socket": "socket", "-m": "machine", "--machine": "machine", "--token": "token", "--runtime-dir": "runtimeDir" },
  });
  if (flags["help"] === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const str = (k: string) => (typeof flags[k] === "string" ? (flags[k] as string) : undefined);
  const json = flags["json"] === true;
  const [command, ...args] = positional;
  const arity: Record<string, [number, number]> = { tree: [0, 1], list: [1, 1], get: [1, 1], set: [2, 2] };
  if (command === undefined || !(command in arity)) throw new UsageError(command === undefined ? "a command is needed" : `unknown command '${command}'`);
  const [min, max] = arity[command]!;
  if (args.length < min || args.length > max) throw new UsageError(`wrong number of arguments for '${command}'`);

  const target = resolveTarget({ address: str("socket") ?? process.env["QMP_SOCKET"], token: str("token"), runtimeDir: str("runtimeDir") });
  const client = await QmpClient.open(target.address, { timeout: 10_000 });
  try {
    const qom = new QomAccess(client, str("machine"));
    const out = (text: string) => process.stdout.write(text);
    switch (command) {
      case "tree": {
        const tree = await readTree(qom, args[0] ?? "/", flags["values"] === true);
        out(json ? formatCompact(tree as unknown as JsonValue) + "\n" : flags["values"] === true ? formatValueTree(tree) : formatTypeTree(tree));
        break;
      }
      case "list": {
        const items = await qom.list(args[0]!);
        if (json) out(formatCompact(items as unknown as JsonValue) + "\n");
        else for (const item of items) out(childType(item) !== undefined ? `${item.name}/\n` : isLink(item) ? `@${item.name}/\n` : `${item.name}\n`);
        break;
      }
      case "get": {
        const value = await qom.get(...splitPathProp(args[0]!));
        out((json ? formatCompact(value) : pythonStr(value)) + "\n");
        break;
      }
      case "set": {
        const [path, prop] = splitPathProp(args[0]!);
        await qom.set(path, prop, parseValue(args[1]!));
        break;
      }
    }
    return 0;
  } finally {
    await client.disconnect();
  }
}

exitQuietlyOnClosedStdout();
run(process.argv.slice(2)).then(
  (status) => process.exit(status),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`qomd-qom: ${err.message}\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof ExecuteError || err instanceof QmpClientError) {
      process.stderr.write(`qomd-qom: ${err.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`qomd-qom: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
