// Where the display card goes: -vga std/cirrus/none, the machine's default, -device, checked
// against trees and texts captured from QEMU 7.2.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { CliError, CliExit } from "../../../src/softmmu/cli-error.js";
import { createMachine, type MachineInstance } from "../../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { FIXTURES, qomdTree, readCapturedLinks, readCapturedTree, treeLines } from "../../helpers/qom-tree.js";

const PROG = "qemu-system-x86_64";
/** The ACPI tables QEMU exposes as fw_cfg ROM blobs are not built by qomd yet. */
const modelled = (path: string) => !/^\/machine\/fw_cfg\/\\x2from@etc/.test(path);

let fw: string;
beforeAll(() => {
  fw = fakeFirmwareDir();
});

/** Builds a machine as the captures were made: paused, no display, QMP on a socket. */
async function build(...argv: string[]): Promise<MachineInstance> {
  const sock = join(mkdtempSync(join(tmpdir(), "qomd-vga-")), "qmp.sock");
  return createMachine(["-L", fw, ...argv, "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], { prog: PROG });
}

async function failure(...argv: string[]): Promise<string> {
  try {
    await createMachine(["-L", fw, ...argv], { prog: PROG });
  } catch (e) {
    if (e instanceof CliError) return e.stderrText();
    throw e;
  }
  throw new Error(`expected ${argv.join(" ")} to fail`);
}

async function helpOutput(...argv: string[]): Promise<string> {
  try {
    await createMachine(["-L", fw, ...argv], { prog: PROG });
  } catch (e) {
    if (e instanceof CliExit) return e.stdout;
    throw e;
  }
  throw new Error(`expected ${argv.join(" ")} to print and exit`);
}

/** Tree and links of a machine against a capture; returns the differences. */
function differences(m: MachineInstance, capture: string): string[] {
  const out: string[] = [];
  const got = treeLines(qomdTree(m.registry), modelled);
  const want = treeLines(readCapturedTree(capture), modelled);
  for (const line of want) if (!got.includes(line)) out.push(`missing ${line}`);
  for (const line of got) if (!want.includes(line)) out.push(`extra ${line}`);
  const root = objectGetRoot(m.registry);
  for (const link of readCapturedLinks(capture)) {
    if (!modelled(link.owner)) continue;
    const owner = resolvePath(root, link.owner).obj;
    const value = owner?.findProperty(link.prop) ? owner.getProperty(link.prop) : undefined;
    if (value !== link.value) out.push(`${link.owner}.${link.prop}: ${JSON.stringify(value)}, QEMU ${JSON.stringify(link.value)}`);
  }
  return out;
}

describe("the board's display card", () => {
  for (const [argv, capture] of [
    [["-M", "pc", "-S", "-nodefaults", "-vga", "std"], "qom-paths.pc-nodefaults-vga-std.txt"],
    [["-M", "pc", "-S", "-nodefaults", "-vga", "cirrus"], "qom-paths.pc-nodefaults-vga-cirrus.txt"],
    [["-M", "pc", "-S", "-nodefaults", "-vga", "none"], "qom-paths.pc-nodefaults.txt"],
    [["-M", "q35", "-S", "-nodefaults", "-vga", "std"], "qom-paths.q35-nodefaults-vga-std.txt"],
    [["-M", "pc", "-S"], "qom-paths.pc-defaults.txt"],
    [["-M", "pc", "-S", "-nodefaults", "-device", "VGA", "-device", "cirrus-vga,id=c"], "qom-paths.pc-nodefaults-device-vga.txt"],
  ] as const) {
    it(`${argv.join(" ")}: QEMU's tree and links`, async () => {
      const m = await build(...argv);
      try {
        expect(differences(m, capture)).toEqual([]);
      } finally {
        await m.chardevs.closeAll();
      }
    });
  }

  it("puts the default card at 02.0 on pc (between the PICs and the HPET) and last on q35", async () => {
    const pc = await build("-M", "pc", "-S", "-nodefaults", "-vga", "std");
    const q35 = await build("-M", "q35", "-S", "-nodefaults", "-vga", "cirrus");
    try {
      const vga = resolvePath(objectGetRoot(pc.registry), "/machine/unattached/device[8]").obj!;
      expect([vga.typeName, vga.getProperty("addr"), vga.getProperty("xres"), vga.getProperty("yres")]).toEqual(["VGA", 16, 1280, 800]);
      const cirrus = resolvePath(objectGetRoot(q35.registry), "/machine/unattached/device[25]").obj!;
      expect([cirrus.typeName, cirrus.getProperty("legacy-addr")]).toEqual(["cirrus-vga", "01.0"]);
    } finally {
      await pc.chardevs.closeAll();
      await q35.chardevs.closeAll();
    }
  });
});

describe("a card named on the command line cancels the default one", () => {
  const cards = (m: MachineInstance) => treeLines(qomdTree(m.registry)).filter((l) => /\t(VGA|cirrus-vga)$/.test(l));

  it("-device cirrus-vga: only that card (QEMU's default_driver_check)", async () => {
    const m = await build("-M", "pc", "-S", "-net", "none", "-device", "cirrus-vga");
    try {
      expect(cards(m)).toEqual(["/machine/peripheral-anon/device[0]\tcirrus-vga"]);
    } finally {
      await m.chardevs.closeAll();
    }
  });

  it("-global VGA.vgamem_mb=32: no card at all, as in QEMU 7.2", async () => {
    const m = await build("-M", "pc", "-S", "-net", "none", "-global", "VGA.vgamem_mb=32");
    try {
      expect(cards(m)).toEqual([]);
    } finally {
      await m.chardevs.closeAll();
    }
  });
});

describe("-vga errors and help, in QEMU's words", () => {
  it("refuses unknown types and options", async () => {
    expect(await failure("-M", "none", "-vga", "nosuch")).toBe(`${PROG}: unknown vga type: nosuch\n`);
    expect(await failure("-M", "none", "-vga", "std,retrace=x")).toBe(`${PROG}: unknown vga type: std,retrace=x\n`);
  });

  it("warns when the machine creates no card", async () => {
    const m = await createMachine(["-L", fw, "-M", "none", "-S", "-nodefaults", "-vga", "std"], { prog: PROG });
    expect(m.warnings).toContain(
      `${PROG}: warning: A -vga option was passed but this machine type does not use that option; No VGA device has been created`,
    );
  });

  it("-vga help lists the cards qomd has, marking the machine's default, as QEMU prints them", async () => {
    // QEMU also offers vmware, qxl and virtio, which qomd does not model; its other lines are the same.
    const qemu = (name: string) => readFileSync(join(FIXTURES, name), "utf8").split("\n").filter((l) => /^(none|std|cirrus) /.test(l));
    expect((await helpOutput("-vga", "help")).trimEnd().split("\n")).toEqual(qemu("vga-help.txt"));
  });
});
