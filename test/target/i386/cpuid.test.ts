import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { x86CpuConfigFromOption } from "../../../src/target/i386/cpu-parse.js";
import { apicIdFromCpuIndex, realizeX86Cpu, type X86Topology } from "../../../src/target/i386/cpu-realize.js";
import { cpuid } from "../../../src/target/i386/cpuid.js";

const fixture = (name: string): string =>
  readFileSync(fileURLToPath(new URL(`../../fixtures/qemu-7.2/${name}`, import.meta.url)), "utf8");

interface Dump {
  readonly cpu: string;
  readonly smp: string;
  readonly lines: readonly string[];
}

function parseDumps(text: string): Dump[] {
  const dumps: Dump[] = [];
  let cur: { cpu: string; smp: string; lines: string[] } | undefined;
  for (const line of text.split("\n")) {
    const m = /^# -cpu (\S+) -smp (\S+)$/.exec(line);
    if (m) {
      cur = { cpu: m[1]!, smp: m[2]!, lines: [] };
      dumps.push(cur);
    } else if (line !== "" && cur) {
      cur.lines.push(line);
    }
  }
  return dumps;
}

/** The topology QEMU 7.2's pc machine derives from -smp (cores preferred). */
function smpTopology(smp: string): X86Topology {
  const [cpusText, ...rest] = smp.split(",");
  const kv = new Map(rest.map((p) => p.split("=") as [string, string]));
  const cpus = Number(cpusText);
  const sockets = Number(kv.get("sockets") ?? 1);
  const dies = Number(kv.get("dies") ?? 1);
  const threads = Number(kv.get("threads") ?? 1);
  const cores = Number(kv.get("cores") ?? cpus / (sockets * dies * threads));
  return { cores, threads, dies, cpus };
}

const hex = (n: number): string => (n >>> 0).toString(16).padStart(8, "0");

const dumps = parseDumps(fixture("cpuid/dumps.txt"));

describe("cpuid against real QEMU 7.2 guests", () => {
  it("has the captured dumps", () => {
    expect(dumps.length).toBe(70);
  });

  for (const d of dumps) {
    it(`-cpu ${d.cpu} -smp ${d.smp}`, () => {
      const { config, parsed } = x86CpuConfigFromOption(d.cpu);
      config.setUint("apic-id", 0);
      const { state } = realizeX86Cpu(config, smpTopology(d.smp), parsed);
      const got = d.lines.map((line) => {
        const [leaf, sub] = line.slice(0, 17).split("/").map((h) => parseInt(h, 16)) as [number, number];
        const r = cpuid(state, leaf, sub);
        return `${hex(leaf)}/${hex(sub)}: ${hex(r.eax)} ${hex(r.ebx)} ${hex(r.ecx)} ${hex(r.edx)}`;
      });
      expect(got).toEqual(d.lines);
    });
  }
});

describe("cpuid live state", () => {
  it("reports OSXSAVE and OSPKE from CR4 and the XSAVE size from XCR0", () => {
    const { config, parsed } = x86CpuConfigFromOption("Haswell,+pku");
    config.setUint("apic-id", 0);
    const { state } = realizeX86Cpu(config, { cores: 1, threads: 1, dies: 1 }, parsed);
    expect(cpuid(state, 1, 0).ecx & (1 << 27)).toBe(0);
    expect(cpuid(state, 1, 0, { cr4: 1 << 18 }).ecx & (1 << 27)).toBe(1 << 27);
    expect(cpuid(state, 7, 0, { cr4: 1 << 22 }).ecx & (1 << 4)).toBe(1 << 4);
    expect(cpuid(state, 0xd, 0, { xcr0: 7n }).ebx).toBe(0x340);
  });

  it("puts the APIC id in leaves 1, 0xB and 0x8000001E", () => {
    const { config, parsed } = x86CpuConfigFromOption("EPYC,+topoext");
    config.setUint("apic-id", 5);
    const { state } = realizeX86Cpu(config, { cores: 2, threads: 2, dies: 1 }, parsed);
    expect(cpuid(state, 1, 0).ebx >>> 24).toBe(5);
    expect(cpuid(state, 0xb, 1).edx).toBe(5);
    expect(cpuid(state, 0x8000001e, 0)).toEqual({ eax: 5, ebx: 0x100, ecx: 1, edx: 0 });
  });
});

describe("APIC ids", () => {
  it("pack thread, core, die and package fields like QEMU's pc machine", () => {
    const t = { threads: 2, cores: 3, dies: 1 };
    expect([0, 1, 2, 3, 5, 6, 7].map((i) => apicIdFromCpuIndex(i, t))).toEqual([0, 1, 2, 3, 5, 8, 9]);
    expect([2, 4, 6].map((i) => apicIdFromCpuIndex(i, { threads: 1, cores: 2, dies: 2 }))).toEqual([2, 4, 6]);
    expect(apicIdFromCpuIndex(3, { threads: 1, cores: 3, dies: 1 })).toBe(4);
  });
});
