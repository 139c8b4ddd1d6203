import { describe, expect, it } from "vitest";
import { JsonMessageParser, MAX_NESTING, type JsonMessage } from "../../src/qobject/json-streamer.js";
import { toQmpJson } from "../../src/qobject/json-writer.js";
import { bytesOf, expandReplies, readFixture, replyFor, type CapturedCase } from "./qmp-test-replies.js";

function loadCases(name: string): CapturedCase[] {
  return (JSON.parse(readFixture(name)) as { cases: CapturedCase[] }).cases;
}

/** Replays captured writes through one parser, as QEMU saw them on one connection. */
function replay(cases: CapturedCase[]): void {
  const parser = new JsonMessageParser();
  for (const c of cases) {
    const got = parser.feed(bytesOf(c.send)).map(replyFor);
    expect(got, c.name).toEqual(expandReplies(c.replies));
  }
}

/** A stable text form of messages for comparisons (handles bigint, keeps key order). */
function show(messages: JsonMessage[]): string[] {
  return messages.map((m) => ("error" in m ? `error: ${m.error}` : `value: ${toQmpJson(m.value)}`));
}

function feedAll(parser: JsonMessageParser, chunks: Buffer[]): JsonMessage[] {
  return chunks.flatMap((c) => parser.feed(c));
}

describe("JsonMessageParser against real QEMU 7.2 captures", () => {
  it("reproduces every captured reply, case by case", () => {
    replay(loadCases("qmp-json-input-cases.json"));
  });

  it("reproduces lexer error recovery carrying over between writes", () => {
    // Without separating newlines several errors are swallowed by recovery;
    // e.g. "1.x" right after "-x" produces no reply at all.
    const cases = loadCases("qmp-json-input-cases-carryover.json");
    expect(cases.find((c) => c.name === "mantissa no digit")!.replies).toEqual([]);
    replay(cases);
  });

  it("gives the documented error texts", () => {
    const desc = (input: string): string[] =>
      new JsonMessageParser().feed(bytesOf(input)).map((m) => ("error" in m ? m.error : "value"));
    expect(desc('{"execute": }')).toEqual(["JSON parse error, expecting value"]);
    expect(desc("\f")).toEqual(["JSON parse error, stray '\f'"]);
    expect(desc('{"execute": nul}')).toEqual(["JSON parse error, invalid keyword 'nul'"]);
    expect(desc('{"a":1,"a":2}')).toEqual(["JSON parse error, duplicate key"]);
    expect(desc("}")).toEqual(["JSON parse error, expecting value"]);
    expect(desc("\xff")).toEqual(["JSON parse error, stray '\uFFFD'"]);
    expect(desc('"\\x"')).toEqual(["JSON parse error, invalid escape sequence in string"]);
    expect(desc('"\\uDC00"')).toEqual(["JSON parse error, \\uDC00 is not a valid Unicode character"]);
    expect(desc('"\xc3("')).toEqual(["JSON parse error, invalid UTF-8 sequence in string"]);
    expect(desc("01 ")).toEqual(["JSON parse error, stray '01'"]);
    expect(desc('{"a" 1}')).toEqual(["JSON parse error, missing : in object pair"]);
    expect(desc("{1:2}")).toEqual(["JSON parse error, key is not a string in object"]);
    expect(desc("[1 2]")).toEqual(["JSON parse error, expected separator in list"]);
    expect(desc('{"a":1 "b":2}')).toEqual(["JSON parse error, expected separator in dict"]);
  });

  it("answers 0xFF inside a string with a stray error and then 'expecting value' (as captured)", () => {
    const replies = new JsonMessageParser().feed(bytesOf('{"execute":"query-name","id":"\xff"}')).map(replyFor);
    expect(replies).toEqual([
      `{"error": {"class": "GenericError", "desc": "JSON parse error, stray '\\"\\uFFFD'"}}`,
      `{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}`,
    ]);
  });
});

describe("message splitting", () => {
  const stream = Buffer.concat([
    bytesOf('{"execute":"qmp_capabilities","arguments":{"enable":["oob"]}}'),
    bytesOf('{"execute":"query-name","id":"h\xc3\xa9llo \\u2603"}\n'),
    bytesOf("[1, 2.5, 1e3, -0, 18446744073709551615, 18446744073709551616, 'sq\\'x']"),
    bytesOf('42\n"str" true null {"execute": }'),
    bytesOf('\xff {"a":{"b":[{},[]]}}\f'),
    bytesOf("{'execute': 'query-status', 'id': {\"x\": [\"\\ud83d\\ude00\"]}}  "),
  ]);

  const whole = show(new JsonMessageParser().feed(stream));

  it("finds each message in one chunk", () => {
    expect(whole).toEqual([
      'value: {"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}}',
      'value: {"execute": "query-name", "id": "h\\u00E9llo \\u2603"}',
      'value: [1, 2.5, 1000, 0, 18446744073709551615, 1.8446744073709552e+19, "sq\'x"]',
      "value: 42",
      'value: "str"',
      "value: true",
      "value: null",
      "error: JSON parse error, expecting value",
      "error: JSON parse error, stray '\uFFFD'",
      'value: {"a": {"b": [{}, []]}}',
      "error: JSON parse error, stray '\f'",
      'value: {"execute": "query-status", "id": {"x": ["\\uD83D\\uDE00"]}}',
    ]);
  });

  it("gives the same messages whatever the split point", () => {
    for (let at = 0; at <= stream.length; at++) {
      const parser = new JsonMessageParser();
      const got = show(feedAll(parser, [stream.subarray(0, at), stream.subarray(at)]));
      expect(got, `split at ${at}`).toEqual(whole);
    }
  });

  it("gives the same messages fed one byte at a time, from reused buffers", () => {
    const parser = new JsonMessageParser();
    const scratch = Buffer.alloc(1);
    const got: JsonMessage[] = [];
    for (const byte of stream) {
      scratch[0] = byte; // the parser must copy what it keeps
      got.push(...parser.feed(scratch));
    }
    expect(show(got)).toEqual(whole);
  });

  it("gives the same messages for random chunkings", () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const chunks: Buffer[] = [];
      for (let pos = 0; pos < stream.length; ) {
        const len = 1 + random(20);
        chunks.push(stream.subarray(pos, pos + len));
        pos += len;
      }
      expect(show(feedAll(new JsonMessageParser(), chunks))).toEqual(whole);
    }
  });

  it("waits for the rest of an incomplete message (3 writes, one reply after the third)", () => {
    const parser = new JsonMessageParser();
    expect(parser.feed(bytesOf('{"execute":'))).toEqual([]);
    expect(parser.feed(bytesOf("\n"))).toEqual([]);
    expect(parser.feed(bytesOf(' "query-status", "id": 16}\n'))).toEqual([{ value: { execute: "query-status", id: 16 } }]);
  });

  it("answers an incomplete message followed by a form feed with a stray error and starts afresh", () => {
    const parser = new JsonMessageParser();
    expect(parser.feed(bytesOf('{"execute":'))).toEqual([]);
    expect(parser.feed(bytesOf("\f\n"))).toEqual([{ error: "JSON parse error, stray '\f'" }]);
    expect(parser.feed(bytesOf('{"execute":"x"}'))).toEqual([{ value: { execute: "x" } }]);
  });

  it("completes a number only when the next byte arrives", () => {
    const parser = new JsonMessageParser();
    expect(parser.feed(bytesOf("42"))).toEqual([]);
    expect(parser.feed(bytesOf("\n"))).toEqual([{ value: 42 }]);
    expect(parser.feed(bytesOf("tru"))).toEqual([]);
    expect(parser.feed(bytesOf("e}"))).toEqual([{ value: true }, { error: "JSON parse error, expecting value" }]);
    // A message closed by a bracket needs nothing more.
    expect(parser.feed(bytesOf("[7]"))).toEqual([{ value: [7] }]);
  });

  it("answers a message without a newline at once", () => {
    expect(new JsonMessageParser().feed(bytesOf('{"execute": "query-kvm", "id": "nonl"}'))).toEqual([
      { value: { execute: "query-kvm", id: "nonl" } },
    ]);
  });

  it("flushes a pending scalar or reports an unfinished message at end of input", () => {
    const a = new JsonMessageParser();
    expect(a.feed(bytesOf("12"))).toEqual([]);
    expect(a.flush()).toEqual([{ value: 12 }]);
    const b = new JsonMessageParser();
    expect(b.feed(bytesOf("[1, "))).toEqual([]);
    expect(b.flush()).toEqual([{ error: "JSON parse error, premature EOI" }]);
    const c = new JsonMessageParser();
    c.feed(bytesOf('"abc'));
    expect(c.flush()).toEqual([{ error: "JSON parse error, stray '\"abc'" }]);
  });

  it("forgets partial input on reset", () => {
    const parser = new JsonMessageParser();
    parser.feed(bytesOf('{"execute": "abc'));
    parser.reset();
    expect(parser.feed(bytesOf('{"x": 1}'))).toEqual([{ value: { x: 1 } }]);
  });
});

describe("limits", () => {
  const nested = (depth: number): Buffer => bytesOf("[".repeat(depth) + "]".repeat(depth));

  it("accepts nesting 1024 and rejects 1025, then parses the rest afresh", () => {
    expect(MAX_NESTING).toBe(1024);
    const ok = new JsonMessageParser().feed(nested(1024));
    expect(ok).toHaveLength(1);
    expect("value" in ok[0]!).toBe(true);
    const bad = new JsonMessageParser().feed(nested(1025));
    expect(bad[0]).toEqual({ error: "JSON nesting depth limit exceeded" });
    // Each of the 1025 closing brackets is then a message of its own.
    expect(bad.slice(1)).toEqual(Array(1025).fill({ error: "JSON parse error, expecting value" }));
  });

  it("counts braces and brackets together", () => {
    const mixed = bytesOf('{"a":'.repeat(512) + "[".repeat(512) + "]".repeat(512) + "}".repeat(512));
    expect(new JsonMessageParser().feed(mixed)).toHaveLength(1);
    const deeper = bytesOf('{"a":'.repeat(512) + "[".repeat(513) + "]".repeat(513) + "}".repeat(512));
    expect(new JsonMessageParser().feed(deeper)[0]).toEqual({ error: "JSON nesting depth limit exceeded" });
  });

  it("reproduces the observed 1100 '[' id: 1 nesting error, 1 non-object, 1025 'expecting value'", () => {
    const input = bytesOf('{"execute":"query-name","id":' + "[".repeat(1100) + "]".repeat(1100) + "}");
    const replies = new JsonMessageParser().feed(input).map(replyFor);
    expect(replies).toHaveLength(1027);
    expect(replies[0]).toBe('{"error": {"class": "GenericError", "desc": "JSON nesting depth limit exceeded"}}');
    expect(replies[1]).toBe('{"error": {"class": "GenericError", "desc": "QMP input must be a JSON object"}}');
    expect(new Set(replies.slice(2))).toEqual(
      new Set(['{"error": {"class": "GenericError", "desc": "JSON parse error, expecting value"}}']),
    );
  });

  it("accepts 1000-deep nesting inside a command", () => {
    const input = bytesOf('{"execute":"query-name","id":' + "[".repeat(1000) + "]".repeat(1000) + "}");
    const [reply] = new JsonMessageParser().feed(input).map(replyFor);
    expect(reply).toBe('{"return": {}, "id": ' + "[".repeat(1000) + "]".repeat(1000) + "}");
  });

  it("applies the token count limit and resets (small limit)", () => {
    const parser = new JsonMessageParser({ maxTokenCount: 5 });
    expect(parser.feed(bytesOf("[1,2]"))).toEqual([{ value: [1, 2] }]);
    // The 6th token is refused; the rest of the input starts a new message.
    expect(parser.feed(bytesOf("[1,2,3]"))).toEqual([
      { error: "JSON token count limit exceeded" },
      { error: "JSON parse error, expecting value" },
    ]);
    expect(parser.feed(bytesOf("{}"))).toEqual([{ value: {} }]);
  });

  it("applies the token size limit to the sum of a message's tokens (small limit)", () => {
    // Sizes: [ = 1, "abc" = 5, , = 1, "de" = 4, ] = 1; each token is refused when
    // (bytes so far) + (its size) + 1 > limit, so 12 bytes need a limit of 13.
    const exact = new JsonMessageParser({ maxTokenSize: 13 });
    expect(exact.feed(bytesOf('["abc","de"]'))).toEqual([{ value: ["abc", "de"] }]);
    const over = new JsonMessageParser({ maxTokenSize: 11 }); // refuses "de": 7 + 4 + 1 > 11
    expect(over.feed(bytesOf('["abc","de"]'))).toEqual([
      { error: "JSON token size limit exceeded" },
      { error: "JSON parse error, expecting value" },
    ]);
  });

  it("cuts a token that outgrows the size limit and lexes the rest afresh (small limit)", () => {
    const parser = new JsonMessageParser({ maxTokenSize: 8 });
    // The string token reaches 9 bytes at the 8th 'a': it is dropped, then "aa" is a keyword.
    expect(parser.feed(bytesOf('"aaaaaaaaaa"\n'))).toEqual([
      { error: "JSON token size limit exceeded" },
      { error: "JSON parse error, invalid keyword 'aa'" },
      { error: "JSON parse error, stray '\"\n'" },
    ]);
  });
});

describe("id echo round trips (captured from QEMU 7.2)", () => {
  const echo = (id: string): string => {
    const [message] = new JsonMessageParser().feed(bytesOf(`{"execute":"query-name","id":${id}}`));
    return replyFor(message!);
  };
  const cases: [string, string][] = [
    ["1.0", "1"],
    ["-0", "0"],
    ["-0.0", "-0"],
    ["1e3", "1000"],
    ["3.5", "3.5"],
    ["0.1", "0.10000000000000001"],
    ["18446744073709551615", "18446744073709551615"],
    ["18446744073709551616", "1.8446744073709552e+19"],
    ["-9223372036854775808", "-9223372036854775808"],
    ["-9223372036854775809", "-9.2233720368547758e+18"],
    ["9007199254740993", "9007199254740993"],
    ["1e400", "inf"],
    ['"h\xc3\xa9llo \\u2603"', '"h\\u00E9llo \\u2603"'],
    ['"\\ud83d\\ude00"', '"\\uD83D\\uDE00"'],
    ['"a\xc0\x80b"', '"a\\u0000b"'],
    ["'it\\'s \"q\"'", '"it\'s \\"q\\""'],
    ["[true,false,null,\"x\"]", '[true, false, null, "x"]'],
  ];
  for (const [sent, returned] of cases) {
    it(`${sent} comes back as ${returned}`, () => {
      expect(echo(sent)).toBe(`{"return": {}, "id": ${returned}}`);
    });
  }

  it("matches the fixture for these cases", () => {
    // The table above is copied from the capture; keep the two in step.
    const captured = loadCases("qmp-json-input-cases.json");
    for (const [sent, returned] of cases) {
      const c = captured.find((k) => k.send === `\n{"execute":"query-name","id":${sent}}`);
      expect(c, sent).toBeDefined();
      expect(expandReplies(c!.replies)).toEqual([`{"return": {}, "id": ${returned}}`]);
    }
  });
});
