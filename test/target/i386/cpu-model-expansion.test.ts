import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { JsonObject, JsonValue } from "../../../src/qobject/json-value.js";
import { queryX86CpuModelExpansion } from "../../../src/target/i386/cpu-model-expansion.js";

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/qemu-7.2/${name}`, import.meta.url)), "utf8");

const sorted = (o: JsonObject): [string, JsonValue][] =>
  Object.entries(o)
    .map(([k, v]): [string, JsonValue] => [k, typeof v === "bigint" ? Number(v) : v])
    .sort(([a], [b]) => (a < b ? -1 : 1));

describe("query-cpu-model-expansion", () => {
  it("static expansion of max equals QEMU 7.2's (as a set of properties)", () => {
    const want = JSON.parse(fixture("query-cpu-model-expansion.static-max.json")).response.return;
    const got = queryX86CpuModelExpansion("static", { name: "max" });
    expect(got.model.name).toBe(want.model.name);
    expect(sorted(got.model.props)).toEqual(sorted(want.model.props));
  });

  it("full expansion lists the properties QEMU lists", () => {
    const exp = JSON.parse(fixture("cpu-model-expansions.json")) as {
      booleans: string[];
      commonScalars: JsonObject;
    };
    const generic = { realized: false, "start-powered-off": false, memory: "/machine/unattached/system[0]" };
    const max = queryX86CpuModelExpansion("full", { name: "max" }, { genericProps: generic });
    const want = new Set([...exp.booleans, ...Object.keys(exp.commonScalars), "memory"]);
    expect(new Set(Object.keys(max.model.props))).toEqual(want);
    expect(max.model.name).toBe("max");
    const sandy = queryX86CpuModelExpansion("full", { name: "SandyBridge" }, { genericProps: generic });
    want.delete("migratable");
    want.delete("host-cache-info");
    expect(new Set(Object.keys(sandy.model.props))).toEqual(want);
  });

  it("applies the given properties with QMP typing", () => {
    const r = queryX86CpuModelExpansion("static", { name: "qemu64", props: { vmx: true, family: 6 } });
    expect([r.model.props["vmx"], r.model.props["family"]]).toEqual([true, 6]);
    expect(() => queryX86CpuModelExpansion("static", { name: "qemu64", props: { vmx: "on" } })).toThrow(
      "Invalid parameter type for 'vmx', expected: boolean",
    );
    expect(() => queryX86CpuModelExpansion("full", { name: "nosuch" })).toThrow("CPU model 'nosuch' not found");
  });
});
