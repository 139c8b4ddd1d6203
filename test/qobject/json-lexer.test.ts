import { describe, expect, it } from "vitest";
import { JsonLexer, TokenKind } from "../../src/qobject/json-lexer.js";

const NAMES = Object.fromEntries(Object.entries(TokenKind).map(([name, kind]) => [kind, name]));

/** Lexes the chunks and lists tokens as NAME:text (text as latin1). */
function lex(chunks: string[], options: { flush?: boolean; maxTokenSize?: number } = {}): string[] {
  const out: string[] = [];
  const lexer = new JsonLexer(
    (kind, data, start, end) => out.push(`${NAMES[kind]}:${data.toString("latin1", start, end)}`),
    options.maxTokenSize,
  );
  for (const c of chunks) lexer.feed(Buffer.from(c, "latin1"));
  if (options.flush) lexer.flush();
  return out;
}

describe("JsonLexer", () => {
  it("splits structural characters, strings, numbers and keywords", () => {
    expect(lex(['{"a": [1, -2.5e+3, true, \'q"\\\'\'] }'])).toEqual([
      "LCURLY:{",
      'STRING:"a"',
      "COLON::",
      "LSQUARE:[",
      "INTEGER:1",
      "COMMA:,",
      "FLOAT:-2.5e+3",
      "COMMA:,",
      "KEYWORD:true",
      "COMMA:,",
      "STRING:'q\"\\''",
      "RSQUARE:]",
      "RCURLY:}",
    ]);
  });

  it("ends a number or keyword only at the next byte (or at flush)", () => {
    expect(lex(["12"])).toEqual([]);
    expect(lex(["12", " "])).toEqual(["INTEGER:12"]);
    expect(lex(["1", "2", "}"])).toEqual(["INTEGER:12", "RCURLY:}"]);
    expect(lex(["nul"], { flush: true })).toEqual(["KEYWORD:nul"]);
    expect(lex(["0.5"], { flush: true })).toEqual(["FLOAT:0.5"]);
  });

  it("lexes number oddities as QEMU does", () => {
    // A zero cannot be followed by digits; "0e5" is a zero and then a keyword and a number.
    expect(lex(["01 "])).toEqual(["ERROR:01"]);
    expect(lex(["0e5 "])).toEqual(["INTEGER:0", "KEYWORD:e", "INTEGER:5"]);
    expect(lex(["1E5 "])).toEqual(["FLOAT:1E5"]);
    expect(lex(["-0 "])).toEqual(["INTEGER:-0"]);
    expect(lex(["1.]"])).toEqual(["ERROR:1.]"]);
    expect(lex(["1e+]"])).toEqual(["ERROR:1e+]"]);
    expect(lex(["+1 "])).toEqual(["ERROR:+"]);
  });

  it("skips to a structural character or control byte after an error", () => {
    expect(lex(['#abc "x" 1 ]'])).toEqual(["ERROR:#", "RSQUARE:]"]);
    expect(lex(["Tru\te\n1 "])).toEqual(["ERROR:T", "INTEGER:1"]);
    // A control byte ends recovery and is then an error itself, unless it is whitespace.
    expect(lex(["# \f\f"])).toEqual(["ERROR:#", "ERROR:\f", "ERROR:\f"]);
    expect(lex(["\xff\xfe[]"])).toEqual(["ERROR:\xff", "ERROR:\xfe", "LSQUARE:[", "RSQUARE:]"]);
  });

  it("keeps bytes 0x20..0xFD in strings and rejects control bytes and 0xFE/0xFF there", () => {
    expect(lex(['"\xc3\xa9\x7f"'])).toEqual(['STRING:"\xc3\xa9\x7f"']);
    expect(lex(['"a\tb"'])).toEqual(['ERROR:"a\t']);
    expect(lex(['"a\xffb"}'])).toEqual(['ERROR:"a\xff', "RCURLY:}"]);
    expect(lex(['"\\\x01"'])).toEqual(['ERROR:"\\\x01']);
  });

  it("reports an unfinished string at flush as an error token", () => {
    expect(lex(['"abc'], { flush: true })).toEqual(['ERROR:"abc']);
    expect(lex(["-"], { flush: true })).toEqual(["ERROR:-"]);
  });

  it("assembles tokens that span chunks", () => {
    expect(lex(['"ab', "cd", 'e"', "12", "3.", "5 "])).toEqual(['STRING:"abcde"', "FLOAT:123.5"]);
  });

  it("hands on a token that outgrows the limit and restarts lexing inside it", () => {
    expect(lex(['"abcdefgh"'], { maxTokenSize: 4 })).toEqual(['OVERSIZED:"abcd', "KEYWORD:efgh"]);
    expect(lex(['"ab', 'cdefgh"'], { maxTokenSize: 4 })).toEqual(['OVERSIZED:"abcd', "KEYWORD:efgh"]);
  });
});
