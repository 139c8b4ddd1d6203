/**
 * The incremental QMP input parser: bytes in, complete messages out, with
 * QEMU 7.2's message splitting and limits (qobject/json-streamer.c).
 *
 * Messages are split by counting { } and [ ] nesting, not by lines: a
 * message is complete when a token brings the nesting back to zero (or below
 * zero, which makes a broken message that is parsed, and rejected, at once).
 * A scalar at depth zero is a message by itself. Any error (a stray byte, a
 * limit, a parse error) discards everything gathered so far and parsing
 * starts afresh with the next token.
 */
import { JsonLexer, MAX_TOKEN_SIZE, TokenKind } from "./json-lexer.js";
import { JsonParseError, parseTokens, type TokenList } from "./json-parser.js";
import { floatTokenValue, integerTokenValue, keywordTokenValue, stringTokenValue } from "./json-scalars.js";
import type { JsonValue } from "./json-value.js";
import { decodeModUtf8Lossy } from "./mod-utf8.js";

// Token kinds as plain constants: cheaper than property loads in the hot paths.
const { ERROR, FLOAT, INTEGER, KEYWORD, LCURLY, LSQUARE, RCURLY, RSQUARE, STRING } = TokenKind;

/** One complete input message: a value, or QEMU's error text (the `desc` of the GenericError). */
export type JsonMessage = { value: JsonValue } | { error: string };

/** QEMU's MAX_TOKEN_COUNT: 2 Mi tokens in one message. */
export const MAX_TOKEN_COUNT = 2 * 1024 * 1024;
/** QEMU's MAX_NESTING: 1024 levels of { and [ together. */
export const MAX_NESTING = 1024;

export interface JsonStreamLimits {
  /** Bytes in one token, and in all tokens of one message (default 64 MiB). */
  maxTokenSize?: number;
  /** Tokens in one message (default 2 Mi). */
  maxTokenCount?: number;
  /** Open { and [ at once (default 1024). */
  maxNesting?: number;
}

export class JsonMessageParser {
  private readonly lexer: JsonLexer;
  private readonly maxTokenSize: number;
  private readonly maxTokenCount: number;
  private readonly maxNesting: number;
  private tokens: TokenList = { kinds: [], values: [] };
  private tokenBytes = 0;
  private braces = 0;
  private brackets = 0;
  private output: JsonMessage[] = [];

  constructor(limits: JsonStreamLimits = {}) {
    this.maxTokenSize = limits.maxTokenSize ?? MAX_TOKEN_SIZE;
    this.maxTokenCount = limits.maxTokenCount ?? MAX_TOKEN_COUNT;
    this.maxNesting = limits.maxNesting ?? MAX_NESTING;
    this.lexer = new JsonLexer(
      (kind, data, start, end, text) => this.onToken(kind, data, start, end, text),
      this.maxTokenSize,
    );
  }

  /** Feeds a chunk of the byte stream; returns the messages it completed, in order. */
  feed(chunk: Uint8Array): JsonMessage[] {
    this.lexer.feed(chunk);
    return this.takeOutput();
  }

  /**
   * Declares the end of input: a pending number or keyword completes, and an
   * unfinished message is parsed (and reported, e.g. "premature EOI").
   * The QMP monitor never does this; whole-text parsing does.
   */
  flush(): JsonMessage[] {
    this.lexer.flush();
    if (this.tokens.kinds.length > 0) this.parseGathered();
    return this.takeOutput();
  }

  /** Forgets all partial input, as for a new connection. */
  reset(): void {
    this.lexer.reset();
    this.discard();
    this.output = [];
  }

  private takeOutput(): JsonMessage[] {
    const out = this.output;
    this.output = [];
    return out;
  }

  private onToken(kind: TokenKind, data: Buffer, start: number, end: number, text: string): void {
    switch (kind) {
      case ERROR:
        this.fail(`JSON parse error, stray '${decodeModUtf8Lossy(data, start, end)}'`);
        return;
      case LCURLY:
        this.braces++;
        break;
      case RCURLY:
        this.braces--;
        break;
      case LSQUARE:
        this.brackets++;
        break;
      case RSQUARE:
        this.brackets--;
        break;
      default:
        break;
    }
    const size = end - start;
    // The checks run in QEMU's order; each one throws the message away.
    if (this.tokenBytes + size + 1 > this.maxTokenSize) {
      this.fail("JSON token size limit exceeded");
      return;
    }
    if (this.tokens.kinds.length + 1 > this.maxTokenCount) {
      this.fail("JSON token count limit exceeded");
      return;
    }
    if (this.braces + this.brackets > this.maxNesting) {
      this.fail("JSON nesting depth limit exceeded");
      return;
    }
    this.tokens.kinds.push(kind);
    this.tokens.values.push(scalarValue(kind, data, start, end, text));
    this.tokenBytes += size;
    if ((this.braces > 0 || this.brackets > 0) && this.braces >= 0 && this.brackets >= 0) return;
    this.parseGathered();
  }

  private parseGathered(): void {
    const tokens = this.tokens;
    this.discard();
    try {
      this.output.push({ value: parseTokens(tokens) });
    } catch (e) {
      if (!(e instanceof JsonParseError)) throw e;
      this.output.push({ error: e.message });
    }
  }

  private fail(error: string): void {
    this.discard();
    this.output.push({ error });
  }

  private discard(): void {
    this.tokens = { kinds: [], values: [] };
    this.tokenBytes = 0;
    this.braces = 0;
    this.brackets = 0;
  }
}

/** The decoded value of a scalar token (or the error it stands for); nothing for punctuation. */
function scalarValue(kind: TokenKind, data: Buffer, start: number, end: number, text: string): TokenList["values"][number] {
  switch (kind) {
    case STRING:
      return stringTokenValue(data, start, end, text);
    case INTEGER:
      return integerTokenValue(text.slice(start, end));
    case FLOAT:
      return floatTokenValue(text.slice(start, end));
    case KEYWORD:
      return keywordTokenValue(text.slice(start, end));
    default:
      // Punctuation, or an OVERSIZED token, which the size check always refuses first.
      return undefined;
  }
}
