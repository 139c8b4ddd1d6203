import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { generate } from "../../protocol/scripts/gen-qapi.mjs";
import { parseQapiText, readQapiSchema } from "../../protocol/scripts/qapi-reader.mjs";
import { buildModel } from "../../protocol/scripts/qapi-model.mjs";
import { buildIntrospection } from "../../protocol/scripts/qapi-introspect.mjs";

const root = fileURLToPath(new URL("../../", import.meta.url));

describe("protocol/gen is what the generator makes from protocol/qapi", () => {
  const files = generate();
  for (const [file, content] of Object.entries(files)) {
    it(`protocol/gen/${file} is up to date (run npm run gen:qapi)`, () => {
      expect(readFileSync(join(root, "protocol/gen", file), "utf8")).toBe(content);
    });
  }

  it("generated TypeScript type-checks on its own under strict settings", () => {
    const tsc = join(root, "node_modules/typescript/bin/tsc");
    const args = ["--ignoreConfig", "--noEmit", "--strict", "--target", "es2022", "--module", "nodenext", "--moduleResolution", "nodenext", "--verbatimModuleSyntax", "--noUnusedLocals", "--skipLibCheck", "--types", "node"];
    const files = ["protocol/gen/types.ts", "protocol/gen/commands.ts"];
    // Throws (with the compiler's output) when tsc reports an error.
    execFileSync(process.execPath, [tsc, ...args, ...files], { cwd: root, encoding: "utf8" });
  });
});

describe("the QAPI reader", () => {
  it("reads comments, single-quoted strings, nested values and booleans", () => {
    const exprs = parseQapiText("# c\n{ 'command': 'x', # tail\n  'data': { '*a': ['int'] }, 'allow-oob': true }\n{'event':'E'}", "t.json");
    expect(exprs).toEqual([
      { expr: { command: "x", data: { "*a": ["int"] }, "allow-oob": true }, line: 2 },
      { expr: { event: "E" }, line: 4 },
    ]);
  });

  it("rejects what QAPI does not allow", () => {
    expect(() => parseQapiText("{ 'a': 'b', 'a': 'c' }", "t.json")).toThrow(/t.json:1: duplicate key 'a'/);
    expect(() => parseQapiText('{ "a": 1 }', "t.json")).toThrow(/t.json:1: expected '''/);
    expect(() => parseQapiText("{ 'a': 1 }", "t.json")).toThrow(/unexpected character '1'/);
    expect(() => parseQapiText("[ 'x' ]", "t.json")).toThrow(/must be an object/);
  });
});

describe("the schema model and introspection on a small schema", () => {
  const write = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), "qapi-"));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return join(dir, "root.json");
  };

  it("flattens bases, fills union variants with the empty object and masks in first-use order", () => {
    const model = buildModel(
      readQapiSchema(
        write({
          "root.json": "{ 'include': 'a.json' }\n{ 'command': 'c2', 'data': { 'n': 'uint8' }, 'returns': ['U'] }",
          "a.json":
            "{ 'enum': 'K', 'data': [ 'one', 'two' ] }\n{ 'struct': 'B', 'data': { 'b': 'str' } }\n{ 'struct': 'S', 'base': 'B', 'data': { '*s': 'bool' } }\n" +
            "{ 'union': 'U', 'base': { 'k': 'K' }, 'discriminator': 'k', 'data': { 'one': 'S' } }\n{ 'command': 'c1' }\n{ 'event': 'EV', 'data': 'S' }",
        }),
      ),
    );
    expect(model.types.S).toEqual({ meta: "object", members: [{ name: "b", type: "str", optional: false }, { name: "s", type: "bool", optional: true }] });
    expect(model.types.U).toMatchObject({ tag: "k", variants: [{ case: "one", type: "S" }, { case: "two", type: "q_empty" }] });
    // Root module first (QEMU visits modules in the order they were first mentioned),
    // then the types in the order the walk first uses them.
    expect(buildIntrospection(model, "machine")).toEqual([
      { name: "c2", "meta-type": "command", "arg-type": "0", "ret-type": "[1]" },
      { name: "c1", "meta-type": "command", "arg-type": "2", "ret-type": "2" },
      { name: "EV", "meta-type": "event", "arg-type": "3" },
      { name: "0", "meta-type": "object", members: [{ name: "n", type: "int" }] },
      { name: "[1]", "meta-type": "array", "element-type": "1" },
      { name: "1", "meta-type": "object", members: [{ name: "k", type: "4" }], tag: "k", variants: [{ case: "one", type: "3" }, { case: "two", type: "2" }] },
      { name: "2", "meta-type": "object", members: [] },
      { name: "3", "meta-type": "object", members: [{ name: "b", type: "str" }, { name: "s", type: "bool", default: null }] },
      { name: "int", "meta-type": "builtin", "json-type": "int" },
      { name: "4", "meta-type": "enum", members: [{ name: "one" }, { name: "two" }], values: ["one", "two"] },
      { name: "str", "meta-type": "builtin", "json-type": "string" },
      { name: "bool", "meta-type": "builtin", "json-type": "boolean" },
    ]);
  });

  it("reports unknown types and bad discriminators", () => {
    expect(() => buildModel(readQapiSchema(write({ "root.json": "{ 'struct': 'S', 'data': { 'a': 'Nope' } }" })))).toThrow(/unknown type 'Nope'/);
    expect(() =>
      buildModel(readQapiSchema(write({ "root.json": "{ 'union': 'U', 'base': { 'k': 'str' }, 'discriminator': 'k', 'data': {} }" }))),
    ).toThrow(/must be an enum/);
  });
});
