import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { firstUnexpectedKey } from "../../src/qapi/unexpected-member.js";

const fixture = JSON.parse(readFileSync(new URL("../fixtures/qemu-7.2/unexpected-member-order.json", import.meta.url), "utf8")) as {
  cases: { keys: string[]; unexpected: string }[];
};

describe("which unexpected key QEMU names", () => {
  for (const c of fixture.cases) {
    it(`${c.keys.join(",")} → ${c.unexpected}`, () => {
      expect(firstUnexpectedKey(c.keys, new Set())).toBe(c.unexpected);
    });
  }

  it("skips consumed keys (qom-get with two extra keys, recorded from QEMU)", () => {
    expect(firstUnexpectedKey(["path", "property", "zz", "aa"], new Set(["path", "property"]))).toBe("aa");
    const keys = ["implements", "abstract", "z", "y", "x", "w", "v", "u", "t", "s"];
    expect(firstUnexpectedKey(keys, new Set(["implements", "abstract"]))).toBe("u");
  });

  it("returns undefined when every key was consumed", () => {
    expect(firstUnexpectedKey(["a", "b"], new Set(["a", "b"]))).toBeUndefined();
  });
});
