/** Completion from the schema qomd serves (protocol/gen/introspect*.json, masked type names and all). */
import { describe, expect, it } from "vitest";
import machineSchema from "../../../protocol/gen/introspect.json" with { type: "json" };
import controlSchema from "../../../protocol/gen/introspect-control.json" with { type: "json" };
import type { SchemaInfo } from "../../../protocol/gen/types.js";
import { completeHmp, completeQmp, hmpCommandNames } from "../../../clients/shell/completer.js";
import { SchemaIndex } from "../../../clients/shell/schema-index.js";

function index(schema: unknown): SchemaIndex {
  const list = schema as SchemaInfo[];
  const commands = list.filter((s) => s["meta-type"] === "command").map((s) => s.name).sort();
  return new SchemaIndex(list, commands);
}

const machine = index(machineSchema);
const control = index(controlSchema);

describe("QMP completion", () => {
  it("completes command names and the shell's own", () => {
    expect(completeQmp("qom-l", machine, [])).toEqual([["qom-list", "qom-list-properties", "qom-list-types"], "qom-l"]);
    expect(completeQmp("us", machine, [])).toEqual([["use"], "us"]);
  });

  it("completes argument names not given yet, resolving masked type names", () => {
    expect(completeQmp("qom-get ", machine, [])).toEqual([["path=", "property="], ""]);
    expect(completeQmp("qom-get path=/machine p", machine, [])).toEqual([["property="], "p"]);
    expect(completeQmp("qom-get ", control, [])[0]).toEqual(["machine=", "path=", "property="]);
  });

  it("completes enum and boolean values", () => {
    expect(completeQmp("qom-list-types abstract=", machine, [])).toEqual([["abstract=false", "abstract=true"], "abstract="]);
    const [hits] = completeQmp("object-add qom-type=memory-backend-r", machine, []);
    expect(hits).toEqual(["qom-type=memory-backend-ram"]);
  });

  it("completes the members of the union variant the tag selects", () => {
    const [hits] = completeQmp("object-add qom-type=memory-backend-ram id=m0 s", machine, []);
    expect(hits).toEqual(["share=", "size="]);
  });

  it("completes machine names after use and machine=", () => {
    expect(completeQmp("use v", control, ["vm1", "vm2", "other"])).toEqual([["vm1", "vm2"], "v"]);
    expect(completeQmp("query-status machine=o", control, ["vm1", "other"])).toEqual([["machine=other"], "machine=o"]);
  });

  it("offers nothing for raw JSON and unknown commands", () => {
    expect(completeQmp('{"execute": "q', machine, [])).toEqual([[], '{"execute": "q']);
    expect(completeQmp("nosuch ", machine, [])).toEqual([[], ""]);
  });
});

describe("HMP completion", () => {
  const help = "cont|c  -- resume emulation\r\nhelp|? [cmd] -- show the help\r\ninfo [subcommand] -- show various information\r\nquit|q  -- quit the emulator\r\n";
  const infoHelp = "info qom-tree [path] -- show QOM composition tree\r\ninfo status  -- show the current VM status\r\n";

  it("takes command names and aliases from help, topics from help info", () => {
    const commands = hmpCommandNames(help);
    expect(commands).toEqual(["cont", "c", "help", "?", "info", "quit", "q"]);
    const topics = hmpCommandNames(infoHelp, "info ");
    expect(completeHmp("q", commands, topics)).toEqual([["q", "quit"], "q"]);
    expect(completeHmp("info q", commands, topics)).toEqual([["qom-tree"], "q"]);
  });
});
