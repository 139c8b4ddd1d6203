import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseJson } from "../../src/qobject/parse-json.js";
import { isJsonObject, type JsonObject } from "../../src/qobject/json-value.js";
import { QmpArgumentError, QmpError } from "../../src/qapi/error.js";
import { validateCommandArguments, validateValue } from "../../src/qapi/qobject-input-visitor.js";

interface Case {
  request: string;
  desc: string;
}

const fixture = JSON.parse(readFileSync(new URL("../fixtures/qemu-7.2/qapi-argument-errors.json", import.meta.url), "utf8")) as { cases: Case[] };

function request(text: string): { execute: string; args: JsonObject | undefined } {
  const req = parseJson(text);
  if (!isJsonObject(req) || typeof req.execute !== "string") throw new Error(`bad fixture request ${text}`);
  const args = req.arguments;
  if (args !== undefined && !isJsonObject(args)) throw new Error(`bad fixture arguments ${text}`);
  return { execute: req.execute, args };
}

function errorOf(fn: () => unknown): QmpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof QmpError) return e;
    throw e;
  }
  throw new Error("no error thrown");
}

describe("argument errors recorded from QEMU 7.2", () => {
  for (const c of fixture.cases) {
    it(`${c.request} → ${c.desc}`, () => {
      const { execute, args } = request(c.request);
      const err = errorOf(() => validateCommandArguments(execute, args));
      expect(err).toBeInstanceOf(QmpArgumentError);
      expect(err.toWire()).toEqual({ class: "GenericError", desc: c.desc });
    });
  }
});

describe("validated arguments", () => {
  it("returns members in schema order, leaving absent optionals out", () => {
    const { args } = request('{"execute":"qom-list-types","arguments":{"abstract":true}}');
    expect(validateCommandArguments("qom-list-types", args)).toEqual({ abstract: true });
    const out = validateCommandArguments("qom-get", { property: "type", path: "/machine" });
    expect(Object.keys(out)).toEqual(["path", "property"]);
  });

  it("accepts a flat union and keeps the variant's members", () => {
    const out = validateCommandArguments("object-add", { "qom-type": "memory-backend-ram", id: "m0", size: 4096, share: true });
    expect(out).toEqual({ "qom-type": "memory-backend-ram", id: "m0", share: true, size: 4096 });
  });

  it("accepts tag values whose variant has no members", () => {
    expect(validateCommandArguments("object-add", { "qom-type": "can-bus", id: "cb0" })).toEqual({ "qom-type": "can-bus", id: "cb0" });
  });

  it("wraps negative uint64/size values as QEMU does and keeps big values as bigint", () => {
    const { args } = request('{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"m","size":-1}}');
    expect(validateCommandArguments("object-add", args).size).toBe(2n ** 64n - 1n);
    const big = request('{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"m","size":18446744073709551615}}');
    expect(validateCommandArguments("object-add", big.args).size).toBe(18446744073709551615n);
  });

  it("normalizes bigint values that fit a safe integer back to number", () => {
    expect(validateCommandArguments("memsave", { val: 4096n, size: 16, filename: "/dev/null" }).val).toBe(4096);
  });

  it("passes 'any' through untouched", () => {
    const value = { nested: [1, "x", null] };
    expect(validateCommandArguments("qom-set", { path: "/machine", property: "p", value }).value).toBe(value);
  });

  it("does not check device_add ('gen': false): extra properties reach the handler", () => {
    const args = { driver: "e1000", id: "nic0", mac: "52:54:00:12:34:56", addr: 5 };
    expect(validateCommandArguments("device_add", args)).toEqual(args);
  });

  it("treats absent arguments as an empty object", () => {
    expect(validateCommandArguments("query-status", undefined)).toEqual({});
    expect(errorOf(() => validateCommandArguments("qom-get", undefined)).message).toBe("Parameter 'path' is missing");
  });
});

describe("the control socket's variant", () => {
  it("adds an optional 'machine' to machine-scope commands", () => {
    expect(validateCommandArguments("qom-get", { path: "/machine", property: "type", machine: "vm1" }, { socket: "control" })).toEqual({
      path: "/machine",
      property: "type",
      machine: "vm1",
    });
    expect(validateCommandArguments("query-status", {}, { socket: "control" })).toEqual({});
    expect(errorOf(() => validateCommandArguments("query-status", { machine: 1 }, { socket: "control" })).message).toBe(
      "Invalid parameter type for 'machine', expected: string",
    );
  });

  it("keeps 'machine' unknown on a machine's own socket", () => {
    expect(errorOf(() => validateCommandArguments("query-status", { machine: "vm1" })).message).toBe("Parameter 'machine' is unexpected");
  });

  it("adds 'machine' to a boxed union without losing its variants", () => {
    const out = validateCommandArguments("object-add", { "qom-type": "iothread", id: "io0", machine: "vm1", "poll-max-ns": 0 }, { socket: "control" });
    expect(out).toEqual({ "qom-type": "iothread", id: "io0", machine: "vm1", "poll-max-ns": 0 });
    expect(errorOf(() => validateCommandArguments("object-add", { "qom-type": "iothread", id: "io0", bogus: 1 }, { socket: "control" })).message).toBe(
      "Parameter 'bogus' is unexpected",
    );
  });

  it("gives connection and daemon commands no 'machine'", () => {
    expect(errorOf(() => validateCommandArguments("query-version", { machine: "vm1" }, { socket: "control" })).message).toBe(
      "Parameter 'machine' is unexpected",
    );
    expect(errorOf(() => validateCommandArguments("machine-start", { name: "a", machine: "b" }, { socket: "control" })).message).toBe(
      "Parameter 'machine' is unexpected",
    );
  });

  it("checks qomd's own commands", () => {
    expect(validateCommandArguments("machine-create", { name: "vm1", "machine-type": "pc", memory: 134217728, smp: 2 }, { socket: "control" })).toEqual({
      name: "vm1",
      "machine-type": "pc",
      memory: 134217728,
      smp: 2,
    });
    expect(errorOf(() => validateCommandArguments("machine-create", { argv: ["-M", "pc"] }, { socket: "control" })).message).toBe(
      "Parameter 'name' is missing",
    );
    expect(errorOf(() => validateCommandArguments("machine-create", { name: "x", devices: [{ id: "n" }] }, { socket: "control" })).message).toBe(
      "Parameter 'devices[0].driver' is missing",
    );
  });

  it("refuses daemon commands on a machine socket", () => {
    expect(() => validateCommandArguments("machine-list", {})).toThrow(/not a machine socket command/);
  });
});

describe("validateValue", () => {
  it("checks a single value against a named type", () => {
    expect(validateValue("RunState", "running")).toBe("running");
    expect(errorOf(() => validateValue("RunState", "flying", { name: "status" })).message).toBe("Parameter 'status' does not accept value 'flying'");
    expect(errorOf(() => validateValue("uint8", 256, { name: "x" })).message).toBe("Parameter 'x' expects uint8_t");
    expect(errorOf(() => validateValue("int8", -129, { name: "x" })).message).toBe("Parameter 'x' expects int8_t");
    expect(validateValue("number", 3n)).toBe(3);
    expect(errorOf(() => validateValue("null", 0, { name: "n" })).message).toBe("Invalid parameter type for 'n', expected: null");
  });
});
