import { describe, expect, it } from "vitest";
import { JsonMessageParser } from "../../src/qobject/json-streamer.js";
import { qmpLine, toQmpJson } from "../../src/qobject/json-writer.js";
import type { JsonObject, JsonValue } from "../../src/qobject/json-value.js";
import { parseJson } from "../../src/qobject/parse-json.js";
import { bytesOf, readFixture, replyValue } from "./qmp-test-replies.js";

/** Non-comment lines of a fixture holding one response line per line. */
function responseLines(name: string): string[] {
  return readFixture(name)
    .split("\n")
    .filter((l) => l !== "" && !l.startsWith("#"));
}

/**
 * Rebuilds every object with its keys inserted in the reverse of the wire
 * order. QEMU prints ascending hash buckets, newest key first inside a
 * bucket, so this insertion order is consistent with what QEMU must have
 * done, yet the writer has to reorder every object whose keys span buckets.
 * Counts the objects whose key order the writer had to change.
 */
function reverseInsertion(value: JsonValue, changed: { count: number }): JsonValue {
  if (Array.isArray(value)) return value.map((v) => reverseInsertion(v, changed));
  if (value === null || typeof value !== "object") return value;
  const keys = Object.keys(value).reverse();
  if (keys.length > 1) changed.count++;
  const out: JsonObject = {};
  for (const key of keys) out[key] = reverseInsertion(value[key]!, changed);
  return out;
}

describe("toQmpJson reproduces real QEMU 7.2 output byte for byte", () => {
  for (const fixture of ["qmp-response-lines.txt", "qmp-large-responses.pc.txt"]) {
    it(`rewrites every line of ${fixture} from its value, with keys inserted in reverse order`, () => {
      const lines = responseLines(fixture);
      expect(lines.length).toBeGreaterThan(10);
      const changed = { count: 0 };
      for (const line of lines) {
        const value = reverseInsertion(parseJson(line), changed);
        expect(toQmpJson(value)).toBe(line);
        expect(qmpLine(value)).toBe(line + "\r\n");
      }
      // The test only proves the key order if the writer had to reorder objects.
      expect(changed.count).toBeGreaterThan(lines.length / 2);
    });
  }

  it("handles the 207 KB query-qmp-schema reply", () => {
    const schemaLine = responseLines("qmp-large-responses.pc.txt").find((l) => l.endsWith('"id": "schema"}'))!;
    expect(schemaLine.length).toBeGreaterThan(200_000);
    const [message] = new JsonMessageParser().feed(Buffer.from(schemaLine));
    expect(message && "value" in message).toBe(true);
    if (message && "value" in message) expect(toQmpJson(message.value)).toBe(schemaLine);
  });

  it("writes the pretty=on session as captured (CRLF line ends, empty object on two lines)", () => {
    const { reads } = JSON.parse(readFixture("qmp-pretty-session.json")) as { reads: string[] };
    for (const read of reads) {
      // A read may hold several messages; the parser splits them.
      const messages = new JsonMessageParser().feed(Buffer.from(read));
      const written = messages.map((m) => {
        if (!("value" in m)) throw new Error(m.error);
        return qmpLine(reverseInsertion(m.value, { count: 0 }), { pretty: true });
      });
      expect(written.join("")).toBe(read);
    }
  });

  it("writes pretty replies for nested empty containers as captured", () => {
    const { cases } = JSON.parse(readFixture("qmp-json-pretty-echo.json")) as {
      cases: { name: string; send: string; output: string }[];
    };
    for (const c of cases) {
      const [message] = new JsonMessageParser().feed(bytesOf(c.send));
      expect(qmpLine(replyValue(message!), { pretty: true }), c.name).toBe(c.output);
    }
  });
});

describe("toQmpJson details", () => {
  it("uses QEMU's separators and empty containers", () => {
    expect(toQmpJson({ return: {}, id: 1 })).toBe('{"return": {}, "id": 1}');
    expect(toQmpJson([1, [], {}, [null, true, false]])).toBe("[1, [], {}, [null, true, false]]");
    expect(toQmpJson("x")).toBe('"x"');
    expect(toQmpJson(null)).toBe("null");
  });

  it("orders keys like QEMU's QDict, whatever the insertion order", () => {
    expect(toQmpJson({ id: 1, return: {} })).toBe('{"return": {}, "id": 1}');
    expect(toQmpJson({ error: { desc: "d", class: "c" }, id: "x" })).toBe(
      '{"id": "x", "error": {"class": "c", "desc": "d"}}',
    );
    expect(toQmpJson({ data: {}, event: "STOP", timestamp: { microseconds: 2, seconds: 1 } })).toBe(
      '{"timestamp": {"seconds": 1, "microseconds": 2}, "event": "STOP", "data": {}}',
    );
    expect(toQmpJson({ major: 7, minor: 2, micro: 22 })).toBe('{"micro": 22, "minor": 2, "major": 7}');
    expect(toQmpJson({ running: false, singlestep: false, status: "paused" })).toBe(
      '{"status": "paused", "singlestep": false, "running": false}',
    );
    expect(toQmpJson({ type: "t", description: "d", name: "n", "default-value": 1 })).toBe(
      '{"default-value": 1, "name": "n", "description": "d", "type": "t"}',
    );
    expect(toQmpJson({ parent: "p", name: "n", abstract: true })).toBe('{"abstract": true, "name": "n", "parent": "p"}');
  });

  it("escapes like QEMU: named escapes, upper-case \\u, surrogate pairs, pure ASCII", () => {
    expect(toQmpJson('"\\/\b\f\n\r\t')).toBe('"\\"\\\\/\\b\\f\\n\\r\\t"');
    expect(toQmpJson("\u0000\u0001\u001f\u007f\u0080")).toBe('"\\u0000\\u0001\\u001F\\u007F\\u0080"');
    expect(toQmpJson("héllo ☃")).toBe('"h\\u00E9llo \\u2603"');
    expect(toQmpJson("😀")).toBe('"\\uD83D\\uDE00"');
    expect(toQmpJson({ "é": "'" })).toBe('{"\\u00E9": "\'"}');
  });

  it("prints what QEMU cannot hold as \\uFFFD", () => {
    expect(toQmpJson("a\ud800b")).toBe('"a\\uFFFDb"'); // lone surrogate
    expect(toQmpJson("\udc00")).toBe('"\\uFFFD"');
    expect(toQmpJson("\ufffe\uffff\ufdd0")).toBe('"\\uFFFD\\uFFFD\\uFFFD"'); // noncharacters
    expect(toQmpJson("\ud83f\udffe")).toBe('"\\uFFFD"'); // U+1FFFE
    expect(toQmpJson("\ufffd")).toBe('"\\uFFFD"');
  });

  it("prints integers as integers and doubles as %.17g", () => {
    expect(toQmpJson([1, -1, 0, 9007199254740991, -9007199254740991])).toBe(
      "[1, -1, 0, 9007199254740991, -9007199254740991]",
    );
    expect(toQmpJson([0.1, 3.5, 1e20, 1e16, 1.8446744073709552e19, 5e-324])).toBe(
      "[0.10000000000000001, 3.5, 1e+20, 10000000000000000, 1.8446744073709552e+19, 4.9406564584124654e-324]",
    );
    expect(toQmpJson([18446744073709551615n, -9223372036854775808n, 5n])).toBe(
      "[18446744073709551615, -9223372036854775808, 5]",
    );
    // A negative zero can only be a double; QEMU prints it as such.
    expect(toQmpJson(-0)).toBe("-0");
    // QEMU's writer does not guard against these either.
    expect(toQmpJson([Infinity, -Infinity])).toBe("[inf, -inf]");
  });

  it("lays out pretty mode as pretty=on does", () => {
    expect(toQmpJson({}, { pretty: true })).toBe("{\n}");
    expect(toQmpJson([], { pretty: true })).toBe("[\n]");
    expect(toQmpJson(5, { pretty: true })).toBe("5");
    expect(toQmpJson({ return: {}, id: [1, {}] }, { pretty: true })).toBe(
      '{\n    "return": {\n    },\n    "id": [\n        1,\n        {\n        }\n    ]\n}',
    );
  });

  it("qmpLine ends every line with CRLF", () => {
    expect(qmpLine({ return: {} })).toBe('{"return": {}}\r\n');
    expect(qmpLine({ return: {} }, { pretty: true })).toBe('{\r\n    "return": {\r\n    }\r\n}\r\n');
    expect(qmpLine({ id: "a\nb" })).toBe('{"id": "a\\nb"}\r\n');
  });

  it("keeps __proto__ as an ordinary key", () => {
    const value = parseJson('{"__proto__": {"x": 1}}');
    expect(Object.keys(value as object)).toEqual(["__proto__"]);
    expect(toQmpJson(value)).toBe('{"__proto__": {"x": 1}}');
  });
});
