/**
 * Recursive-descent parser over the tokens of one message, with QEMU 7.2's
 * grammar and error texts (qobject/json-parser.c). Only the first error of a
 * message is reported, so the parser simply stops there.
 */
import { TokenKind } from "./json-lexer.js";
import { TokenError } from "./json-scalars.js";
import type { JsonObject, JsonValue } from "./json-value.js";

// Token kinds as plain constants: cheaper than property loads in the hot paths.
const { COLON, COMMA, FLOAT, INTEGER, KEYWORD, LCURLY, LSQUARE, RCURLY, RSQUARE, STRING } = TokenKind;

/**
 * The tokens of one message, as parallel arrays (fewer objects than one per
 * token): `kinds[i]` is a TokenKind and, for scalars, `values[i]` is the
 * decoded value or the TokenError to report if the parser gets there.
 */
export interface TokenList {
  kinds: TokenKind[];
  values: (JsonValue | TokenError | undefined)[];
}

/** A parse failure; `message` is QEMU's error text. */
export class JsonParseError extends Error {
  override readonly name = "JsonParseError";
}

const PREFIX = "JSON parse error, ";

/** Parses exactly one value from `tokens`, throwing JsonParseError on bad input. */
export function parseTokens(tokens: TokenList): JsonValue {
  return new TokenParser(tokens).parseValue();
}

/** Stands for "no token left". */
const END = -1;

class TokenParser {
  private pos = 0;
  private readonly kinds: readonly number[];
  private readonly values: TokenList["values"];

  constructor(tokens: TokenList) {
    this.kinds = tokens.kinds;
    this.values = tokens.values;
  }

  private peek(): number {
    return this.pos < this.kinds.length ? this.kinds[this.pos]! : END;
  }

  /** Takes the next token's kind; running out is "premature EOI". */
  private next(): number {
    if (this.pos >= this.kinds.length) throw fail("premature EOI");
    return this.kinds[this.pos++]!;
  }

  parseValue(): JsonValue {
    switch (this.peek()) {
      case END:
        throw fail("premature EOI");
      case LCURLY:
        return this.parseObject();
      case LSQUARE:
        return this.parseArray();
      case INTEGER:
      case FLOAT:
      case STRING:
      case KEYWORD: {
        const value = this.values[this.pos++];
        if (value instanceof TokenError) throw new JsonParseError(value.message);
        return value!;
      }
      default:
        throw fail("expecting value");
    }
  }

  private parseObject(): JsonObject {
    this.pos++; // {
    const object: JsonObject = {};
    const first = this.peek();
    if (first === END) throw fail("premature EOI");
    if (first === RCURLY) {
      this.pos++;
      return object;
    }
    this.parseMember(object);
    for (let kind = this.next(); kind !== RCURLY; kind = this.next()) {
      if (kind !== COMMA) throw fail("expected separator in dict");
      this.parseMember(object);
    }
    return object;
  }

  private parseMember(object: JsonObject): void {
    if (this.peek() === END) throw fail("premature EOI");
    // QEMU parses any value as the key, then insists it was a string.
    const key = this.parseValue();
    if (typeof key !== "string") throw fail("key is not a string in object");
    if (this.next() !== COLON) throw fail("missing : in object pair");
    const value = this.parseValue();
    if (Object.prototype.hasOwnProperty.call(object, key)) throw fail("duplicate key");
    setMember(object, key, value);
  }

  private parseArray(): JsonValue[] {
    this.pos++; // [
    const array: JsonValue[] = [];
    const first = this.peek();
    if (first === END) throw fail("premature EOI");
    if (first === RSQUARE) {
      this.pos++;
      return array;
    }
    array.push(this.parseValue());
    for (let kind = this.next(); kind !== RSQUARE; kind = this.next()) {
      if (kind !== COMMA) throw fail("expected separator in list");
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
