/**
 * The QMP exchanges captured from `qemu-system-x86_64 -M pc -S -nodefaults`
 * (qom-list, qom-get, qom-list-types, qom-list-properties,
 * device-list-properties and the query-* commands) replayed against
 * `qomd run` on the same command line, started in a fresh directory with the
 * same relative socket path so that even query-chardev's filename matches.
 *
 * Every reply must equal QEMU's (member order inside objects aside, which
 * test/qobject checks for the writer) unless DIFFERENCES names the capture
 * and says why; each listed difference keeps its own check.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { qmpConnect, removeDir, startProcess, tempDir, type LineReader, type ProcessHandle } from "./helpers.js";
import { asQemuTypeInfo, canonical, expectSubset, isUbuntuMachineName, type Json, type JsonObj } from "./probe-compare.js";

interface Exchange {
  request: JsonObj;
  response: JsonObj;
}

const capture = JSON.parse(readFileSync(new URL("../fixtures/qmp-replay/pc-nodefaults.json", import.meta.url), "utf8")) as {
  exchanges: Record<string, Exchange>;
};

type Check = (qemu: JsonObj, qomd: JsonObj) => void;

function list(msg: JsonObj): Json[] {
  expect(msg).toHaveProperty("return");
  return msg["return"] as Json[];
}

/** The same elements, in another order. */
const sameSet: Check = (q, d) => expect(list(d).map(canonical).sort()).toEqual(list(q).map(canonical).sort());

/** qomd's elements are QEMU's (qomd models fewer), Ubuntu machine types aside. */
const subset: Check = (q, d) =>
  expectSubset(
    list(d).filter((x) => !isUbuntuMachineName(String((x as JsonObj)["name"]))),
    list(q),
    "entries QEMU does not have",
  );

/** As subset, for qom-list-types answers (with the type-info differences of TYPE_INFO_DIFFERENCES). */
const typeSubset: Check = (q, d) =>
  expectSubset(
    list(d)
      .filter((x) => !isUbuntuMachineName(String((x as JsonObj)["name"])))
      .map((x) => asQemuTypeInfo(x as JsonObj)),
    list(q),
    "types QEMU does not have",
  );

/** QEMU's list minus exactly `missing` (by name, sorted), the same elements otherwise. */
function lacking(missing: string[]): Check {
  return (q, d) => {
    const names = new Set(list(d).map((x) => (x as JsonObj)["name"]));
    const absent = list(q)
      .map((x) => (x as JsonObj)["name"] as string)
      .filter((n) => !names.has(n))
      .sort();
    expect(absent).toEqual(missing);
    subset(q, d);
  };
}

/** QEMU's elements in another order, which must not (yet) be QEMU's. */
const reordered: Check = (q, d) => {
  sameSet(q, d);
  expect(list(d)).not.toEqual(list(q));
};

const DIFFERENCES: Record<string, { why: string; check: Check }> = {
  "qom-list_machine_unattached_sysbus": {
    why: "QEMU 7.2 gives every bus its own realized and hotplug-handler properties (qbus_initfn), which share the hash table with the child[N] links; qomd's buses have them as class properties (src/hw/core/bus.ts)",
    check: reordered,
  },
  "qom-list_machine": {
    why: "qomd's pc machine has no CXL, HMAT or NVDIMM properties (not modelled), and did not add and drop the pflash properties QEMU's did, so its own properties also come in another hash order",
    check: lacking(["cxl", "cxl-fmw", "hmat", "nvdimm", "nvdimm-persistence"]),
  },
  "qom-list-properties.pc-i440fx-7.2-machine": {
    why: "as qom-list /machine, and a fresh pc machine object has no pflash0/pflash1 aliases nor system.flash0/1 children in qomd (QEMU creates them at instance init and drops the unused ones when the machine is built)",
    check: lacking(["cxl", "cxl-fmw", "hmat", "nvdimm", "nvdimm-persistence", "pflash0", "pflash1", "system.flash0", "system.flash1"]),
  },
  "qom-list-types": { why: "qomd registers the types it models, a subset of QEMU's 614, plus Ubuntu's machine types; chardev-file, chardev-stdio and accel as TYPE_INFO_DIFFERENCES says", check: typeSubset },
  "qom-list-types.abstract-true": { why: "as qom-list-types", check: typeSubset },
  "qom-list-types.implements-device": { why: "as qom-list-types", check: typeSubset },
  "qom-list-types.implements-interface": { why: "qomd has none of QEMU's 59 interface-implementing object types (rng, crypto, authz …)", check: typeSubset },
  "qom-list-types.implements-object": { why: "as qom-list-types", check: typeSubset },
  "qom-list-types.implements-pci-device": { why: "as qom-list-types", check: typeSubset },
  "qom-list-types.implements-user-creatable": { why: "qomd's user-creatable types are the three memory backends", check: typeSubset },
  "qom-list-types.implements-machine": { why: "Ubuntu's machine types added; x-remote not modelled", check: typeSubset },
  "qom-list-types.implements-machine.abstract-true": { why: "as implements-machine", check: typeSubset },
  "qom-list-types.implements-memory-backend": { why: "hash-table order of QEMU's type table", check: sameSet },
  "qom-list-types.implements-x86_64-cpu": { why: "hash-table order of QEMU's type table", check: sameSet },
  "query-machines": { why: "Ubuntu's machine types added; x-remote not modelled", check: lacking(["x-remote"]) },
  "query-commands": { why: "qomd lists the commands it implements, a subset of QEMU's", check: subset },
  "query-qmp-schema": {
    why: "qomd's schema covers its commands; type names are masked numbers, so command and event names are compared",
    check: (q, d) => {
      const names = (m: JsonObj, meta: string) =>
        list(m)
          .filter((e) => (e as JsonObj)["meta-type"] === meta)
          .map((e) => (e as JsonObj)["name"]!);
      expectSubset(names(d, "command"), names(q, "command"), "commands");
      expectSubset(names(d, "event"), names(q, "event"), "events");
    },
  },
  "query-cpus-fast": {
    why: "thread-id is the host thread running the vCPU, different in every process",
    check: (q, d) => {
      const strip = (m: JsonObj) => list(m).map((c) => ({ ...(c as JsonObj), "thread-id": 0 }));
      expect(strip(d)).toEqual(strip(q));
    },
  },
  "query-tpm-models": { why: "qomd registers no TPM device types yet", check: (_q, d) => expect(d).toEqual({ return: [] }) },
};

describe("the -M pc -S -nodefaults captures, replayed", () => {
  let dir: string;
  let p: ProcessHandle;
  let c: LineReader;

  beforeAll(async () => {
    dir = tempDir("qomd-replay-");
    p = startProcess(["run", "-M", "pc", "-S", "-nodefaults", "-display", "none", "-qmp", "unix:qmp.sock,server=on,wait=off"], {}, dir);
    for (let i = 0; i < 200; i++) {
      try {
        c = await qmpConnect(join(dir, "qmp.sock"));
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 25));
      }
    }
    throw new Error(`qomd run did not serve its socket: ${p.stderr}`);
  }, 60_000);

  afterAll(async () => {
    p.child.kill("SIGKILL");
    await p.exited;
    removeDir(dir);
  });

  for (const [name, ex] of Object.entries(capture.exchanges)) {
    const diff = DIFFERENCES[name];
    it(`${name}${diff ? ` — differs: ${diff.why}` : ""}`, async () => {
      const req = ex.request;
      const reply = (await c.cmd(req["execute"] as string, req["arguments"] as Record<string, unknown> | undefined)) as JsonObj;
      if (diff) diff.check(ex.response, reply);
      else expect(reply).toEqual(ex.response);
    });
  }

  it("lists no difference for a capture that is not replayed", () => {
    for (const name of Object.keys(DIFFERENCES)) expect(Object.keys(capture.exchanges)).toContain(name);
  });
});
