// The q35 machine's composition tree and links against QEMU 7.2's capture, and the chipset's
// properties as device-list-properties reports them.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceListProperties } from "../../../src/hw/core/qdev.js";
import { qomInit } from "../../../src/modules.js";
import { resolvePath } from "../../../src/qom/path.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import { createMachine, type MachineInstance } from "../../../src/softmmu/vl.js";
import { fakeFirmwareDir } from "../../helpers/firmware.js";
import { FIXTURES, qomdTree, readCapturedLinks, readCapturedTree, treeLines } from "../../helpers/qom-tree.js";

const CAPTURE = "qom-paths.q35-nodefaults.txt";

/** Nothing is left out: the ACPI tables' ROM regions under fw_cfg are built too. */
const NOT_MODELLED: RegExp[] = [];

/**
 * The boot CPU and what it brings (device[0] with its lapic, kvmvapic at device[1]) are checked
 * as soon as the board creates a CPU; a qomd without CPUs must still number the chipset's
 * devices as QEMU does, which the rest of the comparison checks.
 */
const CPU_PATHS = [/^\/machine\/unattached\/device\[[01]\](\/|\.|$)/];

let m: MachineInstance;
let cpusPresent = false;

beforeAll(async () => {
  const sock = join(mkdtempSync(join(tmpdir(), "qomd-q35-")), "qmp.sock");
  m = await createMachine(["-L", fakeFirmwareDir(), "-M", "q35", "-S", "-nodefaults", "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], {
    prog: "qemu-system-x86_64",
  });
  cpusPresent = qomdTree(m.registry).get("/machine/unattached/device[0]")?.endsWith("-cpu") ?? false;
});

afterAll(async () => {
  await m.chardevs.closeAll();
});

function compared(path: string): boolean {
  if (NOT_MODELLED.some((re) => re.test(path))) return false;
  return cpusPresent || !CPU_PATHS.some((re) => re.test(path));
}

describe("-M q35 -S -nodefaults", () => {
  it("builds QEMU 7.2's composition tree, path for path and type for type", () => {
    expect(treeLines(qomdTree(m.registry), compared)).toEqual(treeLines(readCapturedTree(CAPTURE), compared));
  });

  it("creates the boot CPU, so that nothing of the capture is skipped but the ACPI blobs", () => {
    expect(cpusPresent).toBe(true);
  });

  it("sets every link QEMU sets, to the same target", () => {
    const root = objectGetRoot(m.registry);
    const mismatches: string[] = [];
    let checked = 0;
    for (const link of readCapturedLinks(CAPTURE)) {
      if (!compared(link.owner) || (link.value !== "" && !compared(link.value))) continue;
      checked++;
      const owner = resolvePath(root, link.owner).obj;
      const where = `${link.owner}.${link.prop}`;
      const prop = owner?.findProperty(link.prop);
      if (!owner || !prop) {
        mismatches.push(`${where}: missing`);
        continue;
      }
      if (prop.type !== link.type) mismatches.push(`${where}: type ${prop.type}, QEMU ${link.type}`);
      const value = owner.getProperty(link.prop);
      if (value !== link.value) mismatches.push(`${where}: ${JSON.stringify(value)}, QEMU ${JSON.stringify(link.value)}`);
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBeGreaterThan(270);
  });

  it("reports the host bridge's memory layout as QEMU does for 128 MiB", () => {
    const host = resolvePath(objectGetRoot(m.registry), "/machine/q35").obj!;
    expect(host.getProperty("MCFG")).toBe(0xffffffffffffffffn);
    expect(host.getProperty("mcfg_size")).toBe(0);
    expect(host.getProperty("pci-hole-start")).toBe(134217728);
    expect(host.getProperty("pci-hole-end")).toBe(4273995776);
    expect(host.getProperty("pci-hole64-start")).toBe(4294967296);
    expect(host.getProperty("pci-hole64-end")).toBe(38654705664);
    expect(host.getProperty("below-4g-mem-size")).toBe(134217728);
    const lpc = resolvePath(objectGetRoot(m.registry), "/machine/unattached/device[2]").obj!;
    expect(lpc.getProperty("pm_io_base")).toBe(0);
    expect(lpc.getProperty("gpe0_blk")).toBe(32);
    expect(lpc.getProperty("sci_int")).toBe(9);
    expect(lpc.getProperty("acpi-pcihp-io-base")).toBe(0xcc0);
  });
});

/** Builds a machine as the captures were made (paused, no display, QMP on a socket) and diffs it. */
async function differences(argv: readonly string[], capture: string): Promise<string[]> {
  const sock = join(mkdtempSync(join(tmpdir(), "qomd-q35-")), "qmp.sock");
  const machine = await createMachine(["-L", fakeFirmwareDir(), ...argv, "-display", "none", "-qmp", `unix:${sock},server=on,wait=off`], {
    prog: "qemu-system-x86_64",
  });
  try {
    const keep = (p: string) => !NOT_MODELLED.some((re) => re.test(p));
    const got = treeLines(qomdTree(machine.registry), keep);
    const want = treeLines(readCapturedTree(capture), keep);
    const out = [...want.filter((l) => !got.includes(l)).map((l) => `missing ${l}`), ...got.filter((l) => !want.includes(l)).map((l) => `extra ${l}`)];
    const root = objectGetRoot(machine.registry);
    for (const link of readCapturedLinks(capture)) {
      if (!keep(link.owner)) continue;
      const owner = resolvePath(root, link.owner).obj;
      const value = owner?.findProperty(link.prop) ? owner.getProperty(link.prop) : undefined;
      if (value !== link.value) out.push(`${link.owner}.${link.prop}: ${JSON.stringify(value)}, QEMU ${JSON.stringify(link.value)}`);
    }
    return out;
  } finally {
    await machine.chardevs.closeAll();
  }
}

describe("q35 with its default devices", () => {
  it("-M q35 -S -net none: the default CD-ROM on ide.2, the VGA last, serial and parallel consoles", async () => {
    expect(await differences(["-M", "q35", "-S", "-net", "none"], "qom-paths.q35-defaults-net-none.txt")).toEqual([]);
  });

  it("-M q35 -S: the default network adds an e1000e after the VGA, with its BAR regions, MSI-X table and PBA, and option ROM", async () => {
    expect(await differences(["-M", "q35", "-S"], "qom-paths.q35-defaults.txt")).toEqual([]);
  });
});

describe("device-list-properties of the Q35 chipset, as QEMU 7.2 answers", () => {
  for (const name of ["q35-pcihost", "mch", "ICH9-LPC", "ICH9-SMB", "ich9-ahci"]) {
    it(`lists ${name}'s properties in QEMU's order`, () => {
      const file = join(FIXTURES, `device-list-properties.${name}.json`);
      const want = (JSON.parse(readFileSync(file, "utf8")) as { response: { return: { name: string }[] } }).response.return;
      expect(deviceListProperties(qomInit().types, name)).toEqual(want);
    });
  }
});
