/**
 * Byte-level JSON lexer with QEMU 7.2's exact tokenisation (qobject/json-lexer.c):
 * a table-driven automaton over bytes, so that errors, recovery and token
 * boundaries match what a QMP client sees from the real monitor.
 *
 * Notable QEMU behaviours reproduced here:
 * - keywords are any run of a-z (the parser rejects unknown ones later);
 * - strings may be single- or double-quoted, and bytes 0x20..0xFD are taken
 *   as they are (UTF-8 is checked by the parser); control bytes and 0xFE/0xFF
 *   end the token in error;
 * - a number is complete only when the next byte shows it has ended;
 * - after an error the lexer skips input until a structural character
 *   ({ } [ ] : ,), a control byte other than tab, or 0xFE/0xFF;
 * - a token longer than the size limit is handed on unfinished, so the
 *   streamer can report "JSON token size limit exceeded", and lexing then
 *   restarts in the middle of it.
 */

/** Kinds of token handed to the sink. Values are table targets, so keep them >= 32. */
export const TokenKind = {
  LCURLY: 32,
  RCURLY: 33,
  LSQUARE: 34,
  RSQUARE: 35,
  COLON: 36,
  COMMA: 37,
  INTEGER: 38,
  FLOAT: 39,
  KEYWORD: 40,
  STRING: 41,
  /** A byte that cannot start or continue a token; the text ends with that byte. */
  ERROR: 42,
  /** An unfinished token that grew past the size limit. */
  OVERSIZED: 43,
} as const;
export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];

/** QEMU's MAX_TOKEN_SIZE: 64 MiB. */
export const MAX_TOKEN_SIZE = 64 * 1024 * 1024;

/** Largest piece of input lexed in one go (see feed). */
const MAX_SLICE = 1024 * 1024;

/**
 * Receives each token. `data[start..end)` holds its bytes and `text` is the
 * same bytes read as latin1 (one char per byte, same indices); both are only
 * valid during the call (`data` may be a view into the caller's chunk).
 */
export type TokenSink = (kind: TokenKind, data: Buffer, start: number, end: number, text: string) => void;

// Automaton states (all < 32 so they never clash with token kinds).
const ERROR = 0;
const RECOVERY = 1;
const DQ_STRING_ESCAPE = 2;
const DQ_STRING = 3;
const SQ_STRING_ESCAPE = 4;
const SQ_STRING = 5;
const ZERO = 6;
const EXP_DIGITS = 7;
const EXP_SIGN = 8;
const EXP_E = 9;
const MANTISSA = 10;
const MANTISSA_DIGITS = 11;
const DIGITS = 12;
const SIGN = 13;
const KEYWORD = 14;
const START = 15;
const STATE_COUNT = 16;

/** Flag on a table entry: move to the target without consuming the byte. */
const LOOKAHEAD = 0x80;
const TARGET_MASK = 0x7f;
/** Table targets at or above this are token kinds (plain numbers keep the hot loop cheap). */
const FIRST_TOKEN_KIND: number = TokenKind.LCURLY;
const ERROR_TOKEN: TokenKind = TokenKind.ERROR;

/** TABLE[state * 256 + byte] = target | (LOOKAHEAD?). Unset entries are ERROR (consume, report). */
const TABLE = buildTable();

/**
 * PLAIN[state * 256 + byte] is 1 where a string state keeps the byte and stays
 * put, so long strings can be skipped over without table steps.
 */
const PLAIN = new Uint8Array(STATE_COUNT * 256);
for (const state of [DQ_STRING, SQ_STRING]) {
  for (let b = 0; b < 256; b++) PLAIN[state * 256 + b] = TABLE[state * 256 + b] === state ? 1 : 0;
}

function buildTable(): Uint8Array {
  const t = new Uint8Array(STATE_COUNT * 256);
  const set = (state: number, from: number, to: number, target: number): void => {
    for (let b = from; b <= to; b++) t[state * 256 + b] = target;
  };
  const ch = (c: string): number => c.charCodeAt(0);
  const one = (state: number, c: string, target: number): void => set(state, ch(c), ch(c), target);
  /** The token is complete: emit it and look at this byte again from START. */
  const terminal = (state: number, kind: number): void => set(state, 0, 255, kind | LOOKAHEAD);

  // After an error: skip to a promising resynchronisation point, then rescan it.
  set(RECOVERY, 0x00, 0x1f, START | LOOKAHEAD);
  set(RECOVERY, 0x20, 0xfd, RECOVERY);
  set(RECOVERY, 0xfe, 0xff, START | LOOKAHEAD);
  one(RECOVERY, "\t", RECOVERY);
  for (const c of "[]{}:,") one(RECOVERY, c, START | LOOKAHEAD);

  for (const [plain, escape, quote] of [
    [DQ_STRING, DQ_STRING_ESCAPE, '"'],
    [SQ_STRING, SQ_STRING_ESCAPE, "'"],
  ] as const) {
    set(escape, 0x20, 0xfd, plain);
    set(plain, 0x20, 0xfd, plain);
    one(plain, "\\", escape);
    one(plain, quote, TokenKind.STRING);
  }

  terminal(ZERO, TokenKind.INTEGER);
  set(ZERO, ch("0"), ch("9"), ERROR);
  one(ZERO, ".", MANTISSA);

  terminal(EXP_DIGITS, TokenKind.FLOAT);
  set(EXP_DIGITS, ch("0"), ch("9"), EXP_DIGITS);

  set(EXP_SIGN, ch("0"), ch("9"), EXP_DIGITS);

  one(EXP_E, "-", EXP_SIGN);
  one(EXP_E, "+", EXP_SIGN);
  set(EXP_E, ch("0"), ch("9"), EXP_DIGITS);

  terminal(MANTISSA_DIGITS, TokenKind.FLOAT);
  set(MANTISSA_DIGITS, ch("0"), ch("9"), MANTISSA_DIGITS);
  one(MANTISSA_DIGITS, "e", EXP_E);
  one(MANTISSA_DIGITS, "E", EXP_E);

  set(MANTISSA, ch("0"), ch("9"), MANTISSA_DIGITS);

  terminal(DIGITS, TokenKind.INTEGER);
  set(DIGITS, ch("0"), ch("9"), DIGITS);
  one(DIGITS, "e", EXP_E);
  one(DIGITS, "E", EXP_E);
  one(DIGITS, ".", MANTISSA);

  one(SIGN, "0", ZERO);
  set(SIGN, ch("1"), ch("9"), DIGITS);

  terminal(KEYWORD, TokenKind.KEYWORD);
  set(KEYWORD, ch("a"), ch("z"), KEYWORD);

  one(START, '"', DQ_STRING);
  one(START, "'", SQ_STRING);
  one(START, "0", ZERO);
  set(START, ch("1"), ch("9"), DIGITS);
  one(START, "-", SIGN);
  one(START, "{", TokenKind.LCURLY);
  one(START, "}", TokenKind.RCURLY);
  one(START, "[", TokenKind.LSQUARE);
  one(START, "]", TokenKind.RSQUARE);
  one(START, ",", TokenKind.COMMA);
  one(START, ":", TokenKind.COLON);
  set(START, ch("a"), ch("z"), KEYWORD);
  for (const c of " \t\r\n") one(START, c, START);
  return t;
}

export class JsonLexer {
  private state = START;
  /** Bytes of the current token that arrived in earlier chunks (copied, since chunks may be reused). */
  private carried: Buffer[] = [];
  private carriedLength = 0;

  constructor(
    private readonly sink: TokenSink,
    private readonly maxTokenSize: number = MAX_TOKEN_SIZE,
  ) {}

  /** Lexes one chunk; tokens may span chunks. */
  feed(chunk: Uint8Array): void {
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    // Huge chunks go in slices, which bounds the latin1 copy made of each.
    for (let pos = 0; pos < data.length; pos += MAX_SLICE) {
      this.feedSlice(data.subarray(pos, pos + MAX_SLICE));
    }
  }

  private feedSlice(data: Buffer): void {
    const text = data.toString("latin1");
    const n = data.length;
    const max = this.maxTokenSize;
    let state = this.state;
    let tokenStart = 0; // where the current token's bytes begin in this chunk
    let carried = this.carriedLength; // bytes of the current token from earlier chunks
    for (let i = 0; i < n; i++) {
      const byte = data[i]!;
      for (;;) {
        const entry = TABLE[state * 256 + byte]!;
        const target = entry & TARGET_MASK;
        const consumed = (entry & LOOKAHEAD) === 0;
        const tokenEnd = consumed ? i + 1 : i;
        if (target >= FIRST_TOKEN_KIND) {
          this.emit(target as TokenKind, data, tokenStart, tokenEnd, text);
          carried = 0;
          state = START;
          tokenStart = tokenEnd;
        } else if (target === ERROR) {
          this.emit(ERROR_TOKEN, data, tokenStart, tokenEnd, text);
          carried = 0;
          state = RECOVERY;
          tokenStart = tokenEnd;
        } else if (target === START || target === RECOVERY) {
          // Whitespace or skipped bytes: nothing is kept.
          this.dropCarried();
          carried = 0;
          state = target;
          tokenStart = tokenEnd;
        } else {
          state = target;
        }
        if (consumed) break;
      }
      if (state === START || state === RECOVERY) continue;
      if (PLAIN[state * 256 + byte]) {
        // Inside a string: take the following ordinary bytes in one go, stopping
        // where the token would outgrow the limit so the check below still fires.
        const stop = Math.min(n - 1, max - carried + tokenStart - 1);
        while (i < stop && PLAIN[state * 256 + data[i + 1]!]) i++;
      }
      if (carried + (i + 1 - tokenStart) > max) {
        // QEMU hands the oversized token to the streamer (which rejects it) and starts afresh.
        this.emit(TokenKind.OVERSIZED, data, tokenStart, i + 1, text);
        carried = 0;
        state = START;
        tokenStart = i + 1;
      }
    }
    this.state = state;
    if (state !== START && state !== RECOVERY && tokenStart < n) {
      this.carried.push(Buffer.from(data.subarray(tokenStart, n)));
      this.carriedLength += n - tokenStart;
    }
  }

  /**
   * Ends the input: a pending number or keyword is emitted, an unfinished
   * string becomes an error token (QEMU's json_lexer_flush).
   */
  flush(): void {
    const state = this.state;
    if (state === START || state === RECOVERY) {
      this.state = START;
      return;
    }
    const entry = TABLE[state * 256]!; // what a NUL byte would do, but it is never part of the token
    const target = entry & ~LOOKAHEAD;
    const empty = Buffer.alloc(0);
    this.emit(target >= TokenKind.LCURLY ? (target as TokenKind) : TokenKind.ERROR, empty, 0, 0, "");
    this.state = START;
  }

  /** Forgets any partial token (used when a connection starts afresh). */
  reset(): void {
    this.state = START;
    this.dropCarried();
  }

  private emit(kind: TokenKind, data: Buffer, start: number, end: number, text: string): void {
    if (this.carriedLength === 0) {
      this.sink(kind, data, start, end, text);
      return;
    }
    const whole = Buffer.concat([...this.carried, data.subarray(start, end)]);
    this.dropCarried();
    this.sink(kind, whole, 0, whole.length, whole.toString("latin1"));
  }

  private dropCarried(): void {
    if (this.carriedLength !== 0 || this.carried.length !== 0) {
      this.carried = [];
      this.carriedLength = 0;
    }
  }
}
