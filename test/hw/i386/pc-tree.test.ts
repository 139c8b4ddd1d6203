// The pc machine's composition tree and links against QEMU 7.2's captures.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { createMachine, type MachineInstance } from "../../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { qomdTree, readCapturedLinks, readCapturedTree, treeLines } from "../../helpers/qom-tree.js";

/** Everything is modelled: the ACPI tables' ROM regions under fw_cfg included. */
const modelled = (_path: string) => true;

let m: MachineInstance;

beforeAll(async () => {
  const sock = join(mkdtempSync(join(tmpdir(), "qomd-tree-")), "qmp.sock");
  m = await createMachine(["-L", fakeFirmwareDir(), "-M", "pc", "-S", "-nodefaults", "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], {
    prog: "qemu-system-x86_64",
  });
});

afterAll(async () => {
  await m.chardevs.closeAll();
});

describe("-M isapc -S -nodefaults", () => {
  it("builds QEMU 7.2's composition tree (captured from the real binary)", async () => {
    const sock = join(mkdtempSync(join(tmpdir(), "qomd-tree-")), "qmp.sock");
    const isapc = await createMachine(["-L", fakeFirmwareDir(), "-M", "isapc", "-S", "-nodefaults", "-qmp", `unix:${sock},server=on,wait=off`], {
      prog: "qemu-system-x86_64",
    });
    try {
      expect(treeLines(qomdTree(isapc.registry))).toEqual(treeLines(readCapturedTree("qom-paths.isapc-nodefaults.txt")));
    } finally {
      await isapc.chardevs.closeAll();
    }
  });
});

describe("-M pc -S (with QEMU's default devices)", () => {
  it("builds QEMU 7.2's tree: VGA, the default NIC, serial and parallel on text consoles, floppy and CD-ROM", async () => {
    const sock = join(mkdtempSync(join(tmpdir(), "qomd-tree-")), "qmp.sock");
    const pc = await createMachine(["-L", fakeFirmwareDir(), "-M", "pc", "-S", "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], {
      prog: "qemu-system-x86_64",
    });
    try {
      expect(treeLines(qomdTree(pc.registry), modelled)).toEqual(treeLines(readCapturedTree("qom-paths.pc-defaults.txt"), modelled));
      const root = objectGetRoot(pc.registry);
      const wrong = readCapturedLinks("qom-paths.pc-defaults.txt")
        .filter((l) => modelled(l.owner) && modelled(l.value))
        .filter((l) => resolvePath(root, l.owner).obj?.getProperty(l.prop) !== l.value)
        .map((l) => `${l.owner}.${l.prop}`);
      expect(wrong).toEqual([]);
    } finally {
      await pc.chardevs.closeAll();
    }
  });
});

describe("-M pc -S -nodefaults", () => {
  it("builds QEMU 7.2's composition tree, path for path and type for type", () => {
    const qemu = treeLines(readCapturedTree("qom-paths.pc-nodefaults.txt"), modelled);
    expect(treeLines(qomdTree(m.registry), modelled)).toEqual(qemu);
  });

  it("sets every link QEMU sets, to the same target", () => {
    const root = objectGetRoot(m.registry);
    const mismatches: string[] = [];
    for (const link of readCapturedLinks("qom-paths.pc-nodefaults.txt")) {
      if (!modelled(link.owner) || !modelled(link.value)) continue;
      const owner = resolvePath(root, link.owner).obj;
      const where = `${link.owner}.${link.prop}`;
      if (!owner) {
        mismatches.push(`${where}: owner missing`);
        continue;
      }
      const prop = owner.findProperty(link.prop);
      if (!prop) {
        mismatches.push(`${where}: property missing`);
        continue;
      }
      if (prop.type !== link.type) mismatches.push(`${where}: type ${prop.type}, QEMU ${link.type}`);
      const value = owner.getProperty(link.prop);
      if (value !== link.value) mismatches.push(`${where}: ${JSON.stringify(value)}, QEMU ${JSON.stringify(link.value)}`);
    }
    expect(mismatches).toEqual([]);
  });
});
