import { beforeEach, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { qomInit } from "../../../src/modules.js";
import { getSystemIo, getSystemMemory, memoryRegionInit, memoryRegionInitRam } from "../../../src/exec/memory.js";
import { adoptChild } from "../../../src/qom/child.js";
import { objectNew, type QomObject } from "../../../src/qom/object.js";
import { objectGetRoot } from "../../../src/qom/root.js";
import type { TypeRegistry } from "../../../src/qom/type.js";
import { containerGet } from "../../../src/qom/container.js";
import { qdevContext } from "../../../src/hw/core/qdev.js";
import { i440fxInit } from "../../../src/hw/pci-host/i440fx.js";
import { piix3Create } from "../../../src/hw/isa/piix3.js";
import { piix3IdeCreate } from "../../../src/hw/ide/piix.js";
import { piix4PmInit } from "../../../src/hw/acpi/piix4.js";
import { smbusEepromInit } from "../../../src/hw/i2c/smbus-eeprom.js";
import { pciDevfn } from "../../../src/hw/pci/pci-regs.js";

let types: TypeRegistry;
let root: QomObject;

/** Builds the PCI part of `-M pc` in pc_init1's order, with placeholders for the board's other devices. */
function buildPcPci(): void {
  const machine = adoptChild(root, "machine", objectNew(types, "container"));
  containerGet(root, "/machine/unattached");
  // device[0] and device[1] are the CPU and kvmvapic.
  qdevContext(types).unattachedCount = 2;
  const ram = memoryRegionInitRam(types, "pc.ram", 128 * 1024 * 1024);
  const pci = memoryRegionInit(types, "pci", 2 ** 64);
  const parts = i440fxInit(types, {
    systemMemory: getSystemMemory(types),
    systemIo: getSystemIo(types),
    ramSize: 128 * 1024 * 1024,
    belowFourGMemSize: 128 * 1024 * 1024,
    aboveFourGMemSize: 0,
    pciAddressSpace: pci,
    ramMemory: ram,
  });
  piix3Create(parts.bus, []);
  // QEMU's board creates 13 ISA devices between PIIX3 and the IDE function (device[4]..[16]).
  qdevContext(types).unattachedCount = 17;
  const ide = piix3IdeCreate(parts.bus, pciDevfn(1, 1));
  const pm = piix4PmInit(parts.bus, {
    devfn: pciDevfn(1, 3),
    smbIoBase: 0xb100,
    sciIrq: undefined,
    smiIrq: undefined,
    smmEnabled: true,
  });
  smbusEepromInit(pm.smbus!, 8);
  void machine;
  void ide;
}

function captured(): { paths: Map<string, string>; links: Map<string, string> } {
  const text = readFileSync(new URL("../../fixtures/qemu-7.2/qom-paths.pc-nodefaults.txt", import.meta.url), "utf8");
  const paths = new Map<string, string>();
  const links = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.startsWith("#") || line === "") continue;
    const cols = line.split("\t");
    if (cols.length === 2) paths.set(cols[0]!, cols[1]!);
    else if (cols.length === 3) links.set(cols[0]!, `${cols[1]}\t${cols[2]}`);
  }
  return { paths, links };
}

function walk(obj: QomObject, path: string, out: Map<string, string>, links: Map<string, string>): void {
  out.set(path, obj.typeName);
  for (const prop of obj.propertyIter()) {
    if (prop.type.startsWith("link<")) links.set(`${path}.${prop.name}`, `${prop.type}\t${JSON.stringify(obj.getProperty(prop.name))}`);
  }
  for (const [name, child] of obj.children()) walk(child, path === "/" ? `/${name}` : `${path}/${name}`, out, links);
}

/** The objects of the PCI family: what this test builds. */
const OURS = [
  /^\/machine\/i440fx(\/pam-|\/pci|$|\.)/,
  /^\/machine\/unattached\/device\[(2|3|17|18|19|2[0-6])\]/,
  /^\/machine\/unattached\/ide\[/,
];

function ours(path: string): boolean {
  return OURS.some((re) => re.test(path)) && !/isa\.0\.child/.test(path);
}

beforeEach(() => {
  types = qomInit().types;
  root = objectGetRoot(types);
});

describe("the PCI part of -M pc -nodefaults", () => {
  it("has QEMU's paths and types", () => {
    buildPcPci();
    const got = new Map<string, string>();
    const gotLinks = new Map<string, string>();
    walk(root, "/", got, gotLinks);
    const want = captured();
    const wantPaths = [...want.paths].filter(([p]) => ours(p));
    const gotPaths = [...got].filter(([p]) => ours(p));
    expect(wantPaths.length).toBe(102);
    expect(new Map(gotPaths)).toEqual(new Map(wantPaths));
  });

  it("has QEMU's links", () => {
    buildPcPci();
    const got = new Map<string, string>();
    const gotLinks = new Map<string, string>();
    walk(root, "/", got, gotLinks);
    const want = captured();
    // Links that point at the board's devices (io[0], system[0], gpio) need the whole board.
    const skip = (p: string) => /\.container$|gpio|smi-irq|isa\.0\.child/.test(p);
    const wantLinks = [...want.links].filter(([p]) => ours(p) && !skip(p));
    const gotLinks2 = [...gotLinks].filter(([p]) => ours(p) && !skip(p));
    expect(wantLinks.length).toBeGreaterThan(20);
    expect(new Map(gotLinks2)).toEqual(new Map(wantLinks));
  });
});
