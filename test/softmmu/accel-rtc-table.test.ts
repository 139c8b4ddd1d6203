import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fallbackMessage, noAcceleratorError, planAccelerators } from "../../src/softmmu/accel-plan.js";
import { CliError } from "../../src/softmmu/cli-error.js";
import { parseCommandLine } from "../../src/softmmu/cmdline.js";
import { createQemuOptionGroups } from "../../src/softmmu/option-groups.js";
import { QEMU_OPTIONS, findQemuOption } from "../../src/softmmu/qemu-options-table.js";
import { configureRtc } from "../../src/softmmu/rtc-config.js";
import { groupEntries } from "../../src/softmmu/cmdline-types.js";

const PROG = "qemu-system-x86_64";
const has = (name: string) => name === "tcg" || name === "kvm";

describe("planAccelerators", () => {
  it("-accel nosuch: reported at the option (cli-errors.txt), nothing left to try", () => {
    const plan = planAccelerators(parseCommandLine("-accel nosuch -display none -nodefaults".split(" ")), has);
    expect(plan.messages).toEqual([`${PROG}: -accel nosuch: invalid accelerator nosuch`]);
    expect(plan.candidates).toEqual([]);
    expect(noAcceleratorError(PROG, plan).stderrText()).toBe(`${PROG}: -accel nosuch: invalid accelerator nosuch\n`);
  });

  it("skips bad names in -machine accel= and keeps going", () => {
    const plan = planAccelerators(parseCommandLine(["-machine", "none,accel=kvm:foo"]), has);
    expect(plan.candidates.map((c) => c.name)).toEqual(["kvm"]);
    expect(plan.messages).toEqual([`${PROG}: invalid accelerator foo`]);
    expect(plan.initFailed).toBe(true);
    expect(fallbackMessage(PROG, "KVM")).toBe(`${PROG}: falling back to KVM`);
  });

  it("keeps -accel properties and order; -enable-kvm means kvm; the default is tcg:kvm", () => {
    const plan = planAccelerators(parseCommandLine(["-accel", "kvm,kernel-irqchip=split", "-accel", "tcg,thread=single"]), has);
    expect(plan.candidates).toEqual([
      { name: "kvm", props: [["kernel-irqchip", "split"]], loc: "-accel kvm,kernel-irqchip=split" },
      { name: "tcg", props: [["thread", "single"]], loc: "-accel tcg,thread=single" },
    ]);
    expect(planAccelerators(parseCommandLine(["-enable-kvm"]), has).candidates.map((c) => c.name)).toEqual(["kvm"]);
    expect(planAccelerators(parseCommandLine([]), has).candidates.map((c) => c.name)).toEqual(["tcg", "kvm"]);
    expect(planAccelerators(parseCommandLine([], "qemu-kvm"), has).candidates.map((c) => c.name)).toEqual(["kvm", "tcg"]);
    expect(planAccelerators(parseCommandLine([]), (n) => n === "tcg").candidates.map((c) => c.name)).toEqual(["tcg"]);
  });

  it("refuses -accel together with -machine accel=", () => {
    expect(() => planAccelerators(parseCommandLine(["-accel", "tcg", "-machine", "accel=tcg"]), has)).toThrow(CliError);
    try {
      planAccelerators(parseCommandLine(["-accel", "tcg", "-machine", "accel=tcg"]), has);
    } catch (e) {
      expect((e as CliError).message).toBe(`${PROG}: The -accel and "-machine accel=" options are incompatible`);
    }
  });
});

describe("configureRtc", () => {
  const rtc = (arg: string) => configureRtc(groupEntries(parseCommandLine(["-rtc", arg]), "rtc")[0]);

  it("reads base, clock and driftfix", () => {
    expect(configureRtc(undefined)).toEqual({ base: "utc", clock: "host", driftfix: "none" });
    expect(rtc("base=localtime,clock=vm,driftfix=slew")).toEqual({ base: "localtime", clock: "vm", driftfix: "slew" });
    expect(rtc("base=2006-06-17T16:01:21")).toMatchObject({ base: { startSeconds: 1150560081 } });
    // sscanf() ignores what follows the date, as QEMU does.
    expect(rtc("base=2006-06-17x")).toMatchObject({ base: { startSeconds: 1150502400 } });
  });

  it("reports QEMU's texts", () => {
    expect(() => rtc("clock=foo")).toThrow("invalid option value 'foo'");
    expect(() => rtc("driftfix=foo")).toThrow("invalid option value 'foo'");
    expect(() => rtc("base=yesterday")).toThrow("invalid datetime format");
  });
});

describe("the option table", () => {
  it("covers every option the -h text lists", () => {
    const help = readFileSync(new URL("../fixtures/qemu-7.2/cli-qemu-help.txt", import.meta.url), "utf8");
    const named = new Set<string>();
    for (const line of help.split("\n")) {
      // "-fda/-fdb file", "-hda/-hdb file", "-h or -help", "--preconfig", "-netdev user,...", "-nic [tap|..."
      const m = /^-{1,2}([A-Za-z][\w-]*)(?:\/-([\w-]+))?(?: or -(\w+))?/.exec(line);
      if (!m) continue;
      for (const n of [m[1], m[2], m[3]]) if (n) named.add(n);
    }
    const missing = [...named].filter((n) => !findQemuOption(n));
    expect(missing).toEqual([]);
    expect(named.size).toBeGreaterThan(100);
  });

  it("knows which options take an argument", () => {
    expect(findQemuOption("m")?.hasArg).toBe(true);
    expect(findQemuOption("S")?.hasArg).toBe(false);
    expect(findQemuOption("enable-kvm")?.hasArg).toBe(false);
    expect(findQemuOption("qmp-pretty")?.hasArg).toBe(true);
    expect(findQemuOption("nettap")).toBeUndefined();
    expect(QEMU_OPTIONS[0]!.name).toBe("h");
  });
});

describe("the option groups", () => {
  it("registers QEMU's groups with their descriptors, implied keys and merging", () => {
    const groups = createQemuOptionGroups();
    const memory = groups.find("memory");
    expect(memory.impliedOptName).toBe("size");
    expect(memory.mergeLists).toBe(true);
    expect(memory.desc.map((d) => `${d.name}:${d.type}`)).toEqual(["size:size", "slots:number", "maxmem:size"]);
    expect(groups.find("drive").acceptsAny()).toBe(true);
    expect(groups.find("device").impliedOptName).toBe("driver");
    expect(groups.find("chardev").findDesc("server")?.type).toBe("bool");
    expect(groups.find("name").findDesc("guest")?.help).toContain("Sets the name of the guest.");
    expect(groups.all()[0]!.name).toBe("drive");
  });
});
