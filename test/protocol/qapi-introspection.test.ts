import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { querySchema, queryCommands, type SchemaInfo } from "../../src/qapi/introspect.js";
import { schema } from "../../src/qapi/schema.js";
import { compareEntities, indexSchema, schemaPathExists } from "./schema-graph.js";

const fixture = (name: string) => JSON.parse(readFileSync(new URL(`../fixtures/qemu-7.2/${name}`, import.meta.url), "utf8")) as { response: { return: unknown } };

const qemuList = fixture("query-qmp-schema.pc-nodefaults.json").response.return as SchemaInfo[];
const qemu = indexSchema(qemuList);
const machineList = querySchema("machine");
const machine = indexSchema(machineList);
const control = indexSchema(querySchema("control"));

const entitiesOf = (list: readonly SchemaInfo[]) => list.filter((e) => e["meta-type"] === "command" || e["meta-type"] === "event").map((e) => String(e.name));

describe("query-qmp-schema of a machine socket against QEMU 7.2's", () => {
  it("has the capture's size and kind counts (sanity of the reference)", () => {
    expect(qemuList.length).toBe(1051);
  });

  for (const name of entitiesOf(machineList)) {
    it(`${name} is structurally identical to QEMU's`, () => {
      expect(qemu.has(name)).toBe(true);
      expect(compareEntities(qemu, name, machine, name)).toEqual([]);
    });
  }

  it("lists commands and events in QEMU's relative order", () => {
    const ours = entitiesOf(machineList);
    const theirs = entitiesOf(qemuList).filter((n) => ours.includes(n));
    expect(ours).toEqual(theirs);
  });

  it("numbers masked types like introspect.py: q_empty first as \"0\", then by first use", () => {
    expect(machineList[0]).toEqual({ name: "query-status", "meta-type": "command", "arg-type": "0", "ret-type": "1" });
    const masks = machineList.filter((e) => /^\d+$/.test(String(e.name))).map((e) => Number(e.name));
    expect(masks.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(new Set(masks).size).toBe(masks.length);
    const arrays = machineList.filter((e) => e["meta-type"] === "array");
    for (const a of arrays) expect(a.name).toBe(`[${String(a["element-type"])}]`);
  });

  it("shows optional members with \"default\": null and never lists daemon commands", () => {
    expect(machine.get(String(machine.get("qom-list-types")?.["arg-type"]))?.members).toEqual([
      { name: "implements", type: "str", default: null },
      { name: "abstract", type: "bool", default: null },
    ]);
    expect(machine.has("machine-create")).toBe(false);
  });
});

describe("libvirt's schema queries resolve as against QEMU 7.2", () => {
  const queries: [string, boolean][] = [
    ["device_add/$json-cli-hotplug", true],
    ["device_add/$json-cli", true],
    ["object-add/arg-type/qom-type/^secret", true],
    ["object-add/arg-type/qom-type/^sev-guest", true],
    ["object-add/arg-type/qom-type/^nosuch", false],
    ["object-add/arg-type/+sev-guest/kernel-hashes", true],
    ["object-add/arg-type/+iothread/thread-pool-max", true],
    ["object-add/arg-type/+memory-backend-file/prealloc-context", true],
    ["object-add/arg-type/+memory-backend-file/*reserve", true],
    ["query-display-options/ret-type/+sdl", true],
    ["query-display-options/ret-type/+egl-headless/rendernode", true],
    ["query-display-options/ret-type/+cocoa", false],
    ["query-migrate-capabilities/ret-type/capability/^zero-copy-send", true],
    ["human-monitor-command/$savevm-monitor-nodes", true],
    ["qmp_capabilities/arg-type/enable/^oob", true],
    ["query-cpus-fast/ret-type/props/die-id", true],
    ["migrate-pause/!command", true],
    ["query-sgx-capabilities/ret-type/sections", true],
  ];
  for (const [q, expected] of queries) {
    it(`${q} → ${expected}`, () => {
      expect(schemaPathExists(qemu, q)).toBe(expected);
      expect(schemaPathExists(machine, q)).toBe(expected);
    });
  }
});

describe("query-qmp-schema of the control socket", () => {
  it("adds an optional 'machine' argument to machine-scope commands, marked qomd-per-machine", () => {
    const cmd = control.get("qom-get");
    expect(cmd?.features).toEqual(["qomd-per-machine"]);
    expect(control.get(String(cmd?.["arg-type"]))?.members).toEqual([
      { name: "path", type: "str" },
      { name: "property", type: "str" },
      { name: "machine", type: "str", default: null },
    ]);
    const status = control.get(String(control.get("query-status")?.["arg-type"]));
    expect(status?.members).toEqual([{ name: "machine", type: "str", default: null }]);
  });

  it("keeps the union of object-add and the features of device_add", () => {
    const objectAdd = control.get(String(control.get("object-add")?.["arg-type"]));
    expect(objectAdd?.tag).toBe("qom-type");
    expect((objectAdd?.members as { name: string }[]).map((m) => m.name)).toEqual(["qom-type", "id", "machine"]);
    expect(schemaPathExists(control, "object-add/arg-type/qom-type/^secret")).toBe(true);
    expect(control.get("device_add")?.features).toEqual(["json-cli", "json-cli-hotplug", "qomd-per-machine"]);
  });

  it("lists qomd's daemon commands and leaves connection commands alone", () => {
    expect(control.get("machine-create")?.features).toEqual(["qomd-daemon"]);
    expect(schemaPathExists(control, "machine-list/ret-type/status/^prelaunch")).toBe(true);
    expect(control.get("qmp_capabilities")?.features).toBeUndefined();
    expect(compareEntities(qemu, "query-version", control, "query-version")).toEqual([]);
  });
});

describe("query-commands", () => {
  it("orders commands as QEMU 7.2 does (registration order, newest first, device_add first)", () => {
    const theirs = (fixture("query-commands.pc-nodefaults.json").response.return as { name: string }[]).map((c) => c.name);
    const ours = queryCommands("machine").map((c) => c.name);
    expect(ours).toEqual(theirs.filter((n) => ours.includes(n)));
    expect(ours[0]).toBe("device_add");
  });

  it("lists daemon commands only on the control socket and honours the availability filter", () => {
    expect(queryCommands("machine").some((c) => c.name === "machine-list")).toBe(false);
    expect(queryCommands("control").some((c) => c.name === "machine-list")).toBe(true);
    expect(queryCommands("machine", (n) => n.startsWith("qom-")).map((c) => c.name)).toEqual([
      "qom-list-properties",
      "qom-list-types",
      "qom-set",
      "qom-get",
      "qom-list",
    ]);
  });

  it("covers every command of the schema on the control socket", () => {
    expect(queryCommands("control").length).toBe(Object.keys(schema.commands).length);
  });
});
