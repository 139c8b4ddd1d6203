/**
 * execute() is typed from protocol/gen: compiles test/fixtures/clients/execute-types.ts,
 * whose @ts-expect-error lines must all be errors (tsc reports an unused one).
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../../integration/helpers.js";

describe("execute() typing", () => {
  it("accepts right command names, arguments and return types and rejects wrong ones", () => {
    const config = join(ROOT, "test/fixtures/clients/tsconfig.execute-types.json");
    const tsc = spawnSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", config], { encoding: "utf8" });
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.status).toBe(0);
  });
});
