import { describe, expect, it } from "vitest";
import { CommandLineError, parseCommandLine, parseValue, splitWords } from "../../../clients/shell/command-line.js";

describe("qmp-shell input syntax", () => {
  it("splits words at blanks outside quotes and brackets", () => {
    expect(splitWords('qom-set path=/machine value={"a": 1, "b": [1, 2]} desc="two words"  x=\'y z\'')).toEqual([
      "qom-set",
      "path=/machine",
      'value={"a": 1, "b": [1, 2]}',
      'desc="two words"',
      "x='y z'",
    ]);
    expect(splitWords("  ")).toEqual([]);
  });

  it("parses values as JSON where they parse, else as strings", () => {
    expect(parseValue("true")).toBe(true);
    expect(parseValue("False")).toBe(false);
    expect(parseValue("42")).toBe(42);
    expect(parseValue("-1.5")).toBe(-1.5);
    expect(parseValue("18446744073709551615")).toBe(18446744073709551615n);
    expect(parseValue("null")).toBe(null);
    expect(parseValue('{"a":1}')).toEqual({ a: 1 });
    expect(parseValue("{'a': [1, 2]}")).toEqual({ a: [1, 2] });
    expect(parseValue("[1,2]")).toEqual([1, 2]);
    expect(parseValue('"two words"')).toBe("two words");
    expect(parseValue("'single'")).toBe("single");
    expect(parseValue("/machine/unattached/device[0]")).toBe("/machine/unattached/device[0]");
    expect(parseValue("{not json")).toBe("{not json");
    expect(parseValue("")).toBe("");
  });

  it("builds commands with nested objects from dotted keys", () => {
    expect(parseCommandLine("query-status")).toEqual({ kind: "command", command: "query-status", args: {} });
    expect(parseCommandLine("object-add qom-type=memory-backend-ram id=m0 size=1048576 a.b.c=1 a.b.d=x a.e=[1]")).toEqual({
      kind: "command",
      command: "object-add",
      args: { "qom-type": "memory-backend-ram", id: "m0", size: 1048576, a: { b: { c: 1, d: "x" }, e: [1] } },
    });
    expect(parseCommandLine("   ")).toEqual({ kind: "empty" });
  });

  it("takes a raw JSON object as it is", () => {
    expect(parseCommandLine('{"execute": "query-name", "id": 7}')).toEqual({ kind: "raw", message: { execute: "query-name", id: 7 } });
    expect(() => parseCommandLine('{"execute": }')).toThrow(new CommandLineError("JSON parse error, expecting value"));
  });

  it("rejects what qmp-shell rejects, with its texts", () => {
    expect(() => parseCommandLine("qom-get path")).toThrow(new CommandLineError("Expected a key=value pair, got 'path'"));
    expect(() => parseCommandLine("x a=1 a=2")).toThrow(new CommandLineError('Cannot set "a" multiple times'));
    expect(() => parseCommandLine("x a=1 a.b=2")).toThrow(new CommandLineError('Cannot use "a" as both leaf and non-leaf key'));
    expect(() => parseCommandLine("x a.b=2 a=1")).toThrow(new CommandLineError('Cannot use "" as both leaf and non-leaf key'));
  });
});
