import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CliError, CliExit } from "../../src/softmmu/cli-error.js";
import { createMachine, type MachineInstance } from "../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../helpers/firmware.js";
import { FIXTURES, qomdTree, readCapturedTree, treeLines } from "../helpers/qom-tree.js";

const PROG = "qemu-system-x86_64";
let fw: string;

beforeAll(() => {
  fw = fakeFirmwareDir();
});

function build(...argv: string[]): MachineInstance {
  return createMachine(["-L", fw, ...argv], { prog: PROG });
}

function stderrOf(...argv: string[]): string {
  try {
    build(...argv);
  } catch (e) {
    if (e instanceof CliError) return e.stderrText();
    throw e;
  }
  throw new Error(`expected ${argv.join(" ")} to fail`);
}

function stdoutOf(...argv: string[]): string {
  try {
    build(...argv);
  } catch (e) {
    if (e instanceof CliExit) return e.stdout;
    throw e;
  }
  throw new Error(`expected ${argv.join(" ")} to print and exit`);
}

const fixture = (name: string) => readFileSync(join(FIXTURES, name), "utf8");

describe("help listings", () => {
  it("-machine help lists QEMU 7.2's machines in its order (plus Ubuntu's distribution types)", () => {
    const ubuntu = /trusty|utopic|vivid|wily|xenial|yakkety|zesty|artful|bionic|cosmic|disco|eoan|focal|groovy|hirsute|impish|jammy|kinetic|lunar/;
    const ours = stdoutOf("-machine", "help").split("\n").filter((l) => !ubuntu.test(l));
    const qemu = fixture("machine-help.txt").split("\n").filter((l) => !l.startsWith("x-remote") && !l.startsWith("rc="));
    expect(ours).toEqual(qemu);
  });

  it("-machine pc,help prints the machine's settable properties exactly", () => {
    expect(stdoutOf("-machine", "pc,help")).toBe(fixture("machine-pc-help.txt"));
  });

  it("-object memory-backend-ram,help and -accel help", () => {
    expect(stdoutOf("-object", "memory-backend-ram,help")).toBe(fixture("object-memory-backend-ram-help.txt"));
    expect(stdoutOf("-accel", "help")).toBe("Accelerators supported in QEMU binary:\ntcg\nkvm\n");
  });
});

describe("errors in QEMU's words", () => {
  it("unknown machine type and property", () => {
    expect(stderrOf("-M", "nosuch")).toBe(`${PROG}: unsupported machine type\nUse -machine help to list supported machines\n`);
    expect(stderrOf("-machine", "pc,nosuchprop=1")).toBe(`${PROG}: Property 'pc-i440fx-7.2-machine.nosuchprop' not found\n`);
  });

  it("accelerators: invalid names, and KVM falling back to TCG", () => {
    expect(stderrOf("-M", "none", "-accel", "kvm")).toMatch(/failed to initialize kvm/);
    const m = build("-M", "none,accel=kvm:tcg", "-nodefaults");
    expect(m.accel).toBe("tcg");
    expect(m.warnings.at(-1)).toBe(`${PROG}: falling back to tcg`);
  });

  it("a missing BIOS stops the PC with QEMU's message", () => {
    expect(stderrOf("-M", "isapc", "-nodefaults", "-bios", "nosuch.bin")).toBe("qemu: could not load PC BIOS 'nosuch.bin'\n");
  });

  it("devices: unknown driver, with the option's location", () => {
    expect(stderrOf("-M", "none", "-device", "nosuch")).toBe(`${PROG}: -device nosuch: 'nosuch' is not a valid device model name\n`);
  });
});

describe("machine trees", () => {
  it("-M none matches QEMU's tree (without the monitor's chardev)", () => {
    const m = build("-M", "none", "-S", "-nodefaults");
    const keep = (p: string) => !p.startsWith("/chardevs");
    expect(treeLines(qomdTree(m.registry), keep)).toEqual(treeLines(readCapturedTree("qom-paths.none.txt"), keep));
    expect(m.runState).toBe("prelaunch");
  });
});
