/**
 * Recursive-descent parser over the tokens of one message, with QEMU 7.2's
 * grammar and error texts (qobject/json-parser.c). Only the first error of a
 * message is reported, so the parser simply stops there.
 */
import { TokenKind } from "./json-lexer.js";
import type { JsonObject, JsonValue } from "./json-value.js";

/** A token ready for the parser: scalars are already decoded, or carry the error to report. */
export interface ParserToken {
  readonly kind: TokenKind;
  readonly value?: JsonValue;
  readonly error?: string;
}

/** A parse failure; `message` is QEMU's error text. */
export class JsonParseError extends Error {
  override readonly name = "JsonParseError";
}

const PREFIX = "JSON parse error, ";

/** Parses exactly one value from `tokens`, throwing JsonParseError on bad input. */
export function parseTokens(tokens: readonly ParserToken[]): JsonValue {
  return new TokenParser(tokens).parseValue();
}

class TokenParser {
  private pos = 0;

  constructor(private readonly tokens: readonly ParserToken[]) {}

  parseValue(): JsonValue {
    const token = this.tokens[this.pos];
    if (token === undefined) throw fail("premature EOI");
    switch (token.kind) {
      case TokenKind.LCURLY:
        return this.parseObject();
      case TokenKind.LSQUARE:
        return this.parseArray();
      case TokenKind.INTEGER:
      case TokenKind.FLOAT:
      case TokenKind.STRING:
      case TokenKind.KEYWORD:
        this.pos++;
        if (token.error !== undefined) throw new JsonParseError(token.error);
        return token.value!;
      default:
        throw fail("expecting value");
    }
  }

  private next(): ParserToken {
    const token = this.tokens[this.pos++];
    if (token === undefined) throw fail("premature EOI");
    return token;
  }

  private parseObject(): JsonObject {
    this.pos++; // {
    const object: JsonObject = {};
    if (this.tokens[this.pos] === undefined) throw fail("premature EOI");
    if (this.tokens[this.pos]!.kind === TokenKind.RCURLY) {
      this.pos++;
      return object;
    }
    this.parseMember(object);
    for (let token = this.next(); token.kind !== TokenKind.RCURLY; token = this.next()) {
      if (token.kind !== TokenKind.COMMA) throw fail("expected separator in dict");
      this.parseMember(object);
    }
    return object;
  }

  private parseMember(object: JsonObject): void {
    if (this.tokens[this.pos] === undefined) throw fail("premature EOI");
    // QEMU parses any value as the key, then insists it was a string.
    const key = this.parseValue();
    if (typeof key !== "string") throw fail("key is not a string in object");
    if (this.next().kind !== TokenKind.COLON) throw fail("missing : in object pair");
    const value = this.parseValue();
    if (Object.prototype.hasOwnProperty.call(object, key)) throw fail("duplicate key");
    setMember(object, key, value);
  }

  private parseArray(): JsonValue[] {
    this.pos++; // [
    const array: JsonValue[] = [];
    if (this.tokens[this.pos] === undefined) throw fail("premature EOI");
    if (this.tokens[this.pos]!.kind === TokenKind.RSQUARE) {
      this.pos++;
      return array;
    }
    array.push(this.parseValue());
    for (let token = this.next(); token.kind !== TokenKind.RSQUARE; token = this.next()) {
      if (token.kind !== TokenKind.COMMA) throw fail("expected separator in list");
      array.push(this.parseValue());
    }
    return array;
  }
}

function fail(what: string): JsonParseError {
  return new JsonParseError(PREFIX + what);
}

/** Adds a member, treating "__proto__" as an ordinary key rather than the prototype setter. */
export function setMember(object: JsonObject, key: string, value: JsonValue): void {
  if (key === "__proto__") {
    Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
  } else {
    object[key] = value;
  }
}
