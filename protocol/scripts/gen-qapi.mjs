#!/usr/bin/env node
// Generates protocol/gen/ from protocol/qapi/qapi-schema.json.
//
//   node protocol/scripts/gen-qapi.mjs           write protocol/gen/*
//   node protocol/scripts/gen-qapi.mjs --check   exit 1 if protocol/gen/ is stale
//
// Outputs (all committed; review their diff):
//   schema.json               resolved model for src/qapi/ (types, commands, events)
//   introspect.json           query-qmp-schema of a machine's socket (QEMU's shape)
//   introspect-control.json   query-qmp-schema of the daemon's control socket
//   types.ts                  TypeScript types of every schema type, QmpCommands, QmpEvents
//   commands.ts               command descriptors (scope, oob, preconfig, gen, features)

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { readQapiSchema } from "./qapi-reader.mjs";
import { buildModel } from "./qapi-model.mjs";
import { addControlArgTypes, buildIntrospection } from "./qapi-introspect.mjs";
import { emitCommands, emitTypes } from "./qapi-typescript.mjs";

const protocolDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Everything protocol/gen/ should contain, by file name.
 * @param {string} [rootFile]
 * @returns {{ [file: string]: string }}
 */
export function generate(rootFile = join(protocolDir, "qapi", "qapi-schema.json")) {
  const model = buildModel(readQapiSchema(rootFile));
  const types = emitTypes(model);
  const commands = emitCommands(model);
  addControlArgTypes(model);
  const machineSchema = buildIntrospection(model, "machine");
  const controlSchema = buildIntrospection(model, "control");
  const { entities: _order, ...runtimeModel } = model;
  return {
    "schema.json": JSON.stringify(runtimeModel, null, 1) + "\n",
    "introspect.json": JSON.stringify(machineSchema) + "\n",
    "introspect-control.json": JSON.stringify(controlSchema) + "\n",
    "types.ts": types,
    "commands.ts": commands,
  };
}

function main() {
  const check = process.argv.includes("--check");
  const genDir = join(protocolDir, "gen");
  const files = generate();
  let stale = 0;
  mkdirSync(genDir, { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    const path = join(genDir, file);
    let current = "";
    try {
      current = readFileSync(path, "utf8");
    } catch {
      // missing counts as stale
    }
    if (current === content) continue;
    stale++;
    if (check) console.error(`protocol/gen/${file} is out of date`);
    else writeFileSync(path, content);
  }
  if (check && stale) process.exit(1);
  if (!check) console.log(`protocol/gen: ${stale} file(s) updated`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
