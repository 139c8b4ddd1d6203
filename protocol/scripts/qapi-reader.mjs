// Reads QAPI schema files (QEMU's schema language) into a flat, ordered list of
// definitions.  The syntax is JSON with single-quoted strings, '#' comments and
// no escapes; expressions follow each other without separators.  Includes are
// resolved relative to the including file and each module is read once.
//
// Order matters to introspection: QEMU lists a module's definitions together,
// modules in the order they were first mentioned (the root first).  The reader
// reproduces that order.

import { readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

/**
 * @typedef {string | boolean | QapiValue[] | { [key: string]: QapiValue }} QapiValue
 * @typedef {{ [key: string]: QapiValue }} QapiExpr
 * @typedef {{ expr: QapiExpr, module: string, file: string, line: number }} QapiDefinition
 * @typedef {{ definitions: QapiDefinition[], pragmas: { [key: string]: QapiValue } }} QapiSchemaSource
 */

class QapiSyntaxError extends Error {
  /** @param {string} file @param {number} line @param {string} message */
  constructor(file, line, message) {
    super(`${file}:${line}: ${message}`);
    this.name = "QapiSyntaxError";
  }
}

/**
 * Splits one file into top-level expressions.
 * @param {string} text
 * @param {string} file
 * @returns {{ expr: QapiExpr, line: number }[]}
 */
export function parseQapiText(text, file) {
  let pos = 0;
  let line = 1;

  const fail = (/** @type {string} */ msg) => {
    throw new QapiSyntaxError(file, line, msg);
  };

  /** Skips blanks and comments; returns the next significant character or "". */
  const peek = () => {
    for (;;) {
      const c = text[pos];
      if (c === undefined) return "";
      if (c === "\n") {
        line++;
        pos++;
      } else if (c === " " || c === "\t" || c === "\r") {
        pos++;
      } else if (c === "#") {
        while (pos < text.length && text[pos] !== "\n") pos++;
      } else {
        return c;
      }
    }
  };

  const expect = (/** @type {string} */ ch) => {
    if (peek() !== ch) fail(`expected '${ch}'`);
    pos++;
  };

  /** @returns {string} */
  const parseString = () => {
    expect("'");
    const start = pos;
    while (text[pos] !== "'") {
      if (pos >= text.length || text[pos] === "\n") fail("unterminated string");
      if (text[pos] === "\\") fail("escapes are not part of the schema language");
      pos++;
    }
    const s = text.slice(start, pos);
    pos++;
    return s;
  };

  /** @returns {QapiValue} */
  const parseValue = () => {
    const c = peek();
    if (c === "{") {
      pos++;
      /** @type {{ [key: string]: QapiValue }} */
      const obj = {};
      if (peek() === "}") {
        pos++;
        return obj;
      }
      for (;;) {
        const key = parseString();
        if (Object.hasOwn(obj, key)) fail(`duplicate key '${key}'`);
        expect(":");
        obj[key] = parseValue();
        const n = peek();
        pos++;
        if (n === "}") return obj;
        if (n !== ",") fail("expected ',' or '}'");
      }
    }
    if (c === "[") {
      pos++;
      /** @type {QapiValue[]} */
      const arr = [];
      if (peek() === "]") {
        pos++;
        return arr;
      }
      for (;;) {
        arr.push(parseValue());
        const n = peek();
        pos++;
        if (n === "]") return arr;
        if (n !== ",") fail("expected ',' or ']'");
      }
    }
    if (c === "'") return parseString();
    if (text.startsWith("true", pos)) {
      pos += 4;
      return true;
    }
    if (text.startsWith("false", pos)) {
      pos += 5;
      return false;
    }
    return fail(`unexpected character '${c}'`);
  };

  /** @type {{ expr: QapiExpr, line: number }[]} */
  const out = [];
  while (peek() !== "") {
    if (peek() !== "{") fail("a top-level expression must be an object");
    const at = line;
    const v = parseValue();
    out.push({ expr: /** @type {QapiExpr} */ (v), line: at });
  }
  return out;
}

/**
 * Reads the root schema file and every file it includes.
 * @param {string} rootFile
 * @returns {QapiSchemaSource}
 */
export function readQapiSchema(rootFile) {
  const rootDir = dirname(rootFile);
  /** @type {Map<string, QapiDefinition[]>} module name → its definitions, in first-mention order */
  const modules = new Map();
  /** @type {{ [key: string]: QapiValue }} */
  const pragmas = {};

  const visit = (/** @type {string} */ file) => {
    const module = relative(rootDir, file);
    if (modules.has(module)) return;
    /** @type {QapiDefinition[]} */
    const defs = [];
    modules.set(module, defs);
    for (const { expr, line } of parseQapiText(readFileSync(file, "utf8"), module)) {
      if (typeof expr.include === "string") {
        visit(join(dirname(file), expr.include));
      } else if (expr.pragma !== undefined) {
        const p = expr.pragma;
        if (typeof p !== "object" || Array.isArray(p)) throw new QapiSyntaxError(module, line, "pragma must be an object");
        Object.assign(pragmas, p);
      } else {
        defs.push({ expr, module, file: module, line });
      }
    }
  };
  visit(rootFile);
  return { definitions: [...modules.values()].flat(), pragmas };
}
