import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { queryCommandLineOptions } from "../../../src/monitor/commands/command-line.js";

const captured = JSON.parse(
  readFileSync(new URL("../../fixtures/qmp-replay/query-command-line-options.json", import.meta.url), "utf8"),
) as unknown[];

describe("query-command-line-options", () => {
  it("answers every option group as QEMU 7.2 does, in its order", () => {
    expect(queryCommandLineOptions(undefined)).toEqual(captured);
  });

  it("answers one group, and the legacy machine list for 'machine'", () => {
    expect(queryCommandLineOptions("boot-opts")).toEqual([
      {
        option: "boot-opts",
        parameters: [
          { name: "strict", type: "boolean" },
          { name: "reboot-timeout", type: "number" },
          { name: "splash-time", type: "number" },
          { name: "splash", type: "string" },
          { name: "menu", type: "boolean" },
          { name: "once", type: "string" },
          { name: "order", type: "string" },
        ],
      },
    ]);
    const machine = queryCommandLineOptions("machine");
    expect(machine).toHaveLength(1);
    expect((machine[0]!["parameters"] as Array<{ name: string }>).map((p) => p.name)).toContain("mem-merge");
  });

  it("refuses an unknown group with QEMU's text", () => {
    expect(() => queryCommandLineOptions("nosuch")).toThrow("invalid option name: nosuch");
  });
});
