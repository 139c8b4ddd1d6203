import { describe, expect, it } from "vitest";
import { type MachineSmpProps, machineParseSmpConfig, smpConfigFromKeyval } from "../../../src/hw/core/machine-smp.js";
import { keyvalParse } from "../../../src/util/keyval.js";

/** pc-i440fx-7.2: dies supported, cores preferred, at most 255 CPUs (QEMU 7.2). */
const PC: MachineSmpProps = { name: "pc-i440fx-7.2", minCpus: 0, maxCpus: 255, diesSupported: true, clustersSupported: false, preferSockets: false };
/** -M none: one CPU at most, no dies. */
const NONE: MachineSmpProps = { name: "none", minCpus: 0, maxCpus: 1, diesSupported: false, clustersSupported: false, preferSockets: false };

const smp = (arg: string) => smpConfigFromKeyval(keyvalParse(arg, "cpus").dict);

function warnings() {
  const lines: string[] = [];
  return { lines, sink: { warn: (t: string) => lines.push(t), print: (t: string) => lines.push(t) } };
}

describe("smpConfigFromKeyval", () => {
  it("reads integers in base 0 and rejects junk and unknown members with QEMU's texts", () => {
    expect(smp("0x2,maxcpus=010")).toEqual({ cpus: 2n, maxcpus: 8n });
    expect(() => smp("foo")).toThrow("Parameter 'smp.cpus' expects integer");
    expect(() => smp("2,foo=1")).toThrow("Parameter 'smp.foo' is unexpected");
    expect(() => smpConfigFromKeyval("2")).toThrow("Invalid parameter type for 'smp', expected: object");
  });
});

describe("machineParseSmpConfig", () => {
  it("fills in the topology, preferring cores over sockets", () => {
    expect(machineParseSmpConfig(PC, smp("4"))).toEqual({ cpus: 4, sockets: 1, dies: 1, clusters: 1, cores: 4, threads: 1, maxCpus: 4 });
    expect(machineParseSmpConfig(PC, smp("8,sockets=2"))).toMatchObject({ sockets: 2, cores: 4, threads: 1 });
    expect(machineParseSmpConfig(PC, smp("sockets=2,cores=2,threads=2"))).toMatchObject({ cpus: 8, maxCpus: 8 });
    expect(machineParseSmpConfig(PC, smp("2,maxcpus=4"))).toMatchObject({ cpus: 2, cores: 4, maxCpus: 4 });
    expect(machineParseSmpConfig({ ...PC, preferSockets: true }, smp("8,cores=2"))).toMatchObject({ sockets: 4, cores: 2 });
  });

  it("rejects a hierarchy that does not multiply out (cli-errors.txt)", () => {
    expect(() => machineParseSmpConfig(PC, smp("4,sockets=3,cores=1,threads=1"))).toThrow(
      "Invalid CPU topology: product of the hierarchy must match maxcpus: sockets (3) * dies (1) * cores (1) * threads (1) != maxcpus (4)",
    );
  });

  it("rejects maxcpus below cpus, listing only the levels the machine has", () => {
    expect(() => machineParseSmpConfig(NONE, smp("4,maxcpus=2"))).toThrow(
      "Invalid CPU topology: maxcpus must be equal to or greater than smp: sockets (1) * cores (2) * threads (1) == maxcpus (2) < smp_cpus (4)",
    );
  });

  it("checks the machine's limits and unsupported levels", () => {
    expect(() => machineParseSmpConfig(PC, smp("300"))).toThrow("Invalid SMP CPUs 300. The max CPUs supported by machine 'pc-i440fx-7.2' is 255");
    expect(() => machineParseSmpConfig(NONE, smp("-1"))).toThrow("Invalid SMP CPUs -1. The max CPUs supported by machine 'none' is 1");
    expect(() => machineParseSmpConfig(NONE, smp("cpus=2,dies=2"))).toThrow("dies not supported by this machine's CPU topology");
    expect(() => machineParseSmpConfig(PC, smp("cpus=2,clusters=2"))).toThrow("clusters not supported by this machine's CPU topology");
    expect(() => machineParseSmpConfig({ ...PC, minCpus: 2 }, smp("1"))).toThrow("Invalid SMP CPUs 1. The min CPUs supported by machine 'pc-i440fx-7.2' is 2");
  });

  it("warns about explicit zeros and carries on (-smp 0 is valid on -M none)", () => {
    const w = warnings();
    expect(machineParseSmpConfig(NONE, smp("0"), w.sink)).toMatchObject({ cpus: 1, maxCpus: 1 });
    expect(w.lines).toEqual(["Deprecated CPU topology (considered invalid): CPU topology parameters must be greater than zero"]);
    const w2 = warnings();
    expect(() => machineParseSmpConfig(NONE, smp("2,sockets=0"), w2.sink)).toThrow("Invalid SMP CPUs 2");
    expect(w2.lines.length).toBe(1);
  });
});
