import { describe, it, expect } from "vitest";
import { parseX86CpuOption, x86CpuConfigFromOption } from "../../../src/target/i386/cpu-parse.js";
import { realizeX86Cpu } from "../../../src/target/i386/cpu-realize.js";

/** What `qemu-system-x86_64 -cpu OPT` prints as warnings, or the error it
 * exits with, following QEMU's order: parse, create, realize. */
function run(opt: string): { warnings: string[]; error?: string } {
  const warnings: string[] = [];
  try {
    const { config, parsed } = x86CpuConfigFromOption(opt);
    warnings.push(...parsed.warnings);
    config.setUint("apic-id", 0);
    realizeX86Cpu(config, { cores: 1, threads: 1, dies: 1 }, parsed, warnings);
    return { warnings };
  } catch (e) {
    return { warnings, error: (e as Error).message };
  }
}

/* Texts below were checked against qemu-system-x86_64 7.2.22 with TCG. */
describe("-cpu parsing as QEMU 7.2", () => {
  it("splits the model name from the feature list", () => {
    const p = parseX86CpuOption("SandyBridge,+avx2,-x2apic,pni=off,sse4_1,tsc-freq=2G");
    expect(p.typeName).toBe("SandyBridge-x86_64-cpu");
    expect(p.plus).toEqual(["avx2"]);
    expect(p.minus).toEqual(["x2apic"]);
    expect(p.globals).toEqual([
      { driver: "SandyBridge-x86_64-cpu", property: "pni", value: "off" },
      { driver: "SandyBridge-x86_64-cpu", property: "sse4-1", value: "on" },
      { driver: "SandyBridge-x86_64-cpu", property: "tsc-frequency", value: "2000000000" },
    ]);
  });

  it("rejects unknown and mis-cased models", () => {
    expect(run("nosuch").error).toBe("unable to find CPU model 'nosuch'");
    expect(run("QEMU64").error).toBe("unable to find CPU model 'QEMU64'");
    expect(run("qemu64-x86_64-cpu").error).toBe("unable to find CPU model 'qemu64-x86_64-cpu'");
    expect(run("").error).toBe("-cpu option cannot be empty");
  });

  it("warns about TCG-unsupported features of a model", () => {
    expect(run("SandyBridge")).toEqual({
      warnings: [
        "TCG doesn't support requested feature: CPUID.01H:ECX.x2apic [bit 21]",
        "TCG doesn't support requested feature: CPUID.01H:ECX.tsc-deadline [bit 24]",
      ],
    });
    expect(run("qemu64,+vmx").warnings).toEqual(["TCG doesn't support requested feature: CPUID.01H:ECX.vmx [bit 5]"]);
    expect(run("phenom").warnings).toEqual([
      "TCG doesn't support requested feature: CPUID.80000001H:EDX.fxsr-opt [bit 25]",
    ]);
    expect(run("qemu64,+ht").warnings).toEqual(["TCG doesn't support requested feature: CPUID.01H:EDX.ht [bit 28]"]);
    expect(run("SandyBridge-IBRS,+avx2").warnings).toContain(
      "TCG doesn't support requested feature: CPUID.07H:EDX.spec-ctrl [bit 26]",
    );
    expect(run("Skylake-Client,check=off").warnings).toEqual([]);
  });

  it("warns when +feat/-feat and feat=on|off are mixed, and +/- wins", () => {
    expect(run("qemu64,+x2apic,x2apic=off")).toEqual({
      warnings: [
        'Ambiguous CPU model string. Don\'t mix both "+x2apic" and "x2apic=off"',
        "Compatibility of ambiguous CPU model strings won't be kept on future QEMU versions",
        "TCG doesn't support requested feature: CPUID.01H:ECX.x2apic [bit 21]",
      ],
    });
    expect(run("qemu64,-x2apic,x2apic=on,+pni,pni=off")).toEqual({
      warnings: [
        'Ambiguous CPU model string. Don\'t mix both "-x2apic" and "x2apic=on"',
        'Ambiguous CPU model string. Don\'t mix both "+pni" and "pni=off"',
        "Compatibility of ambiguous CPU model strings won't be kept on future QEMU versions",
      ],
    });
  });

  it("reports unknown properties the two ways QEMU does", () => {
    expect(run("qemu64,+nosuch").error).toBe("Property 'qemu64-x86_64-cpu.nosuch' not found");
    expect(run("qemu64,+").error).toBe("Property 'qemu64-x86_64-cpu.' not found");
    // "+name" is looked up as written; "name=on" gets "_" turned into "-".
    expect(run("qemu64,+tsc_deadline").error).toBe("Property 'qemu64-x86_64-cpu.tsc_deadline' not found");
    expect(run("qemu64,tsc_deadline=on").warnings).toEqual([
      "TCG doesn't support requested feature: CPUID.01H:ECX.tsc-deadline [bit 24]",
    ]);
    expect(run("qemu64,nosuch=on").error).toBe(
      "can't apply global qemu64-x86_64-cpu.nosuch=on: Property 'qemu64-x86_64-cpu.nosuch' not found",
    );
    expect(run("qemu64,=on").error).toBe(
      "can't apply global qemu64-x86_64-cpu.=on: Property 'qemu64-x86_64-cpu.' not found",
    );
  });

  it("reports bad values with QEMU's texts", () => {
    expect(run("qemu64,tsc-freq=abc").error).toBe("bad numerical value abc");
    expect(run("qemu64,pni=abc").error).toBe(
      "can't apply global qemu64-x86_64-cpu.pni=abc: Parameter 'pni' expects 'on' or 'off'",
    );
    expect(run("qemu64,family=300").error).toBe(
      "can't apply global qemu64-x86_64-cpu.family=300: Property .family doesn't take value 300 (minimum: 0, maximum: 270)",
    );
    expect(run("qemu64,vendor=abc").error).toBe(
      "can't apply global qemu64-x86_64-cpu.vendor=abc: Property '.vendor' doesn't take value 'abc'",
    );
    expect(run("qemu64,phys-bits=20").error).toBe("phys-bits should be between 32 and 52  (but is 20)");
  });

  it("accepts what QEMU accepts", () => {
    for (const ok of ["qemu64,pni=yes", "qemu64,pni=off,+pni", "qemu64,sse4_1", "qemu64,+sse4_1", "qemu64,,pni", "qemu64,-lm", "qemu64,level=0x20", "qemu64,model-id=Hello", "qemu64,min-level=0x30"]) {
      expect(run(ok), ok).toEqual({ warnings: [] });
    }
  });

  it("fails enforce and host like QEMU under TCG", () => {
    expect(run("qemu64,enforce,+x2apic")).toEqual({
      warnings: ["TCG doesn't support requested feature: CPUID.01H:ECX.x2apic [bit 21]"],
      error: "TCG doesn't support requested features",
    });
    expect(run("host").error).toBe("CPU model 'host' requires KVM or HVF");
  });
});

describe("realize warnings that depend on -smp", () => {
  it("warn AMD models without topoext about threads, with QEMU's hint line", () => {
    const { config, parsed } = x86CpuConfigFromOption("qemu64");
    config.setUint("apic-id", 0);
    const { warnings } = realizeX86Cpu(config, { cores: 2, threads: 2, dies: 1 }, parsed);
    expect(warnings).toEqual([
      "This family of AMD CPU doesn't support hyperthreading(2)\nPlease configure -smp options properly or try enabling topoext feature.",
    ]);
  });
});
