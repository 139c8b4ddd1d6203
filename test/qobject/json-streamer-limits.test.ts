/**
 * QEMU's real limits (64 MiB, 2 Mi tokens) replayed with the captured inputs,
 * fed in 64 KiB chunks as a socket would deliver them.
 */
import { describe, expect, it } from "vitest";
import { JsonMessageParser, MAX_TOKEN_COUNT } from "../../src/qobject/json-streamer.js";
import { MAX_TOKEN_SIZE } from "../../src/qobject/json-lexer.js";
import { readFixture, replyFor } from "./qmp-test-replies.js";

interface LimitCase {
  name: string;
  parts: [string, number][];
  replies: string[];
}

const { connections } = JSON.parse(readFixture("qmp-json-limits.json")) as { connections: { cases: LimitCase[] }[] };

function build(parts: [string, number][]): Buffer {
  const pieces = parts.map(([text, times]) => {
    const unit = Buffer.from(text, "latin1");
    const out = Buffer.allocUnsafe(unit.length * times);
    out.fill(unit);
    return out;
  });
  return Buffer.concat(pieces);
}

describe("QEMU 7.2 JSON limits at full size", () => {
  it("uses QEMU's limit values", () => {
    expect(MAX_TOKEN_SIZE).toBe(64 * 1024 * 1024);
    expect(MAX_TOKEN_COUNT).toBe(2 * 1024 * 1024);
  });

  connections.forEach(({ cases }, index) => {
    it(`replays connection ${index + 1} (${cases.map((c) => c.name).join("; ")})`, () => {
      const parser = new JsonMessageParser();
      for (const c of cases) {
        const input = build(c.parts);
        const replies: string[] = [];
        for (let pos = 0; pos < input.length; pos += 65536) {
          replies.push(...parser.feed(input.subarray(pos, pos + 65536)).map(replyFor));
        }
        expect(replies, c.name).toEqual(c.replies);
      }
    });
  });
});
